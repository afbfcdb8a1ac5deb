//! Searching text a machine word at a time (a `usize`: eight bytes on a host, four on a
//! Cortex-M, safe code only): the scanner and the writer jump over plain text to the next
//! byte that needs a look.

/// Bytes in a word.
pub(crate) const WORD: usize = core::mem::size_of::<usize>();

/// Every byte of a word set to `b`.
pub(crate) const fn splat(b: u8) -> usize {
    usize::MAX / 255 * b as usize
}

/// High bit set in every byte of `w` that is zero. Only the lowest set bit is exact (a borrow
/// may mark bytes above a zero byte), which is the one [`find`] reads.
pub(crate) const fn zero_bytes(w: usize) -> usize {
    w.wrapping_sub(splat(1)) & !w & splat(0x80)
}

/// Bytes equal to `"` or `\`.
pub(crate) const fn quote_or_backslash(w: usize) -> usize {
    zero_bytes(w ^ splat(b'"')) | zero_bytes(w ^ splat(b'\\'))
}

/// Bytes equal to `\\`.
pub(crate) const fn backslash(w: usize) -> usize {
    zero_bytes(w ^ splat(b'\\'))
}

/// Bytes that lenient Base64 rewrites: `\r`, `\n` and space.
pub(crate) const fn base64_blank(w: usize) -> usize {
    zero_bytes(w ^ splat(b'\r')) | zero_bytes(w ^ splat(b'\n')) | zero_bytes(w ^ splat(b' '))
}

/// Bytes equal to a space.
pub(crate) const fn space(w: usize) -> usize {
    zero_bytes(w ^ splat(b' '))
}

/// Bytes that end a run of plain string text: `"`, `\` and controls (below 0x20).
pub(crate) const fn string_special(w: usize) -> usize {
    quote_or_backslash(w) | (w.wrapping_sub(splat(0x20)) & !w & splat(0x80))
}

/// Index of the first byte at or after `from` that `mask` flags (word at a time; `byte`
/// says the same for the tail shorter than a word).
#[inline]
pub(crate) fn find(
    bytes: &[u8],
    from: usize,
    mask: impl Fn(usize) -> usize,
    byte: impl Fn(u8) -> bool,
) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut words = rest.chunks_exact(WORD);
    let mut at = from;
    for word in &mut words {
        let mut w = [0u8; WORD];
        w.copy_from_slice(word);
        let hits = mask(usize::from_le_bytes(w));
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += WORD;
    }
    words
        .remainder()
        .iter()
        .position(|&b| byte(b))
        .map(|i| at + i)
}

/// True when `mask` flags any byte of `bytes` (`byte` says the same for text shorter than a
/// word). Every word is tested with no early exit, the last one overlapping the others to
/// cover the tail: for the short text a writer checks, exits cost more than words.
#[inline]
pub(crate) fn any_flagged(
    bytes: &[u8],
    mask: impl Fn(usize) -> usize,
    byte: impl Fn(u8) -> bool,
) -> bool {
    const HALF: usize = WORD / 2;
    let load = |w: &[u8]| w.try_into().map_or(0, usize::from_le_bytes);
    let half = |w: &[u8]| {
        w.try_into().map_or(0, |h: [u8; HALF]| {
            let mut word = [0u8; WORD];
            word[..HALF].copy_from_slice(&h);
            usize::from_le_bytes(word)
        })
    };
    let n = bytes.len();
    let Some(last) = n.checked_sub(WORD).and_then(|at| bytes.get(at..)) else {
        if n < HALF {
            return bytes.iter().any(|&b| byte(b));
        }
        // Half a word to a word: two overlapping halves, side by side in one word.
        let first = bytes.get(..HALF).map_or(0, half);
        let last = bytes.get(n - HALF..).map_or(0, half);
        return mask(first | last << (HALF * 8)) != 0;
    };
    let hits = bytes
        .chunks_exact(WORD)
        .fold(mask(load(last)), |hits, w| hits | mask(load(w)));
    hits != 0
}

/// True when `bytes` holds `a` or `b` (a word at a time).
#[inline]
pub(crate) fn holds_either(bytes: &[u8], a: u8, b: u8) -> bool {
    any_flagged(
        bytes,
        |w| zero_bytes(w ^ splat(a)) | zero_bytes(w ^ splat(b)),
        |x| x == a || x == b,
    )
}

