//! The variant pipeline (deterministic, incremental, right sizes, real encodings) and the
//! client-hint endpoint over HTTP.

use std::path::Path;

use reqwest::header::{ACCEPT, CACHE_CONTROL, LOCATION, VARY};
use reqwest::StatusCode;
use vitrine_protocol::{ImageFormat, Item};
use vitrine_server::demo::art::{write_jpeg, ArtSpec, Rng, Style};
use vitrine_server::images::manifest::{self, Manifest};
use vitrine_server::images::pipeline;

use crate::helpers::{spawn_app, spawn_app_with_pictures};

fn draw_original(media: &Path, name: &str, seed: u64) {
    let spec = ArtSpec::random(Style::Rings, &mut Rng::new(seed));
    write_jpeg(&media.join("originals").join(name), &spec.render(700, 466), 90).unwrap();
}

fn read_manifest(media: &Path) -> Manifest {
    manifest::load(media).unwrap()
}

#[test]
fn variants_are_deterministic_and_decode_at_their_size() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for dir in [&a, &b] {
        draw_original(dir.path(), "7-abc.jpg", 7);
        let report = pipeline::run(dir.path(), &|_, _| {}).unwrap();
        assert_eq!((report.originals, report.encoded, report.reused), (1, 1, 0));
    }
    let (ma, mb) = (read_manifest(a.path()), read_manifest(b.path()));
    assert_eq!(ma, mb, "same originals, same manifest");
    let entry = &ma.images["7-abc"];
    assert_eq!((entry.width, entry.height), (700, 466));
    assert!(entry.base.starts_with("/media/v/7-abc-"), "{}", entry.base);
    // Both formats at every width up to the original's own (never upscaled), and lite ones.
    let picture = entry.picture();
    assert_eq!(picture.widths, [160, 320, 480, 640, 700]);
    assert_eq!(picture.lite, [160, 320, 480]);
    assert!(picture.placeholder.len() <= 40, "placeholder inlines: {}", picture.placeholder);

    for v in &entry.variants {
        let rel = format!("{}{}", entry.base.trim_start_matches("/media/"), v.file);
        let bytes_a = std::fs::read(a.path().join(&rel)).unwrap();
        assert_eq!(bytes_a, std::fs::read(b.path().join(&rel)).unwrap(), "{rel} is deterministic");
        assert_eq!(bytes_a.len() as u64, v.bytes, "{rel}: manifest bytes");
        let (w, h) = match v.format {
            ImageFormat::Jpeg => {
                // Progressive: a SOF2 marker, not baseline SOF0.
                assert!(bytes_a.windows(2).any(|m| m == [0xFF, 0xC2]), "{rel} is progressive");
                let img = image::load_from_memory(&bytes_a).unwrap();
                (img.width(), img.height())
            }
            ImageFormat::Webp => {
                let img = webp::Decoder::new(&bytes_a).decode().unwrap();
                (img.width(), img.height())
            }
        };
        assert_eq!((w, h), (v.width, v.height), "{rel} decodes at its size");
        assert_eq!(v.height, picture.height_at(v.width), "{rel} keeps the aspect ratio");
    }
    // Smaller widths are smaller files, and lite is smaller than full quality.
    let size = |w: u32, f: ImageFormat, lite: bool| {
        entry
            .variants
            .iter()
            .find(|v| v.width == w && v.format == f && v.lite == lite)
            .unwrap()
            .bytes
    };
    assert!(size(160, ImageFormat::Webp, false) < size(640, ImageFormat::Webp, false));
    assert!(size(320, ImageFormat::Jpeg, true) < size(320, ImageFormat::Jpeg, false));
    assert!(size(640, ImageFormat::Webp, false) < size(640, ImageFormat::Jpeg, false));
}

#[test]
fn an_original_named_with_spaces_or_accents_gets_plain_variant_urls() {
    let media = tempfile::tempdir().unwrap();
    draw_original(media.path(), "Sea glass été #2.jpg", 3);
    pipeline::run(media.path(), &|_, _| {}).unwrap();
    let entry = &read_manifest(media.path()).images["Sea glass été #2"];
    // Nothing a URL would escape: the worker keeps a reported picture only under a plain URL.
    assert!(entry.base.starts_with("/media/v/Sea-glass--t---2-"), "{}", entry.base);
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-".contains(c);
    assert!(entry.base.chars().all(plain), "{}", entry.base);
    for v in &entry.variants {
        let rel = format!("{}{}", entry.base.trim_start_matches("/media/"), v.file);
        assert!(media.path().join(&rel).is_file(), "{rel} written where its URL says");
    }
}

