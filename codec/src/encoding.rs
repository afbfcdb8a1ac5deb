//! Hex, Base64 and integer text: the encodings every gateway uses somewhere.

use crate::error::{Error, Result};
use base64ct::{Base64, Encoding as _};

/// Lower-case hex digits.
pub const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";
/// Upper-case hex digits.
pub const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Hex-encodes `bytes` into `out` (which must be exactly twice as long) and returns the text.
pub fn hex_encode<'o>(bytes: &[u8], upper: bool, out: &'o mut [u8]) -> Result<&'o str> {
    let needed = bytes.len().saturating_mul(2);
    let out = out
        .get_mut(..needed)
        .ok_or(Error::BufferTooSmall { needed })?;
    hex_fill(bytes, upper, out);
    // Hex digits are ASCII: this cannot fail.
    core::str::from_utf8(out).map_err(|_| Error::Hex("hex output"))
}

/// Hex-encodes a fixed-size digest into a stack array (`N2` must be `2 * N`), as bytes: no
/// `str` is made of it (that would check the digits again).
pub fn hex_array<const N: usize, const N2: usize>(bytes: &[u8; N], upper: bool) -> [u8; N2] {
    let mut out = [0u8; N2];
    // A mismatched size writes the pairs that fit and leaves the rest zero; no caller does.
    hex_fill(bytes, upper, &mut out);
    out
}

/// Writes the hex digits of `bytes` into the pairs of `out` (as many as both have).
fn hex_fill(bytes: &[u8], upper: bool, out: &mut [u8]) {
    let digits = if upper { HEX_UPPER } else { HEX_LOWER };
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        if let [hi, lo] = pair {
            *hi = digits.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
            *lo = digits.get(usize::from(b & 0xf)).copied().unwrap_or(b'0');
        }
    }
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes hex text of either case into `out` (exactly half as long as `text`).
/// `field` names the field in the error.
pub fn hex_decode<'o>(text: &[u8], out: &'o mut [u8], field: &'static str) -> Result<&'o [u8]> {
    if text.len() % 2 != 0 || out.len() < text.len() / 2 {
        return Err(Error::Hex(field));
    }
    let out = out.get_mut(..text.len() / 2).ok_or(Error::Hex(field))?;
    for (o, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        let (Some(&h), Some(&l)) = (pair.first(), pair.get(1)) else {
            return Err(Error::Hex(field));
        };
        let (Some(h), Some(l)) = (hex_value(h), hex_value(l)) else {
            return Err(Error::Hex(field));
        };
        *o = (h << 4) | l;
    }
    Ok(out)
}

/// Standard Base64 (with `=` padding) of `bytes` into `out`.
pub fn base64_encode<'o>(bytes: &[u8], out: &'o mut [u8]) -> Result<&'o str> {
    Base64::encode(bytes, out).map_err(|_| Error::BufferTooSmall {
        needed: Base64::encoded_len(bytes),
    })
}

/// Length of the standard padded Base64 text for `n` bytes.
pub const fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Decodes standard Base64 in place, tolerating what proxies and old clients do to it:
/// `\r` and `\n` are ignored (line-wrapped text) and a space is read as `+` (a form-decoded
/// `+`). Returns the decoded bytes at the start of `buf`.
pub fn base64_decode_lenient_in_place<'b>(
    buf: &'b mut [u8],
    field: &'static str,
) -> Result<&'b mut [u8]> {
    lenient_in_place(buf, field, true)
}

/// [`base64_decode_lenient_in_place`] of a JSON string's contents, unescaped when
/// `escaped` says the string held an escape. One without escapes cannot hold a raw `\r` or
/// `\n` (the scanner refuses controls in strings), so only spaces are looked for: a third
/// of the work of the search that precedes decoding.
pub(crate) fn base64_decode_json_in_place<'b>(
    buf: &'b mut [u8],
    field: &'static str,
    escaped: bool,
) -> Result<&'b mut [u8]> {
    lenient_in_place(buf, field, escaped)
}

