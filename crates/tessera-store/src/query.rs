//! Listing directory objects the way the directory API asks: an OData
//! filter, sort keys, a page size and a keyset position. The store turns
//! them into one parameterised query per page (values never enter the SQL
//! text; property names enter only through the store's own column table).
use serde::{Deserialize, Serialize};
use tessera_model::{Member, ObjectId};
use tessera_odata::{Expr, Path};

/// Where the previous page ended: the sort-key values and the id of its
/// last row. Paging continues strictly after it, so rows written between
/// requests neither shift a page nor appear twice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    pub keys: Vec<serde_json::Value>,
    pub id: ObjectId,
}

#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub filter: Option<Expr>,
    /// `(property, descending)`; all keys must sort the same way. The id is
    /// always the last key.
    pub orderby: Vec<(Path, bool)>,
    pub after: Option<Cursor>,
    /// Rows per page (1–999).
    pub limit: u32,
    /// Also count every row the filter selects.
    pub count: bool,
    /// Directory extension attributes the filter may name
    /// (`extension_{appId}_{name}`) and their data types, as declared for
    /// the resource.
    pub extensions: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Set when more rows follow.
    pub next: Option<Cursor>,
    /// Set when [`ListQuery::count`] asked.
    pub count: Option<u64>,
}

/// A relationship listing of directory objects, paged by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// Direct members of a group.
    Members(ObjectId),
    /// Members of a group and of every group nested in it.
    TransitiveMembers(ObjectId),
    /// Groups an object is a direct member of.
    MemberOf(ObjectId),
    /// Groups an object is in, directly or through nesting.
    TransitiveMemberOf(ObjectId),
    /// Owners of a group.
    Owners(ObjectId),
    /// Groups an object owns.
    OwnedObjects(ObjectId),
}

/// One page of a relation: its members' ids and kinds in id order.
pub type RelatedPage = Vec<Member>;
