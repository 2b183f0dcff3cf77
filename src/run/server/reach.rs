//! How the judge reaches a submission's server: through the box's relay (a box has a loopback
//! of its own, so the server listens on the task's port there), or, with no box, on a port of
//! the host's loopback that the judge picked free and handed to the server as `PORT`.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use super::scenario::Stream;
use crate::sandbox::relay;

/// Ports handed to unboxed servers of this process and not yet given back: two gradings at
/// once never get the same one, even if the kernel offers it again after its first holder
/// closed.
static LEASED: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

fn leased() -> std::sync::MutexGuard<'static, BTreeSet<u16>> {
    LEASED.lock().unwrap_or_else(|e| e.into_inner())
}

/// A port of 127.0.0.1 that was free when picked, held for one server of this process.
#[derive(Debug)]
pub struct Lease(u16);

impl Lease {
    fn take() -> std::io::Result<Lease> {
        for _ in 0..64 {
            let port = std::net::TcpListener::bind(("127.0.0.1", 0))?
                .local_addr()?
                .port();
            if leased().insert(port) {
                return Ok(Lease(port));
            }
        }
        Err(std::io::Error::other(
            "no free port on 127.0.0.1 that no other server of this run holds",
        ))
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        leased().remove(&self.0);
    }
}

/// How long a connection waits for the server to accept it, as the box's relay waits.
const ACCEPT_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// A direct connection read as the box's relay would pass it on: a server's reset reaches
/// the judge as the end of the stream there (the relay closes its side), so it does here too,
/// and a case observes the same thing at every isolation level.
/// A reset asked for ([`Reach::reset`]) is sent when the stream closes: SO_LINGER 0 is set
/// on its own socket then, so no other descriptor keeps the connection open meanwhile (a
/// copy would, and a server serving one client at a time would wait on it forever).
struct ResetIsEnd {
    stream: tokio::net::TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for ResetIsEnd {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            crate::util::socket::reset_on_close(&self.stream);
        }
    }
}

