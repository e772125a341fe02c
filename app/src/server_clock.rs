//! The server's clock, as this page best knows it: every `/healthz` answer carries the
//! server's time in ms, and the sample with the shortest round trip wins (its error is at
//! most half that trip). Countdowns read it, and purchases are dated by it, so "starts in" and
//! "signed during the drop" mean the same here as on the server. Kept in `localStorage`, so a
//! reload with no network still counts down right.

use std::time::Duration;

use leptos::prelude::*;
use vitrine_protocol::drops::{clock_sample, corrected};
use vitrine_protocol::UnixMillis;

const KEY: &str = "vitrine-clock-offset";

#[derive(Clone, Copy)]
pub struct ServerClock {
    /// Server's clock minus this device's, ms.
    pub offset_ms: RwSignal<i64>,
    best_round_trip: StoredValue<i64>,
    /// Moves every second, so countdowns redraw.
    tick: RwSignal<u64>,
}

fn storage() -> Option<web_sys::Storage> {
    if !crate::IN_BROWSER {
        return None;
    }
    web_sys::window()?.local_storage().ok().flatten()
}

#[cfg(feature = "hydrate")]
pub fn device_now() -> UnixMillis {
    #[allow(clippy::cast_possible_truncation)]
    UnixMillis(js_sys::Date::now() as i64)
}

/// Rendering on the server: the server's own clock.
#[cfg(not(feature = "hydrate"))]
pub fn device_now() -> UnixMillis {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    UnixMillis(since.map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)))
}

pub fn provide() -> ServerClock {
    let saved = storage().and_then(|s| s.get_item(KEY).ok().flatten()).and_then(|v| v.parse().ok());
    let clock = ServerClock {
        offset_ms: RwSignal::new(saved.unwrap_or(0)),
        best_round_trip: StoredValue::new(i64::MAX),
        tick: RwSignal::new(0),
    };
    if crate::IN_BROWSER {
        set_interval(move || clock.tick.update(|t| *t += 1), Duration::from_secs(1));
    }
    provide_context(clock);
    clock
}

impl ServerClock {
    /// A `/healthz` answer: sent and received on this device's clock, `server` on the
    /// server's.
    pub fn sample(&self, sent: UnixMillis, server: UnixMillis, received: UnixMillis) {
        let (offset, round_trip) = clock_sample(sent, server, received);
        if round_trip <= self.best_round_trip.get_value() {
            self.best_round_trip.set_value(round_trip);
            self.offset_ms.set(offset);
            if let Some(s) = storage() {
                let _ = s.set_item(KEY, &offset.to_string());
            }
        }
    }

    /// The server's time now; reactive, redrawn every second.
    pub fn now(&self) -> UnixMillis {
        self.tick.track();
        corrected(device_now(), self.offset_ms.get())
    }
}

pub fn use_server_clock() -> Option<ServerClock> {
    use_context::<ServerClock>()
}
