//! What every view of a page shares: the server's clock, connectivity (health checks, the
//! service worker's registration and updates), the worker's client and its notices, and embed
//! mode. The app provides it at its root; on a page the server drew, `start_islands` provides
//! it once at the root every island hangs from, so a page runs one of each however many
//! islands it has.

use crate::{connectivity, embed, server_clock, worker};

pub fn provide() {
    let clock = server_clock::provide();
    let connectivity = connectivity::provide(clock);
    worker::provide(connectivity);
    embed::start();
}