#[test]
fn two_same_originals_whose_names_read_alike_once_plain_get_folders_of_their_own() {
    let media = tempfile::tempdir().unwrap();
    draw_original(media.path(), "Sea glass.jpg", 4);
    std::fs::copy(
        media.path().join("originals/Sea glass.jpg"),
        media.path().join("originals/Sea-glass.jpg"),
    )
    .unwrap();
    let report = pipeline::run(media.path(), &|_, _| {}).unwrap();
    assert_eq!(report.encoded, 2);
    let images = read_manifest(media.path()).images;
    let (spaced, plain) = (&images["Sea glass"].base, &images["Sea-glass"].base);
    assert_ne!(spaced, plain, "one folder each");
    assert!(spaced.starts_with("/media/v/Sea-glass-") && plain.starts_with("/media/v/Sea-glass-"));
}

#[test]
fn unchanged_originals_are_not_encoded_again() {
    let dir = tempfile::tempdir().unwrap();
    draw_original(dir.path(), "1-a.jpg", 1);
    draw_original(dir.path(), "2-b.jpg", 2);
    assert_eq!(pipeline::run(dir.path(), &|_, _| {}).unwrap().encoded, 2);
    let before = read_manifest(dir.path());

    let calls = std::sync::atomic::AtomicUsize::new(0);
    let again = pipeline::run(dir.path(), &|_, _| {
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    })
    .unwrap();
    assert_eq!((again.encoded, again.reused), (0, 2));
    assert_eq!(calls.into_inner(), 0, "nothing to report progress on");
    assert_eq!(read_manifest(dir.path()), before);

    // A changed original gets a new folder (new URLs); the old one is removed.
    let old_base = before.images["2-b"].base.clone();
    draw_original(dir.path(), "2-b.jpg", 99);
    let changed = pipeline::run(dir.path(), &|_, _| {}).unwrap();
    assert_eq!((changed.encoded, changed.reused), (1, 1));
    let after = read_manifest(dir.path());
    assert_ne!(after.images["2-b"].base, old_base);
    assert!(!dir.path().join(old_base.trim_start_matches("/media/")).exists());
    assert_eq!(after.images["1-a"], before.images["1-a"]);
}

#[tokio::test]
async fn catalog_carries_pictures_and_img_follows_client_hints() {
    let app = spawn_app_with_pictures().await;
    let item: Item = app.get("/api/v1/items/101").await.json().await.unwrap();
    let picture = item.summary.picture.expect("item 101 has variants");
    assert_eq!(picture.widths.last(), Some(&600));

    let no_redirect =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let img = |headers: &'static [(&'static str, &'static str)]| {
        let mut req = no_redirect.get(app.url("/img/101"));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send()
    };
    // DPR 2, a 200 CSS px slot, WebP accepted.
    let res = img(&[("sec-ch-dpr", "2"), ("sec-ch-width", "400"), ("accept", "image/webp,*/*")])
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[LOCATION], picture.url(480, ImageFormat::Webp, false).as_str());
    let vary = res.headers()[VARY].to_str().unwrap();
    for h in ["Sec-CH-DPR", "Sec-CH-Width", "Save-Data", "Accept"] {
        assert!(vary.contains(h), "Vary names {h}: {vary}");
    }
    assert!(res.headers()["accept-ch"].to_str().unwrap().contains("Sec-CH-DPR"));
    assert!(res.headers()[CACHE_CONTROL].to_str().unwrap().starts_with("private"));
    // Save-Data: lite JPEG for a client that takes no WebP.
    let res =
        img(&[("sec-ch-dpr", "2"), ("sec-ch-width", "400"), ("save-data", "on")]).await.unwrap();
    assert_eq!(res.headers()[LOCATION], picture.url(320, ImageFormat::Jpeg, true).as_str());
    // The redirect target is really there, immutable.
    let target = res.headers()[LOCATION].to_str().unwrap().to_owned();
    let file = app.get(&target).await;
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert!(image::load_from_memory(&file.bytes().await.unwrap()).is_ok());

    // Bad input: a clear 4xx in the one error shape.
    for (path, status, code) in [
        ("/img/abc", 400, "bad_request"),
        ("/img/9999", 404, "not_found"),
        ("/img/102", 404, "not_found"), // an item whose image has no variants
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status().as_u16(), status, "{path}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], code, "{path}");
    }
}

#[tokio::test]
async fn the_shell_asks_for_client_hints() {
    let app = spawn_app().await;
    let res =
        app.client.get(app.url("/c/tidal-glass")).header(ACCEPT, "text/html").send().await.unwrap();
    assert!(res.headers()["accept-ch"].to_str().unwrap().contains("Sec-CH-Width"));
}
