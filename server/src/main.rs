use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use vitrine_server::domain::keys::Policy;
use vitrine_server::{demo, images, storage, Application, Config};

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
        /// Seconds an accepted order holds its stock while payment settles.
        #[arg(long, env = "VITRINE_ESCROW_TTL", default_value_t = 900)]
        escrow_ttl: u64,
    },
    /// Fill an empty database with the demo catalog and draw its images.
    SeedDemo {
        #[command(flatten)]
        db: DbArgs,
        /// Insert the catalog rows only; skip drawing images.
        #[arg(long)]
        no_images: bool,
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
        Command::Serve { db, addr, dist, escrow_ttl } => serve(db, addr, dist, escrow_ttl).await,
        Command::SeedDemo { db, no_images } => seed_demo(db, no_images).await,
        Command::Assets { media } => assets(media).await,
    }
}

async fn serve(
    db: DbArgs,
    addr: SocketAddr,
    dist: PathBuf,
    escrow_ttl_secs: u64,
) -> anyhow::Result<()> {
    if !dist.join("index.html").exists() {
        tracing::warn!(dist = %dist.display(), "no built app here; run `cargo xtask dist`");
    }
    let config = Config {
        database_url: db.db,
        addr,
        dist_dir: dist,
        media_dir: db.media,
        policy: Policy { escrow_ttl: Duration::from_secs(escrow_ttl_secs), ..Policy::default() },
    };
    let app = Application::build(config).await.context("starting the server")?;
    // Tests and xtask read this exact line to learn the bound port.
    println!("Vitrine is ready at http://{}", app.addr());
    app.run_until(shutdown_signal()).await.context("serving")?;
    tracing::info!("stopped cleanly");
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
