//! Listeners on the host that record every connection.

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

type Accepted = std::io::Result<(Box<dyn Read + Send>, String)>;

pub(super) struct Listener {
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    pub(super) fn tcp(name: String, listener: std::net::TcpListener) -> Listener {
        listener.set_nonblocking(true).unwrap();
        Listener::serve(name, move || {
            let (stream, peer) = listener.accept()?;
            stream.set_nonblocking(false)?;
            stream.set_read_timeout(Some(Duration::from_millis(500)))?;
            Ok((Box::new(stream), peer.to_string()))
        })
    }

    pub(super) fn unix(name: String, listener: std::os::unix::net::UnixListener) -> Listener {
        listener.set_nonblocking(true).unwrap();
        Listener::serve(name, move || {
            let (stream, peer) = listener.accept()?;
            stream.set_nonblocking(false)?;
            stream.set_read_timeout(Some(Duration::from_millis(500)))?;
            Ok((Box::new(stream), format!("{peer:?}")))
        })
    }

    fn serve(name: String, mut accept: impl FnMut() -> Accepted + Send + 'static) -> Listener {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let seen = Arc::clone(&seen);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match accept() {
                        Ok((mut stream, peer)) => {
                            let record = |line: String| {
                                seen.lock()
                                    .unwrap_or_else(PoisonError::into_inner)
                                    .push(line);
                            };
                            record(format!("{name} accepted a connection from {peer}"));
                            let mut buffer = [0u8; 256];
                            let read = stream.read(&mut buffer).unwrap_or(0);
                            if read > 0 {
                                record(format!(
                                    "{name} received {:?}",
                                    String::from_utf8_lossy(&buffer[..read])
                                ));
                            }
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
        };
        Listener {
            seen,
            stop,
            thread: Some(thread),
        }
    }

    pub(super) fn connections(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
