//! The demo catalog: made by the project itself, deterministic, no downloads. Every item has a
//! procedurally generated original of 2400×1600 px, so the image pipeline has real bytes to shrink,
//! and alt text written from the same parameters that draw the picture.

pub mod art;
mod media;
mod words;

use vitrine_protocol::{Currency, ImageRef, ItemId, Money, ParseIdError, Slug};

use art::{ArtSpec, Style};
pub use media::write_media;

/// A catalog ready to be inserted.
#[derive(Debug, Clone)]
pub struct NewCatalog {
    pub collections: Vec<NewCollection>,
}

#[derive(Debug, Clone)]
pub struct NewCollection {
    pub slug: Slug,
    pub title: String,
    pub description: String,
    pub items: Vec<NewItem>,
}

#[derive(Debug, Clone)]
pub struct NewItem {
    pub id: ItemId,
    pub title: String,
    pub artist: String,
    pub description: String,
    pub alt: String,
    pub price: Money,
    pub edition_size: u32,
    pub stock: u32,
    pub thumb: ImageRef,
    pub original: ImageRef,
    pub art: ArtSpec,
}

pub const ORIGINAL_SIZE: (u32, u32) = (2400, 1600);
pub const THUMB_SIZE: (u32, u32) = (480, 320);

struct Theme {
    slug: &'static str,
    title: &'static str,
    description: &'static str,
    style: Style,
    currency: Currency,
    base_price_minor: i64,
    artists: &'static [&'static str],
    titles: &'static [&'static str],
}

const THEMES: [Theme; 4] = [
    Theme {
        slug: "tidal-glass",
        title: "Tidal Glass",
        description:
            "Banded seascapes: each work stacks rolling waves of three colours, its crest \
                      swelling toward one side of the frame, layered like sea glass.",
        style: Style::Waves,
        currency: Currency::EUR,
        base_price_minor: 2_400,
        artists: &["Mara Okonkwo", "Søren Lind", "Ilse Vantongeren"],
        titles: words::TIDAL,
    },
    Theme {
        slug: "orbit-studies",
        title: "Orbit Studies",
        description: "Concentric rings that trace imaginary orbits around an off-centre point, \
                      alternating two colours against a quiet field.",
        style: Style::Rings,
        currency: Currency::EUR,
        base_price_minor: 3_900,
        artists: &["Teodor Halvorsen", "Aiko Brandt"],
        titles: words::ORBIT,
    },
    Theme {
        slug: "quiet-grids",
        title: "Quiet Grids",
        description:
            "Truchet tilings: square tiles that each carry two quarter-circle arcs, turned \
                      by chance so that the arcs join into long winding paths.",
        style: Style::Tiles,
        currency: Currency::USD,
        base_price_minor: 1_500,
        artists: &["Rafael Quispe", "Noor Haddad", "Juniper Ashe"],
        titles: words::GRIDS,
    },
    Theme {
        slug: "ember-fields",
        title: "Ember Fields",
        description:
            "Soft fields of light around glowing cores, like embers seen through fog; each \
                      work is a handful of metaballs frozen mid-drift.",
        style: Style::Blobs,
        currency: Currency::JPY,
        base_price_minor: 4_800,
        artists: &["Hana Sato", "Elio Marchetti"],
        titles: words::EMBER,
    },
];

/// The whole demo catalog: 4 collections, 52 items. Fails only if a constant above is invalid.
pub fn catalog() -> Result<NewCatalog, ParseIdError> {
    let collections = THEMES
        .iter()
        .enumerate()
        .map(|(ci, theme)| {
            let items = theme
                .titles
                .iter()
                .enumerate()
                .map(|(ii, title)| item(theme, ci, ii, title))
                .collect::<Result<_, _>>()?;
            Ok(NewCollection {
                slug: theme.slug.parse()?,
                title: theme.title.into(),
                description: theme.description.into(),
                items,
            })
        })
        .collect::<Result<_, ParseIdError>>()?;
    Ok(NewCatalog { collections })
}

fn item(theme: &Theme, ci: usize, ii: usize, title: &str) -> Result<NewItem, ParseIdError> {
    let raw_id = (ci as i64 + 1) * 100 + ii as i64 + 1;
    let mut rng = art::Rng::new(raw_id as u64 * 7919);
    let spec = ArtSpec::random(theme.style, &mut rng);
    let artist = theme.artists[ii % theme.artists.len()];
    let edition_size = [1, 5, 10, 25, 50][rng.below(5) as usize];
    // Every fifth item is sold out, so the storefront shows that state from day one.
    let stock = if ii % 5 == 4 { 0 } else { 1 + rng.below(edition_size) };
    let price_steps = rng.below(12) as i64;
    let amount_minor = theme.base_price_minor + price_steps * theme.base_price_minor / 4;
    let alt = spec.describe();
    let hash = spec.hash();
    Ok(NewItem {
        id: ItemId::try_from(raw_id)?,
        title: title.to_owned(),
        artist: artist.to_owned(),
        description: format!(
            "{title} is a {} by {artist} from the {} collection, released as an edition of \
             {edition_size}. {alt}",
            theme.style.noun(),
            theme.title
        ),
        alt,
        price: Money { amount_minor, currency: theme.currency },
        edition_size,
        stock,
        thumb: ImageRef {
            url: format!("/media/thumbs/{raw_id}-{hash}.jpg"),
            width: THUMB_SIZE.0,
            height: THUMB_SIZE.1,
        },
        original: ImageRef {
            url: format!("/media/originals/{raw_id}-{hash}.jpg"),
            width: ORIGINAL_SIZE.0,
            height: ORIGINAL_SIZE.1,
        },
        art: spec,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn demo_catalog_is_complete() {
        let c = catalog().unwrap();
        assert!(c.collections.len() >= 3);
        let items: Vec<_> = c.collections.iter().flat_map(|c| &c.items).collect();
        assert!(items.len() >= 48, "{} items", items.len());
        let ids: HashSet<_> = items.iter().map(|i| i.id).collect();
        assert_eq!(ids.len(), items.len(), "ids are unique");
        for i in &items {
            assert!(i.stock <= i.edition_size);
            assert!(i.alt.len() > 40, "alt text describes the image: {}", i.alt);
            assert!(i.original.width.max(i.original.height) >= 2000);
        }
        assert!(items.iter().any(|i| i.stock == 0), "some items are sold out");
    }

    #[test]
    fn demo_catalog_is_deterministic() {
        let a = catalog().unwrap();
        let b = catalog().unwrap();
        let key = |c: &NewCatalog| {
            c.collections
                .iter()
                .flat_map(|c| &c.items)
                .map(|i| (i.id, i.alt.clone(), i.original.url.clone(), i.price))
                .collect::<Vec<_>>()
        };
        assert_eq!(key(&a), key(&b));
    }
}
