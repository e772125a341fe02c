//! W3C Trace Context (`traceparent`), as the worker sends it and the server reads it. One
//! purchase (or claim) is one trace: its trace id is its intent id's 16 bytes, so the page,
//! the worker's every replay, the server's request, the settler's rail calls and the minter's
//! chain calls all name the same trace without storing anything. A request without a valid
//! `traceparent` starts a trace of its own.

use std::fmt;

use crate::IntentId;

/// The header's name.
pub const TRACEPARENT: &str = "traceparent";

/// `00-{trace id}-{parent span id}-{flags}`, version 00.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceParent {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    /// Bit 0: sampled.
    pub flags: u8,
}

impl TraceParent {
    /// The trace of intent `id`, entered at span `span_id`, sampled.
    pub fn of_intent(id: IntentId, span_id: [u8; 8]) -> Self {
        TraceParent { trace_id: *id.as_bytes(), span_id, flags: 1 }
    }

    /// Read a header value; `None` for anything the spec says to ignore (another version's
    /// layout, upper-case hex, an all-zero id, a wrong length).
    pub fn parse(value: &str) -> Option<Self> {
        let mut parts = value.trim().split('-');
        let (version, trace, span, flags) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if version != "00" || parts.next().is_some() {
            return None;
        }
        let lower_hex =
            |s: &str| s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if ![trace, span, flags].iter().all(|p| lower_hex(p)) {
            return None;
        }
        let mut trace_id = [0u8; 16];
        let mut span_id = [0u8; 8];
        let mut flag = [0u8; 1];
        hex::decode_to_slice(trace, &mut trace_id).ok()?;
        hex::decode_to_slice(span, &mut span_id).ok()?;
        hex::decode_to_slice(flags, &mut flag).ok()?;
        if trace_id == [0; 16] || span_id == [0; 8] {
            return None;
        }
        Some(TraceParent { trace_id, span_id, flags: flag[0] })
    }

    /// The trace id as the logs print it: 32 lower-case hex digits.
    pub fn trace_hex(&self) -> String {
        hex::encode(self.trace_id)
    }
}

/// The trace id of intent `id` (its bytes in hex), as the server's logs name it.
pub fn trace_of(id: IntentId) -> String {
    hex::encode(id.as_bytes())
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{}-{}-{:02x}",
            hex::encode(self.trace_id),
            hex::encode(self.span_id),
            self.flags
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example of the W3C recommendation.
    const EXAMPLE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn the_recommendations_example_reads_and_writes_back() {
        let parsed = TraceParent::parse(EXAMPLE).unwrap();
        assert_eq!(parsed.trace_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(parsed.flags, 1);
        assert_eq!(parsed.to_string(), EXAMPLE);
    }

    #[test]
    fn what_the_spec_says_to_ignore_is_not_read() {
        for bad in [
            "",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            assert_eq!(TraceParent::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn an_intents_trace_is_its_id() {
        let id: IntentId = "01890a5d-ac96-774b-bcce-b302099a8057".parse().unwrap();
        let parent = TraceParent::of_intent(id, [7; 8]);
        assert_eq!(parent.trace_hex(), "01890a5dac96774bbcceb302099a8057");
        assert_eq!(trace_of(id), parent.trace_hex());
        assert_eq!(TraceParent::parse(&parent.to_string()), Some(parent));
    }
}
