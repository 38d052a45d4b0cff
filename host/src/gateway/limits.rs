//! Bounds on what clients can hold: open connections (below the process's file-descriptor
//! limit), idle connections (the oldest idle one makes room for a newcomer), and the log lines
//! failed accepts write.
//!
//! A connection counts as busy while a request is being handled or its response (a stream
//! included) is being sent; otherwise it is idle: waiting for a request, or still receiving one's
//! headers (which hyper's header deadline bounds). At the cap, a new connection is admitted by
//! closing the connection idle the longest, so a flood of idle sockets cannot keep `/healthz`
//! or a real client out; when every connection is busy, accepting waits for one to finish.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio::task::AbortHandle;

/// File descriptors kept out of the connection cap: upstream Bedrock connections (one per
/// request in flight at most), the policy and config files, the cache, logs.
const FD_RESERVE: u64 = 64;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit and returns the soft limit in force.
pub(super) fn raise_fd_limit() -> Option<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read or write the `rlimit` passed, which lives on this
    // stack frame for the duration of each call.
    #[allow(unsafe_code)]
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit.rlim_cur = limit.rlim_max;
            }
        }
    }
    Some(limit.rlim_cur)
}

/// The connection cap: what was asked for, and never more than half the descriptors left after
/// the reserve (each connection's request may open one upstream connection too).
pub(super) fn connection_cap(requested: usize, fd_limit: Option<u64>) -> usize {
    let by_fds = fd_limit.map_or(usize::MAX, |limit| usize::try_from(limit.saturating_sub(FD_RESERVE) / 2).unwrap_or(usize::MAX));
    requested.min(by_fds).max(1)
}

/// The live connections.
#[derive(Default)]
pub(super) struct Connections {
    registry: Mutex<Registry>,
    /// Signalled whenever a connection closes or becomes idle.
    changed: Notify,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    live: BTreeMap<u64, Connection>,
    /// Connections closed to make room, not yet reported in the log.
    evicted_unreported: u64,
    last_report: Option<Instant>,
}

struct Connection {
    /// Requests being handled plus responses being sent.
    busy: usize,
    /// When it last became idle (or was accepted).
    idle_since: Instant,
    /// Its task, to close it when it must make room.
    task: Option<AbortHandle>,
}

impl Connections {
    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Connections open now.
    pub(super) fn count(&self) -> usize {
        self.lock().live.len()
    }

    /// Waits until a connection may be accepted under `cap`: at once below it; at the cap, by
    /// closing the connection idle the longest; when every one is busy, until one is not.
    pub(super) async fn make_room(&self, cap: usize) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let mut registry = self.lock();
                if registry.live.len() < cap {
                    return;
                }
                let oldest_idle = registry.live.iter().filter(|(_, c)| c.busy == 0 && c.task.is_some()).min_by_key(|(_, c)| c.idle_since).map(|(id, _)| *id);
                if let Some(id) = oldest_idle {
                    if let Some(connection) = registry.live.remove(&id)
                        && let Some(task) = connection.task
                    {
                        task.abort();
                    }
                    registry.evicted_unreported += 1;
                    report_evictions(&mut registry, cap);
                    return;
                }
            }
            changed.await;
        }
    }

    /// Registers a new connection; it is removed when the returned guard drops.
    pub(super) fn open(self: &Arc<Self>) -> ConnectionGuard {
        let mut registry = self.lock();
        let id = registry.next_id;
        registry.next_id += 1;
        registry.live.insert(id, Connection { busy: 0, idle_since: Instant::now(), task: None });
        ConnectionGuard { connections: Arc::clone(self), id }
    }

    /// Lets the cap close connection `id`'s task when it is idle.
    pub(super) fn set_task(&self, id: u64, task: AbortHandle) {
        if let Some(connection) = self.lock().live.get_mut(&id) {
            connection.task = Some(task);
        }
    }

    /// Closes every connection still open (the grace period is over).
    pub(super) fn abort_all(&self) {
        for connection in self.lock().live.values() {
            if let Some(task) = &connection.task {
                task.abort();
            }
        }
    }

    /// Waits until no connection is open.
    pub(super) async fn all_closed(&self) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.lock().live.is_empty() {
                return;
            }
            changed.await;
        }
    }
}

/// Logs the connections closed to make room, at most once every 10 s.
fn report_evictions(registry: &mut Registry, cap: usize) {
    let now = Instant::now();
    if registry.last_report.is_none_or(|last| now.duration_since(last) >= Duration::from_secs(10)) {
        tracing::warn!(cap, closed = registry.evicted_unreported, "connection cap reached: closed the connections idle the longest to admit new ones");
        registry.evicted_unreported = 0;
        registry.last_report = Some(now);
    }
}

/// One registered connection; dropping it unregisters it.
pub(super) struct ConnectionGuard {
    connections: Arc<Connections>,
    id: u64,
}

