//! Claiming a voucher on the device: the code is checked offline against the shop's published
//! keys (as last fetched, so key rotation is respected), its batch's terms are read from the
//! same cache, and the claim is signed and stored with its receipt like a purchase. Sending is
//! the replayer's job (`claim_replay`).

use rexie::Rexie;
use serde::de::DeserializeOwned;
use vitrine_protocol::claims::{BatchTerms, Claim, SignedVoucher, FREE_RAIL, MAX_CLAIM_ATTEMPTS};
use vitrine_protocol::device::{ClaimRequest, Receipt, VoucherView, WorkerReply};
use vitrine_protocol::signing::{PublicKey, Signed};
use vitrine_protocol::PublishedKeys;
use vitrine_protocol::{drops, paths, Format, Money, Payment, UnixMillis};

use crate::cache_names::CacheKind;
use crate::device_db::{self, DbError, DeviceRecord, OutboxEntry, Outgoing};
use crate::{device_key, js};

/// How long a person waits for fresh keys or terms before the cached copy is used.
const FRESH_WITHIN_MS: i32 = 1_500;

/// After a failed attempt, scans skip the network for this long: a kiosk offline for the
/// afternoon should not wait on two dead requests per code.
const QUIET_AFTER_FAILURE_MS: i64 = 10_000;

thread_local! {
    static LAST_FAILURE: std::cell::Cell<i64> = const { std::cell::Cell::new(i64::MIN) };
}

/// `url`'s JSON, fresh when the network answers quickly (and then kept in the API cache),
/// else the copy the API cache holds (the worker's stale-while-revalidate fills it too).
async fn fresh_or_cached<T: DeserializeOwned>(url: &str) -> Option<T> {
    let cache = js::open(CacheKind::Api).await.ok()?;
    let now = js::now().0;
    let quiet = now.saturating_sub(LAST_FAILURE.get()) < QUIET_AFTER_FAILURE_MS;
    let fetched = if quiet { None } else { js::get_fresh_within(url, FRESH_WITHIN_MS).await.ok() };
    if fetched.is_none() && !quiet {
        LAST_FAILURE.set(now);
    }
    if let Some(response) = fetched {
        if response.ok() {
            if let Ok(copy) = response.clone() {
                let _ = js::put_url(&cache, url, &copy).await;
            }
            if let Some(value) =
                js::text(&response).await.ok().and_then(|t| serde_json::from_str(&t).ok())
            {
                return Some(value);
            }
        }
    }
    let cached = js::lookup_url(&cache, url).await.ok()??;
    serde_json::from_str(&js::text(&cached).await.ok()?).ok()
}

/// The code a person gave: a full code, a claim URL, or (at a kiosk) a short code the kiosk
/// downloaded.
async fn voucher_of(db: &Rexie, text: &str) -> Result<Option<SignedVoucher>, DbError> {
    let text = text.trim();
    let last = text.rsplit('/').next().unwrap_or(text);
    if let Ok(voucher) = SignedVoucher::parse(last) {
        return Ok(Some(voucher));
    }
    let short = last.trim().replace(' ', "");
    Ok(device_db::kiosk_voucher(db, &short)
        .await?
        .and_then(|code| SignedVoucher::parse(&code).ok()))
}

/// Checked offline: genuine and unexpired, with its batch's terms when known.
struct Checked {
    voucher: SignedVoucher,
    terms: Option<BatchTerms>,
}

async fn check_code(
    db: &Rexie,
    code: &str,
    now: UnixMillis,
) -> Result<Result<Checked, String>, DbError> {
    let Some(voucher) = voucher_of(db, code).await? else {
        return Ok(Err("This is not a claim code of this shop.".into()));
    };
    let Some(keys) = fresh_or_cached::<PublishedKeys>(paths::KEYS).await else {
        return Ok(Err("This phone has not seen the shop's keys yet: open the shop once online, then scan again.".into()));
    };
    let key_of = |id| published_key(&keys, id, now);
    if let Err(problem) = voucher.check(now, key_of) {
        return Ok(Err(problem.message().into()));
    }
    let terms = fresh_or_cached::<Vec<BatchTerms>>(paths::CLAIM_TERMS)
        .await
        .and_then(|all| all.into_iter().find(|t| t.batch == voucher.voucher.batch));
    if let Some(at) = terms.as_ref().and_then(|t| t.revoked_at) {
        return Ok(Err(format!("The shop withdrew this claim code ({}).", date(at))));
    }
    Ok(Ok(Checked { voucher, terms }))
}

/// The published key `id`, if it still verifies at `now` (a retired key until its
/// `verifies_until`), as the server decides.
fn published_key(
    keys: &PublishedKeys,
    id: vitrine_protocol::KeyId,
    now: UnixMillis,
) -> Option<PublicKey> {
    keys.keys
        .iter()
        .find(|k| k.id == id && k.verifies_until.is_none_or(|until| now <= until))
        .map(|k| k.public_key)
}

fn date(at: UnixMillis) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.0 as f64));
    String::from(d.to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED))
}

/// The device record that claims: the kiosk's, or the collector's (registered when online).
async fn claimer(db: &Rexie, kiosk: bool) -> Result<DeviceRecord, DbError> {
    if kiosk {
        device_key::kiosk(db).await
    } else {
        device_key::ensure(db).await
    }
}

