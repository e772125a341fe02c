//! "Download signed receipt": the buyer's signed intent and the server's last answer in one
//! JSON file, which anyone can check against the shop's published keys (`GET /api/v1/keys`)
//! without access to the shop: `vitrine verify-receipt` does, and so can any ed25519 library
//! following `docs/protocol.md`.
//!
//! What the signatures prove: the server certified the device key (certificate), the server
//! offered this price (quote), and that device asked for exactly this purchase (intent). The
//! answer is the server's word as the device last heard it; the checker only confirms it is
//! about this intent.

use serde::{Deserialize, Serialize};

use crate::signing::{PublicKey, Signed};
use crate::{Intent, KeyId, Money, Order, PublishedKeys};

/// The file's `kind`: names the format, so a later one can be told apart.
pub const KIND: &str = "vitrine.receipt/1";

/// The downloaded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptFile {
    /// Always [`KIND`].
    pub kind: String,
    /// The intent as the device signed and sent it.
    pub intent: Signed<Intent>,
    /// The server's last answer about it; `None` while it was never answered.
    pub answer: Option<Order>,
}

/// Why a receipt file does not check out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    /// Not a receipt file this version reads.
    UnknownKind(String),
    /// A grant names a key the published keys do not hold (never ours, or long retired).
    UnknownKey { what: &'static str, key: KeyId },
    /// A signature does not verify: the file was changed or forged.
    BadSignature(&'static str),
    /// The answer is about another purchase than the intent.
    AnswerMismatch(&'static str),
    /// The intent's total overflows: no real intent does.
    BadTotal,
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileProblem::UnknownKind(k) => write!(f, "not a Vitrine receipt (kind {k:?})"),
            FileProblem::UnknownKey { what, key } => {
                write!(f, "the {what} names key {}, which the published keys do not hold", key.0)
            }
            FileProblem::BadSignature(what) => write!(f, "the {what}'s signature does not verify"),
            FileProblem::AnswerMismatch(what) => {
                write!(f, "the server's answer has another {what} than the intent")
            }
            FileProblem::BadTotal => f.write_str("the intent's total overflows"),
        }
    }
}

fn key<'k>(
    keys: &'k PublishedKeys,
    what: &'static str,
    id: KeyId,
) -> Result<&'k PublicKey, FileProblem> {
    keys.keys
        .iter()
        .find(|k| k.id == id)
        .map(|k| &k.public_key)
        .ok_or(FileProblem::UnknownKey { what, key: id })
}

impl ReceiptFile {
    pub fn new(intent: Signed<Intent>, answer: Option<Order>) -> Self {
        ReceiptFile { kind: KIND.to_owned(), intent, answer }
    }

    /// Check every signature against `keys` and that the answer is about this intent; the
    /// total bought when it checks out.
    pub fn verify(&self, keys: &PublishedKeys) -> Result<Money, FileProblem> {
        if self.kind != KIND {
            return Err(FileProblem::UnknownKind(self.kind.clone()));
        }
        let intent = &self.intent.body;
        let (cert, quote) = (&intent.certificate, &intent.quote);
        cert.verify(key(keys, "device certificate", cert.body.key_id)?)
            .map_err(|_| FileProblem::BadSignature("device certificate"))?;
        quote
            .verify(key(keys, "quote", quote.body.key_id)?)
            .map_err(|_| FileProblem::BadSignature("quote"))?;
        self.intent
            .verify(&cert.body.device_key)
            .map_err(|_| FileProblem::BadSignature("intent"))?;
        let total = intent.total().ok_or(FileProblem::BadTotal)?;
        if let Some(answer) = &self.answer {
            let mismatch = [
                (answer.id != intent.id, "id"),
                (answer.item != intent.item, "item"),
                (answer.quantity != intent.quantity, "quantity"),
                (answer.total != total, "total"),
            ];
            if let Some((_, what)) = mismatch.iter().find(|(differs, _)| *differs) {
                return Err(FileProblem::AnswerMismatch(what));
            }
        }
        Ok(total)
    }
}
