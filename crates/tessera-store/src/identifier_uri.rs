//! What makes two identifier URIs (Graph `identifierUris`) the same: ASCII
//! letters compared without case, trailing slashes ignored. The store keeps
//! one row per such key and tenant (`application_identifier_uris`, primary
//! key `(tenant_id, uri_key)`), so uniqueness holds under concurrent writes;
//! migration 0006 computes the same key in SQL (`lower`/`translate` and
//! `rtrim(…, '/')`) for the rows that existed before it.

/// The message Entra gives when an identifier URI is taken.
pub const IDENTIFIER_URI_TAKEN: &str =
    "Another object with the same value for property identifierUris already exists.";

/// The uniqueness key of an identifier URI.
pub fn identifier_uri_key(uri: &str) -> String {
    uri.to_ascii_lowercase().trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_trailing_slashes_do_not_matter() {
        for same in [
            "api://ledger",
            "API://Ledger",
            "api://ledger/",
            "api://ledger//",
        ] {
            assert_eq!(identifier_uri_key(same), "api://ledger", "{same}");
        }
        assert_ne!(
            identifier_uri_key("api://ledger/x"),
            identifier_uri_key("api://ledger")
        );
        // Only ASCII letters fold (as SQLite's lower() and the migration's
        // translate() do), so the Rust and SQL keys agree on any input.
        assert_eq!(identifier_uri_key("https://Ä.example"), "https://Ä.example");
    }
}
