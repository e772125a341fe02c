use leptos::html;
use leptos::prelude::*;
use vitrine_protocol::{ImageFormat, ImageRef, Picture};

use crate::connectivity;

/// Where an image sits in the layout, as a `sizes` attribute (kept next to style/pages.css's
/// grid rules: the browser picks a width from it before CSS has loaded).
#[derive(Clone, Copy)]
pub enum Layout {
    /// A gallery card: two columns on a phone, up to six on a wide screen.
    Card,
    /// A collection cover on the home page.
    Cover,
    /// The picture on an item page.
    Hero,
    /// A collection's banner: the page's width, cropped to a strip.
    Banner,
    /// A thumbnail beside a line of text (the receipts list).
    Thumb,
}

impl Layout {
    pub(super) fn sizes(self) -> &'static str {
        match self {
            Layout::Card => {
                "(min-width: 72rem) 12rem, (min-width: 40rem) 25vw, calc(50vw - 1.5rem)"
            }
            Layout::Cover => {
                "(min-width: 72rem) 24rem, (min-width: 40rem) 50vw, calc(100vw - 2rem)"
            }
            Layout::Hero => "(min-width: 48rem) min(60vw, 42rem), calc(100vw - 2rem)",
            Layout::Banner => "(min-width: 82rem) 78rem, calc(100vw - 2rem)",
            Layout::Thumb => "4.5rem",
        }
    }
}

/// A responsive image: WebP and progressive JPEG variants by `srcset`/`sizes`, the box
/// reserved by `width`/`height`, and a ThumbHash preview painted behind it until it loads (the
/// worker's offline "available when online" image carries the preview itself). Save-Data and 2G links get the
/// lite variants: on the server, when the request says so (`Save-Data`, 2G `ECT`); a page the
/// server drew does not switch them afterwards, as its islands start at `load`, once its eager
/// pictures have loaded, and a second, lesser copy would cost the link more. Without a
/// `picture` (pipeline not run) it is the plain thumbnail.
#[component]
pub fn ResponsiveImage(
    picture: Option<Picture>,
    fallback: ImageRef,
    alt: String,
    layout: Layout,
    #[prop(optional)] eager: bool,
) -> impl IntoView {
    let loading = if eager { "eager" } else { "lazy" };
    let fetchpriority = if eager { "high" } else { "auto" };
    let Some(p) = picture else {
        return view! {
            <img src=fallback.url width=fallback.width height=fallback.height alt=alt
                loading=loading decoding="async" />
        }
        .into_any();
    };
    let lite = connectivity::save_data() && !p.lite.is_empty();
    let widths = if lite { &p.lite } else { &p.widths };
    let src_width = widths.iter().copied().find(|&w| w >= 480).or(widths.last().copied());
    let src = src_width.map_or(fallback.url, |w| p.url(w, ImageFormat::Jpeg, lite));
    let (webp, jpeg) = (p.srcset(ImageFormat::Webp, lite), p.srcset(ImageFormat::Jpeg, lite));
    let img = NodeRef::<html::Img>::new();
    // In the page only, once the element is there (a picture the server drew is not hydrated:
    // `placeholder::paint_previews` paints its preview from `data-thumbhash`). The ThumbHash
    // preview is set through the CSSOM, which the Content-Security-Policy allows (a `style`
    // attribute in the server's HTML would need 'unsafe-inline').
    let preview =
        vitrine_protocol::preview::data_url(&p.placeholder).map(|url| format!("url({url})"));
    // No hash, nothing to paint: no attribute, so the painter is not fetched for it.
    let thumbhash = (!p.placeholder.is_empty()).then(|| p.placeholder.clone());
    Effect::new(move |_| {
        if let (Some(img), Some(preview)) = (img.get(), &preview) {
            let _ = web_sys::HtmlElement::style(&img).set_property("background-image", preview);
        }
    });
    view! {
        <picture>
            <source type="image/webp" srcset=webp sizes=layout.sizes() />
            <img src=src srcset=jpeg sizes=layout.sizes() node_ref=img data-thumbhash=thumbhash
                width=p.width height=p.height alt=alt class="pic"
                loading=loading fetchpriority=fetchpriority decoding="async" />
        </picture>
    }
    .into_any()
}
