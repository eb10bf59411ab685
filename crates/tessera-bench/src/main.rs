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
mod login;
mod seed;

fn usage() -> ! {
    eprintln!(
        "usage: tessera-bench seed DATA_DIR\n       tessera-bench login --authorize URL --token URL --client-id ID \
         --redirect-uri URI --scope S --username U --password P [--mode fresh|sso] [--secs N] [--concurrency C]"
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
        _ => usage(),
    }
    Ok(())
}
