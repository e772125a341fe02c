use leptos::prelude::*;
use leptos_router::components::A;

use super::{PageHeading, SearchForm};
use crate::api::FetchError;
use crate::routes;

/// What to show instead of a page whose data could not be loaded: never a blank screen.
#[component]
pub fn Problem(error: FetchError, #[prop(into)] what: String) -> impl IntoView {
    let offer_search = error == FetchError::NotFound;
    let (heading, body) = match error {
        FetchError::Offline => (
            "Not available offline".to_owned(),
            format!(
                "This {what} has not been saved on this device yet. It will load as soon as \
                 you are back online."
            ),
        ),
        FetchError::NotFound => {
            ("Not found".to_owned(), format!("There is no such {what}. It may have been removed."))
        }
        FetchError::Failed(message) => {
            ("Something went wrong".to_owned(), format!("This {what} could not load: {message}"))
        }
    };
    view! {
        <section class="problem">
            <PageHeading text=heading />
            <p>{body}</p>
            {offer_search.then(|| view! { <SearchForm /> })}
            <p>
                <A href=routes::HOME attr:class="btn btn-secondary">"Browse the collections"</A>
            </p>
        </section>
    }
}
