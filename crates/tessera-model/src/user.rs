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
    #[serde(flatten)]
    pub profile: UserProfile,
}

/// The rest of a user's Graph properties: plain data the directory keeps and
/// filters on, with no meaning to sign-in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    pub mail_nickname: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub office_location: Option<String>,
    pub mobile_phone: Option<String>,
    pub usage_location: Option<String>,
    pub employee_id: Option<String>,
    pub company_name: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub preferred_language: Option<String>,
    /// `Member` or `Guest`.
    pub user_type: Option<String>,
    #[serde(default)]
    pub other_mails: Vec<String>,
    #[serde(default)]
    pub business_phones: Vec<String>,
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
    pub profile: UserProfile,
    /// `passwordProfile.forceChangePasswordNextSignIn`.
    pub force_change_password: bool,
}
