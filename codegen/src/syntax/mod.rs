//! What the user wrote: Rust tokens parsed into the [`ast`], doc text
//! parsed into [`doc::Doc`]s, written types classified into
//! [`types::TypeShape`]s. Nothing here knows the rules ([`crate::check`])
//! or the outputs ([`crate::emit`]).

pub mod ast;
pub mod doc;
pub mod parse;
pub mod types;