impl tokio::io::AsyncRead for ResetIsEnd {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match std::pin::Pin::new(&mut self.stream).poll_read(cx, buf) {
            std::task::Poll::Ready(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                std::task::Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl tokio::io::AsyncWrite for ResetIsEnd {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

pub enum Reach {
    /// The server listens on `port` inside its box; the judge connects through the relay.
    Relay { plan: relay::Plan, port: u16 },
    /// No box: the server listens on 127.0.0.1:`lease`, and the judge connects to it there.
    Direct {
        lease: Lease,
        /// Each open connection's reset switch (gone with the connection).
        links: Mutex<HashMap<u64, Weak<AtomicBool>>>,
        next: AtomicU64,
    },
}

impl Reach {
    /// Through the relay (sockets in `sockets_dir`) when the server runs in a box; on a free
    /// host port otherwise.
    pub fn new(boxed: bool, port: u16, sockets_dir: &Path) -> std::io::Result<Reach> {
        if !boxed {
            return Ok(Reach::Direct {
                lease: Lease::take()?,
                links: Mutex::new(HashMap::new()),
                next: AtomicU64::new(1),
            });
        }
        if !sockets_dir.exists() {
            relay::prepare_sockets_dir(sockets_dir)?;
        }
        Ok(Reach::Relay {
            plan: relay::Plan {
                sockets_dir: Some(sockets_dir.to_owned()),
                inbound: vec![port],
                outbound: Vec::new(),
            },
            port,
        })
    }

    /// The port the server must listen on (its `PORT`).
    pub fn port(&self) -> u16 {
        match self {
            Reach::Relay { port, .. } => *port,
            Reach::Direct { lease, .. } => lease.0,
        }
    }

    /// What the box links to the judge (nothing without a box).
    pub fn plan(&self) -> relay::Plan {
        match self {
            Reach::Relay { plan, .. } => plan.clone(),
            Reach::Direct { .. } => relay::Plan::default(),
        }
    }

    /// Where the server is, as the server sees it (for `Host` headers and messages).
    pub fn where_(&self) -> String {
        match self {
            Reach::Relay { port, .. } => format!("port {port} inside the box"),
            Reach::Direct { lease, .. } => format!("127.0.0.1:{} (its PORT)", lease.0),
        }
    }

    /// A connection to the server and the link id that resets it; `None` while nothing
    /// listens on its port.
    pub async fn connect(&self) -> std::io::Result<Option<(Box<dyn Stream>, [u8; 8])>> {
        match self {
            Reach::Relay { plan, port } => Ok(relay::connect_inbound(plan, *port)
                .await?
                .map(|inbound| (Box::new(inbound.stream) as Box<dyn Stream>, inbound.id.0))),
            Reach::Direct { lease, links, next } => {
                // As the relay does in a box: a server that does not accept within this long
                // (its backlog full) counts as not listening.
                let connect = tokio::net::TcpStream::connect(("127.0.0.1", lease.0));
                let stream = match tokio::time::timeout(ACCEPT_WAIT, connect).await {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                        return Ok(None);
                    }
                    Ok(Err(e)) => return Err(e),
                    Err(_) => return Ok(None),
                };
                // What the judge sends in parts must reach the server in parts.
                stream.set_nodelay(true)?;
                let reset = Arc::new(AtomicBool::new(false));
                let id = next.fetch_add(1, Ordering::Relaxed);
                let mut links = links.lock().unwrap_or_else(|e| e.into_inner());
                links.retain(|_, switch| switch.strong_count() > 0);
                links.insert(id, Arc::downgrade(&reset));
                Ok(Some((
                    Box::new(ResetIsEnd { stream, reset }),
                    id.to_le_bytes(),
                )))
            }
        }
    }

    /// Resets the connection `link`: the server sees ECONNRESET, as from a client that
    /// vanished. Without a box, the reset is sent when the judge's last handle on the
    /// connection closes, which the step does at once.
    pub async fn reset(&self, link: [u8; 8]) -> bool {
        match self {
            Reach::Relay { plan, port } => relay::reset_inbound(plan, *port, relay::LinkId(link))
                .await
                .is_ok(),
            Reach::Direct { links, .. } => {
                let switch = links
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&u64::from_le_bytes(link))
                    .and_then(|switch| switch.upgrade());
                switch.is_some_and(|switch| {
                    switch.store(true, Ordering::SeqCst);
                    true
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_servers_at_once_never_get_the_same_port() {
        let leases: Vec<Lease> = (0..50).map(|_| Lease::take().unwrap()).collect();
        let ports: BTreeSet<u16> = leases.iter().map(|l| l.0).collect();
        assert_eq!(ports.len(), leases.len());
        let first = leases[0].0;
        drop(leases);
        assert!(
            !leased().contains(&first),
            "a lease is given back when dropped"
        );
    }

    #[tokio::test]
    async fn without_a_box_the_judge_connects_on_the_host_loopback_and_can_reset() {
        use tokio::io::AsyncReadExt;
        let reach = Reach::new(false, 8000, Path::new("/nonexistent")).unwrap();
        assert_ne!(reach.port(), 0);
        assert!(reach.plan().is_empty());
        // Nothing listens yet: refused, not an error.
        assert!(reach.connect().await.unwrap().is_none());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", reach.port()))
            .await
            .unwrap();
        let (stream, link) = reach.connect().await.unwrap().expect("connected");
        let (mut accepted, _) = listener.accept().await.unwrap();
        assert!(reach.reset(link).await);
        drop(stream);
        let mut buffer = [0u8; 1];
        let read = accepted.read(&mut buffer).await;
        assert_eq!(
            read.map_err(|e| e.kind()),
            Err(std::io::ErrorKind::ConnectionReset),
            "the server sees a reset"
        );
        assert!(!reach.reset(link).await, "a link resets once");
    }
}
