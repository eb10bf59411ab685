//! Load drivers for `bench/` (figures, not tests; never shipped).
//!
//! `tessera-bench seed DATA_DIR` adds to a bootstrapped Tessera database what
//! the login benchmark needs — a public client with a loopback redirect URI,
//! a user with a password, and admin consent for the directory API's
//! `User.Read` — and prints them as JSON.
//!
//! `tessera-bench login …` drives full authorization code + PKCE logins
//! against any OpenID provider, like a browser would: GET the authorize URL,
//! follow same-origin redirects, fill the one form on a page (username,
//! password, hidden inputs), stop at the redirect to `redirect_uri`, then
//! redeem the code at the token endpoint. `--mode fresh` starts every login
//! with an empty cookie jar (the password is verified each time); `--mode
//! sso` keeps each virtual user's session (no form after the first login).
//! Prints `RESULT logins=… per_s=… p50_ms=… p99_ms=… errors=…`.
//!
//! `tessera-bench seed-directory DATA_DIR_OR_DB_URL --users N --groups M`
//! bulk-writes a large directory (users, nested groups, memberships) into a
//! bootstrapped database with raw SQL, and prints what it wrote as JSON
//! (see seed_directory.rs).
//!
//! `tessera-bench directory --base URL --token T --domain D --users N`
//! measures `$filter` by userPrincipalName, `transitiveMemberOf` and listing
//! every user page by page on such a directory, one request at a time.
//! Prints `RESULT filter_p50_ms=… filter_p99_ms=… tmo_p50_ms=… tmo_p99_ms=…
//! list_users_per_s=… listed=… …` (see directory.rs).
//!
//! `tessera-bench explain DATA_DIR_OR_DB_URL [--upn U]` prints the plans and
//! database-side times of the statements behind those figures (explain.rs).
mod directory;
mod explain;
mod login;
mod seed;
mod seed_directory;

fn usage() -> ! {
    eprintln!(
        "usage: tessera-bench seed DATA_DIR\n       tessera-bench login --authorize URL --token URL --client-id ID \
         --redirect-uri URI --scope S --username U --password P [--mode fresh|sso] [--secs N] [--concurrency C]\n       \
         tessera-bench seed-directory DATA_DIR_OR_DB_URL [--users N] [--groups M] [--seed S] [--analyze auto|yes|no]\n       \
         tessera-bench directory --base URL --token TOKEN --domain D --users N [--samples 2000] [--warmup 200] [--phase-secs 120] [--seed S]\n       \
         tessera-bench explain DATA_DIR_OR_DB_URL [--upn U]"
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("seed") => {
            let dir = args.get(1).unwrap_or_else(|| usage());
            let out = seed::seed(std::path::Path::new(dir)).await?;
            println!("{out}");
        }
        Some("login") => {
            let opts = login::Options::parse(&args[1..]).unwrap_or_else(|e| {
                eprintln!("tessera-bench login: {e}");
                usage()
            });
            let r = login::run(opts).await?;
            println!("{r}");
        }
        Some("seed-directory") => {
            let opts = seed_directory::Options::parse(&args[1..]).unwrap_or_else(|e| {
                eprintln!("tessera-bench seed-directory: {e}");
                usage()
            });
            let out = seed_directory::run(opts).await?;
            println!("{out}");
        }
        Some("directory") => {
            let opts = directory::Options::parse(&args[1..]).unwrap_or_else(|e| {
                eprintln!("tessera-bench directory: {e}");
                usage()
            });
            let r = directory::run(opts).await?;
            println!("{r}");
        }
        Some("explain") => explain::run(&args[1..]).await?,
        _ => usage(),
    }
    Ok(())
}
