//! Client-assertion ids seen by this node, kept until the assertion expires.
//! Per node: an assertion replayed to another node within its (≤ 10 minute)
//! lifetime is not caught yet; a shared table is the follow-up (noted in
//! docs/design/token-cache.md).
use std::collections::HashMap;
use std::sync::Mutex;
use tessera_oauth::assertion::ReplayGuard;

const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
pub struct SeenAssertions {
    seen: Mutex<HashMap<(String, String), i64>>,
}

impl ReplayGuard for SeenAssertions {
    fn first_use(&self, client: &str, jti: &str, exp: i64, now: i64) -> bool {
        let Ok(mut seen) = self.seen.lock() else {
            return false;
        };
        if seen.len() >= MAX_ENTRIES {
            seen.retain(|_, e| *e > now);
            if seen.len() >= MAX_ENTRIES {
                // Refuse rather than forget: a flood cannot open a replay window.
                return false;
            }
        }
        match seen.get(&(client.to_string(), jti.to_string())) {
            Some(e) if *e > now => false,
            _ => {
                seen.insert((client.to_string(), jti.to_string()), exp);
                true
            }
        }
    }
}
