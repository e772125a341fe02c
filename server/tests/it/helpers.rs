use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;
use tempfile::TempDir;
use vitrine_protocol::signing::{SecretKey, Signed};
use vitrine_protocol::{
    Buyer, DeviceCertificate, DeviceRegistration, Format, Intent, IntentId, Item, ItemId, Order,
    OrderState, Payment, Quote, UnixMillis,
};
use vitrine_server::domain::keys::Policy;
use vitrine_server::domain::settlement::{Rails, SandboxCard, Sandboxes};
use vitrine_server::{demo, storage, Application, Config, IDEMPOTENCY_KEY};

/// A running server with its own database and dist folder, dropped with the test.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// The server's signing key, read from its database: lets tests forge nothing but craft
    /// exactly the expired or mismatched grants they need.
    pub server_key: SecretKey,
    /// A second connection to the same database, for setup and ledger checks.
    pub db: SqlitePool,
    /// The database URL, for a second server on the same data (restarts, key rotation).
    pub db_url: String,
    dir: Arc<TempDir>,
}

pub fn now() -> UnixMillis {
    vitrine_server::domain::clock::now()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// A buyer's device, registered through the API like the app does it.
    pub async fn device(&self) -> Device {
        let mut secret = [0u8; 32];
        getrandom::getrandom(&mut secret).unwrap();
        let key = SecretKey::from_bytes(secret);
        let registration = Signed::sign(DeviceRegistration::new(key.public(), now()), &key);
        let res =
            self.client.post(self.url("/api/v1/devices")).json(&registration).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let certificate: Signed<DeviceCertificate> = res.json().await.unwrap();
        Device { key, certificate }
    }

    pub async fn item(&self, id: i64) -> Item {
        self.get(&format!("/api/v1/items/{id}")).await.json().await.unwrap()
    }

    pub async fn quote(&self, id: i64) -> Signed<Quote> {
        self.item(id).await.quote.expect("items carry a quote")
    }

    pub async fn post_intent(&self, intent: &Signed<Intent>) -> reqwest::Response {
        self.post_raw(&serde_json::to_string(intent).unwrap(), Some(&intent.body.id.to_string()))
            .await
    }

    pub async fn post_raw(&self, body: &str, key: Option<&str>) -> reqwest::Response {
        let mut req = self
            .client
            .post(self.url("/api/v1/intents"))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(key) = key {
            req = req.header(IDEMPOTENCY_KEY, key);
        }
        req.send().await.unwrap()
    }

    pub async fn order(&self, id: IntentId) -> Order {
        self.get(&format!("/api/v1/orders/{id}")).await.json().await.unwrap()
    }

    /// Poll until the order reaches `state` (settlement is asynchronous); bounded.
    pub async fn wait_for_state(&self, id: IntentId, state: OrderState) -> Order {
        for _ in 0..200 {
            let order = self.order(id).await;
            if order.state == state {
                return order;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("order {id} never became {state:?}; last {:?}", self.order(id).await);
    }

    /// Orders, stock ledger rows, total stock and money transfers: what a rejected request
    /// must leave unchanged.
    pub async fn ledger_snapshot(&self) -> (i64, i64, i64, i64) {
        let q = |sql| sqlx::query_scalar::<_, i64>(sql).fetch_all(&self.db);
        (
            q("SELECT count(*) FROM orders").await.unwrap()[0],
            q("SELECT count(*) FROM ledger").await.unwrap()[0],
            q("SELECT sum(stock) FROM items").await.unwrap()[0],
            q("SELECT count(*) FROM transfers").await.unwrap()[0],
        )
    }

    /// Every account's balances by (code, owner): (debits pending, debits posted, credits
    /// pending, credits posted).
    pub async fn balances(&self) -> Vec<(String, String, [i64; 4])> {
        let rows: Vec<(String, String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT code, owner, debits_pending, debits_posted, credits_pending, credits_posted
             FROM accounts ORDER BY code, owner",
        )
        .fetch_all(&self.db)
        .await
        .unwrap();
        rows.into_iter().map(|(c, o, a, b, d, e)| (c, o, [a, b, d, e])).collect()
    }

    pub async fn stock(&self, item: i64) -> i64 {
        sqlx::query_scalar("SELECT stock FROM items WHERE id = ?")
            .bind(item)
            .fetch_all(&self.db)
            .await
            .unwrap()
            .into_iter()
            .next()
            .unwrap()
    }

    pub async fn set_stock(&self, item: i64, stock: i64) {
        sqlx::query(
            "UPDATE items SET edition_size = max(edition_size, ?1), stock = ?1 WHERE id = ?2",
        )
        .bind(stock)
        .bind(item)
        .execute(&self.db)
        .await
        .unwrap();
    }
}

/// A device key with its server-issued certificate.
pub struct Device {
    pub key: SecretKey,
    pub certificate: Signed<DeviceCertificate>,
}

impl Device {
    /// A fresh intent (new UUID v7) for `quantity` of the quoted item, paid with `card`.
    pub fn intent(&self, quote: &Signed<Quote>, quantity: u32, card: &str) -> Intent {
        Intent {
            format: Format::CURRENT,
            id: IntentId::from_uuid(uuid::Uuid::now_v7()).unwrap(),
            item: quote.body.item,
            quantity,
            quote: quote.clone(),
            certificate: self.certificate.clone(),
            device_time: now(),
            payment: Payment { rail: "sandbox-card".into(), token: card.into() },
            buyer: Buyer::default(),
        }
    }

    pub fn sign(&self, intent: Intent) -> Signed<Intent> {
        Signed::sign(intent, &self.key)
    }

    pub fn buy(&self, quote: &Signed<Quote>, quantity: u32) -> Signed<Intent> {
        self.sign(self.intent(quote, quantity, SandboxCard::APPROVE))
    }
}

pub fn item_id(n: i64) -> ItemId {
    ItemId::try_from(n).unwrap()
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Policy::default()).await
}

/// Spawn the real app on port 0 with the demo catalog seeded (rows only) and a tiny fake dist.
pub async fn spawn_app_with(policy: Policy) -> TestApp {
    spawn(policy, |_| {}).await
}

/// Like `spawn_app`, settling on `rails`.
pub async fn spawn_app_with_rails(rails: Rails) -> TestApp {
    spawn_app_with_rails_and(rails, Policy::default()).await
}

/// Like `spawn_app_with`, settling on `rails`.
pub async fn spawn_app_with_rails_and(rails: Rails, policy: Policy) -> TestApp {
    spawn_with(|c| c.policy = policy, |_| {}, rails).await
}

/// Like `spawn_app_with_rails`, with the configuration changed by `configure`.
pub async fn spawn_app_with_rails_configured(
    rails: Rails,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    spawn_with(configure, |_| {}, rails).await
}

/// Like `spawn_app`, with the rest of the configuration changed by `configure`.
pub async fn spawn_app_configured(configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn_with(configure, |_| {}, sandbox()).await
}

/// Like `spawn_app`, with item 101's image drawn small and run through the variant pipeline
/// before the server starts (so its manifest is loaded).
pub async fn spawn_app_with_pictures() -> TestApp {
    spawn(Policy::default(), |media| {
        let catalog = demo::catalog().unwrap();
        let item = &catalog.collections[0].items[0];
        assert_eq!(item.id, item_id(101));
        let path = media.join(item.original.url.trim_start_matches("/media/"));
        demo::art::write_jpeg(&path, &item.art.render(600, 400), 85).unwrap();
        vitrine_server::images::pipeline::run(media, &|_, _| {}).unwrap();
    })
    .await
}

async fn spawn(policy: Policy, prepare_media: impl FnOnce(&Path)) -> TestApp {
    spawn_with(|c| c.policy = policy, prepare_media, sandbox()).await
}

fn sandbox() -> Rails {
    Rails::default().with(SandboxCard::default())
}

fn lenient() -> vitrine_server::domain::rate_limit::RateLimit {
    let many = std::num::NonZeroU32::new(100_000).unwrap();
    vitrine_server::domain::rate_limit::RateLimit { per_minute: many, burst: many }
}

fn config_for(dir: &Path, db: &str) -> Config {
    Config::new(db.to_owned(), "127.0.0.1:0".parse().unwrap(), dir.join("dist"), dir.join("media"))
}

async fn spawn_with(
    configure: impl FnOnce(&mut Config),
    prepare_media: impl FnOnce(&Path),
    rails: Rails,
) -> TestApp {
    spawn_with_sandboxes(configure, prepare_media, rails, None).await
}

/// Like `spawn_app`, on the three sandboxes (card, L1, L2), which the test drives.
pub async fn spawn_app_with_sandboxes(sandboxes: &Sandboxes) -> TestApp {
    spawn_app_with_sandboxes_and(sandboxes, |_| {}).await
}

/// `spawn_app_with_sandboxes`, with the configuration changed by `configure`.
pub async fn spawn_app_with_sandboxes_and(
    sandboxes: &Sandboxes,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    spawn_with_sandboxes(configure, |_| {}, sandboxes.rails(), Some(sandboxes.clone())).await
}

async fn spawn_with_sandboxes(
    configure: impl FnOnce(&mut Config),
    prepare_media: impl FnOnce(&Path),
    rails: Rails,
    sandboxes: Option<Sandboxes>,
) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    prepare_media(&dir.path().join("media"));
    let db = format!("sqlite://{}", dir.path().join("db/vitrine.db").display());
    let storage = storage::connect(&db).await.unwrap();
    storage.insert_catalog(&demo::catalog().unwrap()).await.unwrap();
    let ring = storage.key_ring([42; 32], now()).await.unwrap();
    let server_key = SecretKey::from_bytes(ring[0].secret);
    write_dist(&dir.path().join("dist"));
    let mut config = config_for(dir.path(), &db);
    // Tests register many devices from one address; the flood test sets the real limit.
    config.registration_limit = lenient();
    config.intent_limit = lenient();
    configure(&mut config);
    start_with(config, server_key, Arc::new(dir), rails, sandboxes).await
}

