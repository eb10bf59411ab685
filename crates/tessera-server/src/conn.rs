//! Connection limits and timeouts: what keeps connections that send nothing,
//! send a request head a line at a time (slowloris), or simply come in too
//! great a number from using up the process's file descriptors
//! (docs/design/connections.md).
//!
//! - [`Limited`] wraps the make-service in axum-server's accept loop: while
//!   `max_connections` are open it does not become ready, so the loop stops
//!   accepting and further clients wait in the kernel's listen backlog (as
//!   with nginx's `worker_connections` or Go's `LimitListener`), holding no
//!   descriptor of ours.
//! - [`ConnAcceptor`] wraps the accepted stream (after the TLS handshake,
//!   which axum-server's `RustlsAcceptor` bounds itself) in [`TimedIo`], and
//!   [`Tracked`] counts the connection's requests in flight, so that the
//!   connection is closed when:
//!   - a request head is not complete `header_read` after its first byte —
//!     or, for the first request, after the connection opened (later heads
//!     on HTTP/2, recognised by its preface, are not timed: an idle HTTP/2
//!     connection carries PING and flow-control frames that are no head);
//!   - no request has been in flight for `idle` (keep-alive);
//!   - a write of ours has made no progress for `idle` (a client that
//!     stops reading).
//!
//! Why by hand: hyper's `header_read_timeout` starts when a connection
//! begins waiting for a request, so on a kept-alive HTTP/1.1 connection it
//! is also the idle timeout (one knob for two jobs: hyper PR #3828, issue
//! #1628), and it does not run while hyper-util's auto builder is still
//! sniffing the protocol (a connection that sends no byte at all waits
//! there forever) nor for HTTP/2. Nothing in hyper, hyper-util, axum-server
//! or tower limits the number of connections either (tower's
//! `ConcurrencyLimit` counts futures, and a make-service's future ends when
//! the connection starts). Only the rule of when a connection is idle is
//! ours; the timers are tokio's, the waiting is tokio-util's `PollSemaphore`.
use crate::load::ConfigError;
use axum_server::accept::Accept;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};
use tokio_util::sync::PollSemaphore;

/// The timeouts every connection gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// From a request's first byte (a connection's first request: from when
    /// it opened) to its complete head.
    pub header_read: Duration,
    /// With no request in flight; also how long a write may make no progress.
    pub idle: Duration,
}

/// Largest connection limit chosen by default, however high the open-file
/// limit (an unlimited one included).
pub const DEFAULT_MAX_CONNECTIONS_CAP: u64 = 65_536;

/// Descriptors kept back from connections: the database (SQLite: a writer
/// and up to `db_max_connections` readers, each holding the database, `-wal`
/// and `-shm` files; PostgreSQL: one socket each) and a fixed 64 for the
/// listener, stdio, the runtime, files read at start, DNS and outbound HTTP.
pub fn reserved_descriptors(db_max_connections: u32) -> u64 {
    64 + 4 * (u64::from(db_max_connections) + 1)
}

/// The soft open-file limit of this process (`RLIMIT_NOFILE`), from
/// `/proc/self/limits` (safe code, no libc call); `None` when unlimited.
/// When it cannot be read, the usual default of 1024 is assumed.
pub fn open_file_limit() -> Option<u64> {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| parse_open_file_limit(&text))
        .unwrap_or(Some(1024))
}

/// The soft limit on the `Max open files` line of `/proc/self/limits`:
/// `Some(None)` for `unlimited`, `None` when there is no such line.
fn parse_open_file_limit(limits: &str) -> Option<Option<u64>> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    match line["Max open files".len()..].split_whitespace().next()? {
        "unlimited" => Some(None),
        n => n.parse().ok().map(Some),
    }
}

/// The connection limit: `configured` if it fits under the open-file limit
/// `nofile` less [`reserved_descriptors`], else an error naming
/// `max_connections`; by default as many as fit, at most
/// [`DEFAULT_MAX_CONNECTIONS_CAP`].
pub fn connection_limit(
    configured: Option<u32>,
    db_max_connections: u32,
    nofile: Option<u64>,
) -> Result<usize, ConfigError> {
    let reserve = reserved_descriptors(db_max_connections);
    let room = nofile.map_or(u64::MAX, |n| n.saturating_sub(reserve));
    let limit = match configured {
        Some(n) if u64::from(n) > room => {
            return Err(ConfigError {
                key: "max_connections".into(),
                message: format!(
                    "{n} does not fit under the open-file limit of {} (less {reserve} kept for the database and files: at most {room}); raise the limit (`ulimit -n`, systemd `LimitNOFILE=`) or lower max_connections",
                    nofile.unwrap_or_default()
                ),
            });
        }
        Some(n) => u64::from(n),
        None if room == 0 => {
            return Err(ConfigError {
                key: "max_connections".into(),
                message: format!(
                    "the open-file limit of {} leaves no descriptor for connections after {reserve} kept for the database and files; raise it (`ulimit -n`, systemd `LimitNOFILE=`)",
                    nofile.unwrap_or_default()
                ),
            });
        }
        None => room.min(DEFAULT_MAX_CONNECTIONS_CAP),
    };
    Ok(usize::try_from(limit).unwrap_or(usize::MAX))
}

