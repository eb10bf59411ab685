//! The login load driver (see main.rs). Written by hand because it must
//! behave like a browser through two different providers' pages (follow
//! same-origin redirects, keep cookies, fill a form) — no HTTP load tool
//! does multi-step flows with PKCE.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::Url;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    Fresh,
    Sso,
}

#[derive(Clone, Debug)]
pub struct Options {
    authorize: Url,
    token: Url,
    client_id: String,
    redirect_uri: String,
    scope: String,
    username: String,
    password: String,
    mode: Mode,
    secs: u64,
    warmup: u64,
    concurrency: usize,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut m = BTreeMap::new();
        let mut it = args.iter();
        while let Some(k) = it.next() {
            let k = k.strip_prefix("--").ok_or(format!("unexpected {k}"))?;
            let v = it.next().ok_or(format!("--{k} needs a value"))?;
            m.insert(k.to_string(), v.clone());
        }
        let get = |k: &str| m.get(k).cloned().ok_or(format!("--{k} is required"));
        let num = |k: &str, d: u64| -> Result<u64, String> {
            m.get(k)
                .map(|v| v.parse().map_err(|_| format!("--{k} must be a number")))
                .unwrap_or(Ok(d))
        };
        let url = |k: &str| -> Result<Url, String> {
            Url::parse(&get(k)?).map_err(|e| format!("--{k}: {e}"))
        };
        Ok(Self {
            authorize: url("authorize")?,
            token: url("token")?,
            client_id: get("client-id")?,
            redirect_uri: get("redirect-uri")?,
            scope: get("scope")?,
            username: get("username")?,
            password: get("password")?,
            mode: match m.get("mode").map(String::as_str) {
                None | Some("fresh") => Mode::Fresh,
                Some("sso") => Mode::Sso,
                Some(o) => return Err(format!("unknown mode {o}")),
            },
            secs: num("secs", 10)?.clamp(1, 300),
            warmup: num("warmup", 2)?.min(60),
            concurrency: usize::try_from(num("concurrency", 8)?.clamp(1, 256)).unwrap_or(8),
        })
    }
}

/// A virtual user's cookies (one origin: the provider's), with their Path.
#[derive(Default)]
struct Jar(BTreeMap<String, (String, String)>);

impl Jar {
    fn keep(&mut self, r: &reqwest::Response) {
        for v in r.headers().get_all(SET_COOKIE) {
            let Ok(v) = v.to_str() else { continue };
            let mut parts = v.split(';');
            let Some((k, val)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let mut path = "/".to_string();
            let mut expired = false;
            for a in parts {
                let a = a.trim();
                let lower = a.to_ascii_lowercase();
                if let Some(p) = lower.strip_prefix("path=") {
                    path = a[a.len() - p.len()..].to_string();
                } else if lower == "max-age=0" || lower.contains("1970") {
                    expired = true;
                }
            }
            if expired {
                self.0.remove(k.trim());
            } else {
                self.0
                    .insert(k.trim().to_string(), (val.trim().to_string(), path));
            }
        }
    }

    /// The `Cookie` header for a request to `path` (RFC 6265 path match).
    fn header(&self, path: &str) -> String {
        self.0
            .iter()
            .filter(|(_, (_, p))| {
                path == p
                    || (path.starts_with(p.as_str())
                        && (p.ends_with('/') || path[p.len()..].starts_with('/')))
            })
            .map(|(k, (v, _))| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[derive(Default)]
struct Tally {
    latencies_ms: Vec<f64>,
    errors: u64,
    first_error: Option<String>,
}

pub async fn run(o: Options) -> anyhow::Result<String> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .pool_max_idle_per_host(o.concurrency)
        .timeout(Duration::from_secs(30))
        .build()?;
    let start = Instant::now();
    let measure_from = start + Duration::from_secs(o.warmup);
    let end = measure_from + Duration::from_secs(o.secs);
    let mut tasks = vec![];
    for _ in 0..o.concurrency {
        let (http, o) = (http.clone(), o.clone());
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut jar = Jar::default();
            while Instant::now() < end {
                if o.mode == Mode::Fresh {
                    jar = Jar::default();
                }
                let t0 = Instant::now();
                let r = login(&http, &o, &mut jar).await;
                if t0 < measure_from {
                    continue;
                }
                match r {
                    Ok(()) => tally.latencies_ms.push(t0.elapsed().as_secs_f64() * 1000.0),
                    Err(e) => {
                        tally.errors += 1;
                        tally.first_error.get_or_insert(e.to_string());
                    }
                }
            }
            tally
        }));
    }
    let mut all = Tally::default();
    for t in tasks {
        let t = t.await?;
        all.latencies_ms.extend(t.latencies_ms);
        all.errors += t.errors;
        if all.first_error.is_none() {
            all.first_error = t.first_error;
        }
    }
    if let Some(e) = &all.first_error {
        eprintln!("first error: {e}");
    }
    all.latencies_ms.sort_by(f64::total_cmp);
    let pct = |p: f64| -> f64 {
        let v = &all.latencies_ms;
        if v.is_empty() {
            return 0.0;
        }
        let i = ((v.len() as f64 - 1.0) * p).round() as usize;
        v[i.min(v.len() - 1)]
    };
    let n = all.latencies_ms.len();
    Ok(format!(
        "RESULT logins={n} per_s={:.1} p50_ms={:.2} p99_ms={:.2} errors={}",
        n as f64 / o.secs as f64,
        pct(0.50),
        pct(0.99),
        all.errors
    ))
}

