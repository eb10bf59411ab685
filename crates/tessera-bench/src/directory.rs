//! `tessera-bench directory`: latency of the directory API on a large
//! directory (one seeded by `seed-directory`), one request at a time over
//! one keep-alive connection, so each figure is a request's own latency:
//! (a) `GET /v1.0/users?$filter=userPrincipalName eq 'u…@domain'` for random
//!     seeded users (exactly one result each, or the run fails);
//! (b) `GET /v1.0/users/{id}/transitiveMemberOf?$select=id` for the users (a)
//!     found;
//! (c) every user, page by page (`$top=999&$select=id,userPrincipalName`,
//!     following `@odata.nextLink`): users per second, and the count must be
//!     the seeded users plus the bootstrap's admin.
use anyhow::{bail, ensure, Context};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::header::AUTHORIZATION;
use reqwest::Url;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Options {
    base: Url,
    token: String,
    domain: String,
    users: u64,
    samples: usize,
    warmup: usize,
    seed: u64,
    /// Time budget of each of (a) and (b), and of the listing: a phase
    /// stops early (with fewer samples, or a partial listing) when it runs
    /// out, so a slow server cannot hold the bench for hours.
    phase_secs: u64,
    /// Users expected in the listing besides the seeded ones (the admin).
    extra: u64,
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
        for k in m.keys() {
            let known = [
                "base",
                "token",
                "domain",
                "users",
                "samples",
                "warmup",
                "seed",
                "extra",
                "phase-secs",
            ];
            if !known.contains(&k.as_str()) {
                return Err(format!("unknown option --{k}"));
            }
        }
        let get = |k: &str| m.get(k).cloned().ok_or(format!("--{k} is required"));
        let num = |k: &str, d: u64| -> Result<u64, String> {
            m.get(k)
                .map(|v| v.parse().map_err(|_| format!("--{k} must be a number")))
                .unwrap_or(Ok(d))
        };
        let base = get("base")?;
        let base = Url::parse(base.trim_end_matches('/')).map_err(|e| format!("--base: {e}"))?;
        let users = num("users", 0)?;
        if users == 0 {
            return Err("--users must be the number of seeded users (> 0)".into());
        }
        Ok(Self {
            base,
            token: get("token")?,
            domain: get("domain")?,
            users,
            samples: usize::try_from(num("samples", 2000)?.clamp(1, 1_000_000)).unwrap_or(2000),
            warmup: usize::try_from(num("warmup", 200)?.min(100_000)).unwrap_or(200),
            seed: num("seed", 7)?,
            extra: num("extra", 1)?,
            phase_secs: num("phase-secs", 120)?.clamp(1, 3600),
        })
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> anyhow::Result<Url> {
        let mut u = Url::parse(&format!(
            "{}{path}",
            self.base.as_str().trim_end_matches('/')
        ))?;
        if !query.is_empty() {
            let mut q = u.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        Ok(u)
    }
}

/// Nearest-rank percentile of sorted samples.
fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1]
}

