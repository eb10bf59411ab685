//! Loading the configuration: defaults < TOML file < `TESSERA_*` environment
//! variables < flags, then validation. Every error names the key.
use crate::config::{redact_url, Config};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A configuration problem: exit status 2, a message naming the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: key `{key}`: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

fn err(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.into(),
        message: message.into(),
    }
}

/// The configuration keys, which are also the accepted `TESSERA_*` variables.
pub const KEYS: &[&str] = &[
    "listen",
    "public_url",
    "data_dir",
    "database",
    "tls_cert",
    "tls_key",
    "log_format",
    "log_level",
    "master_key",
    "db_connect_attempts",
    "db_connect_max_backoff_ms",
    "db_max_connections",
    "max_body_bytes",
    "token_signing_alg",
    "key_lifetime_hours",
    "key_publish_ahead_hours",
    "dns_server",
    "trusted_proxies",
    "header_read_timeout_secs",
    "idle_timeout_secs",
    "tls_handshake_timeout_secs",
    "max_connections",
];

/// Command-line flags of `serve` and `migrate`. Values stay strings so that
/// our validation, not the argument parser, reports them by key.
#[derive(clap::Args, Debug, Default, Clone, Serialize)]
pub struct ServeFlags {
    /// TOML configuration file (also TESSERA_CONFIG).
    #[arg(long, value_name = "FILE")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Address to listen on, HOST:PORT [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// Public base URL clients use [default: derived from --listen].
    #[arg(long, value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Data directory [default: ./tessera-data].
    #[arg(long, value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// Database URL, sqlite://PATH or postgres://… [default: SQLite in the data directory].
    #[arg(long, value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// PEM certificate chain: serve HTTPS.
    #[arg(long, value_name = "FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, value_name = "FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
    /// Log format: text or json.
    #[arg(long, value_name = "FORMAT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<String>,
    /// Log filter, e.g. info or tessera_server=debug.
    #[arg(long, value_name = "FILTER")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_level: Option<String>,
    /// Seconds from a request's first byte until its head must be complete [default: 10].
    #[arg(long, value_name = "SECS")]
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "number_or_text"
    )]
    pub header_read_timeout_secs: Option<String>,
    /// Seconds a connection may stay open with no request in flight [default: 75].
    #[arg(long, value_name = "SECS")]
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "number_or_text"
    )]
    pub idle_timeout_secs: Option<String>,
    /// Seconds a TLS handshake may take [default: 10].
    #[arg(long, value_name = "SECS")]
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "number_or_text"
    )]
    pub tls_handshake_timeout_secs: Option<String>,
    /// Most connections open at once [default: what fits under the open-file limit].
    #[arg(long, value_name = "N")]
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "number_or_text"
    )]
    pub max_connections: Option<String>,
}

/// A numeric flag goes to the configuration as a number when it is one, and
/// as the text given otherwise, so that the error names its key.
fn number_or_text<S: serde::Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match v.as_deref().map(|t| (t, t.parse::<u64>())) {
        Some((_, Ok(n))) => s.serialize_u64(n),
        Some((t, Err(_))) => s.serialize_str(t),
        None => s.serialize_none(),
    }
}

/// Loads and validates the configuration for `serve`/`migrate`.
pub fn load(flags: &ServeFlags) -> Result<Config, ConfigError> {
    let file = flags
        .config
        .clone()
        .or_else(|| std::env::var_os("TESSERA_CONFIG").map(PathBuf::from));
    load_from(figment(file.as_deref(), flags)?)
}

/// The layered sources, lowest precedence first.
pub fn figment(file: Option<&Path>, flags: &ServeFlags) -> Result<Figment, ConfigError> {
    let mut fig = Figment::from(Serialized::defaults(Config::default()));
    if let Some(path) = file {
        if !path.is_file() {
            return Err(err(
                "config",
                format!("configuration file {} does not exist", path.display()),
            ));
        }
        fig = fig.merge(Toml::file_exact(path));
    }
    Ok(fig
        .merge(Env::prefixed("TESSERA_").only(KEYS))
        .merge(Serialized::defaults(flags)))
}

