//! "Download signed receipt": the buyer's signed intent and the server's last answer in one
//! JSON file, which anyone can check against the shop's published keys (`GET /api/v1/keys`)
//! without access to the shop: `vitrine verify-receipt` does, and so can any ed25519 library
//! following `docs/protocol.md`.
//!
//! What the signatures prove: the server certified the device key (certificate), the server
//! offered this price (quote), that device asked for exactly this purchase (intent), and, when
//! the answer is sealed (servers from this release on seal every answer), what the shop said
//! about it and when. An unsealed answer (kept from an older server) is only confirmed to be
//! about this intent, and the verdict says it is unsealed.

use serde::{Deserialize, Serialize};

use crate::seal::SealProblem;
use crate::signing::{PublicKey, Signed};
use crate::{Intent, KeyId, Money, Order, OrderState, PublishedKeys, UnixMillis};

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

/// What a receipt file that checks out proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The total the device agreed to pay, at the server-signed price.
    pub total: Money,
    /// What it proves about the shop's answer.
    pub answer: AnswerProof,
}

/// How far the file's answer is proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerProof {
    /// The device never heard an answer (saved offline, never sent).
    None,
    /// An answer from a server that did not seal answers: about this intent, but only the
    /// device's word.
    Unsealed(OrderState),
    /// The shop signed it with `key`: this was the order's state at `as_of`.
    Sealed { state: OrderState, as_of: UnixMillis, key: KeyId },
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

    /// Check every signature against `keys` (the answer's seal too, when it has one) and that
    /// the answer is about this intent.
    pub fn verify(&self, keys: &PublishedKeys) -> Result<Verified, FileProblem> {
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
        let Some(answer) = &self.answer else {
            return Ok(Verified { total, answer: AnswerProof::None });
        };
        let mismatch = [
            (answer.id != intent.id, "id"),
            (answer.item != intent.item, "item"),
            (answer.quantity != intent.quantity, "quantity"),
            (answer.total != total, "total"),
        ];
        if let Some((_, what)) = mismatch.iter().find(|(differs, _)| *differs) {
            return Err(FileProblem::AnswerMismatch(what));
        }
        let public = |id| key(keys, "answer", id).ok().copied();
        let proof = match answer.verify_seal(public) {
            Ok((key, as_of)) => AnswerProof::Sealed { state: answer.state, as_of, key },
            Err(SealProblem::Unsealed) => AnswerProof::Unsealed(answer.state),
            Err(SealProblem::UnknownKey(key)) => {
                return Err(FileProblem::UnknownKey { what: "answer", key })
            }
            Err(SealProblem::BadSignature) => return Err(FileProblem::BadSignature("answer")),
        };
        Ok(Verified { total, answer: proof })
    }
}
