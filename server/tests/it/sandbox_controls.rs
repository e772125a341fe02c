//! Issue 14: the sandbox controls tests and runbooks use — move sandbox time, reorg the L1,
//! revert the L2's batch, halt the L2's batcher. Admin scope only, audited, bounded, and absent from a server that
//! runs no sandboxes.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use vitrine_protocol::merchant::Scope;
use vitrine_protocol::ErrorCode;
use vitrine_server::domain::settlement::Sandboxes;

use crate::helpers::{now, spawn_app, spawn_app_with_sandboxes};
use crate::merchants::{audit_rows, bearer, call, code, merchant};

const ADVANCE: &str = "/api/v1/merchant/sandbox/advance";
const REORG: &str = "/api/v1/merchant/sandbox/reorg";
const REVERT: &str = "/api/v1/merchant/sandbox/revert";
const HALT: &str = "/api/v1/merchant/sandbox/halt";

#[tokio::test]
async fn an_admin_moves_sandbox_time_and_each_move_is_audited() {
    let sandboxes = Sandboxes::new(9);
    let app = spawn_app_with_sandboxes(&sandboxes).await;
    let admin = bearer(&merchant(&app, "demo", &[Scope::Admin]).await);
    let before = audit_rows(&app).await;
    let res =
        call(&app, Method::POST, ADVANCE, Some(&admin), Some(json!({"seconds": 259_200}))).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["offset_seconds"], 259_200);
    assert_eq!(sandboxes.clock.offset().as_secs(), 259_200);
    let head = sandboxes.l1.head(now());
    let res = call(&app, Method::POST, REORG, Some(&admin), Some(json!({"depth": 3}))).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["dropped"], 0, "nothing of ours to drop");
    assert!(sandboxes.l1.head(now()) >= head);
    let res = call(&app, Method::POST, REVERT, Some(&admin), None).await;
    assert_eq!(res.status(), 200);
    let res = call(&app, Method::POST, HALT, Some(&admin), Some(json!({"seconds": 600}))).await;
    assert_eq!(res.status(), 200);
    let back_at = res.json::<Value>().await.unwrap()["back_at"].as_i64().unwrap();
    let expected = sandboxes.clock.at(now()).0 + 600_000;
    assert!((expected - 5_000..=expected).contains(&back_at), "{back_at} vs {expected}");
    assert_eq!(audit_rows(&app).await, before + 4);
}

#[tokio::test]
async fn nobody_else_moves_it_and_nothing_out_of_bounds_is_done() {
    let sandboxes = Sandboxes::new(10);
    let app = spawn_app_with_sandboxes(&sandboxes).await;
    let admin = bearer(&merchant(&app, "demo", &[Scope::Admin]).await);
    let orders = bearer(&merchant(&app, "demo", &[Scope::Orders, Scope::Claims]).await);
    let day = Some(json!({"seconds": 86_400}));
    let before = audit_rows(&app).await;
    for (case, auth, path, body, expected) in [
        (
            "no token",
            None,
            ADVANCE,
            day.clone(),
            (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
        ),
        (
            "a forged token",
            Some("Bearer vt_forged"),
            REORG,
            Some(json!({"depth": 1})),
            (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
        ),
        (
            "another scope",
            Some(orders.as_str()),
            ADVANCE,
            day.clone(),
            (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
        ),
        (
            "another scope",
            Some(orders.as_str()),
            REVERT,
            None,
            (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
        ),
        (
            "no time at all",
            Some(admin.as_str()),
            ADVANCE,
            Some(json!({"seconds": 0})),
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields),
        ),
        (
            "a century",
            Some(admin.as_str()),
            ADVANCE,
            Some(json!({"seconds": 3_153_600_000u64})),
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields),
        ),
        (
            "backwards",
            Some(admin.as_str()),
            ADVANCE,
            Some(json!({"seconds": -60})),
            (StatusCode::BAD_REQUEST, ErrorCode::MalformedBody),
        ),
        (
            "an unknown field",
            Some(admin.as_str()),
            ADVANCE,
            Some(json!({"seconds": 1, "rewind": true})),
            (StatusCode::BAD_REQUEST, ErrorCode::MalformedBody),
        ),
        (
            "no depth",
            Some(admin.as_str()),
            REORG,
            Some(json!({"depth": 0})),
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields),
        ),
        (
            "too deep",
            Some(admin.as_str()),
            REORG,
            Some(json!({"depth": 65})),
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields),
        ),
        (
            "a halt without a token",
            None,
            HALT,
            Some(json!({"seconds": 60})),
            (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
        ),
        (
            "a halt in another scope",
            Some(orders.as_str()),
            HALT,
            Some(json!({"seconds": 60})),
            (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
        ),
        (
            "a halt of no time",
            Some(admin.as_str()),
            HALT,
            Some(json!({"seconds": 0})),
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields),
        ),
        (
            "a halt of a century",
            Some(admin.as_str()),
            HALT,
            Some(json!({"seconds": 3_153_600_000u64})),
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields),
        ),
        (
            "a halt backwards",
            Some(admin.as_str()),
            HALT,
            Some(json!({"seconds": -60})),
            (StatusCode::BAD_REQUEST, ErrorCode::MalformedBody),
        ),
        (
            "a halt with an unknown field",
            Some(admin.as_str()),
            HALT,
            Some(json!({"seconds": 60, "chain": "sandbox-l1"})),
            (StatusCode::BAD_REQUEST, ErrorCode::MalformedBody),
        ),
        (
            "a halt with no body",
            Some(admin.as_str()),
            HALT,
            None,
            (StatusCode::BAD_REQUEST, ErrorCode::MalformedBody),
        ),
    ] {
        let res = call(&app, Method::POST, path, auth, body).await;
        assert_eq!(code(res).await, expected, "{case}");
    }
    assert_eq!(sandboxes.clock.offset().as_secs(), 0, "nothing moved");
    assert_eq!(audit_rows(&app).await, before, "nothing audited");
    // A server without sandboxes has no controls at all.
    let plain = spawn_app().await;
    let admin = bearer(&merchant(&plain, "demo", &[Scope::Admin]).await);
    let res = call(&plain, Method::POST, ADVANCE, Some(&admin), day).await;
    assert_eq!(code(res).await, (StatusCode::NOT_FOUND, ErrorCode::NotFound));
    let res = call(&plain, Method::POST, HALT, Some(&admin), Some(json!({"seconds": 60}))).await;
    assert_eq!(code(res).await, (StatusCode::NOT_FOUND, ErrorCode::NotFound));
}