/// [`base64_decode_json_in_place`] of a JSON string without escapes, decoded from where it
/// lies into `out` (no copy of the text first). Text the strict decoder refuses is looked at
/// again only then: if it holds a space, that is rewritten in a copy in `out`, as in place.
pub(crate) fn base64_decode_json_into<'o>(
    text: &[u8],
    out: &'o mut [u8],
    field: &'static str,
) -> Result<&'o [u8]> {
    use crate::json::words::{find, space};
    // The decoded bytes are a prefix of `out`: their length is kept, not the borrow, so that
    // `out` is free again for the copy below.
    match base64_decode(text, out, field).map(<[u8]>::len) {
        Ok(n) => return Ok(out.get(..n).unwrap_or_default()),
        // As when the text was copied in first: room for less than it is reported as such.
        Err(_) if out.len() < text.len() => {
            return Err(Error::BufferTooSmall { needed: text.len() });
        }
        Err(e) if find(text, 0, space, |b| b == b' ').is_none() => return Err(e),
        Err(_) => {}
    }
    let copy = out
        .get_mut(..text.len())
        .ok_or(Error::BufferTooSmall { needed: text.len() })?;
    copy.copy_from_slice(text);
    Ok(lenient_in_place(copy, field, false)?)
}

/// The body of the lenient decoders: `line_breaks` says whether `\r` and `\n` may occur.
fn lenient_in_place<'b>(
    buf: &'b mut [u8],
    field: &'static str,
    line_breaks: bool,
) -> Result<&'b mut [u8]> {
    use crate::json::words::{base64_blank, find, space};
    // Text with nothing to rewrite stays where it is.
    let first = if line_breaks {
        find(buf, 0, base64_blank, |b| matches!(b, b'\r' | b'\n' | b' '))
    } else {
        find(buf, 0, space, |b| b == b' ')
    };
    let start = first.unwrap_or(buf.len());
    let mut n = start;
    for i in start..buf.len() {
        let c = match buf.get(i).copied() {
            Some(b'\r' | b'\n') => continue,
            Some(b' ') => b'+',
            Some(c) => c,
            None => break,
        };
        if let Some(slot) = buf.get_mut(n) {
            *slot = c;
        }
        n += 1;
    }
    let text = buf.get_mut(..n).ok_or(Error::Base64(field))?;
    let len = Base64::decode_in_place(text)
        .map_err(|_| Error::Base64(field))?
        .len();
    buf.get_mut(..len).ok_or(Error::Base64(field))
}

/// Decodes standard Base64 text (strict) into `out`. Room for fewer bytes than the text
/// holds is [`Error::BufferTooSmall`] with the number it holds.
pub fn base64_decode<'o>(text: &[u8], out: &'o mut [u8], field: &'static str) -> Result<&'o [u8]> {
    let room = out.len();
    Base64::decode(text, out).map_err(|e| {
        // What the text holds if it is well formed: three bytes a group, less the padding.
        let padding = text
            .iter()
            .rev()
            .take(2)
            .take_while(|&&b| b == b'=')
            .count();
        let needed = (text.len() / 4 * 3).saturating_sub(padding);
        match e {
            base64ct::Error::InvalidLength if room < needed => Error::BufferTooSmall { needed },
            _ => Error::Base64(field),
        }
    })
}

