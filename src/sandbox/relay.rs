//! Network through the box wall, in both directions, and nothing else.
//!
//! The box has its own network namespace with only loopback. A small relay (`relay.py`,
//! started inside the box in front of the submission) links loopback ports in the box with
//! Unix sockets in a judge-owned folder, which the box sees read-only (so it can neither fill
//! the host's disk there nor swap a socket for a link the judge would then follow):
//! - inbound: the judge connects to `<sockets_dir>/port-PORT.sock` and reaches a server the
//!   submission runs on 127.0.0.1:PORT inside the box (the judge binds that socket and hands
//!   the box only its listening descriptor; [`connect_inbound`] reads the relay's one-byte
//!   answer, so a refused connection is told from an accepted one);
//! - outbound: the submission connects to 127.0.0.1:PORT inside the box and reaches a Unix
//!   socket the judge listens on in `sockets_dir`.
//!
//! This works the same whether livejudge is root or not (entering the box's network
//! namespace from the judge would need root) and costs about a millisecond per connection.

use std::ffi::{OsStr, OsString};
use std::os::fd::{OwnedFd, RawFd};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::bubblewrap::BOX_NET;

/// The first descriptor number of the inbound listeners in the box.
const FIRST_INBOUND_FD: i32 = 20;

pub const RELAY_SOURCE: &str = include_str!("relay.py");
pub const RELAY_FILE: &str = "livejudge_relay.py";

/// The loopback ports a run links to the judge. Empty: no relay, no shared folder.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Judge-owned host folder holding the sockets, shared read-write with the box.
    pub sockets_dir: Option<PathBuf>,
    /// Ports the submission serves inside the box.
    pub inbound: Vec<u16>,
    /// (port inside the box, name of the judge's socket in `sockets_dir`).
    pub outbound: Vec<(u16, String)>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.inbound.is_empty() && self.outbound.is_empty()
    }

    /// Where the judge connects to reach `port` inside the box.
    pub fn inbound_socket(&self, port: u16) -> Option<PathBuf> {
        Some(self.sockets_dir.as_ref()?.join(inbound_name(port)))
    }
}

fn inbound_name(port: u16) -> String {
    format!("port-{port}.sock")
}

/// The program and arguments that start `program args` behind the relay, adding the binds
/// the relay needs through `push` and its listening descriptors to `pass_fds`. Unchanged when
/// the plan is empty.
pub(super) fn wrap(
    plan: &Plan,
    program: &Path,
    args: &[OsString],
    push: &mut dyn FnMut(&[&OsStr]),
    pass_fds: &mut Vec<(OwnedFd, RawFd)>,
) -> std::io::Result<(PathBuf, Vec<OsString>)> {
    let Some(dir) = plan.sockets_dir.as_ref().filter(|_| !plan.is_empty()) else {
        return Ok((program.to_owned(), args.to_vec()));
    };
    push(&["--ro-bind".as_ref(), dir.as_os_str(), BOX_NET.as_ref()]);
    let mut inbound = Vec::new();
    for (i, &port) in plan.inbound.iter().enumerate() {
        let path = dir.join(inbound_name(port));
        // The folder is the judge's alone: a leftover here is from an earlier box of this run.
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        // Listening from here on: a connection made before the box's relay accepts (or
        // after the box is gone, while the descriptor lives) waits rather than being
        // refused, so a server is ready when it answers a request, not when it accepts.
        let listener = UnixListener::bind(&path)?;
        let fd = FIRST_INBOUND_FD + i as RawFd;
        pass_fds.push((listener.into(), fd));
        inbound.push((port, fd));
    }
    let spec = serde_json::json!({
        "inbound": inbound,
        "outbound": plan.outbound.iter().map(|(p, name)| (*p, format!("{BOX_NET}/{name}"))).collect::<Vec<_>>(),
    });
    let mut wrapped: Vec<OsString> = vec![
        "-I".into(),
        "-S".into(),
        format!("{BOX_NET}/{RELAY_FILE}").into(),
        spec.to_string().into(),
        "--".into(),
        program.into(),
    ];
    wrapped.extend(args.iter().cloned());
    Ok((program.to_owned(), wrapped))
}

