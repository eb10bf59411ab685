//! `/v1.0/organization` (the caller's tenant) and `/v1.0/domains` (its
//! domain names: add, prove by a DNS TXT record, delete when unused). A
//! verified domain routes sign-in URLs (`/{domain}/oauth2/…`), may end
//! userPrincipalNames and may be an application's publisher domain.
use super::auth::{Caller, Op};
use super::errors::GraphError;
use super::query;
use crate::clock::SystemClock;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tessera_model::{Clock, Domain};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1.0/organization", get(organization))
        .route("/v1.0/organization/{id}", get(organization_one))
        .route("/v1.0/domains", get(domains).post(add_domain))
        .route("/v1.0/domains/{name}", get(domain).delete(delete_domain))
        .route(
            "/v1.0/domains/{name}/verificationDnsRecords",
            get(dns_records),
        )
        .route(
            "/v1.0/domains/{name}/verify",
            axum::routing::post(verify_domain),
        )
}

async fn org_value(s: &AppState, caller: &Caller) -> Result<Value, GraphError> {
    let t = s
        .store
        .get_tenant(caller.tenant)
        .await?
        .ok_or_else(|| GraphError::not_found(caller.tenant))?;
    let domains = s.store.list_domains(caller.tenant).await?;
    let verified: Vec<Value> = domains
        .iter()
        .filter(|d| d.is_verified)
        .map(|d| {
            serde_json::json!({
                "capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": d.is_default,
                "isInitial": d.is_initial,
                "name": d.name,
                "type": "Managed",
            })
        })
        .collect();
    Ok(serde_json::json!({
        "id": t.id,
        "displayName": t.display_name,
        "createdDateTime": t.created_date_time.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "tenantType": "AAD",
        "verifiedDomains": verified,
    }))
}

async fn organization(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadOrg)?;
    let v = org_value(&s, &caller).await?;
    Ok(Json(query::collection(
        query::context(&s, "organization", &[]),
        vec![v],
        None,
        None,
    )))
}

async fn organization_one(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadOrg)?;
    if !id.eq_ignore_ascii_case(&caller.tenant.to_string()) {
        return Err(GraphError::not_found(
            id.chars().take(64).collect::<String>(),
        ));
    }
    let v = org_value(&s, &caller).await?;
    Ok(Json(query::entity(
        query::context(&s, "organization", &[]),
        v,
    )))
}

async fn domains(State(s): State<AppState>, caller: Caller) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadDomains)?;
    let value = s
        .store
        .list_domains(caller.tenant)
        .await?
        .iter()
        .map(render_domain)
        .collect();
    Ok(Json(query::collection(
        query::context(&s, "domains", &[]),
        value,
        None,
        None,
    )))
}

async fn domain(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadDomains)?;
    let d = s
        .store
        .list_domains(caller.tenant)
        .await?
        .into_iter()
        .find(|d| d.name.eq_ignore_ascii_case(&name))
        .ok_or_else(|| GraphError::not_found(name.chars().take(256).collect::<String>()))?;
    Ok(Json(query::entity(
        query::context(&s, "domains", &[]),
        render_domain(&d),
    )))
}

fn render_domain(d: &Domain) -> Value {
    let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
    v["authenticationType"] = "Managed".into();
    v["supportedServices"] = json!([]);
    v
}

/// The TXT record text that proves a tenant controls a domain.
fn txt_text(code: &str) -> String {
    format!("tessera-verification={code}")
}

async fn find_domain(s: &AppState, caller: &Caller, name: &str) -> Result<Domain, GraphError> {
    s.store
        .list_domains(caller.tenant)
        .await?
        .into_iter()
        .find(|d| d.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| GraphError::not_found(name.chars().take(256).collect::<String>()))
}