async fn start(config: Config, server_key: SecretKey, dir: Arc<TempDir>) -> TestApp {
    start_with(config, server_key, dir, sandbox(), None).await
}

async fn start_with(
    config: Config,
    server_key: SecretKey,
    dir: Arc<TempDir>,
    rails: Rails,
    sandboxes: Option<Sandboxes>,
) -> TestApp {
    let db_url = config.database_url.clone();
    let app = Application::build_with_sandboxes(config, rails, sandboxes).await.unwrap();
    let base = format!("http://{}", app.addr());
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    let db = SqlitePool::connect(&db_url).await.unwrap();
    TestApp { base, client, server_key, db, db_url, dir }
}

impl TestApp {
    /// Another server process on the same database and files (as after a restart); this one
    /// keeps running but the test talks to the new one.
    pub async fn restarted(&self) -> TestApp {
        self.restarted_with(|_| {}).await
    }

    /// A restart with a changed configuration.
    pub async fn restarted_with(&self, configure: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = config_for(self.dir.path(), &self.db_url);
        config.registration_limit = lenient();
        config.intent_limit = lenient();
        configure(&mut config);
        start(config, self.server_key.clone(), self.dir.clone()).await
    }

    /// A server started on another database (a backup restored), same files.
    pub async fn restarted_on(&self, db_url: &str) -> TestApp {
        let mut config = config_for(self.dir.path(), db_url);
        config.registration_limit = lenient();
        config.intent_limit = lenient();
        start(config, self.server_key.clone(), self.dir.clone()).await
    }

    /// Poll `condition` until it holds (bounded): for effects of background tasks.
    pub async fn wait_until<F, Fut>(&self, what: &str, condition: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        for _ in 0..200 {
            if condition().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting for {what}");
    }

    /// The test's scratch folder.
    pub fn dir_path(&self) -> &Path {
        self.dir.path()
    }
}

/// The layout `cargo xtask dist` writes, with known bytes so tests can tell variants apart.
/// The fake dist's `index.html`: where the app's shell marks its title and root.
pub const SHELL: &str = "<!doctype html><html><head><title>Vitrine</title></head>\
    <body><div id=\"app\"></div><noscript>shell</noscript></body></html>";

fn write_dist(dist: &Path) {
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::write(dist.join("index.html"), SHELL).unwrap();
    std::fs::write(dist.join("sw.js"), "// sw").unwrap();
    std::fs::write(dist.join("assets/app-0123abcd.js"), "plain").unwrap();
    std::fs::write(dist.join("assets/app-0123abcd.js.br"), "brotli").unwrap();
    std::fs::write(dist.join("assets/app-0123abcd.js.gz"), "gzip").unwrap();
}