/// Creates `dir` (the judge's; the box sees it read-only) with the relay script.
pub fn prepare_sockets_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
    let script = dir.join(RELAY_FILE);
    std::fs::write(&script, RELAY_SOURCE)?;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644))?;
    Ok(())
}

/// Listens on `<sockets_dir>/<name>` for the box's outbound connections to a port (the
/// socket is opened to every uid: the box runs as another one when livejudge is root; the
/// box cannot write the folder, so the chmod cannot be turned onto another file).
pub fn listen_outbound(
    sockets_dir: &Path,
    name: &str,
) -> std::io::Result<std::os::unix::net::UnixListener> {
    use std::os::unix::fs::PermissionsExt;
    let path = sockets_dir.join(name);
    let listener = std::os::unix::net::UnixListener::bind(&path)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666))?;
    Ok(listener)
}

/// A connection to a server in the box, through the relay.
pub struct Inbound {
    /// Carries only the server's bytes: the relay's answer is consumed.
    pub stream: tokio::net::UnixStream,
    /// The relay's id of the link, to reset it ([`reset_inbound`]).
    pub id: LinkId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkId(pub [u8; 8]);

/// The longest the relay may take to answer: it waits up to 5 s for the server in the box to
/// accept. A relay stopped by its submission (SIGSTOP) must not stop the judge.
const RELAY_ANSWER: Duration = Duration::from_secs(8);

/// Connects to the server the box runs on `port`, through the relay. `Ok(None)`: nothing
/// listens on that port in the box (yet).
pub async fn connect_inbound(plan: &Plan, port: u16) -> std::io::Result<Option<Inbound>> {
    tokio::time::timeout(RELAY_ANSWER, connect_inbound_now(plan, port))
        .await
        .unwrap_or_else(|_| Err(std::io::Error::other("the relay in the box did not answer")))
}

async fn connect_inbound_now(plan: &Plan, port: u16) -> std::io::Result<Option<Inbound>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::UnixStream::connect(inbound_path(plan, port)?).await?;
    stream.write_all(b"C").await?;
    let mut answer = [0u8; 1];
    if stream.read(&mut answer).await? != 1 || answer[0] != b'+' {
        // "-", or the relay closed: no server took the connection.
        return Ok(None);
    }
    let mut id = [0u8; 8];
    stream.read_exact(&mut id).await?;
    Ok(Some(Inbound {
        stream,
        id: LinkId(id),
    }))
}

/// Has the relay reset the link's TCP connection: the server sees a reset (ECONNRESET), as
/// from a client that vanished, where closing the judge's end would give it an orderly close.
/// Succeeds once the relay has closed the link (its answer "+"); "-": the link was gone, or
/// could not be closed in time.
pub async fn reset_inbound(plan: &Plan, port: u16, link: LinkId) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let reset = async {
        let mut stream = tokio::net::UnixStream::connect(inbound_path(plan, port)?).await?;
        stream.write_all(b"R").await?;
        stream.write_all(&link.0).await?;
        let mut answer = [0u8; 1];
        stream.read_exact(&mut answer).await?;
        match &answer {
            b"+" => Ok(()),
            _ => Err(std::io::Error::other("the relay could not reset the link")),
        }
    };
    tokio::time::timeout(RELAY_ANSWER, reset)
        .await
        .unwrap_or_else(|_| Err(std::io::Error::other("the relay in the box did not answer")))
}

fn inbound_path(plan: &Plan, port: u16) -> std::io::Result<PathBuf> {
    plan.inbound_socket(port)
        .ok_or_else(|| std::io::Error::other(format!("port {port} is not linked to the judge")))
}
