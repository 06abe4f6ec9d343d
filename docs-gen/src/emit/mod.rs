//! The text generators: pure functions from the model to each generated
//! file (`tracing.md`, ABI files, bpftrace, BCC, libbpf, Rust event
//! types). None of them reads files or the environment; the CLI writes
//! what they return. Text is written through [`out::Out`] (Rust too),
//! and every name comes from [`tracepoints_codegen::names`]. They live here, not in
//! `tracepoints-codegen`, so that the proc-macro builds only what its
//! expansion needs.

pub mod abi;
pub mod bcc;
pub mod bpftrace;
pub mod c;
pub mod libbpf;
pub mod markdown;
pub mod out;
pub use out::{Origin, Output, c_comment_lines, c_comment_text};
pub use tracepoints_codegen::record;
pub mod rust_events;
pub mod schema;

use tracepoints_codegen::model::Provider;

/// A generator of one provider's file.
type Generator = fn(&Provider, &Origin) -> String;

/// Every artifact for `providers`: `tracing.md`, and per provider the ABI
/// file (at the version `abi_version` gives for the provider's name), the
/// bpftrace reader of every [`bpftrace::Floor`], BCC C and Python, libbpf C and header, Rust event
/// types and the events' JSON Schema; plus the bpftrace logging script `log_script` (for every floor) when any
/// tracepoint declares a log line.
pub fn all_outputs(
    providers: &[Provider],
    origin: &Origin,
    log_script: &str,
    abi_version: impl Fn(&str) -> u32,
) -> Vec<Output> {
    use tracepoints_codegen::names::files;
    let mut outputs = vec![Output {
        name: files::TRACING_MD.into(),
        contents: markdown::tracing_md(providers, origin),
    }];
    if providers
        .iter()
        .flat_map(|p| &p.tracepoints)
        .any(|t| t.log.is_some())
    {
        outputs.extend(bpftrace::Floor::ALL.map(|floor| Output {
            name: floor.file_name(log_script),
            contents: bpftrace::log_script(providers, origin, log_script, floor),
        }));
    }
    for provider in providers {
        outputs.push(Output {
            name: files::abi(provider),
            contents: abi::file(provider, origin, abi_version(&provider.name)),
        });
        outputs.extend(bpftrace::Floor::ALL.map(|floor| Output {
            name: floor.file_name(&files::bpftrace_reader(provider)),
            contents: bpftrace::reader(provider, origin, floor),
        }));
        let generated: [(String, Generator); 6] = [
            (files::bcc_program(provider), bcc::c_program),
            (files::bcc_module(provider), bcc::python_module),
            (files::libbpf_header(provider), libbpf::header),
            (files::libbpf_program(provider), libbpf::program),
            (files::rust_events(provider), rust_events::module),
            (files::schema(provider), schema::file),
        ];
        outputs.extend(generated.into_iter().map(|(name, generate)| Output {
            name,
            contents: generate(provider, origin),
        }));
    }
    outputs
}
