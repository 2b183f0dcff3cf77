//! Network through the box wall, in both directions, and nothing else.
//!
//! The box has its own network namespace with only loopback. A small relay (`relay.py`,
//! started inside the box in front of the submission) links loopback ports in the box with
//! Unix sockets in a judge-owned folder shared with the box:
//! - inbound: the judge connects to `<sockets_dir>/port-PORT.sock` and reaches a server the
//!   submission runs on 127.0.0.1:PORT inside the box;
//! - outbound: the submission connects to 127.0.0.1:PORT inside the box and reaches a Unix
//!   socket the judge listens on in `sockets_dir`.
//!
//! This works the same whether livejudge is root or not (entering the box's network
//! namespace from the judge would need root) and costs about a millisecond per connection.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use super::bubblewrap::BOX_NET;

/// Where the relay script sits in the box (beside, not inside, the read-only judge folder).
const BOX_RELAY: &str = "/sandbox/livejudge_relay.py";

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
/// the relay needs through `push`. Unchanged when the plan is empty.
pub(super) fn wrap(
    plan: &Plan,
    program: &Path,
    args: &[OsString],
    push: &mut dyn FnMut(&[&OsStr]),
) -> (PathBuf, Vec<OsString>) {
    let Some(dir) = plan.sockets_dir.as_ref().filter(|_| !plan.is_empty()) else {
        return (program.to_owned(), args.to_vec());
    };
    push(&[
        "--bind".as_ref(),
        dir.as_os_str(),
        BOX_NET.as_ref(),
        "--ro-bind".as_ref(),
        dir.join(RELAY_FILE).as_os_str(),
        BOX_RELAY.as_ref(),
    ]);
    let inside = |name: &str| format!("{BOX_NET}/{name}");
    let spec = serde_json::json!({
        "inbound": plan.inbound.iter().map(|&p| (p, inside(&inbound_name(p)))).collect::<Vec<_>>(),
        "outbound": plan.outbound.iter().map(|(p, name)| (*p, inside(name))).collect::<Vec<_>>(),
    });
    let mut wrapped: Vec<OsString> = vec![
        "-I".into(),
        "-S".into(),
        BOX_RELAY.into(),
        spec.to_string().into(),
        "--".into(),
        program.into(),
    ];
    wrapped.extend(args.iter().cloned());
    (program.to_owned(), wrapped)
}

/// Creates `dir` (judge-owned, the box may create sockets in it) with the relay script.
pub fn prepare_sockets_dir(dir: &Path, sandbox_uid: Option<u32>) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(RELAY_FILE), RELAY_SOURCE)?;
    if let Some(uid) = sandbox_uid {
        std::os::unix::fs::chown(dir, Some(uid), None)?;
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}

/// Listens on `<sockets_dir>/<name>` for the box's outbound connections to a port (the
/// socket is opened to every uid: the box runs as another one when livejudge is root).
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
