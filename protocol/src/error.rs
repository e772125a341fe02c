use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $wire:literal, $status:literal, final = $final:literal; )*) => {
        /// Machine-readable error codes. Clients match on these, never on messages.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, for exhaustive tests.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The wire spelling, e.g. `not_found`.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $wire,)* }
            }

            /// Final: the same request can never succeed, so a client stops retrying and tells
            /// the buyer. Not final (transient): retry later with backoff.
            pub fn is_final(self) -> bool {
                match self { $(ErrorCode::$variant => $final,)* }
            }

            /// What the code means, for people (its doc comment).
            pub fn description(self) -> &'static str {
                match self { $(ErrorCode::$variant => concat!($($doc),*).trim_ascii(),)* }
            }

            /// The HTTP status the server answers with: 400 malformed, 404 absent, 409/425/429
            /// retry later, 422 well formed but refused, 5xx ours or overloaded.
            pub fn http_status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status,)* }
            }
        }
    };
}

error_codes! {
    /// The path or query is malformed.
    BadRequest = "bad_request", 400, final = true;
    /// Nothing exists at that address.
    NotFound = "not_found", 404, final = true;
    /// The method is not allowed on that resource.
    MethodNotAllowed = "method_not_allowed", 405, final = true;
    /// The body is not valid JSON of the expected shape.
    MalformedBody = "malformed_body", 400, final = true;
    /// The body is larger than the endpoint accepts.
    PayloadTooLarge = "payload_too_large", 413, final = true;
    /// `Idempotency-Key` is missing.
    IdempotencyKeyMissing = "idempotency_key_missing", 400, final = true;
    /// `Idempotency-Key` is not the intent's id.
    IdempotencyKeyMismatch = "idempotency_key_mismatch", 400, final = true;
    /// The key was used before with a different body.
    IdempotencyMismatch = "idempotency_mismatch", 422, final = true;
    /// The same key is being processed right now; retry after `Retry-After`.
    InProgress = "in_progress", 409, final = false;
    /// Quantity is zero or above what one intent may buy.
    InvalidQuantity = "invalid_quantity", 422, final = true;
    /// The item does not exist.
    UnknownItem = "unknown_item", 422, final = true;
    /// The device's signature over the intent does not verify.
    BadSignature = "bad_signature", 422, final = true;
    /// The quote was not signed by this server, or is for another item.
    ForgedQuote = "forged_quote", 422, final = true;
    /// The quote's `valid_until` has passed.
    QuoteExpired = "quote_expired", 422, final = true;
    /// The device certificate was not signed by this server.
    CertificateInvalid = "certificate_invalid", 422, final = true;
    /// The device certificate had expired when the intent was made.
    CertificateExpired = "certificate_expired", 422, final = true;
    /// The intent is dated before its certificate was issued.
    CertificateNotYetValid = "certificate_not_yet_valid", 422, final = true;
    /// The intent is dated before its quote was issued.
    QuoteNotYetValid = "quote_not_yet_valid", 422, final = true;
    /// The intent is dated ahead of the server's clock by more than the allowed skew; it is
    /// kept and sent again after `Retry-After` (a fast device clock never loses a purchase).
    ClockAhead = "clock_ahead", 425, final = false;
    /// The intent is above the certificate's offline limits.
    OverLimit = "over_limit", 422, final = true;
    /// The intent was signed before its drop started.
    NotStarted = "not_started", 422, final = true;
    /// The intent was signed after its drop ended.
    Ended = "ended", 422, final = true;
    /// The buyer (this device or this email) already has the most the drop allows.
    LimitReached = "limit_reached", 422, final = true;
    /// The drop is for an allowlist, and the buyer's proof does not show them on it.
    NotAllowlisted = "not_allowlisted", 422, final = true;
    /// The claim voucher is not one of this shop's: malformed, not signed by its key, for
    /// another work, or dated before it was made.
    VoucherInvalid = "voucher_invalid", 422, final = true;
    /// The claim voucher's last moment had passed when it was scanned.
    VoucherExpired = "voucher_expired", 422, final = true;
    /// The merchant revoked the voucher's batch.
    VoucherRevoked = "voucher_revoked", 422, final = true;
    /// Another device claimed this voucher first (the message says when, never by whom).
    AlreadyClaimed = "already_claimed", 422, final = true;
    /// The payment rail is not one this server settles on.
    UnknownRail = "unknown_rail", 422, final = true;
    /// The payment rail refused what was asked; the message says why. Nothing moved.
    RailDeclined = "rail_declined", 422, final = true;
    /// The payment rail gave no answer yet; send the same request again after `Retry-After`
    /// (it carries the same key, so it is never applied twice).
    RailUnavailable = "rail_unavailable", 503, final = false;
    /// The email address is not one (waitlist).
    InvalidEmail = "invalid_email", 422, final = true;
    /// The buyer's wallet address is not one (`0x` and 40 hex digits).
    InvalidWallet = "invalid_wallet", 422, final = true;
    /// A device registration is malformed or stale.
    BadRegistration = "bad_registration", 422, final = true;
    /// No valid merchant credentials: no token, an unknown or revoked one, or an ended session.
    Unauthorized = "unauthorized", 401, final = true;
    /// The credentials are valid but may not do this (a missing scope or CSRF token).
    Forbidden = "forbidden", 403, final = true;
    /// Some fields are wrong; `fields` says which and why.
    InvalidFields = "invalid_fields", 422, final = true;
    /// The name or address is taken (422, not 409: a 409 always means "retry" here).
    AlreadyExists = "already_exists", 422, final = true;
    /// Too many requests; retry after `Retry-After`.
    RateLimited = "rate_limited", 429, final = false;
    /// The server is at capacity; retry after `Retry-After`. Nothing was written.
    Overloaded = "overloaded", 503, final = false;
    /// The server failed; safe to retry later.
    Internal = "internal", 500, final = false;
    /// The service worker has no copy and the network is unreachable.
    OfflineUnavailable = "offline_unavailable", 503, final = false;
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The code → status table of `docs/protocol.md`, generated from this file (a test checks the
/// document carries exactly this).
pub fn markdown_table() -> String {
    let mut out = String::from("| code | HTTP status | final | meaning |\n|---|---|---|---|\n");
    for &code in ErrorCode::ALL {
        let finality = if code.is_final() { "final" } else { "retry" };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            code.as_str(),
            code.http_status(),
            finality,
            code.description()
        ));
    }
    out
}