/// "N requests, p50 … p90 … p95 … p99 … max … ms" of sorted samples.
fn spread(sorted: &[f64]) -> String {
    format!(
        "{} requests, p50 {:.2} p90 {:.2} p95 {:.2} p99 {:.2} max {:.2} ms",
        sorted.len(),
        pct(sorted, 0.5),
        pct(sorted, 0.9),
        pct(sorted, 0.95),
        pct(sorted, 0.99),
        sorted.last().copied().unwrap_or(0.0)
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// GET with the token; the body as JSON and the time to its last byte.
async fn get(http: &reqwest::Client, token: &str, url: Url) -> anyhow::Result<(Value, Duration)> {
    let t0 = Instant::now();
    let r = http
        .get(url.clone())
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await?;
    let status = r.status();
    let body = r.bytes().await?;
    let took = t0.elapsed();
    if !status.is_success() {
        bail!(
            "GET {url}: {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(500)])
        );
    }
    let v: Value = serde_json::from_slice(&body).with_context(|| format!("GET {url}: not JSON"))?;
    Ok((v, took))
}

fn values(v: &Value) -> anyhow::Result<&Vec<Value>> {
    v["value"].as_array().context("no value array")
}

pub async fn run(o: Options) -> anyhow::Result<String> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(60))
        .build()?;
    let mut rng = StdRng::seed_from_u64(o.seed);

    // (a) $filter=userPrincipalName eq '…'
    let mut filter_ms = Vec::with_capacity(o.samples);
    let mut ids = Vec::with_capacity(o.samples + o.warmup);
    let budget = Duration::from_secs(o.phase_secs);
    let phase = Instant::now();
    for n in 0..o.warmup + o.samples {
        if phase.elapsed() > budget {
            eprintln!(
                "directory: filter: out of time ({} s) after {n} requests",
                o.phase_secs
            );
            break;
        }
        let upn = format!("u{:07}@{}", rng.gen_range(0..o.users), o.domain);
        let filter = format!("userPrincipalName eq '{upn}'");
        let (v, took) = get(
            &http,
            &o.token,
            o.url("/v1.0/users", &[("$filter", &filter)])?,
        )
        .await?;
        let found = values(&v)?;
        ensure!(
            found.len() == 1,
            "$filter={filter}: {} results, not 1",
            found.len()
        );
        let got = found[0]["userPrincipalName"].as_str().unwrap_or_default();
        ensure!(
            got.eq_ignore_ascii_case(&upn),
            "$filter={filter} answered {got}"
        );
        ids.push(
            found[0]["id"]
                .as_str()
                .context("a user without id")?
                .to_string(),
        );
        // Warm-up: the first `warmup` requests, or a tenth of the budget.
        if n >= o.warmup || phase.elapsed() > budget / 10 {
            filter_ms.push(ms(took));
        }
    }
    filter_ms.sort_by(f64::total_cmp);
    eprintln!("directory: filter: {}", spread(&filter_ms));

    // (b) transitiveMemberOf of the users (a) found.
    let mut tmo_ms = Vec::with_capacity(o.samples);
    let mut groups_seen = 0usize;
    let phase = Instant::now();
    // As many warm-up requests as (a) had measured ones beyond its warm-up.
    let warmup = o.warmup.min(ids.len() / 2);
    for (n, id) in ids.iter().enumerate() {
        if phase.elapsed() > budget {
            eprintln!(
                "directory: transitiveMemberOf: out of time ({} s) after {n} requests",
                o.phase_secs
            );
            break;
        }
        let (v, took) = get(
            &http,
            &o.token,
            o.url(
                &format!("/v1.0/users/{id}/transitiveMemberOf"),
                &[("$select", "id")],
            )?,
        )
        .await?;
        let found = values(&v)?;
        ensure!(
            !found.is_empty(),
            "user {id} is in no group: was the directory seeded by seed-directory?"
        );
        if n >= warmup || phase.elapsed() > budget / 10 {
            tmo_ms.push(ms(took));
            groups_seen += found.len();
        }
    }
    tmo_ms.sort_by(f64::total_cmp);
    let tmo_groups = groups_seen as f64 / tmo_ms.len().max(1) as f64;
    eprintln!(
        "directory: transitiveMemberOf: {}, {tmo_groups:.1} groups each",
        spread(&tmo_ms)
    );

    // (c) every user, page by page.
    let mut next = Some(o.url(
        "/v1.0/users",
        &[("$top", "999"), ("$select", "id,userPrincipalName")],
    )?);
    let mut listed = 0u64;
    let mut pages = 0u64;
    let mut page_ms = Vec::new();
    let started = Instant::now();
    let mut complete = true;
    while let Some(url) = next.take() {
        if started.elapsed() > budget {
            eprintln!(
                "directory: listing: out of time ({} s) after {listed} users",
                o.phase_secs
            );
            complete = false;
            break;
        }
        let (v, took) = get(&http, &o.token, url).await?;
        listed += values(&v)?.len() as u64;
        pages += 1;
        page_ms.push(ms(took));
        next = match v.get("@odata.nextLink") {
            None | Some(Value::Null) => None,
            Some(l) => Some(Url::parse(l.as_str().context("nextLink is not a string")?)?),
        };
        if pages.is_multiple_of(200) {
            eprintln!(
                "directory:   listed {listed} users in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    let list_secs = started.elapsed().as_secs_f64();
    page_ms.sort_by(f64::total_cmp);
    let per_s = listed as f64 / list_secs.max(1e-9);
    eprintln!(
        "directory: listing: {listed} users in {pages} pages, {list_secs:.1} s, {per_s:.0} users/s, page p50 {:.2} ms, p99 {:.2} ms",
        pct(&page_ms, 0.5),
        pct(&page_ms, 0.99)
    );
    let expected = o.users + o.extra;
    let line = format!(
        "RESULT filter_p50_ms={:.2} filter_p99_ms={:.2} tmo_p50_ms={:.2} tmo_p99_ms={:.2} list_users_per_s={per_s:.0} listed={listed} \
         complete={} filter_samples={} tmo_samples={} tmo_groups_avg={tmo_groups:.1} list_secs={list_secs:.1} pages={pages} page_p50_ms={:.2} page_p99_ms={:.2}",
        pct(&filter_ms, 0.5),
        pct(&filter_ms, 0.99),
        pct(&tmo_ms, 0.5),
        pct(&tmo_ms, 0.99),
        u8::from(complete),
        filter_ms.len(),
        tmo_ms.len(),
        pct(&page_ms, 0.5),
        pct(&page_ms, 0.99),
    );
    if complete && listed != expected {
        println!("{line}");
        bail!("listed {listed} users, expected {expected} (seeded + bootstrap admin)");
    }
    Ok(line)
}
