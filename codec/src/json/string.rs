//! JSON string contents: borrowed escaped text, unescaped on demand.

use crate::error::Result;
use crate::io::Sink;
use core::cmp::Ordering;
use core::fmt;

/// The contents of a JSON string (between the quotes), borrowed from the input as sent.
///
/// The text was validated when scanned (escapes well-formed, surrogates paired, no raw control
/// characters), so unescaping cannot fail. Most protocol values contain no escapes;
/// [`as_str`](Self::as_str) then borrows them directly.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct JsonStr<'a> {
    raw: &'a str,
    escaped: bool,
}

impl<'a> JsonStr<'a> {
    /// Wraps already-validated string contents. `escaped` tells whether a backslash occurs.
    pub(crate) fn new(raw: &'a str) -> Self {
        JsonStr {
            raw,
            escaped: raw.as_bytes().contains(&b'\\'),
        }
    }

    /// Wraps validated string contents whose escape flag the scanner already knows.
    pub(crate) fn from_scanned(raw: &'a str, escaped: bool) -> Self {
        JsonStr { raw, escaped }
    }

    /// The text exactly as it appears between the quotes (escapes not resolved).
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The unescaped text, borrowed, when the string contains no escape sequence.
    pub fn as_str(&self) -> Option<&'a str> {
        (!self.escaped).then_some(self.raw)
    }

    /// True when the string contains at least one escape sequence.
    pub fn has_escapes(&self) -> bool {
        self.escaped
    }

    /// The unescaped characters.
    pub fn chars(&self) -> Chars<'a> {
        Chars {
            rest: self.raw.chars(),
        }
    }

    /// Length in bytes of the unescaped UTF-8 text.
    pub fn unescaped_len(&self) -> usize {
        if self.escaped {
            self.chars().map(char::len_utf8).sum()
        } else {
            self.raw.len()
        }
    }

    /// Streams the unescaped UTF-8 text into `sink`.
    pub fn write_to<S: Sink + ?Sized>(&self, sink: &mut S) -> Result<()> {
        if !self.escaped {
            return sink.write(self.raw.as_bytes());
        }
        let mut rest = self.raw;
        while let Some(i) = rest.find('\\') {
            let (run, tail) = rest.split_at(i);
            sink.write(run.as_bytes())?;
            let mut chars = Chars { rest: tail.chars() };
            if let Some(c) = chars.next() {
                let mut utf8 = [0u8; 4];
                sink.write(c.encode_utf8(&mut utf8).as_bytes())?;
            }
            rest = chars.rest.as_str();
        }
        sink.write(rest.as_bytes())
    }

    /// Unescapes into `buf` and returns the text.
    pub fn unescape_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str> {
        let mut out = crate::io::Cursor::new(buf);
        self.write_to(&mut out)?;
        // Unescaped JSON string contents are UTF-8 by construction.
        core::str::from_utf8(out.finish()).map_err(|_| crate::Error::Plaintext)
    }

    /// Compares the unescaped text with `s`.
    #[inline]
    pub fn eq_str(&self, s: &str) -> bool {
        if self.escaped {
            self.chars().eq(s.chars())
        } else {
            // Looking a name up compares it with many others: most differ in length or first
            // byte, which needs no call to compare the rest.
            self.raw.len() == s.len()
                && self.raw.as_bytes().first() == s.as_bytes().first()
                && self.raw == s
        }
    }

    /// Byte-order comparison of the unescaped texts (UTF-8 byte order equals code point order).
    pub fn cmp_unescaped(&self, other: &JsonStr<'_>) -> Ordering {
        if !self.escaped && !other.escaped {
            self.raw.as_bytes().cmp(other.raw.as_bytes())
        } else {
            self.chars().cmp(other.chars())
        }
    }
}

impl fmt::Display for JsonStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.escaped {
            return f.write_str(self.raw);
        }
        self.chars().try_for_each(|c| fmt::Write::write_char(f, c))
    }
}

impl fmt::Debug for JsonStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.raw, f)
    }
}

impl PartialEq<str> for JsonStr<'_> {
    fn eq(&self, other: &str) -> bool {
        self.eq_str(other)
    }
}

impl PartialEq<&str> for JsonStr<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.eq_str(other)
    }
}

