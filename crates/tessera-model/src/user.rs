use crate::ids::ObjectId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A user, shaped like Graph's `user`. The password hash is never part of it:
/// it lives in the store and is read only by the sign-in path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: ObjectId,
    pub user_principal_name: String,
    pub display_name: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub mail: Option<String>,
    pub account_enabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_date_time: OffsetDateTime,
}

/// What it takes to create a user.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub id: ObjectId,
    pub user_principal_name: String,
    pub display_name: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub mail: Option<String>,
    pub account_enabled: bool,
    /// Argon2id PHC string, if the user has a password.
    pub password_hash: Option<String>,
}
