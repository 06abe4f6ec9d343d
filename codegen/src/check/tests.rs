use super::*;
use crate::model::{ArgType, BytesDisplay, BytesLen, LogPiece, MAX_STR_LEN};
use crate::syntax::parse::is_provider_attribute;
use crate::syntax::types::{TypeShape, type_shape};

/// Both passes over a source file, with the native backend's limits.
fn parse(source: &str) -> syn::Result<Vec<Provider>> {
    crate::read_source(source)
}

/// The errors of one provider module checked with `limits`.
fn errors_with(source: &str, limits: &Limits) -> Vec<String> {
    let module: syn::ItemMod = syn::parse_str(source).unwrap();
    let mut errors = Errors::default();
    let declared = crate::syntax::parse::module_item(&module, &mut errors);
    provider(&declared, limits, &mut errors);
    match errors.finish(()) {
        Ok(()) => Vec::new(),
        Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
    }
}

/// The arguments of `fn t(source)` as the parser reads them.
fn parsed_args(source: &str) -> Vec<ast::Arg> {
    let module: syn::ItemMod =
        syn::parse_str(&format!("mod p {{ /// d\n fn t({source}); }}")).unwrap();
    let mut errors = Errors::default();
    let mut declared = crate::syntax::parse::module_item(&module, &mut errors);
    assert!(errors.is_empty());
    declared.tracepoints.remove(0).args
}

/// Checks the argument `source`, declared after `size: u64` (a length
/// argument its attributes may name).
fn arg_errors(source: &str) -> (Option<Arg>, Vec<String>) {
    let mut errors = Errors::default();
    let parsed = parsed_args(&format!("/// d\n size: u64, {source}"));
    let checked = arg(&parsed[1], &parsed, &mut errors);
    let messages = match errors.finish(()) {
        Ok(()) => Vec::new(),
        Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
    };
    (checked, messages)
}

fn errors(source: &str) -> Vec<String> {
    match parse(source) {
        Ok(_) => Vec::new(),
        Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
    }
}

const NET: &str = r#"
    #[tracepoints::provider]
    pub mod net {
        /// Opened.
        #[log("IN {addr}: id={id}, {{literal}}")]
        fn inbound_connection(
            /// Connection ID
            id: i64,
            /// Address
            #[max_len(68)]
            addr: &str,
            /// Network
            network: u32,
        );

        /// Misbehaving.
        fn misbehaving_connection(
            /// Connection ID
            id: i64,
            /// Reason
            #[max_len(128)]
            message: &str,
        );
    }
"#;

#[test]
fn parses_provider_tracepoints_args_and_docs_in_order() {
    let providers = parse(NET).unwrap();
    assert_eq!(providers.len(), 1);
    let net = &providers[0];
    assert_eq!(net.name, "net");
    let names: Vec<_> = net.tracepoints.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["inbound_connection", "misbehaving_connection"]);
    let inbound = &net.tracepoints[0];
    assert_eq!(inbound.doc, "Opened.");
    assert_eq!(inbound.args[1].name, "addr");
    assert_eq!(inbound.args[1].doc, "Address");
    assert_eq!(inbound.args[1].ty, ArgType::Str { max_len: 68 });
    assert_eq!(inbound.sdt_sizes(), [-8, 8, 4]);
    assert_eq!(net.tracepoints[1].sdt_sizes(), [-8, 8]);
}

#[test]
fn log_line_splits_text_and_arguments_and_unescapes_braces() {
    let providers = parse(NET).unwrap();
    let log = providers[0].tracepoints[0].log.clone().unwrap();
    assert_eq!(
        log.pieces,
        [
            LogPiece::Text("IN ".into()),
            LogPiece::Arg(1),
            LogPiece::Text(": id=".into()),
            LogPiece::Arg(0),
            LogPiece::Text(", {literal}".into()),
        ]
    );
}

#[test]
fn finds_providers_in_nested_modules_and_ignores_other_modules() {
    let source = format!("mod outer {{ {NET} }} mod unrelated {{ fn f() {{}} }}");
    assert_eq!(parse(&source).unwrap().len(), 1);
}

#[test]
fn multi_line_docs_keep_their_lines() {
    let source = r#"#[provider] mod p {
        /// First line.
        /// Second line.
        fn t(
            /// An argument.
            a: u8,
        );
    }"#;
    assert_eq!(
        parse(source).unwrap()[0].tracepoints[0].doc,
        "First line.\nSecond line."
    );
}

