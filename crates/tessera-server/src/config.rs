//! Configuration: one TOML file, `TESSERA_*` environment variables and flags.
//! (Loading and validation: see `load.rs`.)
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The server's settings. Defaults give a working single-node server on
/// 127.0.0.1:8080 with SQLite under `./tessera-data`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub listen: SocketAddr,
    /// The URL clients use; default derived from `listen` (and TLS).
    pub public_url: Option<String>,
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; default `sqlite://{data_dir}/tessera.db`.
    pub database: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub log_format: LogFormat,
    pub log_level: String,
    /// Base64 of 32 bytes; default: `master.key` in the data directory.
    pub master_key: Option<String>,
    pub db_connect_attempts: u32,
    pub db_connect_max_backoff_ms: u64,
    pub db_max_connections: u32,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Algorithm of the signing keys Tessera creates for tenants: RS256
    /// (what every relying party accepts), ES256 or EdDSA.
    pub token_signing_alg: String,
    /// How long a signing key signs before its successor takes over.
    pub key_lifetime_hours: u32,
    /// How long a new signing key is published in JWKS before it signs.
    pub key_publish_ahead_hours: u32,
    /// The DNS server (`IP:PORT`) domain verification asks for TXT
    /// records; default: the system's resolvers (`/etc/resolv.conf`).
    pub dns_server: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (comma-separated
    /// IP addresses): the client's address for lockout and the sign-in log
    /// is then the last address the header names that is not one of them.
    /// Default: none (the TCP peer is the client).
    pub trusted_proxies: Option<String>,
    /// Seconds from a request's first byte (for a connection's first
    /// request: from when it opened) until its head must be complete.
    pub header_read_timeout_secs: u64,
    /// Seconds a connection may stay open with no request in flight
    /// (keep-alive), and a response write may make no progress.
    pub idle_timeout_secs: u64,
    /// Seconds a TLS handshake may take.
    pub tls_handshake_timeout_secs: u64,
    /// Most connections open at once; default: what fits under the
    /// open-file limit after the database's share (conn.rs).
    pub max_connections: Option<u32>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            data_dir: PathBuf::from("./tessera-data"),
            database: None,
            tls_cert: None,
            tls_key: None,
            log_format: LogFormat::Text,
            log_level: "info".into(),
            master_key: None,
            db_connect_attempts: 10,
            db_connect_max_backoff_ms: 5000,
            db_max_connections: 16,
            max_body_bytes: 1024 * 1024,
            token_signing_alg: "RS256".into(),
            key_lifetime_hours: 30 * 24,
            key_publish_ahead_hours: 24,
            dns_server: None,
            trusted_proxies: None,
            header_read_timeout_secs: 10,
            // Longer than the 60 s after which common load balancers drop
            // idle upstream connections, so that they, not we, close first.
            idle_timeout_secs: 75,
            tls_handshake_timeout_secs: 10,
            max_connections: None,
        }
    }
}

impl Config {
    /// The timeouts every connection gets.
    pub fn connection_timeouts(&self) -> crate::conn::Timeouts {
        crate::conn::Timeouts {
            header_read: std::time::Duration::from_secs(self.header_read_timeout_secs),
            idle: std::time::Duration::from_secs(self.idle_timeout_secs),
        }
    }

    /// [`Config::trusted_proxies`], parsed (validated at load).
    pub fn trusted_proxy_ips(&self) -> Vec<std::net::IpAddr> {
        self.trusted_proxies
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter_map(|p| p.trim().parse().ok())
            .collect()
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("data_dir", &self.data_dir)
            .field("database", &self.database.as_deref().map(redact_url))
            .field("tls_cert", &self.tls_cert)
            .field("tls_key", &self.tls_key)
            .field("log_format", &self.log_format)
            .field("log_level", &self.log_level)
            .field(
                "master_key",
                &self.master_key.as_ref().map(|_| "<redacted>"),
            )
            .field("db_connect_attempts", &self.db_connect_attempts)
            .finish_non_exhaustive()
    }
}

/// `postgres://user:password@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    match (rest.find('@'), rest.find(':')) {
        (Some(at), Some(colon)) if colon < at => {
            format!(
                "{}{}:***{}",
                &url[..scheme_end],
                &rest[..colon],
                &rest[at..]
            )
        }
        _ => url.to_string(),
    }
}

impl Config {
    /// The key rotation policy these settings describe.
    pub fn rotation_policy(&self) -> tessera_oauth::keys::RotationPolicy {
        tessera_oauth::keys::RotationPolicy {
            lifetime: time::Duration::hours(self.key_lifetime_hours.into()),
            publish_ahead: time::Duration::hours(self.key_publish_ahead_hours.into()),
            ..Default::default()
        }
    }

    pub fn tls_enabled(&self) -> bool {
        self.tls_cert.is_some()
    }

    pub fn database_url(&self) -> String {
        match &self.database {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("tessera.db").display()),
        }
    }

    /// The public base URL (no trailing slash), given the bound address
    /// (which differs from `listen` when it asked for port 0).
    pub fn public_url_for(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => {
                let scheme = if self.tls_enabled() { "https" } else { "http" };
                let host = if bound.ip().is_loopback() {
                    // A name, not an IP: the dev certificate names `localhost`,
                    // MSAL and browsers prefer names for HTTPS, and WebAuthn
                    // (passkeys) has no relying party for an IP address.
                    "localhost".to_string()
                } else if bound.is_ipv6() {
                    format!("[{}]", bound.ip())
                } else {
                    bound.ip().to_string()
                };
                format!("{scheme}://{host}:{}", bound.port())
            }
        }
    }

    /// A configuration for tests: ephemeral port on loopback, the given data
    /// directory and database.
    pub fn for_test(data_dir: PathBuf, database_url: String) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database: Some(database_url),
            db_connect_attempts: 3,
            db_connect_max_backoff_ms: 200,
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted_and_derived() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("sqlite:///x/y.db"), "sqlite:///x/y.db");
        let c = Config::default();
        assert_eq!(c.public_url_for(c.listen), "http://localhost:8080");
        assert_eq!(c.database_url(), "sqlite://./tessera-data/tessera.db");
        let dbg = format!(
            "{:?}",
            Config {
                master_key: Some("c2VjcmV0".into()),
                ..c
            }
        );
        assert!(!dbg.contains("c2VjcmV0"));
    }
}
