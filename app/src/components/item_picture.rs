use leptos::prelude::*;
use vitrine_protocol::ItemId;

use crate::api;
use crate::components::{Layout, ResponsiveImage};

/// The picture of `item` where the page knows only its id (receipts): from the catalog, which
/// the worker keeps for offline; when it cannot be had, the reserved box stays as the
/// placeholder. The box is sized by CSS before anything loads, so nothing shifts.
#[component]
pub fn ItemPicture(
    item: ItemId,
    layout: Layout,
    /// Next to a link that already names the work, the picture adds nothing for a screen
    /// reader: it is decorative there.
    #[prop(optional)]
    decorative: bool,
) -> impl IntoView {
    let found = LocalResource::new(move || api::item(item));
    view! {
        <div class="item-picture">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    found.await.ok().map(|i| {
                        let alt = if decorative { String::new() } else { i.summary.alt };
                        view! {
                            <ResponsiveImage picture=i.summary.picture fallback=i.summary.thumb
                                alt layout />
                        }
                    })
                })}
            </Suspense>
        </div>
    }
}
