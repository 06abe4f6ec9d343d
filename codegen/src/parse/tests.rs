use super::*;
use crate::model::LogPiece;

fn parse(source: &str) -> syn::Result<Vec<Provider>> {
    parse_file(source)
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
    let args: String = (0..MAX_ARGS + 1)
        .map(|i| format!("/// d\n a{i}: u8,"))
        .collect();
    let source = &source_with(&args);
    let errors = errors(source);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("too many arguments: a tracepoint takes at most 12;"));
    let module: syn::ItemMod = syn::parse_str(source).unwrap();
    let errors: Vec<String> = parse_module_with(&module, 6)
        .err()
        .unwrap()
        .into_iter()
        .map(|e| e.to_string())
        .collect();
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
    assert!(errors(&with("0"))[0].starts_with("`max_len` must be between 1 and 199"));
    assert!(errors(&with("200"))[0].starts_with("`max_len` must be between 1 and 199"));
}

#[test]
fn log_line_errors_name_the_problem() {
    let args = [Arg {
        name: "id".into(),
        doc: "d".into(),
        ty: ArgType::I64,
        span: proc_macro2::Span::call_site(),
    }];
    assert!(
        parse_log_line("id={idd}", &args)
            .unwrap_err()
            .contains("`{idd}`, which is not an argument")
    );
    assert!(
        parse_log_line("id={id", &args)
            .unwrap_err()
            .starts_with("unclosed `{`")
    );
    assert!(
        parse_log_line("id=}", &args)
            .unwrap_err()
            .starts_with("unmatched `}`")
    );
    assert!(
        parse_log_line("{id:x}", &args)
            .unwrap_err()
            .starts_with("format specs are not supported")
    );
    assert_eq!(parse_log_line("", &args).unwrap().pieces, []);
}

#[test]
fn reserved_and_non_ascii_argument_names_are_rejected() {
    let with = |name: &str| format!("#[provider] mod p {{ /// d\n fn t(/// d\n {name}: u8); }}");
    assert!(errors(&with("int"))[0].contains("is a C or Python keyword"));
    assert!(errors(&with("from"))[0].contains("is a C or Python keyword"));
    assert!(errors(&with("r#type"))[0].contains("must be ASCII letters"));
    assert!(errors(&with("café"))[0].contains("must be ASCII letters"));
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
