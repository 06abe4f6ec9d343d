//! What the user wrote: Rust tokens parsed into the [`ast`] (doc comments
//! into [`Doc`](crate::model::doc::Doc)s, `#[log]` lines into
//! [`log::Piece`]s), written types classified into [`types::TypeShape`]s.
//! It builds on the [`model`](crate::model)'s values and nothing else:
//! the rules are [`crate::check`]'s, the outputs [`crate::emit`]'s.

pub mod ast;
pub mod log;
pub mod parse;
pub mod types;
