//! The keys' journal: one append-only file of JSON lines in the state directory
//! (`<state dir>/openclaw-bedrock/keys/journal`), which the CLI (`keys create`, `revoke`, ...)
//! and the gateway (each settled request's spend) both append to, and a [`Ledger`]: what the
//! lines add up to (the keys, each key's spend this budget period, usage by day).
//!
//! - **Durable**: each append is one `write` under an exclusive `flock`, followed by
//!   `fdatasync` before it returns; a settled request's spend is on disk before its answer
//!   ends (the gateway batches concurrent settlements into one `fdatasync`: [`Writer`]), so a
//!   kill -9 loses no settled spend. A write a crash cut short leaves a line without its
//!   newline: the next writer ends it first, and readers skip the damaged line.
//! - **Seen at the next request**: the gateway stats the file on every request; its length is
//!   the generation counter. Grown: the new lines are read and applied (a revocation from the
//!   CLI takes effect at the next request); unchanged: nothing is read.
//! - **Idempotent spend**: each spend line carries the request id the gateway made for the
//!   request (never the client's); a request id seen before adds nothing (the gateway reads its
//!   own lines back, and applied them already).

use super::time::Period;
use super::{KeyRecord, KeyTable, KeysError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::io::{Read as _, Seek as _, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

/// One journal line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Line {
    /// A key created or changed (revoked, rotated, limits set): its whole record.
    Put {
        /// The record.
        key: KeyRecord,
    },
    /// A settled request.
    Spend(Spend),
    /// The key's spend this period starts again from zero.
    ResetSpend {
        /// The key.
        id: String,
        /// When (seconds since the epoch).
        at: u64,
    },
}

/// A settled request's use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spend {
    /// The key.
    pub id: String,
    /// The request id the gateway made for it.
    pub request: String,
    /// When it was settled (seconds since the epoch).
    pub at: u64,
    /// Its cost in pico-USD.
    pub pico_usd: u64,
    /// Tokens in (prompt, cache reads and writes included) and out.
    pub input_tokens: u64,
    /// Generated tokens.
    pub output_tokens: u64,
}

/// Totals of requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Settled requests.
    pub requests: u64,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Generated tokens.
    pub output_tokens: u64,
    /// Spend in pico-USD.
    pub pico_usd: u64,
}

impl Totals {
    fn add(&mut self, spend: &Spend) {
        self.requests += 1;
        self.input_tokens = self.input_tokens.saturating_add(spend.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(spend.output_tokens);
        self.pico_usd = self.pico_usd.saturating_add(spend.pico_usd);
    }
}

/// A key's spend in its current budget period.
#[derive(Debug, Clone, Copy, Default)]
struct PeriodSpend {
    /// The period's start, or the last reset within it.
    since: u64,
    pico_usd: u64,
}

/// Request ids remembered for idempotent settlement: the gateway reads its own lines back at
/// its next request, so a window of recent ids is enough.
const REMEMBERED_REQUESTS: usize = 1 << 16;

/// What the journal's lines add up to.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Every key.
    pub table: KeyTable,
    period: HashMap<String, PeriodSpend>,
    /// Usage per key per day (days since the epoch).
    daily: HashMap<String, BTreeMap<u64, Totals>>,
    settled: HashSet<String>,
    settled_order: VecDeque<String>,
}

impl Ledger {
    /// Applies one line.
    pub fn apply(&mut self, line: Line) {
        match line {
            Line::Put { key } => self.table.put(key),
            Line::ResetSpend { id, at } => {
                self.period.insert(id, PeriodSpend { since: at, pico_usd: 0 });
            }
            Line::Spend(spend) => {
                if !self.remember(&spend.request) {
                    return;
                }
                self.daily.entry(spend.id.clone()).or_default().entry(spend.at / 86_400).or_default().add(&spend);
                let period = self.table.get(&spend.id).and_then(|entry| entry.record.limits.budget).map_or(Period::Month, |budget| budget.period);
                let start = period.start(spend.at);
                let current = self.period.entry(spend.id).or_default();
                if current.since < start {
                    *current = PeriodSpend { since: start, pico_usd: 0 };
                }
                if spend.at >= current.since {
                    current.pico_usd = current.pico_usd.saturating_add(spend.pico_usd);
                }
            }
        }
    }

    /// Remembers a settled request id; false when it was already.
    fn remember(&mut self, request: &str) -> bool {
        if !self.settled.insert(request.to_string()) {
            return false;
        }
        self.settled_order.push_back(request.to_string());
        if self.settled_order.len() > REMEMBERED_REQUESTS
            && let Some(oldest) = self.settled_order.pop_front()
        {
            self.settled.remove(&oldest);
        }
        true
    }

    /// Whether a request id was settled.
    pub fn settled(&self, request: &str) -> bool {
        self.settled.contains(request)
    }

