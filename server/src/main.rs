use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

mod claims_cli;
mod merchant_cli;
mod slo_cli;
use clap::{Parser, Subcommand};
use std::num::NonZeroU32;

use vitrine_protocol::device::AnswerProof;
use vitrine_server::domain::rate_limit::RateLimit;
use vitrine_server::storage::Durability;
use vitrine_server::{demo, images, new_secret, storage, Application, Config, ServerLimits};

/// Vitrine: an offline-first NFT storefront.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct DbArgs {
    /// Database URL. SQLite files and their folder are created if absent.
    #[arg(long, env = "VITRINE_DB", default_value = "sqlite://data/vitrine.db")]
    db: String,
    /// Folder of catalog images, served under /media.
    #[arg(long, env = "VITRINE_MEDIA", default_value = "data/media")]
    media: PathBuf,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a new signing key; the old one stops signing but keeps verifying until everything
    /// it signed has expired. A running server picks the new key up when it restarts.
    Rotate {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum DurabilityArg {
    /// A 201 means the order is on disk (SQLite synchronous = FULL).
    Full,
    /// May lose the last acknowledged orders on power loss (synchronous = NORMAL).
    Normal,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Seconds an accepted order holds its stock while payment settles.
    #[arg(long, env = "VITRINE_ESCROW_TTL", default_value_t = 900)]
    escrow_ttl: u64,
    /// Whether an acknowledged order is on disk before the answer.
    #[arg(long, env = "VITRINE_DURABILITY", value_enum, default_value = "full")]
    durability: DurabilityArg,
    /// Hours after it was made that an offline purchase may still be honoured; later it
    /// becomes a conflict with nothing charged.
    #[arg(long, env = "VITRINE_OFFLINE_WINDOW_HOURS", default_value_t = 72)]
    offline_window_hours: u64,
    /// Device registrations per minute per client address (sustained rate).
    #[arg(long, env = "VITRINE_REGISTRATIONS_PER_MINUTE", default_value = "10")]
    registrations_per_minute: NonZeroU32,
    /// Device registrations a client address may make at once before the rate applies.
    #[arg(long, env = "VITRINE_REGISTRATION_BURST", default_value = "20")]
    registration_burst: NonZeroU32,
    /// Intents per minute per client address (sustained rate); more get 429 + Retry-After.
    #[arg(long, env = "VITRINE_INTENTS_PER_MINUTE", default_value = "120")]
    intents_per_minute: NonZeroU32,
    /// Intents a client address may send at once before the rate applies.
    #[arg(long, env = "VITRINE_INTENT_BURST", default_value = "30")]
    intent_burst: NonZeroU32,
    /// Requests handled at once; more get 503 `overloaded` with Retry-After.
    #[arg(long, env = "VITRINE_MAX_CONCURRENT", default_value_t = 512)]
    max_concurrent: usize,
    /// Seconds before a request is answered 503 `overloaded`.
    #[arg(long, env = "VITRINE_REQUEST_TIMEOUT", default_value_t = 10)]
    request_timeout: u64,
    /// Seconds a connection may take to send a request's headers before it is closed.
    #[arg(long, env = "VITRINE_HEADER_READ_TIMEOUT", default_value_t = 10)]
    header_read_timeout: u64,
    /// Seconds a device certificate lasts (devices renew when less than 6 h remain, so a
    /// shorter one is renewed on every purchase made online).
    #[arg(long, env = "VITRINE_CERTIFICATE_TTL", default_value_t = 24 * 3600)]
    certificate_ttl: u64,
    /// The CSP `frame-ancestors` sources: who may embed the storefront.
    #[arg(long, env = "VITRINE_FRAME_ANCESTORS", default_value = "'self'")]
    frame_ancestors: String,
    /// Mark the merchant console's session cookie Secure: set it when the shop is served over
    /// HTTPS (the proxy in front terminating TLS counts).
    #[arg(long, env = "VITRINE_COOKIE_SECURE")]
    cookie_secure: bool,
    /// Seed of the sandbox rails (card, L1, L2): the same seed and the same calls give the
    /// same references, blocks and reorgs.
    #[arg(long, env = "VITRINE_SANDBOX_SEED", default_value_t = 0)]
    sandbox_seed: u64,
    /// Seconds between reconciliation windows: each reads what the rails reported since the
    /// last and matches it against the ledger.
    #[arg(long, env = "VITRINE_RECONCILE_WINDOW", default_value_t = 30)]
    reconcile_window: u64,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the storefront: API, app and media.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, env = "VITRINE_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// The built app, from `cargo xtask dist`.
        #[arg(long, env = "VITRINE_DIST", default_value = "target/dist")]
        dist: PathBuf,
        #[command(flatten)]
        tuning: ServeArgs,
    },
    /// Merchants and their API tokens.
    Merchant {
        #[command(subcommand)]
        command: merchant_cli::MerchantCommand,
        /// Database URL.
        #[arg(long, env = "VITRINE_DB", default_value = "sqlite://data/vitrine.db", global = true)]
        db: String,
    },
    /// Claim batches: print one's sheet and CSV.
    Claims {
        #[command(subcommand)]
        command: claims_cli::ClaimsCommand,
        /// Database URL.
        #[arg(long, env = "VITRINE_DB", default_value = "sqlite://data/vitrine.db", global = true)]
        db: String,
    },
    /// The service level objectives over the last hours, each against its target; exits
    /// non-zero when one is missed.
    Slo {
        #[command(flatten)]
        args: slo_cli::SloArgs,
        /// Database URL.
        #[arg(long, env = "VITRINE_DB", default_value = "sqlite://data/vitrine.db")]
        db: String,
    },
    /// Load a whole catalog for a merchant from FILE.json, FILE.csv or a folder holding
    /// catalog.json or catalog.csv, with its images (paths relative to the file). Running it
    /// twice adds nothing.
    Import {
        /// The catalog file or folder.
        path: PathBuf,
        /// The merchant it belongs to (`vitrine merchant create` makes one).
        #[arg(long)]
        merchant: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// The server's signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Fill an empty database with the demo catalog and draw its images.
    SeedDemo {
        #[command(flatten)]
        db: DbArgs,
        /// Insert the catalog rows only; skip drawing images.
        #[arg(long)]
        no_images: bool,
    },
    /// Check a receipt downloaded from a receipt page ("Download signed receipt") against the
    /// shop's published keys; exits non-zero when it does not check out.
    VerifyReceipt {
        /// The shop's keys: the JSON of `GET /api/v1/keys`, saved to a file.
        #[arg(long)]
        keys: PathBuf,
        /// The downloaded receipt.
        receipt: PathBuf,
    },
    /// Make responsive variants (widths × progressive JPEG and WebP, lite versions, ThumbHash
    /// placeholders) of every image in MEDIA/originals, and MEDIA/v/manifest.json.
    Assets {
        /// Folder of catalog images, served under /media.
        #[arg(long, env = "VITRINE_MEDIA", default_value = "data/media")]
        media: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve { db, addr, dist, tuning } => serve(db, addr, dist, tuning).await,
        Command::Merchant { command, db } => {
            let storage = storage::connect(&db).await.context("opening the database")?;
            merchant_cli::run(storage.as_ref(), command).await
        }
        Command::Claims { command, db } => {
            let storage = storage::connect(&db).await.context("opening the database")?;
            claims_cli::run(storage.as_ref(), command).await
        }
        Command::Slo { args, db } => {
            let storage = storage::connect(&db).await.context("opening the database")?;
            if !slo_cli::run(storage.as_ref(), args).await? {
                anyhow::bail!("an objective was missed");
            }
            Ok(())
        }
        Command::Import { path, merchant, db } => import(path, merchant, db).await,
        Command::Keys { command: KeysCommand::Rotate { db } } => rotate_keys(db).await,
        Command::SeedDemo { db, no_images } => seed_demo(db, no_images).await,
        Command::Assets { media } => assets(media).await,
        Command::VerifyReceipt { keys, receipt } => verify_receipt(&keys, &receipt),
    }
}

async fn serve(db: DbArgs, addr: SocketAddr, dist: PathBuf, t: ServeArgs) -> anyhow::Result<()> {
    if !dist.join("index.html").exists() {
        tracing::warn!(dist = %dist.display(), "no built app here; run `cargo xtask dist`");
    }
    let mut config = Config::new(db.db, addr, dist, db.media);
    config.durability = match t.durability {
        DurabilityArg::Full => Durability::Full,
        DurabilityArg::Normal => Durability::Normal,
    };
    config.policy.escrow_ttl = Duration::from_secs(t.escrow_ttl);
    config.policy.certificate_ttl = Duration::from_secs(t.certificate_ttl.max(60));
    config.policy.offline_window = Duration::from_secs(t.offline_window_hours.saturating_mul(3600));
    config.registration_limit =
        RateLimit { per_minute: t.registrations_per_minute, burst: t.registration_burst };
    config.intent_limit = RateLimit { per_minute: t.intents_per_minute, burst: t.intent_burst };
    config.limits = ServerLimits {
        max_concurrent: t.max_concurrent.max(1),
        request_timeout: Duration::from_secs(t.request_timeout.max(1)),
        header_read_timeout: Duration::from_secs(t.header_read_timeout.max(1)),
    };
    config.frame_ancestors = t.frame_ancestors;
    config.cookie_secure = t.cookie_secure;
    config.sandbox_seed = t.sandbox_seed;
    config.reconcile_window = Duration::from_secs(t.reconcile_window.max(1));
    let app = Application::build(config).await.context("starting the server")?;
    // Tests and xtask read this exact line to learn the bound port.
    println!("Vitrine is ready at http://{}", app.addr());
    app.run_until(shutdown_signal()).await.context("serving")?;
    tracing::info!("stopped cleanly");
    Ok(())
}

fn verify_receipt(keys: &std::path::Path, receipt: &std::path::Path) -> anyhow::Result<()> {
    fn read<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> anyhow::Result<T> {
        let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))
    }
    let keys: vitrine_protocol::PublishedKeys = read(keys)?;
    let file: vitrine_protocol::device::ReceiptFile = read(receipt)?;
    let verified = file.verify(&keys).map_err(|problem| anyhow::anyhow!("not valid: {problem}"))?;
    let intent = &file.intent.body;
    println!(
        "valid: intent {} for {} × item {}, {}, signed by a device certified with key {}",
        intent.id, intent.quantity, intent.item, verified.total, intent.certificate.body.key_id.0
    );
    let at = vitrine_server::domain::clock::http_date;
    match verified.answer {
        AnswerProof::None => println!("the shop never answered it (saved, not sent)"),
        AnswerProof::Sealed { state, as_of, key } => println!(
            "the shop's answer, signed with key {}: {} as of {}",
            key.0,
            state.as_str(),
            at(as_of)
        ),
        AnswerProof::Unsealed(state) => println!(
            "the shop's last answer, {}, is not signed (an older server): it proves nothing",
            state.as_str()
        ),
    }
    Ok(())
}

