//! The one model of a tracepoint declaration, shared by the
//! `#[tracepoints::provider]` macro and the `tracepoints-gen` CLI: parse and
//! validate with [`parse`], read the [`model`], and generate every output with
//! the pure functions in [`emit`].
//!
//! ```
//! let source = r#"
//!     #[tracepoints::provider]
//!     mod net {
//!         /// Fired when a peer misbehaves.
//!         fn misbehaving_connection(
//!             /// Connection ID
//!             id: i64,
//!             /// Reason
//!             #[max_len(128)]
//!             message: &str,
//!         );
//!     }
//! "#;
//! let providers = tracepoints_codegen::parse::parse_file(source).unwrap();
//! let tracepoint = &providers[0].tracepoints[0];
//! assert_eq!(tracepoint.probe_name(&providers[0]), "net:misbehaving_connection");
//! assert_eq!(tracepoint.sdt_sizes(), [-8, 8]);
//! ```

#![warn(missing_docs)]

pub mod emit;
pub mod errors;
pub mod model;
pub mod parse;
