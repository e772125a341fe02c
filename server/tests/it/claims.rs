//! Issue 13: claim batches. A merchant with the claims scope makes a batch of server-signed
//! vouchers for one of their works; every voucher verifies with the shop's key and names its
//! batch, serial, work and expiry; the printable sheet carries one QR code per voucher that
//! scans (rqrr) back to the voucher's claim URL; the CSV lists them; a batch is revoked once;
//! bad requests change nothing.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use vitrine_protocol::claims::{self, SignedVoucher};
use vitrine_protocol::merchant::{ClaimBatch, Scope, VoucherEntry};
use vitrine_protocol::{ErrorCode, KeyId, UnixMillis};

use crate::helpers::{now, spawn_app, TestApp};
use crate::merchants::{audit_rows, bearer, call, code, merchant};

const CLAIMS: &str = "/api/v1/merchant/claims";
const DAY_MS: i64 = 86_400_000;

fn batch_of(item: i64, count: u32) -> Value {
    json!({
        "item": item, "count": count, "price": { "amount_minor": 0, "currency": "EUR" },
        "expires_at": now().plus(DAY_MS), "per_person_limit": 1,
    })
}

async fn claims_token(app: &TestApp) -> String {
    bearer(&merchant(app, "demo", &[Scope::Claims]).await)
}