/// Where a connection is between requests (see the module comment).
#[derive(Clone, Copy, Debug)]
enum Wait {
    /// Waiting for a request's head, whose first byte (or, for the first
    /// request, the connection) came at this instant.
    Head(Instant),
    /// Kept alive with nothing in flight since this instant.
    Idle(Instant),
}

struct State {
    in_flight: usize,
    wait: Wait,
    /// HTTP/2 (its client preface seen): bytes on an idle connection are
    /// not a request head (they may be PING, SETTINGS or WINDOW_UPDATE).
    http2: bool,
    /// The connection task to wake when its last request ends, so that the
    /// idle timer is armed even if nothing else polls the socket.
    waker: Option<Waker>,
}

/// One open connection: holds its slot under the limit until the socket and
/// every request on it are gone.
pub struct Conn {
    _slot: Option<OwnedSemaphorePermit>,
    timeouts: Timeouts,
    state: Mutex<State>,
}

/// Why a connection was closed by a timeout (the `reason` label of
/// `http_connections_closed_total`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expiry {
    Header,
    Idle,
    Write,
}

impl Expiry {
    fn label(self) -> &'static str {
        match self {
            Self::Header => "header_timeout",
            Self::Idle => "idle_timeout",
            Self::Write => "write_timeout",
        }
    }
}