/// Extracts and validates a configuration from any set of sources.
pub fn load_from(fig: Figment) -> Result<Config, ConfigError> {
    let config: Config = fig.extract().map_err(|e| figment_error(&fig, e))?;
    validate(&config)?;
    Ok(config)
}

fn figment_error(fig: &Figment, e: figment::Error) -> ConfigError {
    use figment::error::Kind;
    let key = e.path.join(".");
    let message = match &e.kind {
        Kind::UnknownField(field, _) => {
            return err(
                field,
                format!("unknown key (valid keys: {})", KEYS.join(", ")),
            );
        }
        _ if key == "master_key" => "has the wrong type".to_string(),
        Kind::InvalidType(actual, expected) if key == "listen" => {
            format!("expected a socket address HOST:PORT (e.g. 127.0.0.1:8080), found {actual} (wanted {expected})")
        }
        // A text that does not parse (serde reports only "invalid socket
        // address syntax"): name the value given.
        _ if key == "listen" => match fig.extract_inner::<String>("listen") {
            Ok(v) => {
                format!("{v:?} is not a socket address: expected HOST:PORT, e.g. 127.0.0.1:8080")
            }
            Err(_) => format!("{} (expected HOST:PORT, e.g. 127.0.0.1:8080)", e.kind),
        },
        other => other.to_string(),
    };
    if key.is_empty() {
        err("config", format!("{e}"))
    } else {
        err(&key, message)
    }
}

/// Checks what types alone cannot.
pub fn validate(c: &Config) -> Result<(), ConfigError> {
    if let Some(url) = &c.public_url {
        check_public_url(url)?;
    }
    if let Some(db) = &c.database {
        if !(db.starts_with("sqlite:")
            || db.starts_with("postgres://")
            || db.starts_with("postgresql://"))
        {
            return Err(err(
                "database",
                format!(
                    "{} is not supported: use sqlite://PATH or postgres://USER:PASSWORD@HOST/DB",
                    redact_url(db)
                ),
            ));
        }
    }
    match (&c.tls_cert, &c.tls_key) {
        (Some(_), None) => {
            return Err(err(
                "tls_key",
                "tls_cert is set but tls_key is not: give both or neither",
            ))
        }
        (None, Some(_)) => {
            return Err(err(
                "tls_cert",
                "tls_key is set but tls_cert is not: give both or neither",
            ))
        }
        (Some(cert), Some(key)) => {
            for (name, path) in [("tls_cert", cert), ("tls_key", key)] {
                if std::fs::File::open(path).is_err() {
                    return Err(err(name, format!("cannot read {}", path.display())));
                }
            }
        }
        (None, None) => {}
    }
    if tracing_subscriber::EnvFilter::try_new(&c.log_level).is_err() {
        return Err(err(
            "log_level",
            format!(
                "{:?} is not a log filter (e.g. info, debug, tessera_server=debug)",
                c.log_level
            ),
        ));
    }
    if let Some(k) = &c.master_key {
        if tessera_crypto::MasterKey::from_base64(k).is_err() {
            return Err(err(
                "master_key",
                "must be 32 bytes encoded in base64 (e.g. `openssl rand -base64 32`)",
            ));
        }
    }
    if c.token_signing_alg
        .parse::<tessera_crypto::SigningAlg>()
        .is_err()
    {
        return Err(err(
            "token_signing_alg",
            format!(
                "{:?} is not one of RS256, ES256, EdDSA",
                c.token_signing_alg
            ),
        ));
    }
    if c.key_lifetime_hours == 0 || c.key_publish_ahead_hours >= c.key_lifetime_hours {
        return Err(err(
            "key_publish_ahead_hours",
            "must be less than key_lifetime_hours (a key must sign for a while after it is published)",
        ));
    }
    if let Some(d) = &c.dns_server {
        if d.parse::<std::net::SocketAddr>().is_err() {
            return Err(err(
                "dns_server",
                format!("{d:?} is not IP:PORT (e.g. 127.0.0.53:53)"),
            ));
        }
    }
    if let Some(list) = &c.trusted_proxies {
        for p in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if p.parse::<std::net::IpAddr>().is_err() {
                return Err(err(
                    "trusted_proxies",
                    format!("{p:?} is not an IP address (a comma-separated list, e.g. 10.0.0.5,10.0.0.6)"),
                ));
            }
        }
    }
    if c.data_dir.as_os_str().is_empty() {
        return Err(err("data_dir", "must not be empty"));
    }
    if c.db_connect_attempts == 0 {
        return Err(err("db_connect_attempts", "must be at least 1"));
    }
    if !(1..=1000).contains(&c.db_max_connections) {
        return Err(err("db_max_connections", "must be between 1 and 1000"));
    }
    if !(1024..=64 * 1024 * 1024).contains(&c.max_body_bytes) {
        return Err(err("max_body_bytes", "must be between 1024 and 67108864"));
    }
    for (key, value, max) in [
        ("header_read_timeout_secs", c.header_read_timeout_secs, 300),
        ("idle_timeout_secs", c.idle_timeout_secs, 3600),
        (
            "tls_handshake_timeout_secs",
            c.tls_handshake_timeout_secs,
            300,
        ),
    ] {
        if !(1..=max).contains(&value) {
            return Err(err(key, format!("must be between 1 and {max} (seconds)")));
        }
    }
    if c.max_connections == Some(0) {
        return Err(err(
            "max_connections",
            "must be at least 1 (leave it out for the most that fit under the open-file limit)",
        ));
    }
    Ok(())
}

