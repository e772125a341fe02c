// Format 1 grants and intents, as a release from before format 2 made them: written from
// docs/protocol.md alone (and checked against protocol/vectors-v1.json), so the browser tests
// can put into a device's outbox what an older release left queued there.
import { createPrivateKey, createPublicKey, sign } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");

/** An ed25519 key from its 32-byte secret. */
export function keyFromSecret(secret) {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, secret]), format: "der", type: "pkcs8" });
  const publicKey = createPublicKey(privateKey).export({ format: "der", type: "spki" }).subarray(-32);
  return {
    public: publicKey.toString("hex"),
    sign: (bytes) => sign(null, bytes, privateKey).toString("hex"),
  };
}

/** The canonical pieces of docs/protocol.md. */
const tag = (name) => Buffer.from(`vitrine/${name}/v1\0`, "ascii");
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const i64 = (n) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(n)); return b; };
const hex = (s) => Buffer.from(s, "hex");
const text = (s) => { const b = Buffer.from(s, "utf8"); return Buffer.concat([u32(b.length), b]); };
const option = (s) => (s == null ? Buffer.from([0]) : Buffer.concat([Buffer.from([1]), text(s)]));
const nested = (bytes, signature) => Buffer.concat([u32(bytes.length), bytes, hex(signature)]);
const uuid = (id) => hex(id.replaceAll("-", ""));

export const quoteBytes = (q) => Buffer.concat([
  tag("quote"), i64(q.item), i64(q.price.amount_minor), Buffer.from(q.price.currency, "ascii"), i64(q.valid_until),
]);

export const certificateBytes = (c) => Buffer.concat([
  tag("device-cert"), hex(c.device_key), i64(c.not_after), u32(c.limits.length),
  ...c.limits.flatMap((l) => [Buffer.from(l.currency, "ascii"), i64(l.max_per_intent_minor), i64(l.max_outstanding_minor)]),
]);

export const registrationBytes = (r) => Buffer.concat([tag("device-registration"), hex(r.device_key), i64(r.device_time)]);

export const intentBytes = (i) => Buffer.concat([
  tag("intent"), uuid(i.id), i64(i.item), u32(i.quantity),
  nested(quoteBytes(i.quote), i.quote.signature),
  nested(certificateBytes(i.certificate), i.certificate.signature),
  i64(i.device_time), text(i.payment.rail), text(i.payment.token),
  option(i.buyer?.wallet), option(i.buyer?.email),
]);

/** Signed JSON: the object's fields and its signature side by side (no `v`: format 1). */
export const signed = (body, bytesOf, key) => ({ ...body, signature: key.sign(bytesOf(body)) });

/** The server's first key, read from its database as only a test may. */
export function serverKeyOne(dbUrl) {
  const path = dbUrl.replace(/^sqlite:\/\//, "");
  const secret = execFileSync("sqlite3", ["-readonly", path, "SELECT hex(secret) FROM server_keys WHERE id = 1"]).toString().trim();
  return keyFromSecret(hex(secret));
}

/** Throws unless this file reproduces the committed format 1 vectors byte for byte. */
export function checkAgainstVectors() {
  const vectors = JSON.parse(readFileSync(new URL("../../protocol/vectors-v1.json", import.meta.url)));
  const server = keyFromSecret(Buffer.alloc(32, vectors.server_secret_byte));
  const device = keyFromSecret(Buffer.alloc(32, vectors.device_secret_byte));
  if (server.public !== vectors.server_public || device.public !== vectors.device_public) throw new Error("keys differ from the vectors");
  // The vectors' inputs, read back from their documented layout.
  const q = hex(vectors.quote.signing_bytes).subarray(tag("quote").length);
  const quote = {
    item: Number(q.readBigInt64BE(0)),
    price: { amount_minor: Number(q.readBigInt64BE(8)), currency: q.subarray(16, 19).toString("ascii") },
    valid_until: Number(q.readBigInt64BE(19)),
  };
  const c = hex(vectors.certificate.signing_bytes).subarray(tag("device-cert").length);
  const certificate = {
    device_key: c.subarray(0, 32).toString("hex"),
    not_after: Number(c.readBigInt64BE(32)),
    limits: [{
      currency: c.subarray(44, 47).toString("ascii"),
      max_per_intent_minor: Number(c.readBigInt64BE(47)),
      max_outstanding_minor: Number(c.readBigInt64BE(55)),
    }],
  };
  const checks = [
    ["quote", quoteBytes(quote), server.sign(quoteBytes(quote))],
    ["certificate", certificateBytes(certificate), server.sign(certificateBytes(certificate))],
  ];
  for (const [name, bytes, signature] of checks) {
    if (bytes.toString("hex") !== vectors[name].signing_bytes) throw new Error(`${name} bytes differ from the vectors`);
    if (signature !== vectors[name].signature) throw new Error(`${name} signature differs from the vectors`);
  }
  // The intent: read every field back in order, then rebuild and re-sign it.
  const b = hex(vectors.intent.signing_bytes);
  let at = tag("intent").length;
  const take = (n) => { const out = b.subarray(at, at + n); at += n; return out; };
  const readText = () => take(take(4).readUInt32BE(0)).toString("utf8");
  const readOption = () => (take(1)[0] === 0 ? null : readText());
  const id = take(16).toString("hex").replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
  const item = Number(take(8).readBigInt64BE(0));
  const quantity = take(4).readUInt32BE(0);
  take(4 + quoteBytes(quote).length + 64);
  take(4 + certificateBytes(certificate).length + 64);
  const intent = {
    id, item, quantity,
    quote: { ...quote, signature: vectors.quote.signature },
    certificate: { ...certificate, signature: vectors.certificate.signature },
    device_time: Number(take(8).readBigInt64BE(0)),
    payment: { rail: readText(), token: readText() },
    buyer: { wallet: readOption(), email: readOption() },
  };
  if (at !== b.length) throw new Error("the intent vector has bytes this file does not know");
  if (intentBytes(intent).toString("hex") !== vectors.intent.signing_bytes) throw new Error("intent bytes differ from the vectors");
  if (device.sign(intentBytes(intent)) !== vectors.intent.signature) throw new Error("intent signature differs from the vectors");
}
