//! Connection limits and timeouts over real sockets (docs/design/connections.md):
//! connections that send nothing, dribble a request head a line at a time
//! (slowloris), stay idle after a request or never finish a TLS handshake
//! are closed by the server, which keeps answering meanwhile; idle HTTP/1.1
//! and HTTP/2 connections are closed by the idle timeout; with the
//! connection limit reached, a new client is let in once idle ones are
//! closed. The short timeouts the servers get here are configuration, not
//! timing assertions: [`BOUND`] only keeps a broken server from hanging the
//! test. Every loop is bounded and only talks to 127.0.0.1.
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use tessera_testkit::{both_backends, TestBackend, TestDb, TestServer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

/// How long a held connection may stay open before the test gives up: far
/// above the configured timeouts, only there so that the test cannot hang.
const BOUND: Duration = Duration::from_secs(30);

/// Connections that send nothing at all.
const SILENT: usize = 250;
/// Connections that send a request line and then a header line every 0.5 s.
const DRIBBLING: usize = 25;

/// Waits until the server closes the connection (EOF or reset); panics if
/// it sends anything instead, or is still open after [`BOUND`].
async fn closed_by_server(mut sock: impl AsyncRead + Unpin) {
    let mut buf = [0u8; 256];
    match tokio::time::timeout(BOUND, sock.read(&mut buf)).await {
        Ok(Ok(0)) | Ok(Err(_)) => {}
        Ok(Ok(n)) => panic!(
            "expected the server to close the connection, got {:?}",
            String::from_utf8_lossy(&buf[..n])
        ),
        Err(_) => panic!("the connection is still open after {BOUND:?}"),
    }
}

/// Waits for every connection in `set` to be closed by the server.
async fn all_closed(mut set: JoinSet<()>) {
    while let Some(r) = set.join_next().await {
        r.expect("a held connection was not closed by the server");
    }
}

/// A slowloris client: the start of a request head, then one header line
/// every 0.5 s (at most 60 of them) until the server closes the connection.
async fn dribble(addr: SocketAddr, set: &mut JoinSet<()>) {
    let sock = TcpStream::connect(addr).await.unwrap();
    let (read, mut write) = sock.into_split();
    write
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    set.spawn(async move {
        let writer = tokio::spawn(async move {
            for i in 0..60 {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let line = format!("X-Slow-{i}: still coming\r\n");
                if write.write_all(line.as_bytes()).await.is_err() {
                    return;
                }
            }
        });
        closed_by_server(read).await;
        writer.abort();
    });
}

/// Sends a keep-alive GET /healthz on `sock` and reads the whole response;
/// returns its status.
async fn get_keep_alive(sock: &mut TcpStream) -> u16 {
    sock.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = tokio::time::timeout(BOUND, sock.read(&mut buf))
            .await
            .expect("no response")
            .unwrap();
        assert!(n > 0, "closed before the response was complete");
        got.extend_from_slice(&buf[..n]);
        let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        if got.len() >= end + 4 + length {
            return head.split_whitespace().nth(1).unwrap().parse().unwrap();
        }
    }
}

/// The sum of the samples of a metric whose line starts with `prefix`.
fn metric(text: &str, prefix: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(prefix))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn silent_and_slow_connections_are_closed(b: TestBackend) {
    let db = TestDb::new(b).await;
    let s = TestServer::start_with(db, |c| {
        c.header_read_timeout_secs = 1;
        c.idle_timeout_secs = 2;
    })
    .await;
    let addr = s.running().local_addr;
    let mut held = JoinSet::new();
    for _ in 0..SILENT {
        let sock = TcpStream::connect(addr).await.unwrap();
        held.spawn(closed_by_server(sock));
    }
    for _ in 0..DRIBBLING {
        dribble(addr, &mut held).await;
    }
    // A kept-alive connection that goes idle after one request.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    assert_eq!(get_keep_alive(&mut idle).await, 200);
    held.spawn(closed_by_server(idle));

    // While they are held, the server answers on a fresh connection.
    let fresh = tessera_testkit::client();
    let r = fresh.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // The server closes every one of them, and still answers afterwards.
    all_closed(held).await;
    let fresh = tessera_testkit::client();
    assert_eq!(
        fresh.get(s.url("/healthz")).send().await.unwrap().status(),
        200
    );
    let text = fresh
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let header = metric(
        &text,
        "http_connections_closed_total{reason=\"header_timeout\"}",
    );
    assert!(header >= (SILENT + DRIBBLING) as f64, "{header}\n{text}");
    let idle = metric(
        &text,
        "http_connections_closed_total{reason=\"idle_timeout\"}",
    );
    assert!(idle >= 1.0, "{idle}\n{text}");
}
both_backends!(silent_and_slow_connections_are_closed);

