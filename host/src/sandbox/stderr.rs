//! A policy's stderr, kept per instance so its own words (a Rust panic message, a Python
//! traceback, a line it printed) reach the host's log and the error of a failed call.
//!
//! Only the last [`TAIL_BYTES`] written are kept: a panic message is written just before the
//! trap, so the end is what explains it, and a guest printing in a loop cannot grow the host's
//! memory. Writes always succeed (a full pipe would make Rust's `eprintln!` panic and hide the
//! guest's real failure behind "failed printing to stderr"). The text handed on is one line,
//! control characters removed, so a guest cannot forge log lines or drive a terminal.

use bytes::Bytes;
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError};

/// Most bytes of a guest's stderr kept per instance (the last ones written).
pub(crate) const TAIL_BYTES: usize = 4096;

/// Most stderr log events one instance may emit; the rest are counted, not logged.
const LOG_EVENTS_PER_INSTANCE: u32 = 64;

/// What a write may be told it can send at once (the guest's write chunk size).
const WRITE_PERMIT: usize = 64 << 10;

/// The line Rust's panic hook adds after every panic message; it tells the reader to set an
/// environment variable the guest never sees, so it is dropped.
const RUST_BACKTRACE_NOTE: &str = "note: run with `RUST_BACKTRACE=1`";

/// The stderr of one instance: cheap to clone, every clone shares the same tail.
#[derive(Clone, Default)]
pub(crate) struct StderrTail {
    inner: Arc<Mutex<Tail>>,
}

#[derive(Default)]
struct Tail {
    /// The last bytes written, at most [`TAIL_BYTES`].
    bytes: VecDeque<u8>,
    /// Every byte ever written (kept or not).
    written: u64,
    /// `written` when the text was last taken: what is newer is unread.
    taken: u64,
    /// Stderr log events emitted so far.
    logged: u32,
}

impl std::fmt::Debug for StderrTail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StderrTail").finish_non_exhaustive()
    }
}

impl StderrTail {
    fn lock(&self) -> MutexGuard<'_, Tail> {
        // A panic while holding the lock leaves plain bytes behind: still usable.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends what the guest wrote, dropping the oldest bytes past [`TAIL_BYTES`].
    pub(crate) fn push(&self, bytes: &[u8]) {
        let mut tail = self.lock();
        tail.written = tail.written.saturating_add(bytes.len() as u64);
        let keep = &bytes[bytes.len().saturating_sub(TAIL_BYTES)..];
        let overflow = (tail.bytes.len() + keep.len()).saturating_sub(TAIL_BYTES);
        tail.bytes.drain(..overflow);
        tail.bytes.extend(keep);
    }

    /// What the guest wrote since the last call of this, as one clean line (`None` when it
    /// wrote nothing, or only blank lines). Bounded by [`TAIL_BYTES`]: older text is marked cut.
    pub(crate) fn take_new(&self) -> Option<String> {
        let mut tail = self.lock();
        let unread = usize::try_from(tail.written - tail.taken).unwrap_or(usize::MAX);
        tail.taken = tail.written;
        if unread == 0 {
            return None;
        }
        let kept = unread.min(tail.bytes.len());
        let start = tail.bytes.len() - kept;
        let bytes: Vec<u8> = tail.bytes.range(start..).copied().collect();
        drop(tail);
        clean(&bytes, kept < unread)
    }

    /// Whether one more stderr log event may be emitted; counts it.
    pub(crate) fn may_log(&self) -> bool {
        let mut tail = self.lock();
        tail.logged = tail.logged.saturating_add(1);
        tail.logged <= LOG_EVENTS_PER_INSTANCE
    }
}

