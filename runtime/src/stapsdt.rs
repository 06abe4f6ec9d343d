//! The assembly of a SystemTap v3 probe's ELF note, the one template the
//! native probe sites and the test fixture's hand-made probes share.

/// The assembly of a SystemTap v3 (`NT_STAPSDT`) note, as one string
/// literal for `asm!` or `global_asm!`. Every argument is a string literal
/// spliced into the assembly:
///
/// - `pc`: the address of the probe instruction (e.g. the local label
///   `990b`);
/// - `base`: the address of `_.stapsdt.base` (see [`__stapsdt_base!`]), or
///   `0` for a note that does not use it;
/// - `semaphore`: the address of the probe's 2-byte semaphore, or `0` for
///   none;
/// - `provider`, `name`: the probe's `provider:name`;
/// - `args`: the argument specs, space-separated `size@operand`, a negative
///   size for a signed value (e.g. `-8@%rdi 8@%rsi`).
///
/// The note, in `.note.stapsdt` and 4-byte aligned, as bpftrace, BCC,
/// libbpf, gdb and `readelf -n` read it:
///
/// | field | size | value |
/// |---|---|---|
/// | namesz | 4 | length of the name, `"stapsdt\0"` (labels `991`..`992`) |
/// | descsz | 4 | length of the description (labels `993`..`994`) |
/// | type | 4 | 3, `NT_STAPSDT` (v3: with a semaphore address) |
/// | name | 8 | `"stapsdt\0"`, padded to 4 bytes |
/// | pc | 8 | `pc` |
/// | base | 8 | `base`: tools compare it with the section's address to correct `pc` and `semaphore` in a prelinked binary |
/// | semaphore | 8 | `semaphore` |
/// | provider | NUL-terminated | `provider` |
/// | name | NUL-terminated | `name` |
/// | args | NUL-terminated | `args` |
///
/// and padding to 4 bytes. The note uses the local labels `991` to `994`.
#[doc(hidden)]
#[macro_export]
macro_rules! __stapsdt_note {
    (
        pc = $pc:literal,
        base = $base:literal,
        semaphore = $semaphore:literal,
        provider = $provider:literal,
        name = $name:literal,
        args = $args:literal $(,)?
    ) => {
        ::core::concat!(
            ".pushsection .note.stapsdt, \"\", \"note\"\n",
            ".balign 4\n",
            ".4byte 992f-991f, 994f-993f, 3\n",
            "991: .asciz \"stapsdt\"\n",
            "992: .balign 4\n",
            "993: .8byte ",
            $pc,
            "\n",
            ".8byte ",
            $base,
            "\n",
            ".8byte ",
            $semaphore,
            "\n",
            ".asciz \"",
            $provider,
            "\"\n",
            ".asciz \"",
            $name,
            "\"\n",
            ".asciz \"",
            $args,
            "\"\n",
            "994: .balign 4\n",
            ".popsection\n",
        )
    };
}

/// The assembly defining `_.stapsdt.base`, the symbol a note's `base` field
/// names: one byte in a COMDAT group, so a binary holds one however many
/// objects define it; `R` (retain) keeps the linker from dropping it, since
/// no code refers to it. Defined at most once per object file.
#[doc(hidden)]
#[macro_export]
macro_rules! __stapsdt_base {
    () => {
        ::core::concat!(
            ".ifndef _.stapsdt.base\n",
            ".pushsection .stapsdt.base, \"aGR\", \"progbits\", .stapsdt.base, comdat\n",
            ".weak _.stapsdt.base\n",
            ".hidden _.stapsdt.base\n",
            "_.stapsdt.base: .space 1\n",
            ".size _.stapsdt.base, 1\n",
            ".popsection\n",
            ".endif\n",
        )
    };
}