async fn add_domain(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(Op::WriteDomains)?;
    let body = super::body::object(&headers, &body)?;
    let f = super::body::Fields {
        type_name: "domain",
    };
    let mut name = None;
    for (k, v) in &body {
        match k.as_str() {
            "@odata.type" => {}
            "id" => name = Some(f.str(k, v, 253)?),
            _ => return Err(f.unknown(k)),
        }
    }
    let bad = |m: &str| GraphError::bad_request("Request_BadRequest", m.to_string());
    let name = name.ok_or_else(|| bad("Property 'id' (the domain name) is required."))?;
    let norm = tessera_model::normalize_domain(&name)
        .filter(|n| n.contains('.') && n.parse::<std::net::IpAddr>().is_err())
        .ok_or_else(|| bad("The id must be a domain name such as contoso.com."))?;
    let mut code = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut code);
    let code = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, code);
    s.store
        .add_domain(caller.tenant, &norm, &code, SystemClock.now())
        .await?;
    let d = find_domain(&s, &caller, &norm).await?;
    Ok((
        StatusCode::CREATED,
        Json(query::entity(
            query::context(&s, "domains", &[]),
            render_domain(&d),
        )),
    )
        .into_response())
}

async fn dns_records(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadDomains)?;
    let d = find_domain(&s, &caller, &name).await?;
    let value = match s
        .store
        .domain_verification_code(caller.tenant, &d.name)
        .await?
    {
        Some(code) => vec![json!({
            "@odata.type": "#microsoft.graph.domainDnsTxtRecord",
            "id": format!("txt-{}", d.name),
            "isOptional": false,
            "label": d.name,
            "recordType": "Txt",
            "supportedService": "Email",
            "ttl": 3600,
            "text": txt_text(&code),
        })],
        None => vec![],
    };
    Ok(Json(query::collection(
        query::context(&s, "domainDnsRecords", &[]),
        value,
        None,
        None,
    )))
}

/// Looks for the tenant's TXT record at the domain; verified on a match.
/// Verifying a verified domain again answers it as it is.
async fn verify_domain(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::WriteDomains)?;
    let d = find_domain(&s, &caller, &name).await?;
    if !d.is_verified {
        let code = s
            .store
            .domain_verification_code(caller.tenant, &d.name)
            .await?
            .ok_or_else(|| GraphError::not_found(&d.name))?;
        let want = txt_text(&code);
        let found = s.dns.txt(&d.name).await.map_err(|e| {
            GraphError::bad_request(
                "Request_BadRequest",
                format!(
                    "Domain verification failed: the DNS lookup of {} failed ({e}).",
                    d.name
                ),
            )
        })?;
        // Constant-time: the code is what proves control of the domain.
        if !found
            .iter()
            .any(|t| tessera_crypto::ct_eq(t.trim().as_bytes(), want.as_bytes()))
        {
            return Err(GraphError::bad_request(
                "Request_BadRequest",
                format!(
                    "Domain verification failed: no TXT record \"{want}\" was found at {}. Publish it and try again.",
                    d.name
                ),
            ));
        }
        s.store
            .mark_domain_verified(caller.tenant, &d.name, SystemClock.now())
            .await?;
    }
    let d = find_domain(&s, &caller, &name).await?;
    Ok(Json(query::entity(
        query::context(&s, "domains", &[]),
        render_domain(&d),
    )))
}

async fn delete_domain(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::WriteDomains)?;
    let d = find_domain(&s, &caller, &name).await?;
    // Every application of the tenant, page by page.
    let mut publisher = false;
    let mut q = tessera_store::ListQuery {
        limit: 999,
        ..Default::default()
    };
    loop {
        let page = s.store.query_applications(caller.tenant, &q).await?;
        publisher |= page.items.iter().any(|a| {
            a.settings
                .publisher_domain
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(&d.name))
        });
        match page.next {
            Some(c) if !publisher => q.after = Some(c),
            _ => break,
        }
    }
    let in_use = |m: String| GraphError::new(StatusCode::CONFLICT, "Request_BadRequest", m);
    if publisher {
        return Err(in_use(format!(
            "The domain {} is in use as an application's publisher domain.",
            d.name
        )));
    }
    s.store
        .delete_domain(caller.tenant, &d.name, SystemClock.now())
        .await
        .map_err(|e| match e {
            tessera_store::StoreError::InvalidReference(m) => in_use(m),
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}