/// How many bytes of `bytes` equal `b` (a word at a time). Each byte is tested exactly: the
/// test carries nothing from one byte into the next, as [`zero_bytes`] may above a match.
pub(crate) fn count(bytes: &[u8], b: u8) -> usize {
    let low7 = splat(0x7f);
    let mut words = bytes.chunks_exact(WORD);
    let mut n = 0;
    for w in &mut words {
        let x = w.try_into().map_or(0, usize::from_le_bytes) ^ splat(b);
        // A byte's top bit ends up set exactly when the byte is zero.
        n += (!(((x & low7) + low7) | x) & splat(0x80)).count_ones() as usize;
    }
    n + words.remainder().iter().filter(|&&x| x == b).count()
}

/// `a == b`, for names: up to 16 bytes compared as two overlapping words each, up to 3 byte
/// by byte (most names are that short, and a call to compare them cost more than the
/// comparison).
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    fn word(bytes: &[u8], at: usize) -> u64 {
        bytes
            .get(at..at + 8)
            .and_then(|w| w.try_into().ok())
            .map_or(0, u64::from_le_bytes)
    }
    fn half(bytes: &[u8], at: usize) -> u32 {
        bytes
            .get(at..at + 4)
            .and_then(|w| w.try_into().ok())
            .map_or(0, u32::from_le_bytes)
    }
    let len = a.len();
    if len != b.len() {
        return false;
    }
    match len {
        8..=16 => word(a, 0) == word(b, 0) && word(a, len - 8) == word(b, len - 8),
        4..=7 => half(a, 0) == half(b, 0) && half(a, len - 4) == half(b, len - 4),
        // The first, middle and last bytes are every byte of a name this short.
        0..=3 => a.first() == b.first() && a.get(len / 2) == b.get(len / 2) && a.last() == b.last(),
        _ => a == b,
    }
}

/// High bit set in exactly the bytes of `w` that are zero (no borrow crosses bytes, so every
/// flag is exact, not only the lowest).
const fn zero_bytes_exact(w: usize) -> usize {
    let low7 = splat(0x7f);
    !(((w & low7).wrapping_add(low7)) | w | low7)
}

/// Exactly the bytes that matter inside a container of validated JSON: `"`, `\\`, and the
/// four brackets.
const fn container_marks(w: usize) -> usize {
    let folded = w | splat(0x20);
    zero_bytes_exact(w ^ splat(b'"'))
        | zero_bytes_exact(w ^ splat(b'\\'))
        | zero_bytes_exact(folded ^ splat(b'{'))
        | zero_bytes_exact(folded ^ splat(b'}'))
}

