//! `vitrine claims export BATCH --merchant NAME`: a claim batch's printable sheet and its CSV,
//! written as files, the same as the console's "Print sheet" and "Download CSV".

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Subcommand;
use vitrine_server::domain::claim_sheet::{self, Printed};
use vitrine_server::storage::Storage;

#[derive(Subcommand)]
pub enum ClaimsCommand {
    /// Write BATCH's sheet (claims-BATCH.html, print it from a browser) and its vouchers
    /// (claims-BATCH.csv) into a folder.
    Export {
        /// The batch's number, as the console and the API show it.
        batch: i64,
        /// The merchant it belongs to.
        #[arg(long)]
        merchant: String,
        /// The shop's address as collectors reach it: the codes point there.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        origin: String,
        /// Where to write the files.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
}

pub async fn run(storage: &dyn Storage, command: ClaimsCommand) -> anyhow::Result<()> {
    let ClaimsCommand::Export { batch, merchant, origin, out } = command;
    if !(origin.starts_with("http://") || origin.starts_with("https://")) {
        bail!("--origin {origin:?}: an http:// or https:// address");
    }
    let Some(merchant_id) = storage.merchant_id(&merchant).await? else {
        bail!("no merchant named {merchant:?} (`vitrine merchant list`)");
    };
    let Some(printed) = Printed::load(storage, merchant_id, batch).await? else {
        bail!("{merchant} has no claim batch {batch}");
    };
    let sheet = printed.sheet(&origin);
    std::fs::create_dir_all(&out).with_context(|| format!("making {}", out.display()))?;
    let html = out.join(format!("claims-{batch}.html"));
    let csv = out.join(format!("claims-{batch}.csv"));
    std::fs::write(&html, claim_sheet::html(&sheet)?)
        .with_context(|| format!("writing {}", html.display()))?;
    std::fs::write(&csv, claim_sheet::csv(&sheet))
        .with_context(|| format!("writing {}", csv.display()))?;
    println!(
        "Claim batch {batch}: {} vouchers of {:?} → {} and {}",
        printed.vouchers.len(),
        printed.batch.title,
        html.display(),
        csv.display()
    );
    Ok(())
}