/// Formats `v` in decimal into `buf` and returns the text.
pub fn format_u64(mut v: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            *slot = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 || i == 0 {
            break;
        }
    }
    core::str::from_utf8(buf.get(i..).unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_either_case() {
        let mut out = [0u8; 8];
        assert_eq!(
            hex_encode(&[0xde, 0xad, 0xbe, 0xef], true, &mut out).unwrap(),
            "DEADBEEF"
        );
        let mut back = [0u8; 4];
        assert_eq!(
            hex_decode(b"DeadBEEF", &mut back, "x").unwrap(),
            &[0xde, 0xad, 0xbe, 0xef]
        );
        assert_eq!(hex_decode(b"abc", &mut back, "x"), Err(Error::Hex("x")));
        assert_eq!(hex_decode(b"zz", &mut back, "x"), Err(Error::Hex("x")));
    }

    #[test]
    fn lenient_base64_accepts_wrapping_and_spaces() {
        // "hello?>" encodes to "aGVsbG8/Pg==" and "\xfb\xff" to "+/8=".
        let mut buf = *b"aGVs\r\nbG8/\nPg==";
        assert_eq!(
            base64_decode_lenient_in_place(&mut buf, "d").unwrap(),
            b"hello?>"
        );
        let mut buf = *b" /8=";
        assert_eq!(
            base64_decode_lenient_in_place(&mut buf, "d").unwrap(),
            &[0xfb, 0xff]
        );
        let mut bad = *b"a*==";
        assert_eq!(
            base64_decode_lenient_in_place(&mut bad, "d"),
            Err(Error::Base64("d"))
        );
    }

    #[test]
    fn base64_of_a_json_string_without_escapes_reads_spaces_as_plus_anywhere() {
        // "+/+/+/+/+/8=" is fb ff bf fb ff bf fb ff (Python's base64): spaces in the first
        // word, the second, and the tail.
        let mut buf = *b" / / / / /8=";
        assert_eq!(
            base64_decode_json_in_place(&mut buf, "d", false).unwrap(),
            &[0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb, 0xff]
        );
        let mut buf = *b"aGVsbG8/Pg==";
        assert_eq!(
            base64_decode_json_in_place(&mut buf, "d", false).unwrap(),
            b"hello?>"
        );
        // A line break is not text it expects: refused, not skipped; from a string that held
        // escapes (`\n`), it is skipped.
        let mut bad = *b"aGVs\nbG8/Pg==";
        assert_eq!(
            base64_decode_json_in_place(&mut bad, "d", false),
            Err(Error::Base64("d"))
        );
        let mut wrapped = *b"aGVs\nbG8/Pg==";
        assert_eq!(
            base64_decode_json_in_place(&mut wrapped, "d", true).unwrap(),
            b"hello?>"
        );
    }

    /// The same text decoded from where it lies: strict text directly, spaced text through
    /// a copy, a line break or a bad character refused, and too little room reported.
    #[test]
    fn base64_of_a_json_string_decodes_into_another_buffer_alike() {
        let mut out = [0u8; 16];
        // "+/+/+/+/+/8=" is fb ff bf fb ff bf fb ff (Python's base64).
        assert_eq!(
            base64_decode_json_into(b" / / / / /8=", &mut out, "d").unwrap(),
            &[0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb, 0xff]
        );
        assert_eq!(
            base64_decode_json_into(b"aGVsbG8/Pg==", &mut out, "d").unwrap(),
            b"hello?>"
        );
        for bad in [&b"aGVs\nbG8/Pg=="[..], b"aGVsbG8*Pg==", b"aGVsbG8/Pg="] {
            assert_eq!(
                base64_decode_json_into(bad, &mut out, "d"),
                Err(Error::Base64("d")),
                "{bad:?}"
            );
        }
        // Too little room for the text, as when it was copied in first; room for the bytes
        // it holds and no more is enough.
        let mut small = [0u8; 6];
        assert_eq!(
            base64_decode_json_into(b"aGVsbG8/Pg==", &mut small, "d"),
            Err(Error::BufferTooSmall { needed: 12 })
        );
        assert_eq!(
            base64_decode_json_into(b"aGVs bG8/Pg==", &mut small, "d"),
            Err(Error::BufferTooSmall { needed: 13 })
        );
        let mut exact = [0u8; 7];
        assert_eq!(
            base64_decode_json_into(b"aGVsbG8/Pg==", &mut exact, "d").unwrap(),
            b"hello?>"
        );
    }

    /// Room for one or two bytes fewer than the text holds is too little room, not bad text.
    #[test]
    fn strict_base64_reports_the_room_it_needs() {
        // "aGVsbG8/Pg==" is "hello?>", 7 bytes; "aGVsbG8/" is "hello?", 6 (Python's base64).
        for (text, holds) in [
            (&b"aGVsbG8/Pg=="[..], 7),
            (b"aGVsbG8/", 6),
            (b"aGVsbG8/Pj8=", 8),
        ] {
            for room in 0..holds {
                let mut out = [0u8; 16];
                assert_eq!(
                    base64_decode(text, &mut out[..room], "d"),
                    Err(Error::BufferTooSmall { needed: holds }),
                    "{text:?} in {room}"
                );
            }
            let mut out = [0u8; 16];
            assert_eq!(
                base64_decode(text, &mut out[..holds], "d").unwrap().len(),
                holds
            );
        }
        let mut out = [0u8; 16];
        assert_eq!(
            base64_decode(b"aGVsbG8*", &mut out, "d"),
            Err(Error::Base64("d"))
        );
    }

    #[test]
    fn formats_integers() {
        let mut b = [0u8; 20];
        assert_eq!(format_u64(0, &mut b), "0");
        assert_eq!(format_u64(u64::MAX, &mut b), "18446744073709551615");
    }
}