async fn make(app: &TestApp, auth: &str, body: Value) -> ClaimBatch {
    let res = call(app, Method::POST, CLAIMS, Some(auth), Some(body)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

/// The dark modules of the QR code's SVG path (`M{x} {y}h{w}v{h}H{x}V{y}` per run of the
/// `qrcode` renderer), drawn into a grey image and decoded by rqrr.
fn scan(svg: &str) -> String {
    let attr = |name: &str| -> usize {
        let at = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        svg[at..].split('"').next().unwrap().parse().unwrap()
    };
    let (w, h) = (attr("width"), attr("height"));
    let mut dark = vec![false; w * h];
    let d = svg.split(" d=\"").nth(1).unwrap().split('"').next().unwrap();
    for run in d.split('M').filter(|r| !r.is_empty()) {
        let nums: Vec<usize> = run
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .map(|n| n.parse().unwrap())
            .collect();
        let [x, y, rw, rh, ..] = nums[..] else { panic!("path run {run:?}") };
        for yy in y..y + rh {
            for xx in x..x + rw {
                dark[yy * w + xx] = true;
            }
        }
    }
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(
            w,
            h,
            |x, y| {
                if dark[y * w + x] {
                    0
                } else {
                    255
                }
            },
        );
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    let (meta, content) = grids[0].decode().unwrap();
    // `HTTP://127.0.0.1:8080/CLAIM/` (28 characters, the demo's address) fits version 6 at M
    // (`claim_sheet`'s unit test); this test's port has five digits, one character more.
    assert!(meta.version.0 <= 7, "version {}", meta.version.0);
    content
}

#[tokio::test]
async fn a_batch_of_signed_vouchers_prints_as_a_sheet_whose_codes_scan_back_to_their_urls() {
    let app = spawn_app().await;
    let auth = claims_token(&app).await;
    let before = audit_rows(&app).await;
    let batch = make(&app, &auth, batch_of(101, 12)).await;
    assert_eq!((batch.count, batch.claimed, batch.revoked_at), (12, 0, None));
    assert_eq!(audit_rows(&app).await, before + 1);

    let res =
        call(&app, Method::GET, &format!("{CLAIMS}/{}/vouchers", batch.id), Some(&auth), None)
            .await;
    let vouchers: Vec<VoucherEntry> = res.json().await.unwrap();
    assert_eq!(vouchers.len(), 12);
    let public = app.server_key.public();
    let keys = |id: KeyId| (id == KeyId(1)).then_some(public);
    let mut nonces = std::collections::HashSet::new();
    for (n, v) in vouchers.iter().enumerate() {
        let signed = SignedVoucher::parse(&v.code).unwrap();
        let voucher = signed.check(now(), keys).unwrap();
        assert_eq!(u32::from(voucher.serial), u32::try_from(n).unwrap() + 1);
        assert_eq!((i64::from(voucher.batch), voucher.item), (batch.id, 101));
        assert_eq!(voucher.expires_at_ms(), UnixMillis(batch.expires_at.0 + 999));
        assert!(nonces.insert(voucher.nonce), "every voucher has its own nonce");
        assert_eq!(v.short_code, format!("{}-{:04}", batch.id, n + 1));
    }

    // The sheet: one labelled QR code per voucher, each scanning back to its claim URL.
    let res =
        call(&app, Method::GET, &format!("{CLAIMS}/{}/sheet", batch.id), Some(&auth), None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let html = res.text().await.unwrap();
    let svgs: Vec<&str> = html.split("<svg ").skip(1).collect();
    assert_eq!(svgs.len(), 12);
    assert!(html.contains("@media print") && html.contains("@page"));
    assert!(html.contains(&format!("QR code of voucher {}-0001", batch.id)));
    for (svg, v) in svgs.iter().zip(&vouchers).take(3) {
        assert_eq!(scan(svg), claims::qr_payload(&app.base, &v.code));
    }

    // The CSV: a header and a row per voucher with its URL.
    let res =
        call(&app, Method::GET, &format!("{CLAIMS}/{}/vouchers.csv", batch.id), Some(&auth), None)
            .await;
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "batch,serial,short_code,url,claimed_at");
    assert_eq!(lines.len(), 13);
    assert_eq!(
        lines[1],
        format!(
            "{},1,{},{},",
            batch.id,
            vouchers[0].short_code,
            claims::claim_url(&app.base, &vouchers[0].code)
        )
    );
}

#[tokio::test]
async fn bad_batches_are_refused_per_field_and_write_nothing() {
    let app = spawn_app().await;
    let auth = claims_token(&app).await;
    let before = audit_rows(&app).await;
    let mut cases = vec![
        (json!({ "count": 0 }), "count"),
        (json!({ "count": 10_001 }), "count"),
        (json!({ "price": { "amount_minor": -1, "currency": "EUR" } }), "price"),
        (json!({ "expires_at": now().minus(1) }), "expires_at"),
        (json!({ "expires_at": 4_294_967_296_000_i64 }), "expires_at"),
        (json!({ "per_person_limit": 0 }), "per_person_limit"),
        (json!({ "per_person_limit": 101 }), "per_person_limit"),
    ];
    // Another merchant's work, and one that does not exist.
    cases.push((json!({ "item": 999_999 }), "item"));
    for (change, field) in cases {
        let mut body = batch_of(101, 3);
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let res = call(&app, Method::POST, CLAIMS, Some(&auth), Some(body)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let error: vitrine_protocol::ApiError = res.json().await.unwrap();
        assert_eq!(error.code, ErrorCode::InvalidFields);
        assert!(error.fields.iter().any(|f| f.field == field), "{field}: {:?}", error.fields);
    }
    for body in [json!({ "item": 101 }), json!("x"), json!({ "item": 101, "count": 1, "extra": 1 })]
    {
        let res = call(&app, Method::POST, CLAIMS, Some(&auth), Some(body)).await;
        assert_eq!(code(res).await, (StatusCode::BAD_REQUEST, ErrorCode::MalformedBody));
    }
    assert_eq!(audit_rows(&app).await, before, "refusals write nothing");
    let n: Vec<i64> =
        sqlx::query_scalar("SELECT count(*) FROM vouchers").fetch_all(&app.db).await.unwrap();
    assert_eq!(n, [0]);
}

#[tokio::test]
async fn a_rival_or_a_token_without_the_scope_gets_nothing_and_a_batch_is_revoked_once() {
    let app = spawn_app().await;
    let auth = claims_token(&app).await;
    let batch = make(&app, &auth, batch_of(101, 2)).await;
    let rival = bearer(&merchant(&app, "rival", &Scope::ALL).await);
    let catalog = bearer(&merchant(&app, "demo", &[Scope::Catalog]).await);
    for path in ["", "/vouchers", "/sheet", "/vouchers.csv"] {
        let path = format!("{CLAIMS}/{}{path}", batch.id);
        let res = call(&app, Method::GET, &path, Some(&rival), None).await;
        assert_eq!(code(res).await, (StatusCode::NOT_FOUND, ErrorCode::NotFound), "{path}");
        let res = call(&app, Method::GET, &path, Some(&catalog), None).await;
        assert_eq!(code(res).await, (StatusCode::FORBIDDEN, ErrorCode::Forbidden), "{path}");
    }
    // A rival cannot make a batch of the demo merchant's work, nor revoke its batch.
    let res = call(&app, Method::POST, CLAIMS, Some(&rival), Some(batch_of(101, 1))).await;
    assert_eq!(code(res).await, (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields));
    let revoke = format!("{CLAIMS}/{}/revoke", batch.id);
    let res = call(&app, Method::POST, &revoke, Some(&rival), None).await;
    assert_eq!(code(res).await, (StatusCode::NOT_FOUND, ErrorCode::NotFound));
    for bad in ["0", "-1", "x", "99999999999"] {
        let res = call(&app, Method::GET, &format!("{CLAIMS}/{bad}"), Some(&auth), None).await;
        assert_eq!(code(res).await, (StatusCode::BAD_REQUEST, ErrorCode::BadRequest), "{bad}");
    }

    let before = audit_rows(&app).await;
    let res = call(&app, Method::POST, &revoke, Some(&auth), None).await;
    assert_eq!(res.status(), 200);
    let revoked: ClaimBatch = res.json().await.unwrap();
    assert!(revoked.revoked_at.is_some());
    let res = call(&app, Method::POST, &revoke, Some(&auth), None).await;
    assert_eq!(code(res).await, (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields));
    assert_eq!(audit_rows(&app).await, before + 1, "one revocation, audited once");
    // The database holds the same line: a batch is never deleted, and changes only once.
    let deleted = sqlx::query("DELETE FROM claim_batches").execute(&app.db).await;
    assert!(deleted.is_err());
    let again = sqlx::query("UPDATE claim_batches SET revoked_at = NULL").execute(&app.db).await;
    assert!(again.is_err());
}

#[tokio::test]
async fn the_cli_exports_the_same_sheet_and_csv_and_refuses_a_foreign_batch() {
    let app = spawn_app().await;
    let auth = claims_token(&app).await;
    let batch = make(&app, &auth, batch_of(101, 4)).await;
    let out = tempfile::tempdir().unwrap();
    let vitrine = env!("CARGO_BIN_EXE_vitrine");
    let run = |merchant: &str| {
        let batch = batch.id.to_string();
        std::process::Command::new(vitrine)
            .args(["claims", "export", &batch, "--merchant", merchant, "--origin", &app.base])
            .args(["--out", out.path().to_str().unwrap(), "--db", app.db_url.as_str()])
            .output()
            .unwrap()
    };
    let done = run("demo");
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let csv = std::fs::read_to_string(out.path().join(format!("claims-{}.csv", batch.id))).unwrap();
    let res =
        call(&app, Method::GET, &format!("{CLAIMS}/{}/vouchers.csv", batch.id), Some(&auth), None)
            .await;
    assert_eq!(csv, res.text().await.unwrap());
    let html =
        std::fs::read_to_string(out.path().join(format!("claims-{}.html", batch.id))).unwrap();
    let res =
        call(&app, Method::GET, &format!("{CLAIMS}/{}/sheet", batch.id), Some(&auth), None).await;
    assert_eq!(html, res.text().await.unwrap());

    merchant(&app, "rival", &[Scope::Claims]).await;
    let refused = run("rival");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("rival has no claim batch"));
}
