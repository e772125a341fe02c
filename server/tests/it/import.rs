//! Issue 12: `vitrine import` loads a whole catalog with its images, from JSON, CSV or a
//! folder; the running server shows it without a restart; a second run changes nothing; a
//! bad catalog writes nothing.

use std::io::Cursor;
use std::path::Path;

use serde_json::{json, Value};
use vitrine_protocol::merchant::Scope;

use crate::helpers::{spawn_app, TestApp};
use crate::merchants::{audit_rows, merchant};

fn png(path: &Path, width: u32, shade: u8) {
    let img = image::RgbImage::from_fn(width, 200, |x, _| image::Rgb([shade, (x % 256) as u8, 90]));
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    std::fs::write(path, out).unwrap();
}

fn import(app: &TestApp, path: &Path, merchant: &str) -> std::process::Output {
    let media = app.dir_path().join("media");
    std::process::Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .arg("import")
        .arg(path)
        .args(["--merchant", merchant, "--db", app.db_url.as_str(), "--media"])
        .arg(media)
        .output()
        .unwrap()
}

fn count_originals(app: &TestApp) -> usize {
    std::fs::read_dir(app.dir_path().join("media/originals")).map_or(0, |d| d.count())
}

#[tokio::test]
async fn a_folder_catalog_is_imported_once_with_its_images_and_served_without_a_restart() {
    let app = spawn_app().await;
    merchant(&app, "atelier", &[Scope::Catalog]).await;
    let dir = tempfile::tempdir().unwrap();
    png(&dir.path().join("tide.png"), 600, 20);
    png(&dir.path().join("ebb.png"), 400, 200);
    let item = |title: &str, image: &str| {
        json!({ "title": title, "artist": "R. Ames", "alt": format!("{title}, in blue ink"),
                "edition_size": 3, "price": { "amount_minor": 5400, "currency": "EUR" }, "image": image })
    };
    let catalog = json!({ "collections": [{
        "slug": "sea-prints", "title": "Sea prints", "description": "Risograph.",
        "items": [item("Tide", "tide.png"), item("Ebb", "ebb.png")],
    }]});
    std::fs::write(dir.path().join("catalog.json"), catalog.to_string()).unwrap();

    let first = import(&app, dir.path(), "atelier");
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let said = String::from_utf8_lossy(&first.stdout);
    assert!(said.contains("1 new collections, 2 new works, 2 images made (0 failed)"), "{said}");
    // The running server picks the new manifest up by itself.
    app.wait_until("the imported works on show", || async {
        let res = app.get("/api/v1/collections/sea-prints").await;
        if res.status() != 200 {
            return false;
        }
        let detail: Value = res.json().await.unwrap();
        detail["items"]
            .as_array()
            .is_some_and(|items| items.len() == 2 && items.iter().all(|i| i["picture"].is_object()))
    })
    .await;

    let (audit, files) = (audit_rows(&app).await, count_originals(&app));
    let again = import(&app, dir.path(), "atelier");
    assert!(again.status.success());
    let said = String::from_utf8_lossy(&again.stdout);
    assert!(said.contains("0 new collections, 0 new works, 0 images made"), "{said}");
    assert_eq!((audit_rows(&app).await, count_originals(&app)), (audit, files), "nothing changed");
}

#[tokio::test]
async fn a_csv_catalog_is_imported_and_a_bad_one_writes_nothing() {
    let app = spawn_app().await;
    merchant(&app, "atelier", &[Scope::Catalog]).await;
    let dir = tempfile::tempdir().unwrap();
    png(&dir.path().join("dune.png"), 500, 120);
    let header = "collection,collection_title,title,artist,description,alt,edition_size,price_minor,currency,image\n";
    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        format!("{header}desert,Desert,Dune,\"Ames, R.\",,\"Dunes at noon\",2,9900,USD,dune.png\n"),
    )
    .unwrap();
    let out = import(&app, &good, "atelier");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let before = (audit_rows(&app).await, count_originals(&app));
    for (name, body) in [
        (
            "missing-image.csv",
            format!("{header}desert,Desert,Mirage,A,,A mirage,2,100,EUR,nowhere.png\n"),
        ),
        ("no-alt.csv", format!("{header}desert,Desert,Mirage,A,,,2,100,EUR,dune.png\n")),
        ("bad-currency.csv", format!("{header}desert,Desert,Mirage,A,,Alt,2,100,XBT,dune.png\n")),
        ("bad-slug.csv", format!("{header}Not A Slug,Desert,Mirage,A,,Alt,2,100,EUR,dune.png\n")),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        let out = import(&app, &path, "atelier");
        assert!(!out.status.success(), "{name}");
    }
    // Someone else's slug, and a merchant that does not exist.
    let theirs = dir.path().join("theirs.csv");
    std::fs::write(&theirs, format!("{header}quiet-grids,Mine,Mirage,A,,Alt,2,100,EUR,dune.png\n"))
        .unwrap();
    assert!(!import(&app, &theirs, "atelier").status.success());
    assert!(!import(&app, &good, "nobody").status.success());
    assert_eq!((audit_rows(&app).await, count_originals(&app)), before, "nothing written");
}