/// One login: authorize → (form) → code → token.
async fn login(http: &reqwest::Client, o: &Options, jar: &mut Jar) -> anyhow::Result<()> {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let verifier = URL_SAFE_NO_PAD.encode(raw);
    let challenge = URL_SAFE_NO_PAD.encode(tessera_crypto::sha256(verifier.as_bytes()));
    let mut url = o.authorize.clone();
    url.query_pairs_mut()
        .append_pair("client_id", &o.client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", &o.redirect_uri)
        .append_pair("scope", &o.scope)
        .append_pair("state", "bench")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let mut next: (Url, Option<Vec<(String, String)>>) = (url, None);
    let mut code = None;
    for _ in 0..12 {
        let (at, form) = next.clone();
        let req = match &form {
            None => http.get(at.clone()),
            Some(f) => http.post(at.clone()).form(f),
        };
        let r = req.header(COOKIE, jar.header(at.path())).send().await?;
        jar.keep(&r);
        let status = r.status();
        if status.is_redirection() {
            let loc = r
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| anyhow::anyhow!("redirect without Location"))?;
            if loc.starts_with(&o.redirect_uri) {
                let u = Url::parse(loc)?;
                code = u
                    .query_pairs()
                    .find(|(k, _)| k == "code")
                    .map(|(_, v)| v.into_owned());
                if code.is_none() {
                    anyhow::bail!("redirected back without a code: {loc}");
                }
                break;
            }
            next = (at.join(loc)?, None);
            continue;
        }
        if status != reqwest::StatusCode::OK {
            anyhow::bail!("{} answered {status}", at.path());
        }
        let page = r.text().await?;
        let (action, mut fields) = form_of(&page)
            .ok_or_else(|| anyhow::anyhow!("a page without a form at {}", at.path()))?;
        if fields.iter().any(|(k, _)| k == "password") || page.contains("name=\"password\"") {
            fields.retain(|(k, _)| k != "username" && k != "password");
            fields.push(("username".into(), o.username.clone()));
            fields.push(("password".into(), o.password.clone()));
        } else {
            anyhow::bail!("a form that is not a sign-in form at {}", at.path());
        }
        next = (at.join(&action)?, Some(fields));
    }
    let code = code.ok_or_else(|| anyhow::anyhow!("no code after 12 steps"))?;
    let r = http
        .post(o.token.clone())
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", o.client_id.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", o.redirect_uri.as_str()),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await?;
    let status = r.status();
    let v: serde_json::Value = r.json().await?;
    if status != reqwest::StatusCode::OK || v["access_token"].as_str().is_none() {
        anyhow::bail!("token endpoint answered {status}: {v}");
    }
    Ok(())
}

/// The first post form of a page: its action and its hidden inputs.
fn form_of(page: &str) -> Option<(String, Vec<(String, String)>)> {
    let start = page.find("<form")?;
    let end = page[start..].find("</form>").map(|e| start + e)?;
    let form = &page[start..end];
    let tag_end = form.find('>')?;
    let action = attr(&form[..tag_end], "action")?;
    let mut fields = vec![];
    let mut rest = form;
    while let Some(i) = rest.find("<input") {
        rest = &rest[i..];
        let close = rest.find('>')?;
        let tag = &rest[..close];
        if let Some(name) = attr(tag, "name") {
            let kind = attr(tag, "type").unwrap_or_default();
            if kind == "hidden" || name == "password" {
                fields.push((name, attr(tag, "value").unwrap_or_default()));
            }
        }
        rest = &rest[close..];
    }
    Some((action, fields))
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let i = tag.find(&needle)? + needle.len();
    let j = tag[i..].find('"')?;
    Some(unescape(&tag[i..i + j]))
}

fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_sign_in_form() {
        let page = r#"<p>x</p><form method="post" action="/t&#x2f;login">
<input type="hidden" name="ctx" value="a=1&amp;b=2">
<input id="username" name="username" type="text">
<input id="password" name="password" type="password"></form>"#;
        let (action, fields) = form_of(page).unwrap();
        assert_eq!(action, "/t/login");
        assert_eq!(fields[0], ("ctx".to_string(), "a=1&b=2".to_string()));
        assert!(fields.iter().any(|(k, _)| k == "password"));
    }
}
