//! `tessera`: the identity server and its administrative commands.
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tessera_server::admin::{self as ops, DefaultTenant};
use tessera_server::load::{self, ServeFlags};
use tessera_server::ConfigError;

#[derive(Parser)]
#[command(
    name = "tessera",
    version,
    about = "Tessera: a self-hosted, Entra-compatible identity platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (with no flags: http://127.0.0.1:8080, SQLite in ./tessera-data).
    Serve(ServeFlags),
    /// Apply database migrations and print the schema version.
    Migrate(MigrateFlags),
    /// Operator commands on the database (work while servers run).
    #[command(subcommand)]
    Admin(Admin),
    /// Write a local CA and a certificate for localhost (ca.pem, cert.pem, key.pem).
    DevCert {
        /// Directory to write the files to.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Replace existing files.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum Admin {
    /// Give a user a new generated password, printed once.
    ResetPassword {
        /// The user's userPrincipalName.
        #[arg(long, value_name = "UPN")]
        user: String,
        /// Tenant id [default: the bootstrap tenant].
        #[arg(long, value_name = "ID")]
        tenant: Option<String>,
        #[command(flatten)]
        flags: StoreFlags,
    },
    /// Add a generated client secret to an application, printed once.
    AddClientSecret {
        /// The application's client id (appId).
        #[arg(long, value_name = "APPID")]
        client_id: String,
        /// Name shown for the secret.
        #[arg(long, default_value = "added by tessera admin")]
        display_name: String,
        /// Validity in days (1-3650).
        #[arg(long, default_value_t = 730)]
        days: u32,
        #[command(flatten)]
        flags: StoreFlags,
    },
    /// Choose the algorithm a tenant's tokens are signed with.
    SetSigningAlg {
        /// RS256, ES256, EdDSA, or "default" for the server's setting.
        #[arg(long, value_name = "ALG")]
        alg: String,
        /// Tenant id [default: the bootstrap tenant].
        #[arg(long, value_name = "ID")]
        tenant: Option<String>,
        #[command(flatten)]
        flags: StoreFlags,
    },
    /// Create a further tenant (admin, directory API client, signing key);
    /// its credentials are printed once, as JSON with bootstrap.json's keys.
    CreateTenant {
        /// The tenant's display name.
        #[arg(long, value_name = "NAME")]
        name: String,
        /// Its initial (default, verified) domain [default: tenant-{8 hex}.tessera.test].
        #[arg(long, value_name = "DOMAIN")]
        domain: Option<String>,
        #[command(flatten)]
        flags: ServeFlags,
    },
    /// List the tenants, oldest first: id, display name, initial domain,
    /// created (RFC 3339), "bootstrap" or "-" (tab-separated).
    ListTenants {
        /// Print one JSON array instead.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        flags: ServeFlags,
    },
    /// Delete a tenant and every row it owns, in one transaction.
    DeleteTenant {
        /// The tenant's id.
        #[arg(long, value_name = "ID")]
        tenant: String,
        /// Really delete (without it: say what would be deleted, exit 2).
        #[arg(long)]
        yes: bool,
        /// Allow deleting the bootstrap (default) tenant.
        #[arg(long)]
        including_bootstrap: bool,
        #[command(flatten)]
        flags: ServeFlags,
    },
}

/// Where the database is: the flags of the `admin` commands (the server's
/// listener, TLS and timeout flags mean nothing to them). Their variables
/// and TOML keys are `serve`'s.
#[derive(clap::Args)]
struct StoreFlags {
    /// TOML configuration file (also TESSERA_CONFIG).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory [default: ./tessera-data].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL, sqlite://PATH or postgres://… [default: SQLite in the data directory].
    #[arg(long, value_name = "URL")]
    database: Option<String>,
}

/// `migrate`'s flags: the database's, and its log's.
#[derive(clap::Args)]
struct MigrateFlags {
    #[command(flatten)]
    store: StoreFlags,
    /// Log format: text or json.
    #[arg(long, value_name = "FORMAT")]
    log_format: Option<String>,
    /// Log filter, e.g. info or tessera_server=debug.
    #[arg(long, value_name = "FILTER")]
    log_level: Option<String>,
}

/// Flags that become the configuration's flag layer.
trait Flags {
    fn serve_flags(&self) -> ServeFlags;
}

impl Flags for ServeFlags {
    fn serve_flags(&self) -> ServeFlags {
        self.clone()
    }
}

impl Flags for StoreFlags {
    fn serve_flags(&self) -> ServeFlags {
        ServeFlags {
            config: self.config.clone(),
            data_dir: self.data_dir.clone(),
            database: self.database.clone(),
            ..ServeFlags::default()
        }
    }
}

