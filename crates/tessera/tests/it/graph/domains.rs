//! Domains: added, proven with a DNS TXT record served by a real DNS server
//! (dnsmasq, installed by the test script), then usable in sign-in URLs,
//! userPrincipalNames and as a publisher domain; a name two tenants add
//! is verified by one only; a domain in use cannot be deleted.
use super::fixtures::*;
use crate::oauth::msal::env_path;
use serde_json::json;
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestDb, TestServer};

/// dnsmasq answering `records` (name, TXT text) on 127.0.0.1:`port`.
struct Dns(std::process::Child);

impl Dns {
    async fn start(port: u16, records: &[(&str, &str)]) -> Self {
        let mut cmd = std::process::Command::new(env_path("TESSERA_TEST_DNSMASQ"));
        cmd.args([
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--no-hosts",
            "--no-poll",
            "--bind-interfaces",
            "--listen-address=127.0.0.1",
            "--pid-file=",
            "--user=root",
            &format!("--port={port}"),
        ]);
        for (name, text) in records {
            // No shell: the text goes as is (quotes would be part of it).
            cmd.arg(format!("--txt-record={name},{text}"));
        }
        let child = cmd
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("dnsmasq starts");
        // Ready once it answers a TXT query for the first name (a bind
        // probe is not enough: a busy machine may take seconds to start it).
        let probe = records.first().map_or("probe.example", |r| r.0);
        let mut query = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        for label in probe.split('.') {
            query.push(label.len() as u8);
            query.extend_from_slice(label.as_bytes());
        }
        query.extend_from_slice(&[0, 0, 16, 0, 1]);
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(std::time::Duration::from_millis(200)))
            .unwrap();
        let mut answered = false;
        for _ in 0..100 {
            let _ = sock.send_to(&query, ("127.0.0.1", port));
            let mut buf = [0u8; 512];
            if matches!(sock.recv_from(&mut buf), Ok((n, _)) if n >= 12 && buf[0] == 0x12 && buf[1] == 0x34)
            {
                answered = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(answered, "dnsmasq did not answer on port {port}");
        Dns(child)
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn domains_verified_by_dns(b: TestBackend) {
    let port = free_udp_port();
    let s = TestServer::start_with(TestDb::new(b).await, |c| {
        c.dns_server = Some(format!("127.0.0.1:{port}"))
    })
    .await;
    let g = admin(&s).await;
    let t = s.running().tenant_id;
    let name = format!("fabrikam-{}.example", &t.to_string()[..8]);

    for (what, body) in [
        ("not a domain", json!({ "id": "not a domain" })),
        ("an address", json!({ "id": "10.0.0.1" })),
        ("no dot", json!({ "id": "localhost" })),
        ("missing", json!({})),
        (
            "unknown property",
            json!({ "id": "x.example", "colour": 1 }),
        ),
    ] {
        let (st, e) = g.post("/v1.0/domains", body).await;
        assert_eq!(st, 400, "{what}: {e}");
    }
    let (st, d) = g
        .post("/v1.0/domains", json!({ "id": name.to_uppercase() }))
        .await;
    assert_eq!(st, 201, "{d}");
    assert_eq!(
        (
            d["id"].as_str().unwrap(),
            d["isVerified"].as_bool().unwrap()
        ),
        (name.as_str(), false)
    );
    assert_eq!(
        g.post("/v1.0/domains", json!({ "id": name })).await.0,
        400,
        "added twice"
    );
    let (_, recs) = g
        .get(&format!("/v1.0/domains/{name}/verificationDnsRecords"))
        .await;
    let text = recs["value"][0]["text"].as_str().unwrap().to_string();
    assert!(text.starts_with("tessera-verification="), "{recs}");

    // Unverified: not a sign-in URL, not a UPN domain, not a publisher.
    let d = domain(&s).await;
    assert_eq!(
        s.get(&format!("/{name}/v2.0/.well-known/openid-configuration"))
            .await
            .status()
            .as_u16()
            / 100,
        4
    );
    assert_eq!(g.post("/v1.0/users", new_user("x", &name)).await.0, 400);

    // A wrong record, then the right one.
    let dns = Dns::start(port, &[(&name, "tessera-verification=somebody-elses")]).await;
    let (st, e) = g
        .post(&format!("/v1.0/domains/{name}/verify"), json!({}))
        .await;
    assert_eq!(st, 400, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no TXT record"),
        "{e}"
    );
    drop(dns);

    // A second tenant adds the same name (allowed, unverified) …
    let store = &s.running().store;
    let other = TenantId::random(&mut rand::rngs::OsRng);
    let other_initial = format!("other-{}.example", &other.to_string()[..8]);
    store
        .create_tenant(
            &Tenant {
                id: other,
                display_name: "Other".into(),
                created_date_time: EPOCH,
            },
            &Domain {
                name: other_initial,
                tenant_id: Some(other),
                is_default: true,
                is_initial: true,
                is_verified: true,
            },
        )
        .await
        .unwrap();
    store
        .create_service_principal(
            other,
            &tessera_server::bootstrap::graph_service_principal(
                ObjectId::random(&mut rand::rngs::OsRng),
                EPOCH,
            ),
            EPOCH,
        )
        .await
        .unwrap();
    #[allow(clippy::disallowed_methods)] // the server signs with keys active at its wall clock
    let wall = time::OffsetDateTime::now_utc();
    s.running().rotator.rotate(other, wall).await.unwrap();
    let g2 = app_in(&s, other, &["Domain.ReadWrite.All"]).await;
    assert_eq!(g2.post("/v1.0/domains", json!({ "id": name })).await.0, 201);
    let (_, recs2) = g2
        .get(&format!("/v1.0/domains/{name}/verificationDnsRecords"))
        .await;
    let text2 = recs2["value"][0]["text"].as_str().unwrap().to_string();
    assert_ne!(text, text2, "codes are per tenant");

    let _dns = Dns::start(port, &[(&name, &text), (&name, &text2)]).await;
    let (st, v) = g
        .post(&format!("/v1.0/domains/{name}/verify"), json!({}))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["isVerified"], true);
    assert_eq!(
        g.post(&format!("/v1.0/domains/{name}/verify"), json!({}))
            .await
            .0,
        200,
        "again: as it is"
    );
    // … but only one tenant holds it verified.
    let (st, e) = g2
        .post(&format!("/v1.0/domains/{name}/verify"), json!({}))
        .await;
    assert_eq!(st, 400, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already verified"),
        "{e}"
    );

    // Verified: a sign-in URL of this tenant, a UPN domain, a publisher domain.
    let disc: serde_json::Value = s
        .get(&format!("/{name}/v2.0/.well-known/openid-configuration"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(disc["issuer"], format!("{}/{t}/v2.0", s.url));
    let (st, u) = g.post("/v1.0/users", new_user("newdomain", &name)).await;
    assert_eq!(st, 201, "{u}");
    let (_, app) = g
        .post("/v1.0/applications", json!({ "displayName": "pub" }))
        .await;
    let app = app["id"].as_str().unwrap().to_string();
    assert_eq!(
        g.patch(
            &format!("/v1.0/applications/{app}"),
            json!({ "publisherDomain": name })
        )
        .await
        .0,
        204
    );

    // In use: refused, then freed and deleted.
    assert_eq!(
        g.delete(&format!("/v1.0/domains/{name}")).await.0,
        409,
        "a user's UPN uses it"
    );
    let uid = u["id"].as_str().unwrap();
    assert_eq!(
        g.patch(
            &format!("/v1.0/users/{uid}"),
            json!({ "userPrincipalName": format!("newdomain@{d}") })
        )
        .await
        .0,
        204
    );
    assert_eq!(
        g.delete(&format!("/v1.0/domains/{name}")).await.0,
        409,
        "the publisher domain uses it"
    );
    assert_eq!(
        g.patch(
            &format!("/v1.0/applications/{app}"),
            json!({ "publisherDomain": null })
        )
        .await
        .0,
        204
    );
    let (st, e) = g.delete(&format!("/v1.0/domains/{name}")).await;
    assert_eq!(st, 204, "{e}");
    assert_eq!(
        g.delete(&format!("/v1.0/domains/{d}")).await.0,
        409,
        "the initial domain"
    );
    assert_eq!(
        g.post("/v1.0/domains/nope.example/verify", json!({}))
            .await
            .0,
        404
    );
    // Freed, the other tenant can now verify it.
    assert_eq!(
        g2.post(&format!("/v1.0/domains/{name}/verify"), json!({}))
            .await
            .0,
        200
    );
}
both_backends!(domains_verified_by_dns);