/// Reads one HTTP/2 frame: (type, flags, stream, payload); `None` at EOF or
/// on an error.
async fn read_frame(sock: &mut TcpStream) -> Option<(u8, u8, u32, Vec<u8>)> {
    let mut head = [0u8; 9];
    tokio::time::timeout(BOUND, sock.read_exact(&mut head))
        .await
        .expect("the HTTP/2 connection is still open")
        .ok()?;
    let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
    let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
    let mut payload = vec![0u8; len];
    sock.read_exact(&mut payload).await.ok()?;
    Some((head[3], head[4], stream, payload))
}

/// An HTTP/2 (prior knowledge) client: GET /healthz, then a PING once the
/// response is complete, as clients do on an idle connection. Returns the
/// response's status byte (HPACK 0x88 is `:status: 200`) once the server
/// has closed the connection.
async fn http2_get_then_ping(addr: SocketAddr) -> u8 {
    let mut sock = TcpStream::connect(addr).await.unwrap();
    let mut out = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    out.extend([0, 0, 0, 0x4, 0, 0, 0, 0, 0]); // SETTINGS, empty
                                               // HEADERS on stream 1, END_STREAM | END_HEADERS: :method GET, :scheme
                                               // http (static table), :path /healthz, :authority localhost (literals).
    let mut block = vec![0x82, 0x86, 0x44, 8];
    block.extend(b"/healthz");
    block.extend([0x41, 9]);
    block.extend(b"localhost");
    out.extend([0, 0, block.len() as u8, 0x1, 0x5, 0, 0, 0, 1]);
    out.extend(block);
    sock.write_all(&out).await.unwrap();
    let mut status = 0;
    while let Some((kind, flags, stream, payload)) = read_frame(&mut sock).await {
        match kind {
            // The server's SETTINGS: acknowledge them.
            0x4 if flags & 0x1 == 0 => {
                sock.write_all(&[0, 0, 0, 0x4, 0x1, 0, 0, 0, 0])
                    .await
                    .unwrap();
            }
            0x1 if stream == 1 => status = payload[0],
            _ => {}
        }
        // The response is complete (DATA or HEADERS with END_STREAM): PING.
        if stream == 1 && (kind == 0x0 || kind == 0x1) && flags & 0x1 != 0 {
            let _ = sock
                .write_all(&[0, 0, 8, 0x6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8])
                .await;
        }
    }
    status
}

async fn idle_connections_close_after_the_idle_timeout(b: TestBackend) {
    // A header timeout far above BOUND: only the idle timeout can close
    // these connections in time.
    let db = TestDb::new(b).await;
    let s = TestServer::start_with(db, |c| {
        c.header_read_timeout_secs = 300;
        c.idle_timeout_secs = 1;
    })
    .await;
    let addr = s.running().local_addr;
    // HTTP/1.1 keep-alive, idle after one request.
    let mut sock = TcpStream::connect(addr).await.unwrap();
    assert_eq!(get_keep_alive(&mut sock).await, 200);
    closed_by_server(sock).await;
    // HTTP/2: frames that are not requests (a PING) do not keep it open.
    assert_eq!(http2_get_then_ping(addr).await, 0x88, "HTTP/2 :status 200");
}
both_backends!(idle_connections_close_after_the_idle_timeout);