impl Conn {
    fn new(slot: Option<OwnedSemaphorePermit>, timeouts: Timeouts) -> Self {
        metrics::gauge!("http_connections_open").increment(1.0);
        Self {
            _slot: slot,
            timeouts,
            state: Mutex::new(State {
                in_flight: 0,
                wait: Wait::Head(Instant::now()),
                http2: false,
                waker: None,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The connection is ready for HTTP (TLS handshake done): its first
    /// request's head is due within `header_read` from now.
    fn ready(&self) {
        self.lock().wait = Wait::Head(Instant::now());
    }

    fn speaks_http2(&self) {
        self.lock().http2 = true;
    }

    /// Bytes arrived: on an idle HTTP/1 connection they start a request's
    /// head.
    fn bytes_read(&self) {
        let mut s = self.lock();
        if s.in_flight == 0 && !s.http2 {
            if let Wait::Idle(_) = s.wait {
                s.wait = Wait::Head(Instant::now());
            }
        }
    }

    fn request_started(&self) {
        self.lock().in_flight += 1;
    }

    fn request_ended(&self) {
        let mut s = self.lock();
        s.in_flight -= 1;
        if s.in_flight == 0 {
            s.wait = Wait::Idle(Instant::now());
            if let Some(w) = s.waker.take() {
                w.wake();
            }
        }
    }

    /// When the connection must be closed if nothing changes, and why;
    /// `None` while a request is in flight. Remembers `waker`.
    fn deadline(&self, waker: &Waker) -> Option<(Instant, Expiry)> {
        let mut s = self.lock();
        match &s.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => s.waker = Some(waker.clone()),
        }
        if s.in_flight > 0 {
            return None;
        }
        Some(match s.wait {
            Wait::Head(t) => (t + self.timeouts.header_read, Expiry::Header),
            Wait::Idle(t) => (t + self.timeouts.idle, Expiry::Idle),
        })
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        metrics::gauge!("http_connections_open").decrement(1.0);
    }
}

/// The make-service of the accept loop, limited to `max` open connections
/// (see the module comment).
pub struct Limited<M> {
    inner: M,
    slots: PollSemaphore,
    max: usize,
    slot: Option<OwnedSemaphorePermit>,
    timeouts: Timeouts,
    waiting: bool,
    warned: Option<Instant>,
}

impl<M> Limited<M> {
    pub fn new(inner: M, max: usize, timeouts: Timeouts) -> Self {
        Self {
            inner,
            slots: PollSemaphore::new(Arc::new(Semaphore::new(max))),
            max,
            slot: None,
            timeouts,
            waiting: false,
            warned: None,
        }
    }

    /// Counts each wait for a slot, and says so in the log at most once a
    /// minute.
    fn note_wait(&mut self) {
        if self.waiting {
            return;
        }
        self.waiting = true;
        metrics::counter!("http_connections_limit_waits_total").increment(1);
        let now = Instant::now();
        if self
            .warned
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(60))
        {
            self.warned = Some(now);
            tracing::warn!(
                max_connections = self.max,
                "connection limit reached: new connections wait until one closes"
            );
        }
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<M, T> tower::Service<T> for Limited<M>
where
    M: tower::Service<T>,
    M::Future: Send + 'static,
    M::Response: Send + 'static,
    M::Error: Send + 'static,
{
    type Response = Tracked<M::Response>;
    type Error = M::Error;
    type Future = BoxFuture<Result<Self::Response, M::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), M::Error>> {
        if self.slot.is_none() {
            match self.slots.poll_acquire(cx) {
                Poll::Ready(Some(slot)) => {
                    self.slot = Some(slot);
                    self.waiting = false;
                }
                // Never: the semaphore is not closed.
                Poll::Ready(None) => return Poll::Pending,
                Poll::Pending => {
                    self.note_wait();
                    return Poll::Pending;
                }
            }
        }
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, target: T) -> Self::Future {
        // poll_ready took the slot (tower's contract, which axum-server
        // keeps); a caller that skipped it gets one if one is free.
        let slot = self
            .slot
            .take()
            .or_else(|| self.slots.clone_inner().try_acquire_owned().ok());
        let conn = Arc::new(Conn::new(slot, self.timeouts));
        let make = self.inner.call(target);
        Box::pin(async move {
            Ok(Tracked {
                inner: make.await?,
                conn,
            })
        })
    }
}

/// A connection's service: counts its requests in flight, each until its
/// response body is done (or dropped).
#[derive(Clone)]
pub struct Tracked<S> {
    inner: S,
    conn: Arc<Conn>,
}

/// A request in flight, for as long as it lives.
struct InFlight(Arc<Conn>);

impl InFlight {
    fn new(conn: &Arc<Conn>) -> Self {
        conn.request_started();
        Self(conn.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_ended();
    }
}

impl<S, R, B> tower::Service<R> for Tracked<S>
where
    S: tower::Service<R, Response = http::Response<B>>,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<TrackedBody<B>>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: R) -> Self::Future {
        let in_flight = InFlight::new(&self.conn);
        let response = self.inner.call(req);
        Box::pin(async move {
            let res = response.await?;
            Ok(res.map(|body| TrackedBody {
                inner: body,
                _in_flight: in_flight,
            }))
        })
    }
}

/// A response body that keeps its request in flight until it is done.
pub struct TrackedBody<B> {
    inner: B,
    _in_flight: InFlight,
}

impl<B: http_body::Body + Unpin> http_body::Body for TrackedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<B::Data>, B::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The acceptor: runs `inner` (plain: nothing; TLS: the handshake, under
/// its own timeout) and then puts the connection's stream under its
/// timeouts.
#[derive(Clone)]
pub struct ConnAcceptor<A> {
    inner: A,
}

impl<A> ConnAcceptor<A> {
    pub fn new(inner: A) -> Self {
        Self { inner }
    }
}

impl<A, S> Accept<TcpStream, Tracked<S>> for ConnAcceptor<A>
where
    A: Accept<TcpStream, Tracked<S>>,
    A::Future: Send + 'static,
    A::Stream: Send + 'static,
    A::Service: Send + 'static,
{
    type Stream = TimedIo<A::Stream>;
    type Service = A::Service;
    type Future = BoxFuture<io::Result<(Self::Stream, Self::Service)>>;

    fn accept(&self, stream: TcpStream, service: Tracked<S>) -> Self::Future {
        let conn = service.conn.clone();
        let handshake = self.inner.accept(stream, service);
        Box::pin(async move {
            let (io, service) = handshake.await.inspect_err(|e| {
                if e.kind() == io::ErrorKind::TimedOut {
                    metrics::counter!("http_connections_closed_total", "reason" => "tls_handshake_timeout")
                        .increment(1);
                }
            })?;
            conn.ready();
            Ok((TimedIo::new(io, conn), service))
        })
    }
}

/// The start of HTTP/2's client connection preface (RFC 9113, 3.4).
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0";

/// A connection's stream under its timeouts: a read or write that would
/// wait past the connection's deadline fails with `TimedOut` instead, and
/// hyper then closes the connection.
pub struct TimedIo<T> {
    io: T,
    conn: Arc<Conn>,
    /// How much of [`H2_PREFACE`] the first bytes read matched so far;
    /// `None` once decided.
    sniffed: Option<usize>,
    timer: Pin<Box<Sleep>>,
    armed: Option<Instant>,
    write_stalled: Option<Instant>,
    expired: Option<Expiry>,
}

impl<T> TimedIo<T> {
    fn new(io: T, conn: Arc<Conn>) -> Self {
        Self {
            io,
            conn,
            sniffed: Some(0),
            timer: Box::pin(tokio::time::sleep(Duration::ZERO)),
            armed: None,
            write_stalled: None,
            expired: None,
        }
    }

    /// Notes whether the connection opens with HTTP/2's client preface
    /// (decrypted, under TLS too), which no HTTP/1 request starts with.
    fn sniff(&mut self, bytes: &[u8]) {
        let Some(mut matched) = self.sniffed else {
            return;
        };
        for &b in bytes.iter().take(H2_PREFACE.len() - matched) {
            if b != H2_PREFACE[matched] {
                self.sniffed = None;
                return;
            }
            matched += 1;
        }
        if matched == H2_PREFACE.len() {
            self.conn.speaks_http2();
            self.sniffed = None;
        } else {
            self.sniffed = Some(matched);
        }
    }

    fn expired_error(why: Expiry) -> io::Error {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!("connection closed: {}", why.label()),
        )
    }

    /// After the inner stream said Pending: fails if the deadline has
    /// passed, else arms the timer to wake this task at it.
    fn pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let conn = self.conn.deadline(cx.waker());
        let write = self
            .write_stalled
            .map(|t| (t + self.conn.timeouts.idle, Expiry::Write));
        let Some((at, why)) = [conn, write].into_iter().flatten().min_by_key(|(t, _)| *t) else {
            return Poll::Pending;
        };
        if self.armed != Some(at) {
            self.timer.as_mut().reset(at);
            self.armed = Some(at);
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.expired = Some(why);
                metrics::counter!("http_connections_closed_total", "reason" => why.label())
                    .increment(1);
                tracing::debug!(reason = why.label(), "closing a connection");
                Poll::Ready(Self::expired_error(why))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn written<R>(
        &mut self,
        cx: &mut Context<'_>,
        res: Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        match res {
            Poll::Pending => {
                self.write_stalled.get_or_insert_with(Instant::now);
                self.pending(cx).map(Err)
            }
            ready => {
                self.write_stalled = None;
                ready
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for TimedIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(why) = this.expired {
            return Poll::Ready(Err(Self::expired_error(why)));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.sniff(&buf.filled()[before..]);
                    this.conn.bytes_read();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => this.pending(cx).map(Err),
            err => err,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for TimedIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(why) = this.expired {
            return Poll::Ready(Err(Self::expired_error(why)));
        }
        let res = Pin::new(&mut this.io).poll_write(cx, buf);
        this.written(cx, res)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(why) = this.expired {
            return Poll::Ready(Err(Self::expired_error(why)));
        }
        let res = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.written(cx, res)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(why) = this.expired {
            return Poll::Ready(Err(Self::expired_error(why)));
        }
        let res = Pin::new(&mut this.io).poll_flush(cx);
        this.written(cx, res)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let res = Pin::new(&mut this.io).poll_shutdown(cx);
        if this.expired.is_some() {
            return res;
        }
        this.written(cx, res)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_fits_under_the_open_file_limit() {
        let reserve = reserved_descriptors(16);
        assert_eq!(reserve, 64 + 4 * 17);
        // Default: what fits, capped.
        assert_eq!(
            connection_limit(None, 16, Some(1024)).unwrap() as u64,
            1024 - reserve
        );
        assert_eq!(
            connection_limit(None, 16, None).unwrap() as u64,
            DEFAULT_MAX_CONNECTIONS_CAP
        );
        assert_eq!(
            connection_limit(None, 16, Some(10_000_000)).unwrap() as u64,
            DEFAULT_MAX_CONNECTIONS_CAP
        );
        // Configured: taken if it fits, else refused naming the key.
        assert_eq!(connection_limit(Some(50), 16, Some(1024)).unwrap(), 50);
        let e = connection_limit(Some(1000), 16, Some(1024)).unwrap_err();
        assert_eq!(e.key, "max_connections");
        assert!(e.message.contains("at most 892"), "{e:?}");
        // No room at all.
        let e = connection_limit(None, 16, Some(100)).unwrap_err();
        assert_eq!(e.key, "max_connections");
        assert!(e.message.contains("ulimit -n"), "{e:?}");
        assert!(open_file_limit().is_none_or(|n| n > 0));
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max cpu time              unlimited            unlimited            seconds   \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(parse_open_file_limit(limits), Some(Some(1024)));
        assert_eq!(
            parse_open_file_limit(
                "Max open files            unlimited            unlimited            files"
            ),
            Some(None)
        );
        assert_eq!(parse_open_file_limit("Max processes 10 10"), None);
    }
}
