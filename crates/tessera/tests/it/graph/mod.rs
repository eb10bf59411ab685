//! The directory API (`/v1.0`, Microsoft Graph-shaped) over real sockets:
//! resources, OData options and paging, authorization (least privilege,
//! tenants), bad input, and Microsoft's Graph SDKs.
mod app_uris;
mod applications;
mod auth_methods;
mod authz;
mod changelog;
mod clients;
mod domains;
mod escalation;
mod extensions;
pub(crate) mod fixtures;
mod grants;
mod groups;
mod keys;
mod membership;
mod openapi;
mod paging;
mod policies;
mod role_table;
mod sign_ins;
mod users;
