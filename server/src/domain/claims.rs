//! Is this claim one we may take? Everything but "claimed once" and the per-person limit
//! (the writer's, in its batch): the device's certificate and signature, the voucher's
//! signature by one of our keys that still verifies (a retired key for as long as the ring
//! verifies what it signed, as `/api/v1/keys` publishes, so a phone checks the same), the
//! claim's id derived from voucher, device and attempt, the batch (ours, this work, not revoked), and
//! the acceptance rule with the voucher standing for the quote: the batch's price from its
//! creation to the voucher's expiry, so a claim scanned offline before the expiry is honoured
//! when it arrives, and one dated outside it is not. Last, whether a free claim comes from one
//! of the batch's merchant's kiosks, whose claims the writer counts per email only.

use vitrine_protocol::acceptance::{self, Refusal};
use vitrine_protocol::claims::{Claim, FREE_RAIL, MAX_CLAIM_ATTEMPTS};
use vitrine_protocol::signing::Signed;
use vitrine_protocol::{ErrorCode, Format, ItemId, KeyId, Money, OfflineLimit, Quote, UnixMillis};

use crate::domain::clock::http_date;
use crate::domain::keys::Keys;
use crate::domain::orders::{Admission, ClaimTicket};
use crate::domain::settlement::Rails;
use crate::domain::verify::{clock_ahead, reject, Rejection};
use crate::storage::claims::ClaimTerms;
use crate::storage::{Storage, StorageError};

/// A claim that may become an order.
#[derive(Debug, Clone)]
pub struct Checked {
    pub item: ItemId,
    pub total: Money,
    pub limit: OfflineLimit,
    pub admission: Admission,
    /// The voucher as a quote: the batch's price, from its creation to the voucher's expiry.
    pub quote: Quote,
    pub ticket: ClaimTicket,
}

/// Checks `signed` at `now`; the batch's terms are read from `storage`.
pub async fn check(
    signed: &Signed<Claim>,
    storage: &dyn Storage,
    keys: &Keys,
    rails: &Rails,
    now: UnixMillis,
) -> Result<Result<Checked, Rejection>, StorageError> {
    let claim = &signed.body;
    let Some(terms) = storage.claim_terms(i64::from(claim.voucher.voucher.batch)).await? else {
        return Ok(Err(reject(
            ErrorCode::VoucherInvalid,
            "This claim code's batch is not one of this shop's.",
        )));
    };
    let mut checked = match check_with(signed, &terms, keys, rails, now) {
        Ok(checked) => checked,
        Err(rejection) => return Ok(Err(rejection)),
    };
    // Only free claims: a kiosk's certificate allows nothing else, and a kiosk's key certified
    // as an ordinary device keeps its per-device count on a priced claim. Another merchant's
    // kiosk is an ordinary device here.
    if checked.total.amount_minor == 0 {
        checked.ticket.kiosk = storage.is_kiosk(terms.merchant_id, *claim.device_key()).await?;
    }
    Ok(Ok(checked))
}

fn check_with(
    signed: &Signed<Claim>,
    terms: &ClaimTerms,
    keys: &Keys,
    rails: &Rails,
    now: UnixMillis,
) -> Result<Checked, Rejection> {
    let claim = &signed.body;
    let cert = &claim.certificate;
    if cert.body.format != Format::V2 {
        return Err(reject(ErrorCode::CertificateInvalid, "claims need a format 2 certificate"));
    }
    let cert = keys.verify_grant(cert, Format::V2, cert.body.key_id, now).ok_or_else(|| {
        reject(ErrorCode::CertificateInvalid, "the device certificate is not ours")
    })?;
    signed
        .verify(&cert.device_key)
        .map_err(|_| reject(ErrorCode::BadSignature, "the claim's signature does not verify"))?;
    let voucher = claim
        .voucher
        .check(claim.device_time, |id| keys.verifier(Format::V2, id, now))
        .map_err(|p| match p {
        vitrine_protocol::claims::VoucherProblem::Expired => {
            reject(ErrorCode::VoucherExpired, p.message())
        }
        _ => reject(ErrorCode::VoucherInvalid, p.message()),
    })?;
    if claim.attempt > MAX_CLAIM_ATTEMPTS {
        return Err(reject(
            ErrorCode::BadRequest,
            format!("a device tries a voucher at most {} times", u16::from(MAX_CLAIM_ATTEMPTS) + 1),
        ));
    }
    if claim.id != claim.voucher.attempt_id(&cert.device_key, claim.attempt) {
        return Err(reject(
            ErrorCode::BadRequest,
            "the claim's id is not the one its voucher, device key and attempt make",
        ));
    }
    let item = ItemId::try_from(i64::from(voucher.item))
        .map_err(|_| reject(ErrorCode::VoucherInvalid, "This claim code names no work."))?;
    if terms.item != item {
        return Err(reject(ErrorCode::VoucherInvalid, "This claim code is for another work."));
    }
    if let Some(at) = terms.revoked_at {
        return Err(reject(
            ErrorCode::VoucherRevoked,
            format!("The shop withdrew this claim code on {}.", http_date(at)),
        ));
    }
    let quote = Quote {
        format: Format::V2,
        key_id: KeyId(u32::from(voucher.key_id)),
        item,
        price: terms.price,
        issued_at: terms.created_at,
        valid_until: voucher.expires_at_ms(),
    };
    let (admission, total) = match acceptance::accept(cert, &quote, 1, claim.device_time, now) {
        Ok(total) => (Admission::InTime, total),
        Err(Refusal::Late) => (Admission::Late, terms.price),
        Err(Refusal::QuoteExpired) => {
            return Err(reject(
                ErrorCode::VoucherExpired,
                "This claim code had expired when it was scanned.",
            ))
        }
        Err(Refusal::QuoteNotYetValid) => {
            return Err(reject(
                ErrorCode::VoucherInvalid,
                "This claim is dated before its code was made.",
            ))
        }
        Err(Refusal::ClockAhead { retry_after_ms }) => {
            return Err(clock_ahead("claim", retry_after_ms))
        }
        Err(refusal) => return Err(reject(refusal.code(), refusal.to_string())),
    };
    let free = total.amount_minor == 0;
    let rail = claim.payment.rail.as_str();
    if free != (rail == FREE_RAIL) || rails.get(rail).is_none() {
        let message = if free {
            format!("a free claim is made on the {FREE_RAIL:?} rail")
        } else {
            format!("this claim costs {total}: pay on a payment rail, not {rail:?}")
        };
        return Err(reject(ErrorCode::UnknownRail, message));
    }
    let limit = *cert
        .limit(total.currency)
        .ok_or_else(|| reject(ErrorCode::OverLimit, "no offline limit in this currency"))?;
    let ticket = ClaimTicket {
        batch: i64::from(voucher.batch),
        serial: voucher.serial,
        per_person_limit: terms.per_person_limit,
        kiosk: false,
    };
    Ok(Checked { item, total, limit, admission, quote, ticket })
}
