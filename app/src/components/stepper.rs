use leptos::prelude::*;

/// A quantity stepper: − [n] +. Each button is a 44 px target with its own name; the number
/// stays typeable and is the labelled control (`id` is what the `<label for>` points at).
#[component]
pub fn Stepper(
    id: &'static str,
    value: RwSignal<u32>,
    min: u32,
    max: u32,
    /// Ids of the hint and error that describe the field.
    #[prop(into)]
    described_by: Signal<String>,
    #[prop(into)] invalid: Signal<bool>,
) -> impl IntoView {
    let step = move |by: i64| {
        let next = (i64::from(value.get_untracked()) + by).clamp(i64::from(min), i64::from(max));
        value.set(u32::try_from(next).unwrap_or(min));
    };
    view! {
        <div class="stepper">
            // The name is the button's own text, so what is said is what is shown.
            <button type="button" aria-controls=id
                disabled=move || { value.get() <= min } on:click=move |_| step(-1)>
                <span aria-hidden="true">"−"</span><span class="visually-hidden">"One fewer"</span>
            </button>
            <input id=id type="number" inputmode="numeric" min=min max=max
                aria-describedby=described_by aria-invalid=move || invalid.get().to_string()
                prop:value=move || value.get().to_string()
                on:input=move |ev| value.set(event_target_value(&ev).trim().parse().unwrap_or(0)) />
            <button type="button" aria-controls=id
                disabled=move || { value.get() >= max } on:click=move |_| step(1)>
                <span aria-hidden="true">"+"</span><span class="visually-hidden">"One more"</span>
            </button>
        </div>
    }
}