#[test]
fn reports_every_error_at_once() {
    let source = r#"#[provider] mod p {
        fn undocumented(x: f64);
        /// Doc.
        fn Bad__Name(/** d */ s: &str);
    }"#;
    let errors = errors(source);
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert!(errors[0].contains("tracepoint `undocumented` has no doc comment"));
    assert!(errors[1].contains("argument `x` has no doc comment"));
    assert!(errors[2].contains("unsupported argument type `f64`"));
    assert!(errors[3].contains("`Bad__Name` is not a valid USDT tracepoint name"));
    assert!(errors[4].contains("needs a maximum length"));
}

#[test]
fn rejects_more_arguments_than_the_backend_passes() {
    let args: String = (0..Limits::NATIVE.max_args + 1)
        .map(|i| format!("/// d\n a{i}: u8,"))
        .collect();
    let source = &source_with(&args);
    let errors = errors(source);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("too many arguments: a tracepoint takes at most 12;"));
    let args: String = (0..Limits::USDT.max_args + 1)
        .map(|i| format!("/// d\n a{i}: u8,"))
        .collect();
    let errors = errors_with(&source_with(&args), &Limits::USDT);
    assert!(
        errors[0].starts_with(
            "too many arguments: a tracepoint takes at most 6 with the `usdt` backend"
        ),
        "{errors:?}"
    );
}

#[test]
fn max_len_bounds() {
    let with =
        |n: &str| format!("#[provider] mod p {{ /// d\n fn t(/// d\n #[max_len({n})] s: &str); }}");
    assert!(parse(&with("1")).is_ok());
    assert!(parse(&with(&MAX_STR_LEN.to_string())).is_ok());
    assert!(errors(&with("0"))[0].starts_with("a length is between 1 and 4096 bytes"));
    assert!(errors(&with("4097"))[0].starts_with("a length is between 1 and 4096 bytes"));
}

#[test]
fn log_line_errors_name_the_problem() {
    let args = [Arg {
        name: "id".into(),
        doc: "d".into(),
        ty: ArgType::I64,
        length_doc: None,
        values: Vec::new(),
        unit: None,
        span: proc_macro2::Span::call_site(),
    }];
    assert!(
        log_line("id={idd}", &args)
            .unwrap_err()
            .contains("`{idd}`, which is not an argument")
    );
    assert!(
        log_line("id={id", &args)
            .unwrap_err()
            .starts_with("unclosed `{`")
    );
    assert!(
        log_line("id=}", &args)
            .unwrap_err()
            .starts_with("unmatched `}`")
    );
    assert!(
        log_line("{id:x}", &args)
            .unwrap_err()
            .starts_with("format specs are not supported")
    );
    assert_eq!(log_line("", &args).unwrap().pieces, []);
}

#[test]
fn reserved_and_non_ascii_argument_names_are_rejected() {
    let with = |name: &str| format!("#[provider] mod p {{ /// d\n fn t(/// d\n {name}: u8); }}");
    let first = |name: &str| errors(&with(name)).remove(0);
    assert!(first("int").contains("which is a C keyword or predefined name"));
    assert!(first("unix").contains("which is a C keyword or predefined name"));
    assert!(first("kind").contains("in the C struct `p_t`, which is the event's kind"));
    assert!(first("from").contains("which is a Python keyword"));
    assert!(first("r#type").contains("must be snake_case"));
    assert!(first("café").contains("must be snake_case"));
    assert!(first("len__x").contains("rename it, e.g. `len_x`"));
    assert!(first("connId").contains("rename it, e.g. `conn_id`"));
    // The readers' locals and helpers are apart from argument names by
    // construction (a libbpf handler's parameters start with `_`).
    for name in [
        "n",
        "ctx",
        "event",
        "ptr",
        "zero",
        "lost",
        "p_events",
        "bpf_probe_read_user",
    ] {
        let source = format!(
            "#[provider] mod p {{ /// d\n fn t(/// d\n len: u32, /// d\n #[len(len)] #[max_len(8)] {name}: &[u8]); }}"
        );
        assert!(parse(&source).is_ok(), "{name}: {:?}", errors(&source));
    }
}

