use std::path::Path;

use tempfile::TempDir;
use vitrine_server::{demo, storage, Application, Config};

/// A running server with its own database and dist folder, dropped with the test.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    _dir: TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }
}

/// Spawn the real app on port 0 with the demo catalog seeded (rows only) and a tiny fake dist.
pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("db/vitrine.db").display());
    let storage = storage::connect(&db).await.unwrap();
    storage.insert_catalog(&demo::catalog().unwrap()).await.unwrap();
    write_dist(&dir.path().join("dist"));
    let config = Config {
        database_url: db,
        addr: "127.0.0.1:0".parse().unwrap(),
        dist_dir: dir.path().join("dist"),
        media_dir: dir.path().join("media"),
    };
    let app = Application::build(config).await.unwrap();
    let base = format!("http://{}", app.addr());
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    TestApp { base, client, _dir: dir }
}

/// The layout `cargo xtask dist` writes, with known bytes so tests can tell variants apart.
fn write_dist(dist: &Path) {
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::write(dist.join("index.html"), "<!doctype html><title>shell</title>").unwrap();
    std::fs::write(dist.join("sw.js"), "// sw").unwrap();
    std::fs::write(dist.join("assets/app-0123abcd.js"), "plain").unwrap();
    std::fs::write(dist.join("assets/app-0123abcd.js.br"), "brotli").unwrap();
    std::fs::write(dist.join("assets/app-0123abcd.js.gz"), "gzip").unwrap();
}
