fn main() {
    println!("cargo:rerun-if-changed=src/probe.c");
    cc::Build::new()
        .file("src/probe.c")
        .opt_level(2)
        .compile("cprobe");
}