/// The one JSON shape of every error: `{"code": "...", "message": "..."}`, and for
/// `invalid_fields` the list of bad fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// Each bad field of the request and what is wrong with it (`invalid_fields` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
}

/// One bad field of a request: which, and what is wrong with it, for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl FieldProblem {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        FieldProblem { field: field.to_owned(), message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_codes_are_client_errors_clients_do_not_retry() {
        for &code in ErrorCode::ALL {
            let status = code.http_status();
            assert!((400..600).contains(&status), "{code}");
            if code.is_final() {
                assert!((400..500).contains(&status), "final {code} is a 4xx");
                assert!(![409, 425, 429].contains(&status), "final {code} uses a retry status");
            }
        }
    }

    #[test]
    fn wire_spelling_matches_serde() {
        for &code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn only_load_and_failure_codes_are_transient() {
        let transient: Vec<_> = ErrorCode::ALL.iter().filter(|c| !c.is_final()).collect();
        assert_eq!(
            transient,
            [
                &ErrorCode::InProgress,
                &ErrorCode::ClockAhead,
                // A rail that has not answered a merchant's refund: asked again under its key.
                &ErrorCode::RailUnavailable,
                &ErrorCode::RateLimited,
                &ErrorCode::Overloaded,
                &ErrorCode::Internal,
                &ErrorCode::OfflineUnavailable
            ]
        );
    }
}
