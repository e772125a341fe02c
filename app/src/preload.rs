//! The API answer a page was first drawn with. The server renders its pages with the answer of
//! the endpoint each reads; where the whole app will run on the page (a framed storefront,
//! `/embed/{slug}`), it embeds that answer, byte for byte, in
//! `<script id="vitrine-data" type="application/json">` (`data-api` names the endpoint,
//! `data-status` its status). The app draws its first view from the same bytes, so it draws
//! exactly what the server drew without asking the network again. (Any other drawn page runs
//! only its islands, whose props the server writes into them.) Taken once: a later
//! visit to the same page (a navigation back) asks the network as before.

use leptos::prelude::*;

/// One endpoint's answer: its path, whether it succeeded, and its body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub api: String,
    pub ok: bool,
    pub body: String,
}

#[derive(Clone, Copy)]
struct Preloaded(StoredValue<Option<Answer>>);

/// Make `answer` the one the first page drawn may take.
pub fn provide(answer: Option<Answer>) {
    provide_context(Preloaded(StoredValue::new(answer)));
}

/// The embedded answer of `api`, if the page was rendered with it and nobody took it yet.
pub fn take(api: &str) -> Option<Answer> {
    let Preloaded(slot) = use_context::<Preloaded>()?;
    slot.try_update_value(|a| a.take_if(|a| a.api == api)).flatten()
}

/// The element the server writes, with the answer escaped so that no `</script>` (or `<!--`)
/// in a title or description can end it: `<` is written as the JSON escape `\u003c`.
pub fn script(answer: &Answer) -> String {
    format!(
        r#"<script id="{ID}" type="application/json" data-api="{}" data-status="{}">{}</script>"#,
        attribute(&answer.api),
        if answer.ok { "ok" } else { "error" },
        answer.body.replace('<', "\\u003c"),
    )
}

pub const ID: &str = "vitrine-data";

fn attribute(text: &str) -> String {
    text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;")
}

/// The answer the server embedded in this document, if any.
#[cfg(feature = "hydrate")]
pub fn from_document() -> Option<Answer> {
    let element = web_sys::window()?.document()?.get_element_by_id(ID)?;
    Some(Answer {
        api: element.get_attribute("data-api")?,
        ok: element.get_attribute("data-status").as_deref() == Some("ok"),
        body: element.text_content()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_cannot_be_closed_by_the_data() {
        let answer = Answer {
            api: "/api/v1/collections".into(),
            ok: true,
            body: r#"[{"title":"</script><script>alert(1)</script><!--"}]"#.into(),
        };
        let html = script(&answer);
        assert_eq!(html.matches("</script>").count(), 1, "{html}");
        assert!(!html.contains("<!--"), "{html}");
        let body = html.split_once('>').unwrap().1.trim_end_matches("</script>");
        let back: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(back[0]["title"], "</script><script>alert(1)</script><!--");
    }

    #[test]
    fn taken_once_and_only_by_its_own_page() {
        let owner = Owner::new();
        owner.with(|| {
            provide(Some(Answer { api: "/a".into(), ok: true, body: "[]".into() }));
            assert_eq!(take("/b"), None, "another page's answer is not this one's");
            assert_eq!(take("/a").map(|a| a.body), Some("[]".into()));
            assert_eq!(take("/a"), None, "a second visit asks the network");
        });
    }
}
