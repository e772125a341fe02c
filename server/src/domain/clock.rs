use std::time::{SystemTime, UNIX_EPOCH};

use vitrine_protocol::UnixMillis;

/// The server's wall clock in Unix milliseconds; the ledger's own clock drives escrow expiry.
pub fn now() -> UnixMillis {
    let ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    UnixMillis(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// An instant as people read it everywhere the shop writes one (receipts checked by the CLI,
/// claim sheets, refusals): the HTTP date form, `Fri, 27 Nov 2026 10:15:00 GMT`.
pub fn http_date(t: UnixMillis) -> String {
    let since = std::time::Duration::from_millis(u64::try_from(t.0).unwrap_or(0));
    httpdate::fmt_http_date(UNIX_EPOCH + since)
}