/// Steps over the array or object whose opening bracket is at `from`, in text the scanner
/// validated: the index just past its closing bracket, or `None` if the text ends first.
///
/// Every quote, backslash and bracket of a word is flagged at once and read in order, so a
/// string costs a few instructions, not a call. Malformed text gives a wrong end or `None`,
/// never a panic.
pub(crate) fn skip_container(bytes: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    // Bytes before this index are escaped (the one after a backslash in a string).
    let mut live_from = from;
    let mut at = from;
    while at < bytes.len() {
        let mut word = [b' '; WORD];
        let chunk = bytes.get(at..).unwrap_or_default();
        let n = chunk.len().min(WORD);
        if let (Some(dst), Some(src)) = (word.get_mut(..n), chunk.get(..n)) {
            dst.copy_from_slice(src);
        }
        let mut marks = container_marks(usize::from_le_bytes(word));
        while marks != 0 {
            let i = at + (marks.trailing_zeros() / 8) as usize;
            marks &= marks - 1;
            if i < live_from {
                continue;
            }
            match (in_string, bytes.get(i).copied()) {
                (true, Some(b'\\')) => live_from = i + 2,
                (true, Some(b'"')) | (false, Some(b'"')) => in_string = !in_string,
                (true, _) => {}
                (false, Some(b'{' | b'[')) => depth += 1,
                (false, _) => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
            }
        }
        at += WORD;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counted against a byte-by-byte count, for every length up to three words, with the
    /// byte one above the counted one (which `zero_bytes` can flag above a match) beside it.
    #[test]
    fn count_is_exact_for_every_byte_and_position() {
        for b in [b'&', 0u8, 0x7f, 0x80, 0xff] {
            for len in 0..3 * WORD {
                for at in 0..len.max(1) {
                    let mut text = [b'x'; 3 * WORD];
                    let text = &mut text[..len];
                    for (i, t) in text.iter_mut().enumerate() {
                        // Matches at `at` and every third byte after it, the byte one above
                        // `b` (xor 1) between them.
                        if i >= at && (i - at) % 3 == 0 {
                            *t = b;
                        } else if i > at {
                            *t = b ^ 1;
                        }
                    }
                    let expected = text.iter().filter(|&&x| x == b).count();
                    assert_eq!(count(text, b), expected, "{b} {len} {at}");
                }
            }
        }
    }

    #[test]
    fn compares_names_of_every_length() {
        let text = b"abcdefghijklmnopqrstuvwxyz";
        for len in 0..=text.len() {
            let a = &text[..len];
            assert!(same_bytes(a, a), "{len}");
            // A different byte anywhere, and a different length, are told apart.
            for at in 0..len {
                let mut b = [0u8; 26];
                b[..len].copy_from_slice(a);
                b[at] ^= 0x20;
                assert!(!same_bytes(a, &b[..len]), "{len} {at}");
            }
            assert!(!same_bytes(a, &text[..len.saturating_sub(1)]) || len == 0);
        }
    }

    #[test]
    fn word_search_finds_the_first_flagged_byte_at_any_alignment() {
        type Case = (fn(usize) -> usize, fn(u8) -> bool);
        let cases: [Case; 4] = [
            (quote_or_backslash, |b| b == b'"' || b == b'\\'),
            (string_special, |b| b == b'"' || b == b'\\' || b < 0x20),
            (backslash, |b| b == b'\\'),
            (base64_blank, |b| matches!(b, b'\r' | b'\n' | b' ')),
        ];
        // Fillers next to the borders of every class (borrows in the word arithmetic), and
        // every byte value as the target, before and after a second flagged byte.
        for filler in [
            b'a', 0x20, 0x21, 0x7f, 0x80, 0xff, b'Z', b'|', b'~', b'!', b'#',
        ] {
            for (mask, byte) in cases {
                for target in 0..=255u8 {
                    for at in 0..19 {
                        let mut buf = [filler; 24];
                        buf[at] = target;
                        buf[at + 3] = b'"';
                        let expected = buf.iter().position(|&b| byte(b));
                        for from in [0, 1, 7, 8] {
                            let want = expected.filter(|&i| i >= from).or_else(|| {
                                buf.iter()
                                    .skip(from)
                                    .position(|&b| byte(b))
                                    .map(|i| i + from)
                            });
                            assert_eq!(
                                find(&buf, from, mask, byte),
                                want,
                                "{filler} {target} {at} {from}"
                            );
                        }
                    }
                }
            }
        }
        assert_eq!(find(b"abc", 4, quote_or_backslash, |_| true), None);
        assert_eq!(find(b"", 0, quote_or_backslash, |_| true), None);
        assert_eq!(
            find(b"abcdefgh", 0, quote_or_backslash, |b| b == b'"'),
            None
        );
    }

    /// The same walk a byte at a time.
    fn skip_container_bytewise(bytes: &[u8], from: usize) -> Option<usize> {
        let (mut depth, mut in_string, mut i) = (0usize, false, from);
        while let Some(&b) = bytes.get(i) {
            match (in_string, b) {
                (true, b'\\') => i += 1,
                (_, b'"') => in_string = !in_string,
                (false, b'{' | b'[') => depth += 1,
                (false, b'}' | b']') => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    #[test]
    fn skips_containers_like_a_bytewise_walk_at_any_alignment() {
        let docs: [&[u8]; 9] = [
            br#"{}"#,
            br#"[]"#,
            br#"{"a":"x}y]z{","b":[1,{"c":"\\"}],"d":"q\"}"} ,"#,
            br#"[["\\\"]\\"],{"k":{"l":[]}}]]"#,
            br#"{"k\\":"\\\\\\\"}\\","z":{"y":"\u005d"}}tail"#,
            br#"{"very long string member name":"and a value that spans words [{"} x"#,
            "{\"é\":\"ü}ß\",\"n\":[\"\u{1f600}\"]}".as_bytes(),
            br#"{"a":1"#,
            br#"{"a":"}"#,
        ];
        let mut buf = [0u8; 128];
        for doc in docs {
            for pad in 0..17 {
                buf[..pad].fill(b' ');
                buf[pad..pad + doc.len()].copy_from_slice(doc);
                let text = &buf[..pad + doc.len()];
                assert_eq!(
                    skip_container(text, pad),
                    skip_container_bytewise(text, pad),
                    "{pad} {:?}",
                    core::str::from_utf8(doc)
                );
            }
        }
        // Whole-word marks are all read: eight quotes, eight brackets.
        assert_eq!(skip_container(br#"["""""""",[[[]]]]]"#, 0), Some(17));
        assert_eq!(skip_container(b"]", 0), None);
        assert_eq!(skip_container(b"{", 5), None);
    }
}