impl Flags for MigrateFlags {
    fn serve_flags(&self) -> ServeFlags {
        ServeFlags {
            log_format: self.log_format.clone(),
            log_level: self.log_level.clone(),
            ..self.store.serve_flags()
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(flags) => configured(&flags, |c| runtime()?.block_on(tessera_server::run::serve(c))),
        Command::Migrate(flags) => configured(&flags, |c| {
            let s = runtime()?.block_on(tessera_server::run::migrate(c))?;
            println!("schema version {} (this binary knows {})", s.applied, s.expected);
            Ok(())
        }),
        Command::Admin(Admin::ResetPassword { user, tenant, flags }) => configured(&flags, |c| {
            let tenant = tenant.as_deref().map(ops::tenant_arg).transpose()?;
            let password = runtime()?.block_on(tessera_server::admin::reset_password(c, &user, tenant))?;
            println!("{}", password.as_str());
            Ok(())
        }),
        Command::Admin(Admin::AddClientSecret { client_id, display_name, days, flags }) => configured(&flags, |c| {
            let app_id = client_id.parse().map_err(|_| ConfigError {
                key: "client_id".into(),
                message: "must be an application's client id (GUID)".into(),
            })?;
            let secret = runtime()?.block_on(tessera_server::admin::add_client_secret(c, app_id, &display_name, days))?;
            println!("{}", secret.as_str());
            Ok(())
        }),
        Command::Admin(Admin::SetSigningAlg { alg, tenant, flags }) => configured(&flags, |c| {
            let tenant = tenant.as_deref().map(ops::tenant_arg).transpose()?;
            let choice = (alg != "default").then_some(alg.as_str());
            if let Some(a) = choice {
                a.parse::<tessera_crypto::SigningAlg>().map_err(|_| ConfigError {
                    key: "alg".into(),
                    message: format!("{a:?} is not one of RS256, ES256, EdDSA, default"),
                })?;
            }
            let t = runtime()?.block_on(tessera_server::admin::set_signing_alg(c, choice, tenant))?;
            println!("tenant {t} signs tokens with {}", choice.unwrap_or("the server's default algorithm"));
            Ok(())
        }),
        Command::Admin(Admin::CreateTenant { name, domain, flags }) => configured(&flags, |c| {
            let naming = ops::tenant_naming(&name, domain.as_deref())?;
            let created = runtime()?.block_on(ops::create_tenant(c, &naming))?;
            // Once, on stdout only: the secrets are never logged.
            println!("{}", ops::credentials_json(&created)?.as_str());
            Ok(())
        }),
        Command::Admin(Admin::ListTenants { json, flags }) => configured(&flags, |c| {
            let tenants = runtime()?.block_on(ops::list_tenants(c))?;
            print!("{}", ops::tenant_listing(&tenants, json)?);
            Ok(())
        }),
        Command::Admin(Admin::DeleteTenant { tenant, yes, including_bootstrap, flags }) => configured(&flags, |c| {
            let t = ops::tenant_arg(&tenant)?;
            let confirm = ops::DeleteConfirmation { yes, including_bootstrap };
            let deleted = runtime()?.block_on(ops::delete_tenant(c, t, confirm))?;
            let total: u64 = deleted.rows.iter().map(|(_, n)| n).sum();
            println!("deleted tenant {t}: {total} rows");
            match deleted.default_tenant {
                DefaultTenant::Unchanged => {}
                DefaultTenant::MovedTo(next) => println!(
                    "the bootstrap (default) tenant is now {next}; restart every server (until then they keep {t} as their default)"
                ),
                DefaultTenant::Cleared => println!(
                    "no tenant remains; the next `tessera serve` bootstraps a new one (restart every running server)"
                ),
            }
            Ok(())
        }),
        Command::DevCert { out, force } => tessera_server::run::dev_cert(&out, force).map(|files| {
            for f in &files {
                println!("wrote {}", f.display());
            }
            let d = out.display();
            println!(
                "Serve HTTPS with: tessera serve --tls-cert {d}/cert.pem --tls-key {d}/key.pem\n\
                 Trust the CA in clients: SSL_CERT_FILE={d}/ca.pem or REQUESTS_CA_BUNDLE={d}/ca.pem (Python), \
                 NODE_EXTRA_CA_CERTS={d}/ca.pem (Node)"
            );
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(ce) = e.downcast_ref::<ConfigError>() {
                eprintln!("error: {ce}");
                ExitCode::from(2)
            } else if let Some(r) = e.downcast_ref::<ops::Refused>() {
                eprintln!("error: {r}");
                ExitCode::from(2)
            } else {
                eprintln!("error: {e:#}");
                ExitCode::from(1)
            }
        }
    }
}

fn configured(
    flags: &impl Flags,
    run: impl FnOnce(tessera_server::Config) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    run(load::load(&flags.serve_flags())?)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
