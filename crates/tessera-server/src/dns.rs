//! TXT lookups for domain verification, through hickory-resolver: the
//! configured DNS server (`dns_server`) or the system's resolvers. No
//! answer cache: a record the administrator has just published must be
//! seen at the next attempt.
use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::TokioResolver;
use std::time::Duration;

pub struct Dns {
    resolver: TokioResolver,
}

impl Dns {
    pub fn new(server: Option<&str>) -> Self {
        let mut opts = ResolverOpts::default();
        opts.timeout = Duration::from_secs(3);
        opts.attempts = 2;
        opts.cache_size = 0;
        let config = match server.and_then(|s| s.parse::<std::net::SocketAddr>().ok()) {
            Some(addr) => ResolverConfig::from_parts(
                None,
                vec![],
                NameServerConfigGroup::from_ips_clear(&[addr.ip()], addr.port(), true),
            ),
            None => match hickory_resolver::system_conf::read_system_conf() {
                Ok((config, _)) => config,
                Err(e) => {
                    tracing::warn!(error = %e, "no system DNS configuration; domain verification cannot look up records");
                    ResolverConfig::new()
                }
            },
        };
        let resolver =
            TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
                .with_options(opts)
                .build();
        Self { resolver }
    }

    /// The TXT strings published at `name` (each record's strings joined).
    /// `Err` only when the lookup itself failed (no answer is `Ok(empty)`).
    pub async fn txt(&self, name: &str) -> Result<Vec<String>, String> {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match self.resolver.txt_lookup(fqdn).await {
            Ok(l) => Ok(l
                .iter()
                .map(|t| {
                    t.txt_data()
                        .iter()
                        .map(|b| String::from_utf8_lossy(b).into_owned())
                        .collect::<String>()
                })
                .collect()),
            Err(e) if e.is_no_records_found() => Ok(vec![]),
            Err(e) => Err(e.to_string()),
        }
    }
}
