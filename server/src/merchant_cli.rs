//! `vitrine merchant …`: the operator makes merchants, hands out their API tokens (printed
//! once; only a hash is stored) and revokes them. Each action is in the audit log.

use anyhow::{bail, Context};
use clap::Subcommand;
use vitrine_protocol::merchant::Scope;
use vitrine_server::domain::clock;
use vitrine_server::domain::merchants::{new_token, valid_name};
use vitrine_server::storage::merchants::Created;
use vitrine_server::storage::Storage;

/// What a token may do when `--scopes` is not given: everything but admin.
const DEFAULT_SCOPES: &str = "catalog,drops,claims,orders";

#[derive(Subcommand)]
pub enum MerchantCommand {
    /// Make a merchant and print its first API token (shown once, never again).
    Create {
        /// The merchant's name (1–64 characters).
        name: String,
        /// What the token may do: a comma-separated list of catalog, drops, claims, orders,
        /// admin.
        #[arg(long, default_value = DEFAULT_SCOPES)]
        scopes: String,
    },
    /// Print another API token for an existing merchant (shown once).
    Token {
        name: String,
        #[arg(long, default_value = DEFAULT_SCOPES)]
        scopes: String,
    },
    /// Revoke a merchant's tokens (all of them, or the one given) and end their sessions.
    Revoke {
        name: String,
        /// Only this token (its number, as `vitrine merchant list` shows it).
        #[arg(long)]
        token: Option<i64>,
    },
    /// List merchants and their tokens (never the tokens themselves).
    List,
}

fn scopes(list: &str) -> anyhow::Result<Vec<Scope>> {
    Scope::parse_list(list).with_context(|| {
        format!(
            "--scopes {list:?}: expected a comma-separated list of {}",
            Scope::join(&Scope::ALL)
        )
    })
}

pub async fn run(storage: &dyn Storage, command: MerchantCommand) -> anyhow::Result<()> {
    let now = clock::now();
    match command {
        MerchantCommand::Create { name, scopes: list } => {
            if !valid_name(&name) {
                bail!("a merchant's name is 1–64 printable characters, no spaces around it");
            }
            let scopes = scopes(&list)?;
            let (token, hash) = new_token()?;
            match storage.create_merchant(&name, hash, &scopes, now).await? {
                Created::Created(id) => print_token(&name, id, &scopes, &token),
                Created::Taken => {
                    bail!("a merchant named {name:?} exists; `vitrine merchant token` adds a token")
                }
            }
        }
        MerchantCommand::Token { name, scopes: list } => {
            let scopes = scopes(&list)?;
            let (token, hash) = new_token()?;
            match storage.add_token(&name, hash, &scopes, now).await? {
                Some(id) => print_token(&name, id, &scopes, &token),
                None => bail!("no merchant named {name:?}"),
            }
        }
        MerchantCommand::Revoke { name, token } => {
            let n = storage.revoke_tokens(&name, token, now).await?;
            if n == 0 {
                bail!("no live token to revoke for {name:?}");
            }
            println!("Revoked {n} token(s) of {name}; their sessions have ended.");
        }
        MerchantCommand::List => {
            for t in storage.tokens().await? {
                let state = if t.revoked_at.is_some() { "revoked" } else { "live" };
                println!(
                    "{}\ttoken {}\t{}\t{state}",
                    t.merchant,
                    t.token_id,
                    Scope::join(&t.scopes)
                );
            }
        }
    }
    Ok(())
}

fn print_token(name: &str, id: i64, scopes: &[Scope], token: &str) {
    println!("Merchant {name}, token {id} ({}):", Scope::join(scopes));
    println!("{token}");
    println!("Keep it secret: it is shown only now. Sign in to the console with it.");
}