    /// Key `id`'s spend in the budget period holding `now`, in pico-USD.
    pub fn period_spend(&self, id: &str, period: Period, now: u64) -> u64 {
        self.period.get(id).filter(|spend| spend.since >= period.start(now)).map_or(0, |spend| spend.pico_usd)
    }

    /// Key `id`'s usage from day `since_day` on.
    pub fn usage_since(&self, id: &str, since_day: u64) -> Totals {
        let mut totals = Totals::default();
        for day in self.daily.get(id).into_iter().flat_map(|days| days.range(since_day..).map(|(_, t)| t)) {
            totals.requests += day.requests;
            totals.input_tokens += day.input_tokens;
            totals.output_tokens += day.output_tokens;
            totals.pico_usd += day.pico_usd;
        }
        totals
    }
}

/// The journal file and what has been read of it.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    /// Bytes read and applied (up to the last whole line).
    offset: u64,
    /// The file's inode when last read (a new file starts over).
    inode: u64,
    /// The lines read, added up.
    pub ledger: Ledger,
}

/// The journal's path in a keys directory.
pub fn path_in(dir: &Path) -> PathBuf {
    dir.join("journal")
}

fn io(what: &str, path: &Path, error: &std::io::Error) -> KeysError {
    KeysError::Io(format!("{what} {}: {error}", path.display()))
}

