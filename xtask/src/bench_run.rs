//! How long a second `cargo xtask run` with nothing changed takes to serve: the command as a
//! person types it, timed from its start until the server answers `/healthz`. Run twice; the
//! first builds whatever is missing, the second is the figure.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

use crate::project_root;

/// Longest a run may take to serve before the bench gives up (the first one may build the
/// release server from scratch).
const PATIENCE: Duration = Duration::from_secs(1_800);

/// Seconds from `cargo xtask run` to a served `/healthz`, for a warm-up run and then the
/// measured one.
pub fn second_run(sh: &Shell) -> Result<Duration> {
    let _ = serve_once(sh)?;
    serve_once(sh)
}

fn serve_once(sh: &Shell) -> Result<Duration> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let addr = format!("127.0.0.1:{port}");
    let started = Instant::now();
    let child = Command::new("cargo")
        .args(["xtask", "run", "--addr", &addr])
        .current_dir(project_root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own group, so the server it starts goes down with it.
        .process_group(0)
        .spawn()
        .context("starting cargo xtask run")?;
    let served = wait_for_health(&addr, started);
    stop(sh, child)?;
    served
}

fn wait_for_health(addr: &str, started: Instant) -> Result<Duration> {
    while started.elapsed() < PATIENCE {
        if healthy(addr) {
            return Ok(started.elapsed());
        }
        // A poll step, not a timing: the figure is when the answer came.
        std::thread::sleep(Duration::from_millis(20));
    }
    bail!("cargo xtask run did not serve {addr} within {PATIENCE:?}")
}

fn healthy(addr: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else { return false };
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

fn stop(sh: &Shell, mut child: Child) -> Result<()> {
    let group = child.id().to_string();
    cmd!(sh, "kill -TERM -- -{group}").quiet().ignore_status().run()?;
    child.wait()?;
    Ok(())
}
