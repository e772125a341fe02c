//! Issue 14, traces: a request runs in the trace its `traceparent` names (or a new one, when
//! it names none or a malformed one), and its answer says which. A purchase sent with its own
//! trace (the worker's: the intent id as trace id) can be followed in the server's log from
//! the request through the settler's rail calls to the minter's chain calls; so can each QR
//! claim of a kiosk's batch, whatever trace the batch request came in.

use std::io::Write;
use std::sync::{Arc, Mutex};

use vitrine_protocol::trace::{trace_of, TraceParent, TRACEPARENT};
use vitrine_server::domain::settlement::Sandboxes;

use crate::claim_requests::{batch, claim};
use crate::helpers::{spawn_app, spawn_app_with_sandboxes};
use crate::kiosks::kiosk;

const EXAMPLE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

async fn answer_trace(app: &crate::helpers::TestApp, sent: Option<&str>) -> TraceParent {
    let mut req = app.client.get(app.url("/api/v1/collections"));
    if let Some(sent) = sent {
        req = req.header(TRACEPARENT, sent);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    let header = res.headers()[TRACEPARENT].to_str().unwrap().to_owned();
    TraceParent::parse(&header).unwrap_or_else(|| panic!("not a traceparent: {header}"))
}

#[tokio::test]
async fn an_answer_names_the_trace_it_was_asked_in_or_a_new_one() {
    let app = spawn_app().await;
    let sent = TraceParent::parse(EXAMPLE).unwrap();
    let got = answer_trace(&app, Some(EXAMPLE)).await;
    assert_eq!(got.trace_id, sent.trace_id, "the caller's trace");
    assert_ne!(got.span_id, sent.span_id, "the server's own span in it");
    for ignored in
        [None, Some("nonsense"), Some("00-00000000000000000000000000000000-00f067aa0ba902b7-01")]
    {
        let fresh = answer_trace(&app, ignored).await;
        assert_ne!(fresh.trace_id, sent.trace_id, "{ignored:?} starts a trace of its own");
        assert_ne!(fresh.trace_id, [0; 16]);
    }
    let (a, b) = (answer_trace(&app, None).await, answer_trace(&app, None).await);
    assert_ne!(a.trace_id, b.trace_id, "each new trace is its own");
}

/// What the server logs, kept to read back.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn lines_of(&self, trace: &str) -> Vec<String> {
        let text = String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned();
        text.lines()
            .filter(|l| l.contains(&format!("trace_id={trace}")))
            .map(str::to_owned)
            .collect()
    }
}

/// Log this thread's events to a `Log` until the guard is dropped.
fn capture() -> (Log, tracing::subscriber::DefaultGuard) {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .finish();
    (log, tracing::subscriber::set_default(subscriber))
}

// One thread: the server's tasks (writer, settler, minter) run where this test's log is.
#[tokio::test(flavor = "current_thread")]
async fn one_purchase_is_one_trace_from_the_request_to_the_mint() {
    let (log, _guard) = capture();
    let sandboxes = Sandboxes::new(61);
    let app = spawn_app_with_sandboxes(&sandboxes).await;
    let device = app.device().await;
    let intent = device.buy(&app.quote(201).await, 1);
    let id = intent.body.id;
    let parent = TraceParent::of_intent(id, [9; 8]);
    let res = app
        .client
        .post(app.url("/api/v1/intents"))
        .header("idempotency-key", id.to_string())
        .header(TRACEPARENT, parent.to_string())
        .json(&intent)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let trace = trace_of(id);
    let answered = TraceParent::parse(res.headers()[TRACEPARENT].to_str().unwrap()).unwrap();
    assert_eq!(answered.trace_hex(), trace);
    let steps = ["intent answered", "paid", "mint attempt opened", "mint submitted"];
    app.wait_until("the purchase's trace to reach the mint", || async {
        let lines = log.lines_of(&trace);
        steps.iter().all(|step| lines.iter().any(|l| l.contains(step)))
    })
    .await;
    // Each step says it once: the trace is one purchase, not a stream of repeats.
    let lines = log.lines_of(&trace);
    for step in ["intent answered", "mint attempt opened", "mint submitted"] {
        let said = lines.iter().filter(|l| l.contains(step)).count();
        assert_eq!(said, 1, "{step}: {lines:#?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn each_claim_of_a_kiosk_batch_is_its_own_trace_from_the_scan_to_the_mint() {
    let (log, _guard) = capture();
    let sandboxes = Sandboxes::new(62);
    let app = spawn_app_with_sandboxes(&sandboxes).await;
    let vouchers = batch(&app, 2, 0, 86_400_000, 1).await.vouchers;
    let stand = kiosk(&app, "demo").await;
    let sent: Vec<_> = vouchers.iter().map(|v| claim(&stand, *v)).collect();
    // The worker sends a batch in its first claim's trace.
    let parent = TraceParent::of_intent(sent[0].body.id, [7; 8]);
    let res = app
        .client
        .post(app.url("/api/v1/claims/batch"))
        .header(TRACEPARENT, parent.to_string())
        .json(&sent)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let answered = TraceParent::parse(res.headers()[TRACEPARENT].to_str().unwrap()).unwrap();
    assert_eq!(answered.trace_id, parent.trace_id, "the batch ran in the trace it was sent in");
    let traces: Vec<String> = sent.iter().map(|c| trace_of(c.body.id)).collect();
    let steps = ["claim answered", "paid", "mint attempt opened", "mint submitted"];
    app.wait_until("each claim's trace to reach its mint", || async {
        traces.iter().all(|trace| {
            let lines = log.lines_of(trace);
            steps.iter().all(|step| lines.iter().any(|l| l.contains(step)))
        })
    })
    .await;
}