impl Journal {
    /// Opens (creating the directory, 0700) and reads the journal in `dir`.
    pub fn open(dir: &Path) -> Result<Self, KeysError> {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| io("creating", dir, &e))?;
        let mut journal = Self { path: path_in(dir), offset: 0, inode: 0, ledger: Ledger::default() };
        journal.refresh()?;
        Ok(journal)
    }

    /// Reads what was appended since the last read (one `stat` when nothing was).
    pub fn refresh(&mut self) -> Result<(), KeysError> {
        let metadata = match std::fs::metadata(&self.path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(io("reading", &self.path, &error)),
        };
        if metadata.ino() != self.inode || metadata.len() < self.offset {
            self.offset = 0;
            self.inode = metadata.ino();
            self.ledger = Ledger::default();
        }
        if metadata.len() == self.offset {
            return Ok(());
        }
        let mut file = std::fs::File::open(&self.path).map_err(|e| io("reading", &self.path, &e))?;
        file.seek(std::io::SeekFrom::Start(self.offset)).map_err(|e| io("reading", &self.path, &e))?;
        let mut bytes = Vec::new();
        file.take(metadata.len() - self.offset).read_to_end(&mut bytes).map_err(|e| io("reading", &self.path, &e))?;
        let Some(end) = bytes.iter().rposition(|b| *b == b'\n') else { return Ok(()) };
        for line in bytes[..end].split(|b| *b == b'\n').filter(|line| !line.is_empty()) {
            match serde_json::from_slice::<Line>(line) {
                Ok(line) => self.ledger.apply(line),
                // A line a crash cut short (ended by the next writer), or written by a newer
                // version: skipped, said once.
                Err(error) => tracing::warn!(path = %self.path.display(), %error, "keys journal: a line skipped"),
            }
        }
        self.offset += end as u64 + 1;
        Ok(())
    }

    /// Appends lines durably (flock, one write, fdatasync) and applies them.
    pub fn append(&mut self, lines: &[Line]) -> Result<(), KeysError> {
        append_lines(&self.path, lines)?;
        self.refresh()
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Appends lines to the journal at `path` durably: under an exclusive lock (other writers are
/// other processes: the CLI beside the gateway), as one write, synced before returning.
pub fn append_lines(path: &Path, lines: &[Line]) -> Result<(), KeysError> {
    let mut bytes = Vec::new();
    for line in lines {
        serde_json::to_writer(&mut bytes, line).map_err(|e| KeysError::Io(format!("encoding a journal line: {e}")))?;
        bytes.push(b'\n');
    }
    let mut file = std::fs::OpenOptions::new().create(true).append(true).read(true).mode(0o600).open(path).map_err(|e| io("opening", path, &e))?;
    file.lock().map_err(|e| io("locking", path, &e))?;
    // A line a crash cut short is ended here, so that it damages only itself.
    let length = file.metadata().map_err(|e| io("reading", path, &e))?.len();
    if length > 0 {
        let mut last = [0u8; 1];
        file.seek(std::io::SeekFrom::Start(length - 1)).and_then(|_| file.read_exact(&mut last)).map_err(|e| io("reading", path, &e))?;
        if last[0] != b'\n' {
            bytes.insert(0, b'\n');
        }
    }
    file.write_all(&bytes).map_err(|e| io("writing", path, &e))?;
    file.sync_data().map_err(|e| io("syncing", path, &e))?;
    Ok(())
}

/// Settlements on their way to the journal: a thread that appends whatever has queued up in one
/// write and one `fdatasync`, then tells each waiter (group commit: concurrent settlements
/// share a sync).
#[derive(Debug, Clone)]
pub struct Writer {
    queue: std::sync::mpsc::Sender<(Line, tokio::sync::oneshot::Sender<Result<(), KeysError>>)>,
}

impl Writer {
    /// Starts the writer thread for the journal at `path`.
    pub fn start(path: PathBuf) -> Result<Self, KeysError> {
        let (queue, received) = std::sync::mpsc::channel::<(Line, tokio::sync::oneshot::Sender<Result<(), KeysError>>)>();
        std::thread::Builder::new()
            .name("keys-journal".into())
            .spawn(move || {
                while let Ok(first) = received.recv() {
                    let mut batch = vec![first];
                    batch.extend(received.try_iter());
                    let (lines, waiters): (Vec<Line>, Vec<_>) = batch.into_iter().unzip();
                    let result = append_lines(&path, &lines);
                    if let Err(error) = &result {
                        tracing::error!(%error, lines = lines.len(), "keys journal: settlements not written");
                    }
                    for waiter in waiters {
                        let _ = waiter.send(result.clone());
                    }
                }
            })
            .map_err(|e| KeysError::Io(format!("starting the journal writer: {e}")))?;
        Ok(Self { queue })
    }

    /// Queues `line` at once (so a caller that stops waiting loses nothing); the future
    /// resolves once it is on disk.
    pub fn write(&self, line: Line) -> impl std::future::Future<Output = Result<(), KeysError>> + Send + 'static {
        let (done, written) = tokio::sync::oneshot::channel();
        let queued = self.queue.send((line, done)).map_err(|_| KeysError::Io("the journal writer stopped".into()));
        async move {
            queued?;
            written.await.map_err(|_| KeysError::Io("the journal writer stopped".into()))?
        }
    }
}

/// Day number (since the epoch) of `--since` for usage reports.
pub fn day_of(at: u64) -> u64 {
    at / 86_400
}

#[cfg(test)]
mod tests {
    use super::super::{Budget, Limits};
    use super::*;

    fn key(id: &str, period: Period) -> KeyRecord {
        KeyRecord {
            id: id.into(),
            name: id.into(),
            limits: Limits { budget: Some(Budget { pico_usd: 100, period }), ..Limits::default() },
            created_at: 0,
            expires_at: None,
            revoked_at: None,
            digest: String::new(),
            previous_digest: None,
            previous_until: None,
        }
    }

    fn spend(request: &str, at: u64, pico_usd: u64) -> Line {
        Line::Spend(Spend { id: "k".into(), request: request.into(), at, pico_usd, input_tokens: 1, output_tokens: 2 })
    }

    #[test]
    fn spend_adds_up_once_per_request_within_the_period() {
        let day = 86_400;
        let mut ledger = Ledger::default();
        ledger.apply(Line::Put { key: key("k", Period::Day) });
        for line in [spend("a", day + 10, 5), spend("a", day + 11, 5), spend("b", day + 20, 7)] {
            ledger.apply(line);
        }
        assert_eq!(ledger.period_spend("k", Period::Day, day + 30), 12, "request a counted once");
        assert_eq!(ledger.period_spend("k", Period::Day, 2 * day), 0, "a new day starts from zero");
        ledger.apply(Line::ResetSpend { id: "k".into(), at: day + 40 });
        assert_eq!(ledger.period_spend("k", Period::Day, day + 41), 0);
        ledger.apply(spend("c", day + 50, 3));
        assert_eq!(ledger.period_spend("k", Period::Day, day + 51), 3);
        assert_eq!(ledger.usage_since("k", 1), Totals { requests: 3, input_tokens: 3, output_tokens: 6, pico_usd: 15 }, "usage keeps what a reset cleared");
    }

    #[test]
    fn a_second_reader_sees_appends_and_a_torn_line_damages_only_itself() {
        let dir = tempfile::tempdir().expect("dir");
        let mut writer = Journal::open(dir.path()).expect("open");
        let mut reader = Journal::open(dir.path()).expect("open");
        writer.append(&[Line::Put { key: key("k", Period::Month) }]).expect("append");
        reader.refresh().expect("refresh");
        assert!(reader.ledger.table.get("k").is_some());
        // A crash in the middle of a write.
        let mut file = std::fs::OpenOptions::new().append(true).open(writer.path()).expect("open");
        file.write_all(br#"{"op":"spend","id":"k","#).expect("write");
        writer.append(&[spend("after", 10, 9)]).expect("append");
        reader.refresh().expect("refresh");
        assert_eq!(reader.ledger.usage_since("k", 0).pico_usd, 9);
        let reopened = Journal::open(dir.path()).expect("reopen");
        assert_eq!(reopened.ledger.usage_since("k", 0).pico_usd, 9);
    }
}
