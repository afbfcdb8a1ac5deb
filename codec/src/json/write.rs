//! A compact JSON writer into any [`Sink`].

use super::words::{any_flagged, find, string_special};
use crate::error::{Error, Result};
use crate::io::Sink;

/// Writes `s` as the contents of a JSON string: `"` and `\` escaped, control characters as
/// `\b \f \n \r \t` or `\u00XX`, everything else (including `/` and non-ASCII) raw UTF-8.
pub fn write_escaped<S: Sink + ?Sized>(sink: &mut S, s: &str) -> Result<()> {
    let bytes = s.as_bytes();
    let mut run_start = 0;
    // Plain text is copied in runs: the next byte to escape is found a word at a time.
    while let Some(i) = find(bytes, run_start, string_special, needs_escape) {
        let b = bytes.get(i).copied().unwrap_or(0);
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            _ => b"",
        };
        sink.write(bytes.get(run_start..i).unwrap_or_default())?;
        if short.is_empty() {
            let hex = crate::encoding::HEX_LOWER;
            let at = |n: u8| hex.get(usize::from(n)).copied().unwrap_or(b'0');
            sink.write(&[b'\\', b'u', b'0', b'0', at(b >> 4), at(b & 0xf)])?;
        } else {
            sink.write(short)?;
        }
        run_start = i + 1;
    }
    sink.write(bytes.get(run_start..).unwrap_or_default())
}

/// True when `s` holds no byte JSON requires escaped (most strings written are short and
/// plain).
#[inline]
fn plain(s: &str) -> bool {
    !any_flagged(s.as_bytes(), string_special, needs_escape)
}

