//! Issue 13: `GET /api/v1/claims/terms`, every open claim batch's public terms for the worker
//! to keep: newest first, with its price and expiry, revoked ones marked, expired ones gone;
//! revalidated on every use (`no-cache`). Its neighbours under `/api/v1/claims` keep their
//! methods.

use reqwest::{Method, StatusCode};
use vitrine_protocol::claims::BatchTerms;
use vitrine_protocol::merchant::{ClaimBatch, Scope};
use vitrine_protocol::{Currency, ErrorCode, Money};

use crate::claim_requests::{batch, Batch, CLAIMS, WORK};
use crate::helpers::{item_id, now, spawn_app, TestApp};
use crate::merchants::{bearer, call, code, merchant};

const TERMS: &str = "/api/v1/claims/terms";
const DAY_MS: i64 = 86_400_000;

async fn terms(app: &TestApp) -> Vec<BatchTerms> {
    let res = app.get(TERMS).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-cache");
    res.json().await.unwrap()
}

fn expected(b: &Batch, amount_minor: i64) -> BatchTerms {
    BatchTerms {
        batch: u32::try_from(b.batch.id).unwrap(),
        item: item_id(WORK),
        price: Money { amount_minor, currency: Currency::EUR },
        // The last moment a voucher of it is claimable, as the voucher itself says.
        expires_at: b.vouchers[0].voucher.expires_at_ms(),
        revoked_at: None,
    }
}

#[tokio::test]
async fn open_batches_are_listed_newest_first_revoked_ones_marked_and_expired_ones_gone() {
    let app = spawn_app().await;
    let soon = batch(&app, 1, 0, 2_000, 1).await;
    let free = batch(&app, 2, 0, DAY_MS, 1).await;
    let priced = batch(&app, 2, 500, DAY_MS, 1).await;
    let listed = terms(&app).await;
    assert_eq!(listed, [expected(&priced, 500), expected(&free, 0), expected(&soon, 0)]);
    assert!(!listed[0].is_free() && listed[1].is_free());

    let expiry = soon.vouchers[0].voucher.expires_at_ms();
    app.wait_until("the short batch to expire", || async { now() > expiry }).await;
    assert_eq!(terms(&app).await, [expected(&priced, 500), expected(&free, 0)]);

    let auth = bearer(&merchant(&app, "demo", &[Scope::Claims]).await);
    let revoke = format!("{CLAIMS}/{}/revoke", free.batch.id);
    let revoked: ClaimBatch =
        call(&app, Method::POST, &revoke, Some(&auth), None).await.json().await.unwrap();
    let mut free_now = expected(&free, 0);
    free_now.revoked_at = revoked.revoked_at;
    assert!(free_now.revoked_at.is_some());
    assert_eq!(terms(&app).await, [expected(&priced, 500), free_now]);
}

#[tokio::test]
async fn the_claims_paths_keep_their_methods_apart() {
    let app = spawn_app().await;
    assert!(terms(&app).await.is_empty());
    for (method, path) in [
        (Method::POST, TERMS),
        (Method::GET, "/api/v1/claims/batch"),
        (Method::GET, "/api/v1/claims"),
    ] {
        let res = call(&app, method, path, None, Some(serde_json::json!([]))).await;
        let expected = (StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed);
        assert_eq!(code(res).await, expected, "{path}");
    }
}
