//! HTTP header names of the API, shared so the worker and the server spell them once.

/// The intent's id, on `POST /api/v1/intents`: one key, one order.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set to `true` on an answer replayed from the first request with the same key.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
/// Seconds to wait before retrying a transient refusal.
pub const RETRY_AFTER: &str = "retry-after";
/// The console session's CSRF token, on every state-changing merchant request made with the
/// session cookie.
pub const CSRF_TOKEN: &str = "x-csrf-token";
/// On `POST /api/v1/intents` for a drop with an allowlist: the buyer's Merkle proof, the
/// sibling hashes in hex separated by commas (`protocol::drops::allowlist`). Not signed: it
/// only shows that the intent's signed email or wallet is listed.
pub const ALLOWLIST_PROOF: &str = "allowlist-proof";

/// Most hashes an allowlist proof may carry.
pub const MAX_PROOF_HASHES: usize = 32;
/// On `/healthz`: the server's clock in Unix milliseconds, for the app's countdowns
/// (`drops::clock_sample`). `Date` has only whole seconds.
pub const SERVER_TIME: &str = "server-time";
