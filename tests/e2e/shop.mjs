// A shop for checkout tests: the real server behind a tiny HTTP proxy, so the browser's origin
// outlives server restarts, and so a test can see and shape what crosses the wire (count
// answered intents, kill the server right after it answered one, stall registrations, hold
// back order-state answers).
import http from "node:http";
import { copyFileSync, existsSync, rmSync } from "node:fs";
import { startServer, status } from "./support.mjs";

export const getJson = async (base, path) => {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, body: await response.json() };
};

/** Poll until `condition()` holds, or fail after `ms`. */
export async function until(condition, what, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    // The polling interval of this condition wait, not a wait in itself.
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const stockOf = async (base, item) => (await getJson(base, `/api/v1/items/${item}`)).body.stock;

function proxyTo(upstreamPort) {
  const proxy = {
    answeredPosts: 0,
    killOnNextIntent: null,
    /** Milliseconds to hold `POST /api/v1/devices` before passing it on. */
    stallRegistrations: 0,
    /** While true, `GET /api/v1/orders/*` gets no answer (the connection is dropped). */
    holdOrderStates: false,
    /** While true, a navigation to a page (`Accept: text/html`) is held until released. */
    stallPages: false,
    /** Navigations held now, by `stallPages`. */
    stalledPages: 0,
    /** Let every held navigation through. */
    releasePages: () => { for (const go of proxy.held.splice(0)) go(); },
    held: [],
    /** The `traceparent` of every intent sent, in order (each replay attempt is one). */
    intentTraces: [],
    /** The `traceparent` of every claims batch sent (a kiosk's queue, a request at a time). */
    claimTraces: [],
  };
  const server = http.createServer(async (req, res) => {
    if (req.method === "POST" && req.url === "/api/v1/intents") {
      proxy.intentTraces.push({ key: req.headers["idempotency-key"], traceparent: req.headers.traceparent });
    }
    if (req.method === "POST" && req.url === "/api/v1/claims/batch") {
      proxy.claimTraces.push(req.headers.traceparent);
    }
    if (req.method === "POST" && req.url === "/api/v1/devices" && proxy.stallRegistrations) {
      // The injected fault: a network that stalls this request.
      await new Promise((r) => setTimeout(r, proxy.stallRegistrations));
    }
    if (proxy.stallPages && req.method === "GET" && (req.headers.accept ?? "").includes("text/html")) {
      // The injected fault: a phone on a link that takes its time for pages.
      proxy.stalledPages += 1;
      await new Promise((go) => proxy.held.push(go));
      proxy.stalledPages -= 1;
    }
    if (req.url.startsWith("/api/v1/orders/") && proxy.holdOrderStates) {
      req.socket.destroy();
      return;
    }
    const upstream = http.request(
      { host: "127.0.0.1", port: upstreamPort, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        const isIntent = req.method === "POST" && req.url === "/api/v1/intents";
        if (isIntent) proxy.answeredPosts += 1;
        if (isIntent && proxy.killOnNextIntent) {
          const kill = proxy.killOnNextIntent;
          proxy.killOnNextIntent = null;
          // Committed on the server; the buyer's device never hears back.
          proxy.killed = kill().then(() => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    // Server down: behave like a dead network, not like a server that answered.
    upstream.on("error", () => req.socket.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    proxy.base = `http://127.0.0.1:${server.address().port}`;
    proxy.close = () => new Promise((done) => { server.closeAllConnections(); server.close(done); });
    resolve(proxy);
  }));
}

const dbFile = (db) => db.replace(/^sqlite:\/\//, "");

/** A server on a fixed port behind a proxy; `restart` brings it back on the same port. */
async function shop(db, args) {
  let server = await startServer({ db, args });
  const port = server.port;
  const proxy = await proxyTo(port);
  const file = dbFile(db);
  return {
    proxy,
    direct: () => server.base,
    kill: () => server.kill(),
    restart: async () => { server = await startServer({ db, port, args }); },
    /** Copy the database aside (the server must be stopped: the WAL goes with it). */
    backup: () => {
      for (const suffix of ["", "-wal", "-shm"]) {
        if (existsSync(file + suffix)) copyFileSync(file + suffix, `${file}.backup${suffix}`);
      }
    },
    /** Put the copy back, as an operator restoring last night's backup would. */
    restore: () => {
      for (const suffix of ["", "-wal", "-shm"]) {
        rmSync(file + suffix, { force: true });
        if (existsSync(`${file}.backup${suffix}`)) copyFileSync(`${file}.backup${suffix}`, file + suffix);
      }
    },
    stop: async () => { await server.kill().catch(() => {}); await proxy.close(); },
  };
}

/** Run `body` with its own shop (extra `vitrine serve` flags in `args`), stopped afterwards. */
export async function withShop(db, body, args = []) {
  const s = await shop(db, args);
  try {
    await body(s);
  } finally {
    await s.stop();
  }
}

/** The Buy sheet's one primary button: "Pay 54.00 EUR", or "Save purchase…" offline. */
export const payButton = (page) =>
  page.getByRole("dialog").getByRole("button", { name: /^(Pay |Save purchase)/ });

/** Press "Buy · price" in the sticky bar; resolves when the sheet says what the total is. */
export async function openBuySheet(page) {
  await page.getByRole("button", { name: /^Buy · / }).click();
  await page.getByRole("dialog").getByText(/^Total /).waitFor();
}

/** Open an item with the worker in control and the device certified, its Buy sheet open. */
export async function readyToBuy(browser, base, item) {
  const page = await browser.context.newPage();
  await page.goto(`${base}/i/${item}`);
  await status(page, "Available offline").waitFor();
  await openBuySheet(page);
  return page;
}

/** Pay (opening the sheet first if it is closed) and wait for the receipt; its id. */
export async function buy(page, { card } = {}) {
  if (!(await page.getByRole("dialog").isVisible())) await openBuySheet(page);
  if (card) await page.getByLabel("Payment method").selectOption(card);
  await payButton(page).click();
  await page.waitForURL(/\/receipts\/[0-9a-f-]{36}$/);
  return new URL(page.url()).pathname.split("/").pop();
}
