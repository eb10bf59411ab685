//! `tessera dev-cert`: a local CA and a server certificate for localhost, so
//! development and tests can use HTTPS (MSAL and the Graph SDKs insist on it).
use crate::CryptoError;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

pub struct DevCert {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: Zeroizing<String>,
}

impl std::fmt::Debug for DevCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DevCert(key=<redacted>)")
    }
}

fn cert_err(e: rcgen::Error) -> CryptoError {
    CryptoError::Certificate(e.to_string())
}

/// A CA valid 825 days and a server certificate (localhost, 127.0.0.1, ::1)
/// valid 397 days (the longest browsers accept), both from a day before `now`.
/// Keys are ECDSA P-256, drawn from aws-lc-rs's own RNG.
pub fn generate_dev_cert(now: OffsetDateTime) -> Result<DevCert, CryptoError> {
    let start = now - Duration::days(1);
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(cert_err)?;
    ca.distinguished_name
        .push(DnType::CommonName, "Tessera Development CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = start;
    ca.not_after = start + Duration::days(825);
    let ca_key = KeyPair::generate().map_err(cert_err)?;
    let ca_cert = ca.self_signed(&ca_key).map_err(cert_err)?;

    let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).map_err(cert_err)?;
    leaf.subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    leaf.subject_alt_names
        .push(SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.not_before = start;
    leaf.not_after = start + Duration::days(397);
    let leaf_key = KeyPair::generate().map_err(cert_err)?;
    let leaf_cert = leaf
        .signed_by(&leaf_key, &ca_cert, &ca_key)
        .map_err(cert_err)?;

    Ok(DevCert {
        ca_pem: ca_cert.pem(),
        cert_pem: leaf_cert.pem(),
        key_pem: Zeroizing::new(leaf_key.serialize_pem()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::client::danger::ServerCertVerifier;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use std::sync::Arc;

    fn der(pem: &str) -> CertificateDer<'static> {
        rustls_pemfile::certs(&mut pem.as_bytes())
            .next()
            .unwrap()
            .unwrap()
    }

    #[test]
    fn server_cert_chains_to_the_ca_for_localhost_only() {
        let now = time::macros::datetime!(2026-11-22 12:00 UTC);
        let c = generate_dev_cert(now).unwrap();
        assert!(c.key_pem.contains("PRIVATE KEY"));
        let mut roots = rustls::RootCertStore::empty();
        roots.add(der(&c.ca_pem)).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier =
            rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        let at =
            UnixTime::since_unix_epoch(std::time::Duration::from_secs(now.unix_timestamp() as u64));
        let leaf = der(&c.cert_pem);
        for name in ["localhost", "127.0.0.1", "::1"] {
            let sn = ServerName::try_from(name).unwrap();
            verifier
                .verify_server_cert(&leaf, &[], &sn, &[], at)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let other = ServerName::try_from("example.com").unwrap();
        assert!(verifier
            .verify_server_cert(&leaf, &[], &other, &[], at)
            .is_err());
        // Not yet valid two days before, expired after 397 days.
        let before = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            (now - Duration::days(2)).unix_timestamp() as u64,
        ));
        let sn = ServerName::try_from("localhost").unwrap();
        assert!(verifier
            .verify_server_cert(&leaf, &[], &sn, &[], before)
            .is_err());
        let after = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            (now + Duration::days(400)).unix_timestamp() as u64,
        ));
        assert!(verifier
            .verify_server_cert(&leaf, &[], &sn, &[], after)
            .is_err());
    }
}
