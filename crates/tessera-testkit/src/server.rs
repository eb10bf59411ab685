//! In-process test servers (filled in once tessera-server's `start` lands).
pub struct TestServer;
