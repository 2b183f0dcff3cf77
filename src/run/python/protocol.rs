//! The wire between the judge and the runtime in the box: descriptor numbers, the protocol
//! version, and bounded reading of the events channel (one JSON event a line).

use tokio::io::AsyncReadExt;
use tokio::net::unix::pipe;

pub(super) const PROTOCOL: u64 = 1;

/// Descriptor numbers of the two channels inside the process.
pub(super) const CASES_FD: i32 = 3;

pub(super) const EVENTS_FD: i32 = 4;

/// Tasks with websites: the judge's go for each case (see runtime.py).
pub(super) const GO_FD: i32 = 5;

/// A single event line larger than this is a corrupted channel, not an observation.
pub(super) const MAX_EVENT_LINE: usize = 16 << 20;

pub(super) enum ChannelError {
    /// A line longer than [`MAX_EVENT_LINE`]: an observation too large to take.
    TooLong,
    Broken(String),
}

/// Reads newline-terminated events with a bound on line length. Cancel-safe: a partial line
/// stays buffered between calls.
pub(super) struct LineReader {
    pipe: pipe::Receiver,
    buffer: Vec<u8>,
    scanned: usize,
    eof: bool,
}

impl LineReader {
    pub(super) fn new(pipe: pipe::Receiver) -> LineReader {
        LineReader {
            pipe,
            buffer: Vec::new(),
            scanned: 0,
            eof: false,
        }
    }

    pub(super) async fn next_line(&mut self) -> Result<Option<Vec<u8>>, ChannelError> {
        loop {
            if let Some(pos) = self.buffer[self.scanned..].iter().position(|b| *b == b'\n') {
                let end = self.scanned + pos;
                let line = self.buffer[..end].to_vec();
                self.buffer.drain(..=end);
                self.scanned = 0;
                return Ok(Some(line));
            }
            self.scanned = self.buffer.len();
            if self.buffer.len() > MAX_EVENT_LINE {
                return Err(ChannelError::TooLong);
            }
            if self.eof {
                return if self.buffer.is_empty() {
                    Ok(None)
                } else {
                    Err(ChannelError::Broken(
                        "the channel ended in the middle of an event".into(),
                    ))
                };
            }
            self.buffer.reserve(64 * 1024);
            match self.pipe.read_buf(&mut self.buffer).await {
                Ok(0) => self.eof = true,
                Ok(_) => {}
                Err(e) => {
                    return Err(ChannelError::Broken(format!(
                        "reading the channel failed: {e}"
                    )));
                }
            }
        }
    }
}