async fn rotate_keys(db: DbArgs) -> anyhow::Result<()> {
    let storage = storage::connect(&db.db).await.context("opening the database")?;
    let now = vitrine_server::domain::clock::now();
    // Make sure key 1 exists first, so a rotation on a new database leaves two keys.
    storage.key_ring(new_secret()?, now).await?;
    let id = storage.rotate_key(new_secret()?, now).await.context("adding the key")?;
    println!("Key {} now signs; older keys verify until what they signed has expired. Restart the server to use it.", id.0);
    Ok(())
}

async fn seed_demo(db: DbArgs, no_images: bool) -> anyhow::Result<()> {
    let storage = storage::connect(&db.db).await.context("opening the database")?;
    let catalog = demo::catalog().context("building the demo catalog")?;
    if storage.is_empty().await? {
        storage.insert_catalog(&catalog).await.context("inserting the demo catalog")?;
        let items: usize = catalog.collections.iter().map(|c| c.items.len()).sum();
        println!("Seeded {} collections and {items} items.", catalog.collections.len());
    } else {
        println!("Catalog already present; rows left as they are.");
    }
    if !no_images {
        let media = db.media.clone();
        let drawn = tokio::task::spawn_blocking(move || demo::write_media(&catalog, &media))
            .await
            .context("drawing images")?
            .with_context(|| format!("writing images to {}", db.media.display()))?;
        println!("Drew {drawn} images into {}.", db.media.display());
        assets(db.media).await?;
    }
    Ok(())
}

