//! The directory API's OpenAPI document: every operation it lists is
//! routed, and schemathesis — generating requests from the document,
//! valid and invalid — never gets a server error.
use super::fixtures::*;
use crate::oauth::msal::env_path;
use tessera_testkit::{both_backends, TestBackend, TestServer};

async fn every_documented_route_exists(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let doc: serde_json::Value = tessera_testkit::client()
        .get(s.url("/v1.0/$openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    let ops = tessera_server::graph::openapi::operations();
    assert_eq!(
        doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|p| p.as_object().unwrap().len())
            .sum::<usize>(),
        ops.len()
    );
    for (method, path) in ops {
        let concrete: String = path
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    "00000000-0000-0000-0000-0000000000ab"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let url = format!("{}/v1.0{concrete}", s.url);
        let req = match method {
            "get" => g.http.get(&url),
            "post" => g.http.post(&url).json(&serde_json::json!({})),
            "patch" => g.http.patch(&url).json(&serde_json::json!({})),
            "delete" => g.http.delete(&url),
            other => panic!("{other}"),
        };
        let (st, body) = g.send(req).await;
        let unrouted = st == 405
            || body
                .to_string()
                .contains("Resource not found for the segment");
        assert!(!unrouted, "{method} {path}: {st} {body}");
        assert!(st < 500, "{method} {path}: {st} {body}");
    }
}
both_backends!(every_documented_route_exists);

async fn schemathesis_finds_no_server_errors(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let python = std::path::PathBuf::from(env_path("TESSERA_TEST_PYTHON"));
    let st = python.parent().unwrap().join("schemathesis");
    let url = s.url("/v1.0/$openapi.json");
    let auth = format!("Authorization: Bearer {}", g.token);
    // schemathesis keeps a cache in its working directory: not in the tree.
    let cwd = tempfile::tempdir().unwrap();
    let dir = cwd.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(st)
            .current_dir(dir)
            .args([
                "run",
                &url,
                "-H",
                &auth,
                "--checks",
                "not_a_server_error",
                "--max-examples",
                "12",
                "--no-color",
            ])
            .env("SCHEMATHESIS_HOOKS", "")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "schemathesis failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("passed") || stdout.contains("PASSED"),
        "{stdout}"
    );
    // The summary names how many operations and cases ran.
    eprintln!(
        "{}",
        stdout
            .lines()
            .rev()
            .take(25)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
both_backends!(schemathesis_finds_no_server_errors);
