//! The image cache's bookkeeping: which URLs it holds, how many bytes each, and which were used
//! least recently. Pure, so the eviction rules are unit-tested natively; `image_cache` keeps
//! the Cache API in step with it.

use std::collections::HashMap;

/// Most entries kept, whatever their size.
pub const MAX_ENTRIES: usize = 300;
/// Most bytes kept, whatever the quota.
pub const MAX_BYTES: u64 = 60 * 1024 * 1024;
/// Share of the origin's storage quota images may take: the rest is for the app, the catalog,
/// and above all the outbox and receipts.
pub const QUOTA_SHARE: f64 = 0.10;

/// The byte bound for a device whose storage quota is `quota` bytes (unknown → `MAX_BYTES`).
pub fn byte_budget(quota: Option<f64>) -> u64 {
    match quota {
        Some(q) if q.is_finite() && q > 0.0 => ((q * QUOTA_SHARE) as u64).min(MAX_BYTES),
        _ => MAX_BYTES,
    }
}

#[derive(Debug, Default)]
pub struct Lru {
    entries: HashMap<String, (u64, u64)>,
    bytes: u64,
    clock: u64,
    budget: u64,
}

impl Lru {
    pub fn new(budget: u64) -> Self {
        Lru { budget, ..Lru::default() }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    pub fn budget(&self) -> u64 {
        self.budget
    }

    pub fn contains(&self, url: &str) -> bool {
        self.entries.contains_key(url)
    }

    /// Mark `url` as just used.
    pub fn touch(&mut self, url: &str) {
        self.clock += 1;
        if let Some(e) = self.entries.get_mut(url) {
            e.1 = self.clock;
        }
    }

    /// Record `url` (replacing any previous size) and return the URLs to delete so the cache
    /// stays within both bounds, least recently used first. An entry larger than the whole
    /// budget is itself returned: it is not worth keeping.
    pub fn insert(&mut self, url: &str, bytes: u64) -> Vec<String> {
        self.remove(url);
        self.clock += 1;
        self.entries.insert(url.to_owned(), (bytes, self.clock));
        self.bytes += bytes;
        self.evict()
    }

    pub fn remove(&mut self, url: &str) {
        if let Some((bytes, _)) = self.entries.remove(url) {
            self.bytes -= bytes;
        }
    }

    /// Everything, for a purge after `QuotaExceededError`.
    pub fn clear(&mut self) -> Vec<String> {
        self.bytes = 0;
        self.entries.drain().map(|(url, _)| url).collect()
    }

    /// URLs under `prefix`, largest first (another size of the same picture).
    pub fn with_prefix(&self, prefix: &str) -> Vec<String> {
        let mut found: Vec<(&String, u64)> = self
            .entries
            .iter()
            .filter(|(url, _)| url.starts_with(prefix))
            .map(|(url, (bytes, _))| (url, *bytes))
            .collect();
        found.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        found.into_iter().map(|(url, _)| url.clone()).collect()
    }

    fn evict(&mut self) -> Vec<String> {
        let mut victims = Vec::new();
        while self.entries.len() > MAX_ENTRIES || self.bytes > self.budget {
            let Some(oldest) =
                self.entries.iter().min_by_key(|(_, (_, used))| *used).map(|(u, _)| u.clone())
            else {
                break;
            };
            self.remove(&oldest);
            victims.push(oldest);
        }
        victims
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_least_recently_used_to_fit_bytes() {
        let mut lru = Lru::new(100);
        assert!(lru.insert("a", 40).is_empty());
        assert!(lru.insert("b", 40).is_empty());
        lru.touch("a");
        assert_eq!(lru.insert("c", 40), ["b"], "b is the least recently used");
        assert_eq!(lru.bytes(), 80);
        assert!(lru.contains("a") && lru.contains("c"));
    }

    #[test]
    fn too_big_for_the_budget_is_not_kept() {
        let mut lru = Lru::new(100);
        lru.insert("a", 10);
        assert_eq!(lru.insert("huge", 500), ["a", "huge"]);
        assert_eq!((lru.len(), lru.bytes()), (0, 0));
    }

    #[test]
    fn bounded_by_entries_too() {
        let mut lru = Lru::new(u64::MAX);
        for i in 0..MAX_ENTRIES + 5 {
            lru.insert(&format!("u{i}"), 1);
        }
        assert_eq!(lru.len(), MAX_ENTRIES);
        assert!(!lru.contains("u0") && lru.contains(&format!("u{}", MAX_ENTRIES + 4)));
    }

    #[test]
    fn reinserting_replaces_the_size() {
        let mut lru = Lru::new(1000);
        lru.insert("a", 10);
        lru.insert("a", 30);
        assert_eq!((lru.len(), lru.bytes()), (1, 30));
    }

    #[test]
    fn budget_is_a_share_of_quota_capped() {
        assert_eq!(byte_budget(Some(10_000_000.0)), 1_000_000);
        assert_eq!(byte_budget(Some(1e12)), MAX_BYTES);
        assert_eq!(byte_budget(None), MAX_BYTES);
        assert_eq!(byte_budget(Some(f64::NAN)), MAX_BYTES);
    }

    #[test]
    fn other_sizes_of_a_picture() {
        let mut lru = Lru::new(1000);
        lru.insert("/media/v/1-a/160.webp", 10);
        lru.insert("/media/v/1-a/480.webp", 50);
        lru.insert("/media/v/2-b/480.webp", 50);
        assert_eq!(
            lru.with_prefix("/media/v/1-a/"),
            ["/media/v/1-a/480.webp", "/media/v/1-a/160.webp"]
        );
    }
}