/// One line from raw stderr bytes: lines joined with ` | ` (after a line ending in `:`, a
/// space: Rust prints `panicked at FILE:LINE:COL:` and the message on the next line), control
/// and bidirectional-override characters removed, Rust's backtrace note dropped. `cut` says
/// the start was lost: the text then begins with `...` and any broken UTF-8 sequence is skipped.
pub(crate) fn clean(bytes: &[u8], cut: bool) -> Option<String> {
    let bytes = if cut { &bytes[bytes.iter().position(|&b| b & 0xC0 != 0x80).unwrap_or(bytes.len())..] } else { bytes };
    let text = String::from_utf8_lossy(bytes);
    let mut line = String::with_capacity(text.len());
    for part in text.split(['\n', '\r']) {
        let part: String = part.chars().filter(|&c| !is_hidden(c)).collect();
        let part = part.trim();
        if part.is_empty() || part.starts_with(RUST_BACKTRACE_NOTE) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(if line.ends_with(':') { " " } else { " | " });
        }
        line.push_str(part);
    }
    if line.is_empty() {
        return None;
    }
    Some(if cut { format!("...{line}") } else { line })
}

/// Characters that must not reach a log line or a terminal: controls (a tab becomes nothing
/// too: the text is one line) and the bidirectional overrides that reorder what is shown.
fn is_hidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

impl IsTerminal for StderrTail {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for StderrTail {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl OutputStream for StderrTail {
    fn write(&mut self, bytes: Bytes) -> Result<(), StreamError> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }

    fn check_write(&mut self) -> Result<usize, StreamError> {
        Ok(WRITE_PERMIT)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for StderrTail {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for StderrTail {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.push(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_becomes_one_clean_line() {
        // (what the guest wrote, the line handed on)
        let cases: [(&[u8], Option<&str>); 7] = [
            (b"", None),
            (b"\n\n  \r\n", None),
            (
                b"thread '<unnamed>' panicked at src/lib.rs:5:9:\nknown-models table is empty\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
                Some("thread '<unnamed>' panicked at src/lib.rs:5:9: known-models table is empty"),
            ),
            (
                b"Traceback (most recent call last):\n  File \"app.py\", line 3, in load_config\nValueError: boom\n",
                Some("Traceback (most recent call last): File \"app.py\", line 3, in load_config | ValueError: boom"),
            ),
            (b"red \x1b[31malert\x07\tend", Some("red [31malertend")),
            ("a\u{202E}b\u{2066}c".as_bytes(), Some("abc")),
            (b"bad \xff byte", Some("bad \u{FFFD} byte")),
        ];
        for (written, expected) in cases {
            assert_eq!(clean(written, false).as_deref(), expected, "written {:?}", String::from_utf8_lossy(written));
        }
    }

    #[test]
    fn only_the_last_bytes_are_kept_and_each_is_handed_on_once() {
        let tail = StderrTail::default();
        assert_eq!(tail.take_new(), None, "nothing written");
        tail.push(b"first\n");
        assert_eq!(tail.take_new().as_deref(), Some("first"));
        assert_eq!(tail.take_new(), None, "already handed on");
        // A flood of several tails' worth, in small and large writes, then the message.
        tail.push(&vec![b'x'; TAIL_BYTES * 3]);
        // 3000 two-byte characters: the kept tail starts inside one.
        for _ in 0..3000 {
            tail.push("é".as_bytes());
        }
        tail.push(b"\nthe end\n");
        let text = tail.take_new().expect("text");
        assert!(text.starts_with("...") && text.ends_with(" | the end"), "{text}");
        assert!(text.len() <= TAIL_BYTES + 8, "bounded: {} bytes", text.len());
        assert!(!text.contains('\u{FFFD}'), "the cut never splits a character: {text}");
        assert_eq!(tail.lock().bytes.len(), TAIL_BYTES);
    }

    #[test]
    fn stderr_log_events_are_capped_per_instance() {
        let tail = StderrTail::default();
        let allowed = (0..LOG_EVENTS_PER_INSTANCE * 2).filter(|_| tail.may_log()).count();
        assert_eq!(allowed, LOG_EVENTS_PER_INSTANCE as usize);
    }
}
