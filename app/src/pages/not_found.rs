use leptos::prelude::*;

use crate::api::FetchError;
use crate::components::Problem;

#[component]
pub fn NotFound() -> impl IntoView {
    view! { <Problem error=FetchError::NotFound what="page" /> }
}