/// A TLS client that completes the handshake and then sends nothing; returns
/// once the server has closed the connection (blocking: run it off the
/// runtime).
fn tls_idle_after_handshake(addr: SocketAddr, ca: &Path) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    use std::io::Read;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("localhost").unwrap();
    let mut conn = rustls::ClientConnection::new(std::sync::Arc::new(config), name).unwrap();
    let mut sock = std::net::TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    while conn.is_handshaking() {
        conn.complete_io(&mut sock).expect("TLS handshake");
    }
    let mut tls = rustls::Stream::new(&mut conn, &mut sock);
    let mut buf = [0u8; 256];
    match tls.read(&mut buf) {
        Ok(0) => {}
        Err(e) => assert!(
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "the TLS connection is still open after {BOUND:?}"
        ),
        Ok(n) => panic!("unexpected data: {:?}", String::from_utf8_lossy(&buf[..n])),
    }
}

async fn tls_connections_are_timed_out_too(b: TestBackend) {
    let certs = tempfile::tempdir().unwrap();
    tessera_server::run::dev_cert(certs.path(), false).unwrap();
    let (cert, key) = (certs.path().join("cert.pem"), certs.path().join("key.pem"));
    let ca = certs.path().join("ca.pem");
    let db = TestDb::new(b).await;
    let s = TestServer::start_with(db, |c| {
        c.tls_cert = Some(cert);
        c.tls_key = Some(key);
        c.tls_handshake_timeout_secs = 1;
        c.header_read_timeout_secs = 1;
        c.idle_timeout_secs = 2;
    })
    .await;
    let addr = s.running().local_addr;
    // TCP connections that never start the handshake.
    let mut held = JoinSet::new();
    for _ in 0..50 {
        let sock = TcpStream::connect(addr).await.unwrap();
        held.spawn(closed_by_server(sock));
    }
    // Handshakes completed, then silence.
    let mut after_handshake = JoinSet::new();
    for _ in 0..5 {
        let ca = ca.clone();
        after_handshake.spawn_blocking(move || tls_idle_after_handshake(addr, &ca));
    }

    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(BOUND)
        .add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap())
        .build()
        .unwrap();
    let r = client.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);

    all_closed(held).await;
    all_closed(after_handshake).await;
    let text = client
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let handshake = metric(
        &text,
        "http_connections_closed_total{reason=\"tls_handshake_timeout\"}",
    );
    assert!(handshake >= 50.0, "{handshake}\n{text}");
    let header = metric(
        &text,
        "http_connections_closed_total{reason=\"header_timeout\"}",
    );
    assert!(header >= 5.0, "{header}\n{text}");
}
both_backends!(tls_connections_are_timed_out_too);

async fn a_full_connection_limit_lets_clients_in_as_idle_ones_close(b: TestBackend) {
    const LIMIT: usize = 4;
    let db = TestDb::new(b).await;
    let s = TestServer::start_with(db, |c| {
        c.max_connections = Some(LIMIT as u32);
        c.header_read_timeout_secs = 3;
        c.idle_timeout_secs = 3;
    })
    .await;
    let addr = s.running().local_addr;
    // The limit is reached by connections that were each answered once (so
    // the server holds them) and then go idle.
    let mut socks = Vec::new();
    for _ in 0..LIMIT {
        let mut sock = TcpStream::connect(addr).await.unwrap();
        assert_eq!(get_keep_alive(&mut sock).await, 200);
        socks.push(sock);
    }
    let mut held = JoinSet::new();
    for sock in socks {
        held.spawn(closed_by_server(sock));
    }
    // A new client waits for a slot and is answered once an idle one closes.
    let client = tessera_testkit::client();
    let r = client.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    all_closed(held).await;
    // The server counted the wait.
    let text = client
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let waits = metric(&text, "http_connections_limit_waits_total");
    assert!(waits >= 1.0, "{waits}\n{text}");
}
both_backends!(a_full_connection_limit_lets_clients_in_as_idle_ones_close);
