//! Drops outside the writer: what the storefront shows about a work's drop, the refusal a
//! drop quote used outside its drop earns, and the safety rule an approval runs.

use std::collections::HashMap;

use vitrine_protocol::drops::schedule::{self, Plan, ShopRules, Veto, Window};
use vitrine_protocol::drops::{self, DropInfo, DropRefusal};
use vitrine_protocol::{ItemId, Quote, UnixMillis};

use crate::storage::{Storage, StorageError};

/// The drop each of `items` shows at `now` (live, else next, else last), for those in one.
pub async fn storefront(
    storage: &dyn Storage,
    items: &[ItemId],
    now: UnixMillis,
) -> Result<HashMap<ItemId, DropInfo>, StorageError> {
    let mut by_item: HashMap<ItemId, Vec<DropInfo>> = HashMap::new();
    for (item, info) in storage.item_drops(items).await? {
        by_item.entry(item).or_default().push(info);
    }
    Ok(by_item
        .into_iter()
        .filter_map(|(item, infos)| {
            drops::nearest(&infos, now, |d| (d.starts_at, d.ends_at)).map(|d| (item, d.clone()))
        })
        .collect())
}

/// Why the drop of `quote`'s work refuses an intent signed at `device_time`, when the work is
/// in a drop and the drop refuses it.
pub async fn explain(
    storage: &dyn Storage,
    quote: &Quote,
    device_time: UnixMillis,
    now: UnixMillis,
) -> Result<Option<DropRefusal>, StorageError> {
    let infos: Vec<DropInfo> =
        storage.item_drops(&[quote.item]).await?.into_iter().map(|(_, d)| d).collect();
    let own = infos.iter().find(|d| d.terms().is_quote(quote));
    let Some(info) = own.or_else(|| drops::nearest(&infos, now, |d| (d.starts_at, d.ends_at)))
    else {
        return Ok(None);
    };
    Ok(drops::admit(&info.terms(), quote, device_time, now).err())
}

/// The safety rules at this moment: what an approval and every proposal must pass.
pub fn safety_rule(now: UnixMillis) -> impl Fn(&Plan, &[Window], &ShopRules) -> Vec<Veto> + Sync {
    move |plan, others, rules| schedule::check(plan, rules, others, now)
}
