use leptos::html;
use leptos::prelude::*;
use vitrine_protocol::{ImageFormat, ImageRef, Picture};

use crate::{connectivity, placeholder};

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
/// reserved by `width`/`height`, and a ThumbHash preview painted behind it until it loads (or,
/// offline, behind the worker's "available when online" image). Save-Data and 2G links get the
/// lite variants. Without a `picture` (pipeline not run) it is the plain thumbnail.
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
    let (source, img) = (NodeRef::<html::Source>::new(), NodeRef::<html::Img>::new());
    // In the page only, once the element is there, drawn or hydrated. The ThumbHash preview
    // is set through the CSSOM, which the Content-Security-Policy allows (a `style` attribute
    // in the server's HTML would need 'unsafe-inline'); on a page the server drew, outside its
    // islands, `placeholder::paint_previews` sets it from `data-thumbhash`. The server draws
    // the lite variants for a request saving data (`Save-Data`, 2G `ECT`); a hydrated picture
    // whose page finds a 2G link the request did not say switches to them here (hydration
    // keeps the server's attributes as they are).
    let preview = placeholder::data_url(&p.placeholder).map(|url| format!("url({url})"));
    let thumbhash = p.placeholder.clone();
    let lite_sets = lite.then(|| (webp.clone(), jpeg.clone(), src.clone()));
    Effect::new(move |_| {
        let Some(img) = img.get() else { return };
        if let Some(preview) = &preview {
            let _ = web_sys::HtmlElement::style(&img).set_property("background-image", preview);
        }
        if let Some((webp, jpeg, src)) = &lite_sets {
            if img.srcset() != *jpeg {
                if let Some(source) = source.get() {
                    source.set_srcset(webp);
                }
                img.set_srcset(jpeg);
                img.set_src(src);
            }
        }
    });
    view! {
        <picture>
            <source type="image/webp" srcset=webp sizes=layout.sizes() node_ref=source />
            <img src=src srcset=jpeg sizes=layout.sizes() node_ref=img data-thumbhash=thumbhash
                width=p.width height=p.height alt=alt class="pic"
                loading=loading fetchpriority=fetchpriority decoding="async" />
        </picture>
    }
    .into_any()
}
