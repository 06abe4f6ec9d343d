/// Appends an integer.
#[allow(dead_code)]
fn write_number(out: &mut String, n: impl ::core::fmt::Display) {
    let _ = ::core::fmt::Write::write_fmt(out, format_args!("{n}"));
}

/// A C string field up to its NUL, as text (invalid UTF-8 replaced).
#[allow(dead_code)]
fn c_text(bytes: &[u8]) -> ::std::borrow::Cow<'_, str> {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end])
}

/// Appends `bytes` (in reverse order if `reversed`, as a hash
/// shows) as a JSON string of lowercase hex digits, 256 bytes at a
/// time: a payload may be 32 KB.
#[allow(dead_code)]
fn write_hex(out: &mut String, bytes: &[u8], reversed: bool) {
    fn digits<'a>(out: &mut String, part: impl Iterator<Item = &'a u8>) {
        /// The two digits of every byte.
        const PAIRS: [[u8; 2]; 256] = {
            let digits = b"0123456789abcdef";
            let mut pairs = [[0u8; 2]; 256];
            let mut b = 0;
            while b < 256 {
                pairs[b] = [digits[b >> 4], digits[b & 0xf]];
                b += 1;
            }
            pairs
        };
        let mut text = [[0u8; 2]; 256];
        let mut used = 0;
        for (pair, &b) in text.iter_mut().zip(part) {
            *pair = PAIRS[usize::from(b)];
            used += 1;
        }
        let text = text.as_flattened();
        let used = used * 2;
        out.push_str(
            ::core::str::from_utf8(&text[..used]).expect("hex digits are ASCII"),
        );
    }
    out.reserve(bytes.len() * 2 + 2);
    out.push('"');
    if reversed {
        bytes.rchunks(256).for_each(|part| digits(out, part.iter().rev()));
    } else {
        bytes.chunks(256).for_each(|part| digits(out, part.iter()));
    }
    out.push('"');
}

/// Appends `text` as a JSON string literal.
#[allow(dead_code)]
fn write_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = ::core::fmt::Write::write_fmt(
                    out,
                    format_args!("\\u{:04x}", c as u32),
                );
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
