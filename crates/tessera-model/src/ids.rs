//! Identifiers. Every directory object has a GUID `id` (Graph's object id);
//! applications also have an `appId` (the OAuth client id).
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// A random (version 4) GUID drawn from the caller's RNG.
pub fn new_guid(rng: &mut (impl RngCore + ?Sized)) -> Uuid {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

macro_rules! guid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn random(rng: &mut (impl RngCore + ?Sized)) -> Self {
                Self(new_guid(rng))
            }
            pub const fn from_u128(v: u128) -> Self {
                Self(Uuid::from_u128(v))
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }
        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

guid_id!(
    /// A tenant (directory) id: Entra's `tid`.
    TenantId
);
guid_id!(
    /// A directory object's id (user, group, application, service principal,
    /// assignment, grant): Graph's `id`, Entra's `oid` for users.
    ObjectId
);
guid_id!(
    /// An application's client id (`appId`), unique across all tenants.
    AppId
);

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn random_ids_are_v4_and_round_trip() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let id = ObjectId::random(&mut rng);
        assert_eq!(id.0.get_version_num(), 4);
        let parsed: ObjectId = id.to_string().parse().unwrap();
        assert_eq!(parsed, id);
        assert_ne!(ObjectId::random(&mut rng), id);
        assert!("not-a-guid".parse::<TenantId>().is_err());
    }
}