async fn import(path: PathBuf, merchant: String, db: DbArgs) -> anyhow::Result<()> {
    use vitrine_server::domain::import;
    let catalog = import::read(&path)?;
    let storage = storage::connect(&db.db).await.context("opening the database")?;
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("importing {bar:30} {pos}/{len} works, {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let now = vitrine_server::domain::clock::now();
    let report =
        import::import(storage.as_ref(), &db.media, &merchant, catalog, now, &progress).await?;
    bar.finish_and_clear();
    println!(
        "Imported for {merchant}: {} new collections, {} new works, {} images made ({} failed).",
        report.collections_added, report.items_added, report.images_processed, report.images_failed
    );
    if report.images_failed > 0 {
        anyhow::bail!(
            "some images could not be processed; see `GET /api/v1/merchant/items/{{id}}`"
        );
    }
    Ok(())
}

async fn assets(media: PathBuf) -> anyhow::Result<()> {
    let report = tokio::task::spawn_blocking(move || {
        let bar = indicatif::ProgressBar::new(0).with_style(
            indicatif::ProgressStyle::with_template(
                "encoding variants {bar:30} {pos}/{len} originals, {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let report = images::pipeline::run(&media, &|done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        });
        bar.finish_and_clear();
        report.with_context(|| format!("making image variants in {}", media.display()))
    })
    .await
    .context("image pipeline")??;
    println!(
        "Image variants: {} originals ({} encoded, {} unchanged), {} files.",
        report.originals, report.encoded, report.reused, report.variants
    );
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
