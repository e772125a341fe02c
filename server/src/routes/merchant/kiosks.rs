//! `POST /api/v1/merchant/kiosks` (scope `claims`): register a kiosk, the merchant's own device
//! that redeems vouchers for visitors at a pop-up. The body is a device registration, checked
//! as `POST /api/v1/devices` checks it; the answer is a certificate that allows free claims
//! only. A key is one merchant's kiosk: registering it again renews its certificate; another
//! merchant's is refused. Audited either way.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use vitrine_protocol::merchant::Scope;
use vitrine_protocol::signing::Signed;
use vitrine_protocol::{DeviceRegistration, ErrorCode};

use super::auth::Merchant;
use super::no_store;
use crate::domain::{clock, verify};
use crate::error::ApiError;
use crate::routes::json::ApiJson;
use crate::storage::kiosks::KioskRegistration;
use crate::AppState;

pub async fn register(
    State(state): State<AppState>,
    merchant: Merchant,
    ApiJson(registration): ApiJson<Signed<DeviceRegistration>>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Claims)?;
    let now = clock::now();
    let key = verify::registration(&registration, now)?;
    let certificate =
        state.keys.certify_kiosk(key, registration.body.format, now).ok_or_else(|| {
            ApiError::new(
                ErrorCode::BadRegistration,
                "a kiosk registers in format 2; reload the app to update it",
            )
        })?;
    let (actor, merchant_id) = (merchant.actor(), merchant.grant.merchant_id);
    match state.storage.register_kiosk(&actor, merchant_id, key, now).await? {
        KioskRegistration::Registered(_) | KioskRegistration::Again(_) => {
            Ok(no_store(StatusCode::CREATED, certificate))
        }
        // 422, not 409: a 409 means "retry" to our clients, and this never changes.
        KioskRegistration::Taken => Err(ApiError::new(
            ErrorCode::AlreadyExists,
            "this device key is another merchant's kiosk; make a new key on this kiosk",
        )),
    }
}
