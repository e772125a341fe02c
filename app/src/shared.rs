//! What every view of a page shares: the server's clock, connectivity (health checks, the
//! service worker's registration and updates), and the worker's client and its notices. The
//! app provides it at its root; on a page the server drew, `start_islands` provides it once at
//! the root every island hangs from, so a page runs one of each however many islands it has.
//! (Embed mode is the app's alone: a framed storefront runs the whole app.)

use crate::{connectivity, server_clock, worker};

pub fn provide() {
    let clock = server_clock::provide();
    let connectivity = connectivity::provide(clock);
    worker::provide(connectivity);
}
