//! The merchant API, for the console only (a lazy part: none of this is in the collectors'
//! first load). Requests carry the session cookie (same origin); every change carries the
//! session's CSRF token. Answers are never cached (the worker passes `/api/v1/merchant/*`
//! through).

use serde::de::DeserializeOwned;
use serde::Serialize;
use vitrine_protocol::headers::{CSRF_TOKEN, IDEMPOTENCY_KEY};
use vitrine_protocol::FieldProblem;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCache, RequestInit, Response};

use super::text;

/// Why a console request failed, for the merchant: the message, and the fields at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub status: u16,
    pub message: String,
    pub fields: Vec<FieldProblem>,
}

impl Refused {
    /// A refusal the console makes itself, before asking the shop.
    pub fn said(message: &str) -> Self {
        Refused { status: 0, message: message.into(), fields: Vec::new() }
    }

    fn network() -> Self {
        Refused {
            status: 0,
            message: "The shop cannot be reached. Nothing was changed.".into(),
            fields: Vec::new(),
        }
    }
}

#[derive(serde::Deserialize)]
struct ErrorBody {
    message: String,
    #[serde(default)]
    fields: Vec<FieldProblem>,
}

/// One request: `method` `path`, a JSON `body`, the CSRF token for changes, a bearer token to
/// sign in.
pub async fn call<T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<String>,
    csrf: Option<&str>,
    bearer: Option<&str>,
) -> Result<T, Refused> {
    request(method, path, body, csrf, bearer, None).await
}

/// `call`, with an `Idempotency-Key` when the request moves money.
async fn request<T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<String>,
    csrf: Option<&str>,
    bearer: Option<&str>,
    idempotency_key: Option<&str>,
) -> Result<T, Refused> {
    let window = web_sys::window().ok_or_else(Refused::network)?;
    let init = RequestInit::new();
    init.set_method(method);
    init.set_cache(RequestCache::NoStore);
    let headers = web_sys::Headers::new().map_err(|_| Refused::network())?;
    if body.is_some() {
        let _ = headers.set("content-type", "application/json");
    }
    if let Some(csrf) = csrf {
        let _ = headers.set(CSRF_TOKEN, csrf);
    }
    if let Some(token) = bearer {
        let _ = headers.set("authorization", &format!("Bearer {token}"));
    }
    if let Some(key) = idempotency_key {
        let _ = headers.set(IDEMPOTENCY_KEY, key);
    }
    init.set_headers(&headers);
    if let Some(body) = &body {
        init.set_body(&wasm_bindgen::JsValue::from_str(body));
    }
    let value = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| Refused::network())?;
    let response: Response = value.dyn_into().map_err(|_| Refused::network())?;
    let body = text(&response).await.map_err(|_| Refused::network())?;
    let status = response.status();
    if response.ok() {
        return serde_json::from_str(&body).map_err(|_| Refused {
            status,
            message: "The shop sent something unexpected.".into(),
            fields: Vec::new(),
        });
    }
    Err(refused(status, &body))
}

/// A refusal read from the one error shape.
fn refused(status: u16, body: &str) -> Refused {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(e) => Refused { status, message: e.message, fields: e.fields },
        Err(_) => {
            Refused { status, message: format!("The shop answered {status}."), fields: Vec::new() }
        }
    }
}

pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, Refused> {
    call("GET", path, None, None, None).await
}

/// A change (`POST`, `PUT`, `PATCH`) with a JSON body and the CSRF token.
pub async fn send<T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: &impl Serialize,
    csrf: &str,
) -> Result<T, Refused> {
    let json = serde_json::to_string(body).map_err(|_| Refused {
        status: 0,
        message: "This cannot be sent.".into(),
        fields: Vec::new(),
    })?;
    call(method, path, Some(json), Some(csrf), None).await
}

/// A `POST` that moves money: sent with `key`, which the caller keeps for retries of the same
/// request (the shop then answers the first one again instead of acting twice).
pub async fn send_once<T: DeserializeOwned>(
    path: &str,
    body: &impl Serialize,
    csrf: &str,
    key: &str,
) -> Result<T, Refused> {
    let json = serde_json::to_string(body).map_err(|_| Refused {
        status: 0,
        message: "This cannot be sent.".into(),
        fields: Vec::new(),
    })?;
    request("POST", path, Some(json), Some(csrf), None, Some(key)).await
}

/// A fresh idempotency key (a random UUID from the browser).
pub fn fresh_key() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("{:.0}-{}", js_sys::Date::now(), js_sys::Math::random()))
}

/// Send an original with `XMLHttpRequest`, whose upload reports progress (`fetch`'s does
/// not): `progress(sent, total)` as it goes.
pub fn upload(
    path: &str,
    file: &web_sys::File,
    csrf: &str,
    progress: impl Fn(f64, f64) + 'static,
    done: impl FnOnce(Result<(), Refused>) + 'static,
) -> Result<(), Refused> {
    use wasm_bindgen::closure::Closure;
    let xhr = web_sys::XmlHttpRequest::new().map_err(|_| Refused::network())?;
    xhr.open("PUT", path).map_err(|_| Refused::network())?;
    xhr.set_request_header(CSRF_TOKEN, csrf).map_err(|_| Refused::network())?;
    let form = web_sys::FormData::new().map_err(|_| Refused::network())?;
    form.append_with_blob_and_filename("original", file, &file.name())
        .map_err(|_| Refused::network())?;
    if let Ok(upload) = xhr.upload() {
        let on_progress =
            Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
                progress(e.loaded(), e.total());
            });
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        on_progress.forget();
    }
    let finished = xhr.clone();
    let done = std::cell::RefCell::new(Some(done));
    let on_end = Closure::<dyn Fn()>::new(move || {
        let Some(done) = done.borrow_mut().take() else { return };
        let status = finished.status().unwrap_or(0);
        if (200..300).contains(&status) {
            done(Ok(()));
        } else if status == 0 {
            done(Err(Refused::network()));
        } else {
            let body = finished.response_text().ok().flatten().unwrap_or_default();
            done(Err(refused(status, &body)));
        }
    });
    xhr.set_onloadend(Some(on_end.as_ref().unchecked_ref()));
    on_end.forget();
    xhr.send_with_opt_form_data(Some(&form)).map_err(|_| Refused::network())
}