#[test]
fn provider_attribute_is_recognised_by_path() {
    let attr = |path: &str| -> syn::Attribute {
        let path: syn::Path = syn::parse_str(path).unwrap();
        syn::parse_quote!(#[#path])
    };
    assert!(is_provider_attribute(&attr("provider")));
    assert!(is_provider_attribute(&attr("tracepoints::provider")));
    assert!(!is_provider_attribute(&attr("other::provider")));
    assert!(!is_provider_attribute(&attr("serde")));
}

fn source_with(args: &str) -> String {
    format!("#[provider] mod p {{ /// d\n fn t({args}); }}")
}

#[test]
fn usdt_reserved_names_are_rejected_only_with_the_usdt_backend() {
    let source = "mod p { /// d\n fn probe(); }";
    assert_eq!(errors_with(source, &Limits::NATIVE), Vec::<String>::new());
    let errors = errors_with(source, &Limits::USDT);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "a tracepoint cannot be named `probe` with the `usdt` backend, which reserves it"
        ),
        "{errors:?}"
    );
}

#[test]
fn type_shapes_and_hints() {
    let shape = |ty: &str| type_shape(&syn::parse_str(ty).unwrap());
    assert_eq!(shape("u32"), Ok(TypeShape::Scalar(ArgType::U32)));
    assert_eq!(shape("bool"), Ok(TypeShape::Scalar(ArgType::Bool)));
    assert_eq!(shape("&str"), Ok(TypeShape::Str));
    assert_eq!(shape("&[u8]"), Ok(TypeShape::Bytes));
    assert!(shape("String").unwrap_err().starts_with("write `&str`"));
    assert!(
        shape("&mut str")
            .unwrap_err()
            .contains("only reads the string")
    );
    assert!(shape("&'a str").unwrap_err().contains("without a lifetime"));
    assert!(
        shape("&mut [u8]")
            .unwrap_err()
            .contains("only reads the bytes")
    );
    assert!(shape("&[u16]").unwrap_err().contains("only byte buffers"));
    assert!(shape("usize").unwrap_err().starts_with("write `u64`"));
    assert!(shape("(u8, u8)").unwrap_err().starts_with("use one of"));
}

#[test]
fn argument_rule_pairs_types_with_lengths() {
    let (arg, errors) = arg_errors("/// d\n #[max_len(68)] addr: &str");
    assert_eq!(errors, Vec::<String>::new());
    assert_eq!(arg.unwrap().ty, ArgType::Str { max_len: 68 });
    let (arg, _) = arg_errors("/// d\n #[len(32)] hash: &[u8]");
    assert_eq!(
        arg.unwrap().ty,
        ArgType::Bytes {
            len: BytesLen::Fixed(32),
            display: BytesDisplay::Hex
        }
    );
    let (arg, errors) = arg_errors("/// d\n #[len(32)] #[hash] hash: &[u8]");
    assert_eq!(errors, Vec::<String>::new());
    assert_eq!(
        arg.unwrap().ty,
        ArgType::Bytes {
            len: BytesLen::Fixed(32),
            display: BytesDisplay::Hash
        }
    );
    let (arg, errors) = arg_errors("/// d\n #[max_len(4096)] name: &core::ffi::CStr");
    assert_eq!(errors, Vec::<String>::new());
    assert_eq!(arg.unwrap().ty, ArgType::CStr { max_len: 4096 });

    let (arg, errors) = arg_errors("/// d\n #[len(68)] addr: &str");
    assert!(arg.is_none());
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("a `&str` has a maximum length, not an exact one"));
    let (arg, errors) = arg_errors("/// d\n #[max_len(32)] hash: &[u8]");
    assert!(arg.is_none());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("a byte buffer takes `#[len(N)]`"));
    let (arg, errors) = arg_errors("/// d\n #[max_len(4)] n: u32");
    assert_eq!(arg.unwrap().ty, ArgType::U32, "a scalar stays usable");
    assert!(errors[0].starts_with("remove this attribute: only `&str`"));
    let (arg, errors) = arg_errors("/// d\n #[len(size)] #[hash] #[max_len(9)] msg: &[u8]");
    assert!(arg.is_some());
    assert!(errors[0].starts_with("`#[hash]` shows a buffer of fixed length"));
    let (arg, errors) = arg_errors("/// d\n #[len(size)] msg: &[u8]");
    assert!(arg.is_none());
    assert!(errors[0].starts_with("a buffer whose length is `size` needs"));
    // An out-of-range length is reported once, not also as missing.
    let (arg, errors) = arg_errors("/// d\n #[max_len(0)] s: &str");
    assert!(arg.is_none());
    assert_eq!(errors.len(), 1, "{errors:?}");
}