/// A byte JSON requires escaped in a string.
fn needs_escape(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// A piece of JSON text for [`write_pieces`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Piece<'a> {
    /// Written as it is: syntax, names that need no escape, constants, digits.
    Raw(&'a [u8]),
    /// The contents of a string, escaped as JSON requires.
    Text(&'a str),
}

/// Writes `pieces` in order: when no [`Piece::Text`] needs an escape (the common case) as one
/// write, so that a run of members costs one check of the room and no separator logic.
pub(crate) fn write_pieces<S: Sink + ?Sized, const N: usize>(
    sink: &mut S,
    pieces: &[Piece<'_>; N],
) -> Result<()> {
    let all_plain = pieces.iter().all(|p| match p {
        Piece::Raw(_) => true,
        Piece::Text(t) => plain(t),
    });
    if all_plain {
        return sink.write_parts(&pieces.map(|p| match p {
            Piece::Raw(b) => b,
            Piece::Text(t) => t.as_bytes(),
        }));
    }
    for &p in pieces {
        match p {
            Piece::Raw(b) => sink.write(b)?,
            Piece::Text(t) => write_escaped(sink, t)?,
        }
    }
    Ok(())
}

/// The total length of `parts`, for the array [`text_of`] fills.
pub(crate) const fn text_len(parts: &[&str]) -> usize {
    let mut len = 0;
    let mut rest = parts;
    while let [part, tail @ ..] = rest {
        len += part.len();
        rest = tail;
    }
    len
}

/// `parts` one after another, joined when the crate compiles: constant text between two
/// values becomes one [`Piece::Raw`] rather than several. `N` is [`text_len`] of `parts`
/// (anything else fails the build).
pub(crate) const fn text_of<const N: usize>(parts: &[&str]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = 0;
    let mut rest = parts;
    while let [part, tail @ ..] = rest {
        let mut bytes = part.as_bytes();
        while let [b, more @ ..] = bytes {
            if let Some((_, [slot, ..])) = out.split_at_mut_checked(at) {
                *slot = *b;
            }
            at += 1;
            bytes = more;
        }
        rest = tail;
    }
    assert!(at == N, "`N` is not the joined length of `parts`");
    out
}

/// A compact JSON writer: no whitespace, members in the order the caller writes them.
///
/// ```
/// use refundwire::io::Cursor;
/// use refundwire::json::JsonWriter;
/// let mut buf = [0u8; 64];
/// let mut w = JsonWriter::new(Cursor::new(&mut buf));
/// w.begin_object().unwrap();
/// w.member_str("id", "a\"b").unwrap();
/// w.member_raw("amount", "10.50").unwrap();
/// w.end_object().unwrap();
/// assert_eq!(w.into_inner().finish(), br#"{"id":"a\"b","amount":10.50}"#);
/// ```
#[derive(Debug)]
pub struct JsonWriter<S> {
    sink: S,
    /// Bit `d` set: the container at depth `d` already has an element.
    has_element: u32,
    depth: u32,
    after_name: bool,
}

impl<S: Sink> JsonWriter<S> {
    /// A writer at the top level of `sink`.
    pub fn new(sink: S) -> Self {
        JsonWriter {
            sink,
            has_element: 0,
            depth: 0,
            after_name: false,
        }
    }

    /// Gives back the sink.
    pub fn into_inner(self) -> S {
        self.sink
    }

    /// The sink, for writing raw bytes the caller has already formatted.
    pub fn sink(&mut self) -> &mut S {
        &mut self.sink
    }

    fn before_value(&mut self) -> Result<()> {
        let separator = self.separator();
        self.sink.write(separator)
    }

    /// What goes before the next value (`,` or nothing), with the state moved past it.
    #[inline]
    fn separator(&mut self) -> &'static [u8] {
        if self.after_name {
            self.after_name = false;
            return b"";
        }
        let bit = 1u32.checked_shl(self.depth).unwrap_or(0);
        let first = self.has_element & bit == 0;
        self.has_element |= bit;
        if first { b"" } else { b"," }
    }

    /// The separator and an opening quote, as one part.
    #[inline]
    fn separator_and_quote(&mut self) -> &'static [u8] {
        if self.separator().is_empty() {
            b"\""
        } else {
            b",\""
        }
    }

    fn open(&mut self, b: &[u8]) -> Result<()> {
        self.before_value()?;
        if self.depth >= 31 {
            return Err(Error::JsonTooDeep);
        }
        self.sink.write(b)?;
        self.depth += 1;
        self.has_element &= !(1u32 << self.depth);
        Ok(())
    }

    fn close(&mut self, b: &[u8]) -> Result<()> {
        self.depth = self.depth.saturating_sub(1);
        self.sink.write(b)
    }

    /// `{`
    pub fn begin_object(&mut self) -> Result<()> {
        self.open(b"{")
    }

    /// `}`
    pub fn end_object(&mut self) -> Result<()> {
        self.close(b"}")
    }

    /// `[`
    pub fn begin_array(&mut self) -> Result<()> {
        self.open(b"[")
    }

    /// `]`
    pub fn end_array(&mut self) -> Result<()> {
        self.close(b"]")
    }

    /// A member name; the next value written is its value.
    pub fn name(&mut self, name: &str) -> Result<()> {
        if plain(name) {
            let open = self.separator_and_quote();
            self.sink.write_parts(&[open, name.as_bytes(), b"\":"])?;
        } else {
            self.string(name)?;
            self.sink.write(b":")?;
        }
        self.after_name = true;
        Ok(())
    }

    /// A string value, escaped.
    pub fn string(&mut self, s: &str) -> Result<()> {
        let open = self.separator_and_quote();
        if plain(s) {
            return self.sink.write_parts(&[open, s.as_bytes(), b"\""]);
        }
        self.sink.write(open)?;
        write_escaped(&mut self.sink, s)?;
        self.sink.write(b"\"")
    }

    /// A value written verbatim (a number's text, or JSON the caller already produced).
    pub fn raw(&mut self, json: &str) -> Result<()> {
        self.before_value()?;
        self.sink.write(json.as_bytes())
    }

    /// An unsigned integer value.
    pub fn u64(&mut self, v: u64) -> Result<()> {
        let mut buf = [0u8; 20];
        let text = crate::encoding::format_u64(v, &mut buf);
        self.raw(text)
    }

    /// `"name":"value"`
    pub fn member_str(&mut self, name: &str, value: &str) -> Result<()> {
        if plain(name) && plain(value) {
            // The common case in one write.
            let open = self.separator_and_quote();
            return self.sink.write_parts(&[
                open,
                name.as_bytes(),
                b"\":\"",
                value.as_bytes(),
                b"\"",
            ]);
        }
        self.name(name)?;
        self.string(value)
    }

    /// `"name":"value"` when `value` is `Some`; nothing otherwise.
    pub fn member_opt_str(&mut self, name: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => self.member_str(name, v),
            None => Ok(()),
        }
    }

    /// `"name":<raw>`
    pub fn member_raw(&mut self, name: &str, raw: &str) -> Result<()> {
        self.name(name)?;
        self.raw(raw)
    }

    /// `"name":<integer>`
    pub fn member_u64(&mut self, name: &str, value: u64) -> Result<()> {
        self.name(name)?;
        self.u64(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::Cursor;

    #[test]
    fn escapes_what_json_requires_and_nothing_else() {
        let mut buf = [0u8; 128];
        let mut c = Cursor::new(&mut buf);
        write_escaped(&mut c, "q\"b\\s/\u{1}\u{1f}\n\r\t\u{8}\u{c}é\u{7f}").unwrap();
        assert_eq!(
            core::str::from_utf8(c.written()).unwrap(),
            "q\\\"b\\\\s/\\u0001\\u001f\\n\\r\\t\\b\\fé\u{7f}"
        );
    }

    #[test]
    fn nests_and_separates() {
        let mut buf = [0u8; 128];
        let mut w = JsonWriter::new(Cursor::new(&mut buf));
        w.begin_object().unwrap();
        w.name("a").unwrap();
        w.begin_object().unwrap();
        w.member_u64("x", 1).unwrap();
        w.member_opt_str("skip", None).unwrap();
        w.member_str("y", "").unwrap();
        w.end_object().unwrap();
        w.name("l").unwrap();
        w.begin_array().unwrap();
        w.u64(0).unwrap();
        w.u64(18446744073709551615).unwrap();
        w.end_array().unwrap();
        w.end_object().unwrap();
        assert_eq!(
            w.into_inner().finish(),
            br#"{"a":{"x":1,"y":""},"l":[0,18446744073709551615]}"#
        );
    }

    #[test]
    fn writes_pieces_in_one_go_or_escaped() {
        const PARTS: &[&str] = &["{\"a\":\"", "", "x", "\",\"b\":\""];
        const JOINED: [u8; text_len(PARTS)] = text_of(PARTS);
        assert_eq!(&JOINED, br#"{"a":"x","b":""#);

        let write = |text: &str, room: usize| {
            let mut buf = [0u8; 64];
            let mut c = Cursor::new(&mut buf[..room]);
            let r = write_pieces(
                &mut c,
                &[Piece::Raw(&JOINED), Piece::Text(text), Piece::Raw(b"\"}")],
            );
            (r, heapless::Vec::<u8, 64>::from_slice(c.written()).unwrap())
        };
        // Plain text: one write, all of it or (when the room is short) none of it.
        let (r, out) = write("v1", 64);
        assert_eq!((r, &out[..]), (Ok(()), &br#"{"a":"x","b":"v1"}"#[..]));
        let (r, out) = write("v1", 17);
        assert_eq!(
            (r, &out[..]),
            (Err(Error::BufferTooSmall { needed: 18 }), &b""[..])
        );
        // Text with a byte to escape: written piece by piece, the text escaped.
        let (r, out) = write("q\"\n", 64);
        assert_eq!((r, &out[..]), (Ok(()), &br#"{"a":"x","b":"q\"\n"}"#[..]));
    }

    #[test]
    fn reports_a_full_buffer() {
        let mut buf = [0u8; 4];
        let mut w = JsonWriter::new(Cursor::new(&mut buf));
        w.begin_object().unwrap();
        // The whole member is written at once, or nothing of it: `{"long":"x"` needs 11.
        assert_eq!(
            w.member_str("long", "x"),
            Err(Error::BufferTooSmall { needed: 11 })
        );
        assert_eq!(w.into_inner().finish(), b"{");
    }

    /// Names and values of every length up to three words, plain or with one byte to escape
    /// at each position: the plain ones in one write, the others escaped, all the same bytes
    /// as escaping by hand.
    #[test]
    fn writes_plain_and_escaped_text_of_every_length_alike() {
        fn by_hand(text: &[u8], out: &mut heapless::Vec<u8, 256>) {
            for &b in text {
                match b {
                    b'"' => out.extend_from_slice(b"\\\"").unwrap(),
                    b'\\' => out.extend_from_slice(b"\\\\").unwrap(),
                    b'\n' => out.extend_from_slice(b"\\n").unwrap(),
                    0x01 => out.extend_from_slice(b"\\u0001").unwrap(),
                    _ => out.push(b).unwrap(),
                }
            }
        }
        let base = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for len in 0..=24 {
            for special in [None, Some(b'"'), Some(b'\\'), Some(b'\n'), Some(0x01)] {
                for at in 0..len.max(1) {
                    let mut text: heapless::Vec<u8, 32> = base[..len].iter().copied().collect();
                    if let (Some(b), true) = (special, len > 0) {
                        text[at] = b;
                    }
                    let text = core::str::from_utf8(&text).unwrap();
                    let mut expected: heapless::Vec<u8, 256> = heapless::Vec::new();
                    expected.extend_from_slice(b"{\"k\":\"v\",\"").unwrap();
                    by_hand(text.as_bytes(), &mut expected);
                    expected.extend_from_slice(b"\":\"").unwrap();
                    by_hand(text.as_bytes(), &mut expected);
                    expected.extend_from_slice(b"\",\"").unwrap();
                    by_hand(text.as_bytes(), &mut expected);
                    expected.extend_from_slice(b"\":[\"").unwrap();
                    by_hand(text.as_bytes(), &mut expected);
                    expected.extend_from_slice(b"\"]}").unwrap();

                    let mut buf = [0u8; 256];
                    let mut w = JsonWriter::new(Cursor::new(&mut buf));
                    w.begin_object().unwrap();
                    w.member_str("k", "v").unwrap();
                    w.member_str(text, text).unwrap();
                    w.name(text).unwrap();
                    w.begin_array().unwrap();
                    w.string(text).unwrap();
                    w.end_array().unwrap();
                    w.end_object().unwrap();
                    assert_eq!(w.into_inner().finish(), &expected[..], "{text:?}");
                }
            }
        }
    }
}