/// Unescapes JSON string contents in place (unescaping never lengthens text) and returns the
/// length of the unescaped text at the start of `buf`. Contents that were not validated by the
/// scanner may be malformed; they yield an error, never a panic.
pub fn unescape_in_place(buf: &mut [u8]) -> crate::Result<usize> {
    let bad = crate::Error::Json { offset: 0 };
    // Text before the first escape stays where it is.
    let Some(first) = super::words::find(buf, 0, super::words::backslash, |b| b == b'\\') else {
        return Ok(buf.len());
    };
    let mut read = first;
    let mut write = first;
    while let Some(&b) = buf.get(read) {
        if b != b'\\' {
            *buf.get_mut(write).ok_or(bad)? = b;
            read += 1;
            write += 1;
            continue;
        }
        // An escape is at most 12 bytes (a surrogate pair) and decodes to at most 4.
        let end = buf.len().min(read + 12);
        let text = core::str::from_utf8(buf.get(read..end).unwrap_or_default())
            .or_else(|e| {
                core::str::from_utf8(buf.get(read..read + e.valid_up_to()).unwrap_or_default())
            })
            .map_err(|_| bad)?;
        let mut chars = Chars { rest: text.chars() };
        let c = chars.next().ok_or(bad)?;
        let consumed = text.len() - chars.rest.as_str().len();
        let mut utf8 = [0u8; 4];
        for &u in c.encode_utf8(&mut utf8).as_bytes() {
            *buf.get_mut(write).ok_or(bad)? = u;
            write += 1;
        }
        read += consumed;
    }
    Ok(write)
}

/// Iterator over the unescaped characters of a [`JsonStr`].
#[derive(Clone, Debug)]
pub struct Chars<'a> {
    rest: core::str::Chars<'a>,
}

impl Chars<'_> {
    fn hex4(&mut self) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            v = (v << 4) | self.rest.next()?.to_digit(16)?;
        }
        Some(v)
    }
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let c = self.rest.next()?;
        if c != '\\' {
            return Some(c);
        }
        // The scanner validated every escape; REPLACEMENT CHARACTER only guards against misuse.
        Some(match self.rest.next()? {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let hi = self.hex4().unwrap_or(0xFFFD);
                if (0xD800..0xDC00).contains(&hi) {
                    let lo = match (self.rest.next(), self.rest.next()) {
                        (Some('\\'), Some('u')) => self.hex4().unwrap_or(0),
                        _ => 0,
                    };
                    if (0xDC00..0xE000).contains(&lo) {
                        let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        char::from_u32(cp).unwrap_or('\u{FFFD}')
                    } else {
                        '\u{FFFD}'
                    }
                } else {
                    char::from_u32(hi).unwrap_or('\u{FFFD}')
                }
            }
            _ => '\u{FFFD}',
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::Cursor;

    #[test]
    fn unescapes_every_escape_form() {
        let s = JsonStr::new(r#"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00\u5f20"#);
        let mut buf = [0u8; 64];
        let text = s.unescape_into(&mut buf).unwrap();
        assert_eq!(text, "a\"b\\c/d\u{8}\u{c}\n\r\té😀张");
        assert_eq!(s.unescaped_len(), text.len());
        assert!(s.eq_str(text));
        let mut buf2 = [0u8; 64];
        let mut c = Cursor::new(&mut buf2);
        use core::fmt::Write as _;
        let mut f = crate::io::FmtSink::new(&mut c);
        write!(f, "{s}").unwrap();
        assert_eq!(c.written(), text.as_bytes());
    }

    #[test]
    fn unescapes_in_place() {
        let mut buf = *br#"ab\/c\nd\u00e9\ud83d\ude00"#;
        let n = unescape_in_place(&mut buf).unwrap();
        assert_eq!(core::str::from_utf8(&buf[..n]).unwrap(), "ab/c\ndé😀");
        // Plain text is left as it is; an escape after the first word is still found.
        let mut plain = *b"no escapes in this text at all";
        assert_eq!(unescape_in_place(&mut plain).unwrap(), plain.len());
        assert_eq!(&plain, b"no escapes in this text at all");
        let mut late = *br#"a longer prefix	thenA"#;
        let n = unescape_in_place(&mut late).unwrap();
        assert_eq!(&late[..n], b"a longer prefix\tthenA");
        assert_eq!(unescape_in_place(&mut []).unwrap(), 0);
    }

    #[test]
    fn orders_by_unescaped_bytes() {
        let a = JsonStr::new(r"refund\u005famt");
        let b = JsonStr::new("refund_amt");
        assert_eq!(a.cmp_unescaped(&b), Ordering::Equal);
        assert!(a.eq_str("refund_amt"));
        assert_eq!(
            JsonStr::new("a").cmp_unescaped(&JsonStr::new("b")),
            Ordering::Less
        );
    }
}
