//! Search over the catalog the device already holds: pure (no DOM, no fetch), so the rule is
//! tested natively and the page only draws what it returns.

use vitrine_protocol::ItemSummary;

/// The fields a query is matched against, best first, with what a match in each is worth: a
/// work found by its title ranks above one that only mentions the words in its description.
const WEIGHTS: [u32; 4] = [8, 4, 2, 1];

/// One work, with its searchable text folded once when the index is built rather than on
/// every keystroke.
pub struct Entry {
    pub item: ItemSummary,
    /// Title, artist, collection title, description: folded by [`fold`].
    fields: [String; 4],
}

impl Entry {
    pub fn new(item: ItemSummary, collection_title: &str) -> Self {
        let fields = [
            fold(&item.title),
            fold(&item.artist),
            fold(collection_title),
            fold(&item.description),
        ];
        Entry { item, fields }
    }
}

/// Lower case, common Latin accents removed, anything not a letter or digit made a space: so
/// "Céramique" is found by "ceramique" and "sea-glass" by "sea glass".
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à'..='å' => 'a',
            'ç' => 'c',
            'è'..='ë' => 'e',
            'ì'..='ï' => 'i',
            'ñ' => 'n',
            'ò'..='ö' | 'ø' => 'o',
            'ù'..='ü' => 'u',
            'ý' | 'ÿ' => 'y',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .collect()
}

/// Whether `term` starts a word of `text` (both folded): "orb" finds "Orbit", "bit" does not.
fn starts_a_word(text: &str, term: &str) -> bool {
    text.match_indices(term).any(|(at, _)| at == 0 || text[..at].ends_with(' '))
}

/// The works every term of `query` finds, best match first; ties keep catalog order. An
/// empty query finds nothing (the page shows a hint instead of the whole catalog).
pub fn search<'a>(entries: &'a [Entry], query: &str) -> Vec<&'a Entry> {
    let query = fold(query);
    let terms: Vec<&str> = query.split_whitespace().collect();
    if terms.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<(u32, &Entry)> = entries
        .iter()
        .filter_map(|entry| {
            let mut score = 0;
            for term in &terms {
                let best = entry
                    .fields
                    .iter()
                    .zip(WEIGHTS)
                    .filter(|(field, _)| starts_a_word(field, term))
                    .map(|(_, weight)| weight)
                    .max()?;
                score += best;
            }
            Some((score, entry))
        })
        .collect();
    found.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    found.into_iter().map(|(_, entry)| entry).collect()
}

#[cfg(test)]
mod tests {
    use vitrine_protocol::{Currency, ImageRef, ItemId, Money};

    use super::*;

    fn entry(id: i64, title: &str, artist: &str, collection: &str, description: &str) -> Entry {
        let item = ItemSummary {
            id: ItemId::try_from(id).unwrap(),
            title: title.into(),
            artist: artist.into(),
            price: Money { amount_minor: 100, currency: Currency::EUR },
            stock: 1,
            thumb: ImageRef { url: "/x.jpg".into(), width: 1, height: 1 },
            alt: String::new(),
            description: description.into(),
            picture: None,
            drop: None,
        };
        Entry::new(item, collection)
    }

    fn ids(found: &[&Entry]) -> Vec<i64> {
        found.iter().map(|e| e.item.id.get()).collect()
    }

    fn catalog() -> Vec<Entry> {
        vec![
            entry(1, "Neap Tide", "Mara Okonkwo", "Tidal Glass", "Waves in green glass."),
            entry(2, "Perihelion", "Ivo Brandt", "Orbit Studies", "Rings around a tide of light."),
            entry(3, "Céramique", "Zoë Laurent", "Ember", "A kiln-fired orbit."),
        ]
    }

    #[test]
    fn every_field_is_searched_and_title_matches_rank_first() {
        let all = catalog();
        // Title (1) outranks description (2).
        assert_eq!(ids(&search(&all, "tide")), [1, 2]);
        assert_eq!(ids(&search(&all, "brandt")), [2]);
        // Collection title (2) outranks description (3).
        assert_eq!(ids(&search(&all, "orbit")), [2, 3]);
        assert_eq!(ids(&search(&all, "kiln")), [3]);
    }

    #[test]
    fn every_term_must_match_somewhere() {
        let all = catalog();
        assert_eq!(ids(&search(&all, "tide okonkwo")), [1]);
        assert!(search(&all, "tide zebra").is_empty());
    }

    #[test]
    fn terms_match_the_start_of_words_ignoring_case_accents_and_punctuation() {
        let all = catalog();
        assert_eq!(ids(&search(&all, "PERI")), [2]);
        assert!(search(&all, "helion").is_empty());
        assert_eq!(ids(&search(&all, "ceramique zoe")), [3]);
        assert_eq!(ids(&search(&all, "fired")), [3]);
        assert_eq!(fold("Sea-glass, No.5"), "sea glass  no 5");
    }

    #[test]
    fn a_blank_query_finds_nothing() {
        let all = catalog();
        assert!(search(&all, "").is_empty());
        assert!(search(&all, "  -- ").is_empty());
    }
}
