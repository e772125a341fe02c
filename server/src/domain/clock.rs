use std::time::{SystemTime, UNIX_EPOCH};

use vitrine_protocol::UnixMillis;

/// The server's wall clock in Unix milliseconds; the ledger's own clock drives escrow expiry.
pub fn now() -> UnixMillis {
    let ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    UnixMillis(i64::try_from(ms).unwrap_or(i64::MAX))
}
