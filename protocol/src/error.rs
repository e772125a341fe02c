use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $wire:literal, final = $final:literal; )*) => {
        /// Machine-readable error codes. Clients match on these, never on messages.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
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
        }
    };
}

error_codes! {
    /// The path or query is malformed.
    BadRequest = "bad_request", final = true;
    /// Nothing exists at that address.
    NotFound = "not_found", final = true;
    /// The method is not allowed on that resource.
    MethodNotAllowed = "method_not_allowed", final = true;
    /// The body is not valid JSON of the expected shape.
    MalformedBody = "malformed_body", final = true;
    /// The body is larger than the endpoint accepts.
    PayloadTooLarge = "payload_too_large", final = true;
    /// `Idempotency-Key` is missing.
    IdempotencyKeyMissing = "idempotency_key_missing", final = true;
    /// `Idempotency-Key` is not the intent's id.
    IdempotencyKeyMismatch = "idempotency_key_mismatch", final = true;
    /// The key was used before with a different body.
    IdempotencyMismatch = "idempotency_mismatch", final = true;
    /// The same key is being processed right now; retry after `Retry-After`.
    InProgress = "in_progress", final = false;
    /// Quantity is zero or above what one intent may buy.
    InvalidQuantity = "invalid_quantity", final = true;
    /// The item does not exist.
    UnknownItem = "unknown_item", final = true;
    /// The device's signature over the intent does not verify.
    BadSignature = "bad_signature", final = true;
    /// The quote was not signed by this server, or is for another item.
    ForgedQuote = "forged_quote", final = true;
    /// The quote's `valid_until` has passed.
    QuoteExpired = "quote_expired", final = true;
    /// The device certificate was not signed by this server.
    CertificateInvalid = "certificate_invalid", final = true;
    /// The device certificate had expired when the intent was made.
    CertificateExpired = "certificate_expired", final = true;
    /// The intent is above the certificate's offline limits.
    OverLimit = "over_limit", final = true;
    /// The payment rail is not one this server settles on.
    UnknownRail = "unknown_rail", final = true;
    /// A device registration is malformed or stale.
    BadRegistration = "bad_registration", final = true;
    /// Too many requests; retry after `Retry-After`.
    RateLimited = "rate_limited", final = false;
    /// The server failed; safe to retry later.
    Internal = "internal", final = false;
    /// The service worker has no copy and the network is unreachable.
    OfflineUnavailable = "offline_unavailable", final = false;
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The one JSON shape of every error: `{"code": "...", "message": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

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
                &ErrorCode::RateLimited,
                &ErrorCode::Internal,
                &ErrorCode::OfflineUnavailable
            ]
        );
    }
}