#[test]
fn tracepoints_are_numbered_in_declaration_order() {
    let providers = parse(NET).unwrap();
    let indices: Vec<usize> = providers[0].tracepoints.iter().map(|t| t.index).collect();
    assert_eq!(indices, [0, 1]);
}

#[test]
fn docs_with_control_characters_are_rejected() {
    for c in ['\r', '\0', '\u{1b}', '\u{7f}'] {
        let source = format!(
            "#[provider] mod p {{ #[doc = {:?}] fn t(/// d\n a: u8); }}",
            format!("Fired{c}.")
        );
        let errors = errors(&source);
        assert_eq!(errors.len(), 1, "{c:?}: {errors:?}");
        assert!(
            errors[0].starts_with(&format!(
                "the doc comment of tracepoint `t` holds the control character U+{:04X}",
                c as u32
            )),
            "{errors:?}"
        );
    }
    // Line breaks (also CRLF ones) and tabs are text.
    assert!(parse("#[provider] mod p { #[doc = \"a\\r\\n\\tb\"] fn t(); }").is_ok());
}

#[test]
fn names_that_collide_after_mangling_are_rejected_once() {
    let errors = errors(
        "#[provider] mod net { /// d\n fn x_1(); /// d\n fn x1(); /// d\n fn a(/// d\n #[max_len(8)] b_c: &str); /// d\n fn a_b(/// d\n #[max_len(8)] c: &str); /// d\n fn event(); }",
    );
    assert_eq!(
        errors,
        [
            "tracepoint `x1` would be named `NetX1` in the generated Python module, as tracepoint `x_1` is: rename it, e.g. `x1_fired`",
            "argument `c` of `a_b` would be named `NET_A_B_C_MAX_LEN` in the generated C readers, as argument `b_c` of `a` is: rename it, e.g. `c_value`",
            "tracepoint `event` would be named `NetEvent` in the generated Rust event types, which is the Rust enum of events: rename it, e.g. `event_fired`",
        ]
    );
    // Near names that stay distinct everywhere are fine.
    assert!(
        parse(
            "#[provider] mod net { /// d\n fn x1(); /// d\n fn x_2(); /// d\n fn event_kinds(); }"
        )
        .is_ok()
    );
}

#[test]
fn provider_attribute_with_arguments_is_an_error_in_files_too() {
    let errors = errors("#[tracepoints::provider(x)] mod net { /// d\n fn t(); }");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("`#[tracepoints::provider]` takes one option"));
    assert!(errors_with_gen().contains("which is a Rust keyword"));
}

fn errors_with_gen() -> String {
    errors("#[provider] mod p { /// d\n fn t(/// d\n gen: u8); }").join("\n")
}

#[test]
fn names_the_readers_take_themselves_are_refused_at_the_token() {
    // The libbpf header's include guard.
    let found = errors("#[provider] mod net { /// d\n fn bpf_h(); }");
    assert_eq!(
        found,
        [
            "tracepoint `bpf_h` would be named `NET_BPF_H` in the generated C readers, which is the libbpf header's include guard: rename it, e.g. `bpf_h_fired`"
        ]
    );
    // A name Python's builtins have: the logger catches ProcessLookupError.
    let found = errors("#[provider] mod process { /// d\n fn lookup_error(); }");
    assert!(
        found[0].contains(
            "`ProcessLookupError` in the generated Python module, which is a Python built-in name"
        ),
        "{found:?}"
    );
    // A name Rust's prelude has: the JSON helpers take an IntoIterator.
    let found = errors("#[provider] mod into { /// d\n fn iterator(); }");
    assert!(
        found[0].contains(
            "`IntoIterator` in the generated Rust event types, which is a name of Rust's prelude"
        ),
        "{found:?}"
    );
    // A macro of the kernel's headers (listed from them by a test).
    let found = errors("#[provider] mod ptrace { /// d\n fn attach(); }");
    assert!(found[0].contains("`PTRACE_ATTACH` in the generated C readers, which is a name of the headers the C readers include"), "{found:?}");
    // A provider whose C names would all start like libbpf's: once, at
    // the provider.
    let found = errors("#[provider] mod bpf { /// d\n fn a(); /// d\n fn b(); }");
    assert_eq!(
        found,
        [
            "provider `bpf` would start every name of its C readers with `bpf_`, which is a name prefix of the libbpf and BCC headers: rename it, e.g. `node_bpf`"
        ]
    );
}
