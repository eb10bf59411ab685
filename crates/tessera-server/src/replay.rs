//! Client-assertion replay memory: no longer here. It was this node's
//! memory (an assertion replayed to another node was not caught); it is now
//! the database's `used_assertions` table, shared by every node
//! (`tessera_store::AssertionReplayStore`, checked by
//! `tessera_oauth::assertion::verify`). What remains is the empty type that
//! `AppState::replay` still names, because the server's start-up
//! (server.rs) initialises that field; both go when server.rs drops it.

/// Nothing: see the module comment.
#[derive(Default)]
pub struct SeenAssertions;
