//! The network groundwork for server tasks, through the library: a box reaches a site the
//! judge serves (outbound), the judge reaches a server the box runs (inbound), both through
//! the relay, while a listener on the host's own loopback stays out of the box's reach.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

use livejudge::sandbox::{Launch, Launcher, relay};

use crate::support::{box_dirs, box_launcher, box_limits, machine, real_python};

const BOX_SCRIPT: &str = r#"
import socket, sys, threading

host_port = int(sys.argv[1])

# A server in the box, for the judge's inbound connection.
server = socket.socket()
server.bind(("127.0.0.1", 8000))
server.listen()
def answer():
    conn, _ = server.accept()
    line = conn.makefile().readline()
    conn.sendall(("box heard " + line).encode())
    conn.close()
    # The second connection is reset by the judge while the server waits on it.
    conn, _ = server.accept()
    try:
        got = conn.recv(100)
        print("second connection:", "read", got, flush=True)
    except OSError as e:
        print("second connection:", type(e).__name__, flush=True)
threading.Thread(target=answer, daemon=True).start()

# The site the judge serves, through the relay's port in the box.
site = socket.create_connection(("127.0.0.1", 9000), timeout=5)
site.sendall(b"hello site\n")
print("site replied:", site.makefile().readline().strip(), flush=True)

# The host's loopback listener: another network namespace, so nothing is listening here.
try:
    socket.create_connection(("127.0.0.1", host_port), timeout=2)
    print("host loopback: reached", flush=True)
except OSError as e:
    print("host loopback:", type(e).__name__, flush=True)

# The shared folder is the judge's: the box can neither write there nor swap a socket.
try:
    open("/sandbox/net/planted", "w")
    print("sockets folder: writable", flush=True)
except OSError as e:
    print("sockets folder:", type(e).__name__, flush=True)
# The inbound socket's listening descriptor is the relay's alone.
import os
print("relay's descriptor 20 here:", os.path.exists("/proc/self/fd/20"), flush=True)

print("ready", flush=True)
threading.Event().wait(20)
"#;

#[test]
fn the_relay_links_box_and_judge_both_ways_and_nothing_else() {
    // A box started here, not by a livejudge run: the hostile corpus waits for it.
    let _machine = machine::shared();
    let launcher = box_launcher();
    let (executable, prefix) = real_python();
    let work = tempfile::tempdir().unwrap();
    let dirs = box_dirs(work.path());
    let sockets = work.path().join("net");
    relay::prepare_sockets_dir(&sockets).unwrap();

    // The site: answers one line.
    let site = relay::listen_outbound(&sockets, "site.sock").unwrap();
    let site_thread = std::thread::spawn(move || {
        let (mut conn, _) = site.accept().unwrap();
        let mut line = String::new();
        BufReader::new(conn.try_clone().unwrap())
            .read_line(&mut line)
            .unwrap();
        conn.write_all(format!("site heard {line}").as_bytes())
            .unwrap();
    });
    // A listener on the host's loopback that the box must not reach.
    let host_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    host_listener.set_nonblocking(true).unwrap();
    let host_port = host_listener.local_addr().unwrap().port();

    let plan = relay::Plan {
        sockets_dir: Some(sockets.clone()),
        // Nothing listens on 8001 in the box: the relay says so.
        inbound: vec![8000, 8001],
        outbound: vec![(9000, "site.sock".into())],
    };
    let inbound = plan.inbound_socket(8000).unwrap();
    let unserved = plan.inbound_socket(8001).unwrap();
    let launch = Launch {
        program: executable,
        args: vec![
            "-I".into(),
            "-c".into(),
            BOX_SCRIPT.into(),
            host_port.to_string().into(),
        ],
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        dirs,
        read_only: vec![prefix],
        conceal: Vec::new(),
        pass_fds: Vec::new(),
        limits: box_limits(),
        network: plan,
    };
    let prepared = launcher.prepare(launch).unwrap();
    let mut command = prepared.command;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = Vec::new();
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            panic!("the box ended early: {seen:?}\n{stderr}");
        }
        if line.trim() == "ready" {
            break;
        }
        seen.push(line.trim().to_owned());
    }
    assert_eq!(
        seen,
        [
            "site replied: site heard hello site",
            "host loopback: ConnectionRefusedError",
            "sockets folder: OSError",
            "relay's descriptor 20 here: False",
        ]
    );
    site_thread.join().unwrap();

    // Inbound: the judge talks to the box's server through the relay's socket.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut conn = loop {
        match UnixStream::connect(&inbound) {
            Ok(conn) => break conn,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("cannot connect to {}: {e}", inbound.display()),
        }
    };
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    conn.write_all(b"C").unwrap();
    let mut answer = [0u8; 9];
    conn.read_exact(&mut answer).unwrap();
    assert_eq!(answer[0], b'+', "the relay reached the box's server");
    assert!(answer[1..].iter().all(u8::is_ascii_hexdigit), "{answer:?}");
    conn.write_all(b"ping\n").unwrap();
    let mut reply = String::new();
    conn.read_to_string(&mut reply).unwrap();
    assert_eq!(reply, "box heard ping\n");

    // A reset: the judge asks the relay, by the link's id, and the server's read fails.
    let mut second = UnixStream::connect(&inbound).unwrap();
    second.write_all(b"C").unwrap();
    let mut answer = [0u8; 9];
    second.read_exact(&mut answer).unwrap();
    assert_eq!(answer[0], b'+');
    let mut reset = UnixStream::connect(&inbound).unwrap();
    reset.write_all(b"R").unwrap();
    reset.write_all(&answer[1..]).unwrap();
    let mut done = [0u8; 1];
    reset.read_exact(&mut done).unwrap();
    assert_eq!(&done, b"+");
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "second connection: ConnectionResetError");
    let mut rest = Vec::new();
    second
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    second.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "the judge's end was closed too: {rest:?}");
    // A link that is gone cannot be reset again: the relay says so.
    let mut again = UnixStream::connect(&inbound).unwrap();
    again.write_all(b"R").unwrap();
    again.write_all(&answer[1..]).unwrap();
    let mut refused_reset = Vec::new();
    again
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    again.read_to_end(&mut refused_reset).unwrap();
    assert_eq!(refused_reset, b"-");

    let mut refused = UnixStream::connect(&unserved).unwrap();
    refused.write_all(b"C").unwrap();
    refused
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut rest = Vec::new();
    refused.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"-", "nothing listens on 8001 in the box");

    // Nothing ever reached the host's loopback listener.
    assert!(matches!(host_listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock));
    // ...though it was listening all along.
    TcpStream::connect(("127.0.0.1", host_port)).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    drop(prepared.guard);
}