impl ConnectionGuard {
    /// Marks the connection busy until the returned guard drops.
    pub(super) fn busy(connections: &Arc<Connections>, id: u64) -> BusyGuard {
        if let Some(connection) = connections.lock().live.get_mut(&id) {
            connection.busy += 1;
        }
        BusyGuard { connections: Arc::clone(connections), id }
    }

    /// The connection's id, for [`ConnectionGuard::busy`].
    pub(super) fn id(&self) -> u64 {
        self.id
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.connections.lock().live.remove(&self.id);
        self.connections.changed.notify_waiters();
    }
}

/// A request or response in progress on a connection.
pub(super) struct BusyGuard {
    connections: Arc<Connections>,
    id: u64,
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        let mut registry = self.connections.lock();
        if let Some(connection) = registry.live.get_mut(&self.id) {
            connection.busy = connection.busy.saturating_sub(1);
            if connection.busy == 0 {
                connection.idle_since = Instant::now();
            }
        }
        drop(registry);
        self.connections.changed.notify_waiters();
    }
}

/// A response body that keeps its connection busy until it is sent or dropped.
pub(super) struct Tracked<B> {
    pub body: B,
    pub _busy: BusyGuard,
}

impl<B: http_body::Body + Unpin> http_body::Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// The client bounds of [`super::GatewayOptions`], kept for [`super::Gateway::serve`].
#[derive(Debug, Clone, Copy)]
pub(super) struct ClientBounds {
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub max_connections: usize,
    pub max_body_memory: usize,
    pub max_body_bytes: usize,
}

impl ClientBounds {
    pub(super) fn of(options: &super::GatewayOptions) -> Self {
        Self {
            header_read_timeout: options.header_read_timeout,
            body_read_timeout: options.body_read_timeout,
            max_connections: options.max_connections,
            max_body_memory: options.max_body_memory,
            max_body_bytes: options.max_body_bytes,
        }
    }
}

/// Failed accepts (out of descriptors, ...): a growing pause between attempts and a log line
/// at most every 10 s with how many failed since the last one.
pub(super) struct AcceptBackoff {
    delay: Duration,
    failures: u64,
    last_report: Option<Instant>,
}

impl Default for AcceptBackoff {
    fn default() -> Self {
        Self { delay: Self::FIRST, failures: 0, last_report: None }
    }
}

impl AcceptBackoff {
    const FIRST: Duration = Duration::from_millis(5);
    const MOST: Duration = Duration::from_secs(1);
    const REPORT_EVERY: Duration = Duration::from_secs(10);

    /// Records a failure; returns how long to pause.
    pub(super) fn failed(&mut self, error: &std::io::Error) -> Duration {
        self.failures += 1;
        let now = Instant::now();
        if self.last_report.is_none_or(|last| now.duration_since(last) >= Self::REPORT_EVERY) {
            tracing::warn!(%error, failures = self.failures, "accept failed; pausing accepts (logged at most every 10 s)");
            self.failures = 0;
            self.last_report = Some(now);
        }
        let delay = self.delay;
        self.delay = (self.delay * 2).min(Self::MOST);
        delay
    }

    /// Records a success: the next failure pauses briefly again.
    pub(super) fn succeeded(&mut self) {
        self.delay = Self::FIRST;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_below_the_descriptor_limit() {
        // (asked for, soft fd limit, cap)
        let cases = [(1000, Some(1024), 480), (1000, Some(20000), 1000), (1000, None, 1000), (10, Some(40), 1), (0, Some(1024), 1)];
        for (requested, limit, cap) in cases {
            assert_eq!(connection_cap(requested, limit), cap, "{requested} {limit:?}");
        }
    }

    #[test]
    fn accept_failures_back_off_and_reset() {
        let mut backoff = AcceptBackoff::default();
        let error = std::io::Error::other("EMFILE");
        let delays: Vec<Duration> = (0..10).map(|_| backoff.failed(&error)).collect();
        assert!(delays.windows(2).all(|pair| pair[0] <= pair[1]), "{delays:?}");
        assert_eq!(delays.last().copied(), Some(AcceptBackoff::MOST));
        backoff.succeeded();
        assert_eq!(backoff.failed(&error), AcceptBackoff::FIRST);
    }

    #[tokio::test]
    async fn at_the_cap_the_longest_idle_connection_makes_room() {
        let connections = Arc::new(Connections::default());
        let tasks: Vec<_> = (0..3).map(|_| tokio::spawn(std::future::pending::<()>())).collect();
        let guards: Vec<_> = tasks
            .iter()
            .map(|task| {
                let guard = connections.open();
                connections.set_task(guard.id(), task.abort_handle());
                guard
            })
            .collect();
        // The first is busy; the second has been idle longest of the others.
        let busy = ConnectionGuard::busy(&connections, guards[0].id());
        connections.make_room(3).await;
        assert_eq!(connections.count(), 2);
        let mut tasks = tasks;
        let second = tasks.remove(1);
        assert!(second.await.expect_err("closed").is_cancelled(), "the oldest idle connection was closed");
        assert!(tasks.iter().all(|task| !task.is_finished()), "the busy and the newer idle connection stay");
        drop(busy);
        connections.abort_all();
    }
}
