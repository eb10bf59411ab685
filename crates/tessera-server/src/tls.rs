/// rustls needs one process-wide crypto provider: aws-lc-rs, like the rest
/// of Tessera's cryptography. Later calls do nothing.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}
