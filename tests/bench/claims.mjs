// `cargo xtask bench` (claims): replay of 1,000 claims a kiosk queued offline, through the real
// service worker and IndexedDB (read the queue, send 200 a request, write each request's answers
// in one transaction), next to the server alone taking the very same signed claims from node
// (same database state, restored from a copy). Debug server, loopback. Prints a Markdown section.
// Needs VITRINE_BIN, VITRINE_DIST, VITRINE_MEDIA, CHROMIUM.
import { freshDatabase, launchBrowser, merchantApi, merchantToken, askWorker, heading } from "../e2e/support.mjs";
import { until, withShop } from "../e2e/shop.mjs";

const COUNT = 1_000;
const PER_REQUEST = 200;
const out = [];
const say = (line = "") => { out.push(line); };


const db = freshDatabase();
const browser = await launchBrowser();
try {
  await withShop(db.db, async (s) => {
    const bearer = merchantToken(db.db, "claims");
    const batch = await merchantApi(s.direct(), bearer, "POST", "/api/v1/merchant/claims", {
      item: 101, count: COUNT, price: { amount_minor: 0, currency: "EUR" },
      expires_at: Date.now() + 86_400_000, per_person_limit: 1,
    });
    const vouchers = await merchantApi(s.direct(), bearer, "GET", `/api/v1/merchant/claims/${batch.id}/vouchers`);
    const kiosk = await browser.context.newPage();
    await kiosk.goto(`${s.proxy.base}/kiosk`);
    await heading(kiosk, "Kiosk").waitFor();
    const { registration } = await askWorker(kiosk, "kiosk_key");
    const certificate = await merchantApi(s.direct(), bearer, "POST", "/api/v1/merchant/kiosks", registration);
    await askWorker(kiosk, { kiosk_setup: { certificate, vouchers: [] } });

    await s.kill();
    const queueStart = performance.now();
    for (const v of vouchers) {
      const answer = await askWorker(kiosk, { claim: { code: v.code, title: "", payment: null, buyer: {}, clock_offset_ms: 0, kiosk: true } });
      if (!answer.bought) throw new Error(`not queued: ${JSON.stringify(answer)}`);
    }
    const queued = performance.now() - queueStart;
    const claims = await kiosk.evaluate(() => new Promise((resolve, reject) => {
      const open = indexedDB.open("vitrine");
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const request = open.result.transaction("outbox").objectStore("outbox").getAll();
        request.onsuccess = () => { resolve(request.result.map((e) => e.claim)); open.result.close(); };
        request.onerror = () => reject(request.error);
      };
    }));
    if (claims.length !== COUNT) throw new Error(`${claims.length} claims queued`);
    s.backup();

    // Through the worker: from the server's return until the queue is empty.
    await s.restart();
    const replayStart = performance.now();
    await askWorker(kiosk, { replay: { force: true } });
    await until(async () => (await askWorker(kiosk, "kiosk_status")).kiosk.waiting === 0, "the kiosk's queue to empty", 120_000);
    const replayed = performance.now() - replayStart;
    const claimed = (await merchantApi(s.direct(), bearer, "GET", `/api/v1/merchant/claims/${batch.id}`)).claimed;
    if (claimed !== COUNT) throw new Error(`${claimed} claimed after the worker's replay`);

    // The server alone: the same signed claims, the same database state, posted from node.
    await s.kill();
    s.restore();
    await s.restart();
    const bareStart = performance.now();
    for (let i = 0; i < claims.length; i += PER_REQUEST) {
      const response = await fetch(`${s.direct()}/api/v1/claims/batch`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify(claims.slice(i, i + PER_REQUEST)),
      });
      const answers = await response.json();
      if (response.status !== 200 || answers.some((a) => a.status >= 300)) {
        throw new Error(`server alone: ${response.status} ${JSON.stringify(answers).slice(0, 300)}`);
      }
    }
    const bare = performance.now() - bareStart;

    say("## Claims: a kiosk's queue\n");
    say(`${COUNT.toLocaleString("en")} free claims queued offline at a kiosk (worker + IndexedDB), then replayed when the server is back, ${PER_REQUEST} a request to \`POST /api/v1/claims/batch\`; the peer is the server alone taking the same signed claims from node against the same database state. Debug server build, loopback, one run.\n`);
    say("| measure | through the worker and IndexedDB | server alone (node → batch endpoint) | goal |");
    say("|---|---|---|---|");
    say(`| replay of ${COUNT.toLocaleString("en")} queued redemptions, until the queue is empty | **${(replayed / 1000).toFixed(2)} s** | ${(bare / 1000).toFixed(2)} s | ≤ 3 s |`);
    say(`| queueing them offline (check the code, sign, store), one message each | ${(queued / 1000).toFixed(2)} s (${(queued / COUNT).toFixed(1)} ms each) | — | — |`);
  });
} finally {
  await browser.close();
  db.cleanup();
}
console.log(out.join("\n"));