/// This device's last attempt at `voucher` and its receipt, if it made any. Attempts are made
/// in order, each once the one before it gave the voucher back; every one is looked for, so
/// a receipt deleted on the device does not bring back an id the shop has seen.
async fn latest_attempt(
    db: &Rexie,
    voucher: &SignedVoucher,
    device: &PublicKey,
) -> Result<Option<(u8, Receipt)>, DbError> {
    let mut latest = None;
    for attempt in 0..=MAX_CLAIM_ATTEMPTS {
        if let Some(receipt) = device_db::receipt(db, voucher.attempt_id(device, attempt)).await? {
            latest = Some((attempt, receipt));
        }
    }
    Ok(latest)
}

/// Whether attempt `n`, which ended as `receipt` says, leaves this device another try.
fn may_try_again(n: u8, receipt: &Receipt) -> bool {
    receipt.status.gives_voucher_back() && n < MAX_CLAIM_ATTEMPTS
}

/// `PageRequest::ClaimCheck`.
pub async fn check(
    db: &Rexie,
    code: &str,
    kiosk: bool,
    offset_ms: i64,
) -> Result<WorkerReply, DbError> {
    let now = drops::corrected(js::now(), offset_ms);
    let checked = match check_code(db, code, now).await? {
        Ok(checked) => checked,
        Err(reason) => return Ok(WorkerReply::Refused { reason }),
    };
    let record = claimer(db, kiosk).await?;
    let key = device_key::secret(&record)?;
    let latest = latest_attempt(db, &checked.voucher, &key.public()).await?;
    let may_try_again = latest.as_ref().is_some_and(|(n, r)| may_try_again(*n, r));
    let receipt = latest.map(|(_, r)| Box::new(r));
    let v = checked.voucher.voucher;
    let Ok(item) = vitrine_protocol::ItemId::try_from(i64::from(v.item)) else {
        return Ok(WorkerReply::Refused { reason: "This claim code names no work.".into() });
    };
    Ok(WorkerReply::Voucher(Box::new(VoucherView {
        code: checked.voucher.code(),
        short_code: v.short_code(),
        item,
        expires_at: v.expires_at_ms(),
        terms: checked.terms,
        receipt,
        may_try_again,
    })))
}

/// `PageRequest::Claim`: sign and store, once per voucher on this device, or once more after
/// the last attempt gave the voucher back (declined, expired).
pub async fn claim(db: &Rexie, request: ClaimRequest) -> Result<WorkerReply, DbError> {
    let now = drops::corrected(js::now(), request.clock_offset_ms);
    let checked = match check_code(db, &request.code, now).await? {
        Ok(checked) => checked,
        Err(reason) => return Ok(WorkerReply::Refused { reason }),
    };
    let record = claimer(db, request.kiosk).await?;
    let key = device_key::secret(&record)?;
    let public = key.public();
    // The next attempt once the last one gave the voucher back; otherwise the claim stands.
    let attempt = match latest_attempt(db, &checked.voucher, &public).await? {
        None => 0,
        Some((n, last)) if may_try_again(n, &last) => n + 1,
        Some((_, existing)) => {
            return Ok(WorkerReply::AlreadyClaimed {
                at: existing.created_at,
                receipt: Box::new(existing),
            })
        }
    };
    let id = checked.voucher.attempt_id(&public, attempt);
    let Some(certificate) = record.certificate.clone() else {
        let reason = if request.kiosk {
            "This kiosk is not set up: sign in with a claims token while online."
        } else {
            "This phone needs to reach the shop once before it can claim offline."
        };
        return Ok(WorkerReply::Refused { reason: reason.into() });
    };
    if certificate.body.not_after < now || certificate.body.format != Format::CURRENT {
        return Ok(WorkerReply::Refused {
            reason: "This device's permission to claim offline has run out: connect to the internet once.".into(),
        });
    }
    // Free or not decides the rail; a device that does not know the terms cannot promise
    // to pay, and a free claim of a priced batch would only be refused later.
    let Some(terms) = checked.terms else {
        return Ok(WorkerReply::Refused {
            reason: "This phone does not know this code's terms yet (free or priced): open it again once online.".into(),
        });
    };
    let payment = match (terms.is_free(), request.payment) {
        (true, _) => Payment { rail: FREE_RAIL.into(), token: String::new() },
        (false, Some(payment)) if !request.kiosk => payment,
        (false, _) => {
            return Ok(WorkerReply::Refused {
                reason: format!(
                    "This code costs {}: claim it on your own phone and pay there.",
                    terms.price
                ),
            })
        }
    };
    let claim = Signed::sign(
        Claim {
            id,
            attempt,
            voucher: checked.voucher,
            certificate,
            device_time: now,
            payment,
            buyer: request.buyer,
        },
        &key,
    );
    // A kiosk does not look the work up; its receipts name it by number.
    let title = match request.title.trim() {
        "" => format!("Work #{}", terms.item),
        title => title.to_owned(),
    };
    let receipt = receipt(id, terms.item, &title, terms.price, &claim, now);
    let entry = OutboxEntry::new(id, Outgoing::Claim { claim }, now, Vec::new());
    Ok(match device_db::add_claim(db, &entry, &receipt).await? {
        Ok(()) => WorkerReply::Bought(Box::new(receipt)),
        Err(existing) => {
            WorkerReply::AlreadyClaimed { at: existing.created_at, receipt: Box::new(existing) }
        }
    })
}

fn receipt(
    id: vitrine_protocol::IntentId,
    item: vitrine_protocol::ItemId,
    title: &str,
    price: Money,
    claim: &Signed<Claim>,
    now: UnixMillis,
) -> Receipt {
    Receipt {
        claim_code: Some(claim.body.voucher.voucher.short_code()),
        ..Receipt::waiting(id, (item, title.to_owned(), 1), price, claim.signature, now)
    }
}