fn check_public_url(url: &str) -> Result<(), ConfigError> {
    let bad = |why: &str| err("public_url", format!("{url:?} {why}"));
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad("must start with http:// or https://"))?;
    let authority = rest.split('/').next().unwrap_or("");
    if authority.is_empty() {
        return Err(bad("has no host"));
    }
    if authority.contains('@') {
        return Err(bad("must not contain user information"));
    }
    if url.contains('?') || url.contains('#') {
        return Err(bad("must not have a query or fragment"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("must not contain spaces or control characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::Jail;

    fn from_toml(toml: &str) -> Result<Config, ConfigError> {
        load_from(Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(toml)))
    }

    fn key_of(toml: &str) -> String {
        from_toml(toml).expect_err(toml).key
    }

    #[test]
    fn defaults_are_valid() {
        let c = from_toml("").unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn bad_values_name_their_key() {
        let cases = [
            ("listen = \"abc\"", "listen"),
            ("listen = 5", "listen"),
            ("public_url = \"ftp://x\"", "public_url"),
            ("public_url = \"http://x/?a=1\"", "public_url"),
            ("public_url = \"http://x/#f\"", "public_url"),
            ("public_url = \"http://u:p@x\"", "public_url"),
            ("public_url = \"not a url\"", "public_url"),
            ("public_url = \"https://\"", "public_url"),
            ("database = \"mysql://u:p@h/db\"", "database"),
            ("tls_cert = \"/nonexistent/cert.pem\"", "tls_key"),
            ("tls_key = \"/nonexistent/key.pem\"", "tls_cert"),
            (
                "tls_cert = \"/nonexistent/c.pem\"\ntls_key = \"/nonexistent/k.pem\"",
                "tls_cert",
            ),
            ("log_format = \"xml\"", "log_format"),
            ("log_level = \"==\"", "log_level"),
            ("master_key = \"not base64!!\"", "master_key"),
            (
                "master_key = \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"",
                "master_key",
            ),
            ("master_key = 12", "master_key"),
            ("db_connect_attempts = 0", "db_connect_attempts"),
            ("db_connect_attempts = -1", "db_connect_attempts"),
            ("db_max_connections = 0", "db_max_connections"),
            ("max_body_bytes = 10", "max_body_bytes"),
            ("data_dir = \"\"", "data_dir"),
            ("listn = \"127.0.0.1:1\"", "listn"),
            ("token_signing_alg = \"HS256\"", "token_signing_alg"),
            ("token_signing_alg = \"none\"", "token_signing_alg"),
            ("key_publish_ahead_hours = 800", "key_publish_ahead_hours"),
            ("key_lifetime_hours = 0", "key_publish_ahead_hours"),
            ("header_read_timeout_secs = 0", "header_read_timeout_secs"),
            (
                "header_read_timeout_secs = \"ten\"",
                "header_read_timeout_secs",
            ),
            ("idle_timeout_secs = 0", "idle_timeout_secs"),
            ("idle_timeout_secs = 100000", "idle_timeout_secs"),
            (
                "tls_handshake_timeout_secs = 0",
                "tls_handshake_timeout_secs",
            ),
            (
                "tls_handshake_timeout_secs = -1",
                "tls_handshake_timeout_secs",
            ),
            ("max_connections = 0", "max_connections"),
            ("max_connections = -5", "max_connections"),
        ];
        for (toml, key) in cases {
            assert_eq!(key_of(toml), key, "{toml}");
        }
        let e = from_toml("listen = 5").unwrap_err();
        assert!(e.message.contains("HOST:PORT"), "{e}");
        // The message docs/configuration.md shows.
        let e = from_toml("listen = \"abc\"").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid configuration: key `listen`: \"abc\" is not a socket address: expected HOST:PORT, e.g. 127.0.0.1:8080"
        );
        assert!(from_toml("listn = 1")
            .unwrap_err()
            .message
            .contains("valid keys"));
    }

    #[test]
    fn secrets_are_not_echoed() {
        let e = from_toml("database = \"mysql://user:hunter2@h/db\"").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let e = from_toml("master_key = \"c2VjcmV0LWJ1dC10b28tc2hvcnQ=\"").unwrap_err();
        assert!(!e.to_string().contains("c2VjcmV0"), "{e}");
        // A valid PostgreSQL URL with a password is accepted.
        assert!(from_toml("database = \"postgres://u:pw@h/db\"").is_ok());
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closure signature
    fn precedence_is_file_then_env_then_flags() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "t.toml",
                "listen = \"127.0.0.1:1001\"\nlog_level = \"debug\"\ndata_dir = \"from-file\"",
            )?;
            jail.set_env("TESSERA_LISTEN", "127.0.0.1:1002");
            jail.set_env("TESSERA_DATA_DIR", "from-env");
            jail.set_env("TESSERA_TEST_SOMETHING", "ignored");
            let flags = ServeFlags {
                listen: Some("127.0.0.1:1003".into()),
                ..Default::default()
            };
            let c = load_from(figment(Some(Path::new("t.toml")), &flags).unwrap()).unwrap();
            assert_eq!(c.listen.port(), 1003, "flag wins");
            assert_eq!(c.data_dir, PathBuf::from("from-env"), "env beats file");
            assert_eq!(c.log_level, "debug", "file beats default");
            let c = load_from(figment(Some(Path::new("t.toml")), &ServeFlags::default()).unwrap())
                .unwrap();
            assert_eq!(c.listen.port(), 1002);
            // Numeric flags: numbers, and bad text named by key.
            jail.set_env("TESSERA_IDLE_TIMEOUT_SECS", "30");
            let flags = ServeFlags {
                header_read_timeout_secs: Some("5".into()),
                max_connections: Some("100".into()),
                ..Default::default()
            };
            let c = load_from(figment(None, &flags).unwrap()).unwrap();
            assert_eq!(
                (
                    c.header_read_timeout_secs,
                    c.idle_timeout_secs,
                    c.max_connections
                ),
                (5, 30, Some(100))
            );
            let flags = ServeFlags {
                tls_handshake_timeout_secs: Some("soon".into()),
                ..Default::default()
            };
            let e = load_from(figment(None, &flags).unwrap()).unwrap_err();
            assert_eq!(e.key, "tls_handshake_timeout_secs");
            jail.set_env("TESSERA_LISTEN", "nope");
            let e = load_from(figment(None, &ServeFlags::default()).unwrap()).unwrap_err();
            assert_eq!(e.key, "listen");
            Ok(())
        });
    }

    #[test]
    fn missing_config_file_is_an_error() {
        let e = figment(
            Some(Path::new("/nonexistent/tessera.toml")),
            &ServeFlags::default(),
        )
        .unwrap_err();
        assert_eq!(e.key, "config");
    }
}
