//! Searching text a machine word at a time (eight bytes in a `u64`, safe code only): the
//! scanner and the writer jump over plain text to the next byte that needs a look.

/// Every byte of a word set to `b`.
pub(crate) const fn splat(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// High bit set in every byte of `w` that is zero. Only the lowest set bit is exact (a borrow
/// may mark bytes above a zero byte), which is the one [`find`] reads.
pub(crate) const fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(splat(1)) & !w & splat(0x80)
}

/// Bytes equal to `"` or `\`.
pub(crate) const fn quote_or_backslash(w: u64) -> u64 {
    zero_bytes(w ^ splat(b'"')) | zero_bytes(w ^ splat(b'\\'))
}

/// Bytes that end a run of plain string text: `"`, `\` and controls (below 0x20).
pub(crate) const fn string_special(w: u64) -> u64 {
    quote_or_backslash(w) | (w.wrapping_sub(splat(0x20)) & !w & splat(0x80))
}

/// Bytes that matter when stepping over a container: `"`, `{`, `}`, `[`, `]`
/// (`[` and `]` are `{` and `}` without bit 5).
pub(crate) const fn structural(w: u64) -> u64 {
    let folded = w | splat(0x20);
    zero_bytes(w ^ splat(b'"'))
        | zero_bytes(folded ^ splat(b'{'))
        | zero_bytes(folded ^ splat(b'}'))
}

/// Index of the first byte at or after `from` that `mask` flags (word at a time; `byte`
/// says the same for the tail shorter than a word).
#[inline]
pub(crate) fn find(
    bytes: &[u8],
    from: usize,
    mask: fn(u64) -> u64,
    byte: fn(u8) -> bool,
) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut words = rest.chunks_exact(8);
    let mut at = from;
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let hits = mask(u64::from_le_bytes(w));
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| byte(b))
        .map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_search_finds_the_first_flagged_byte_at_any_alignment() {
        type Case = (fn(u64) -> u64, fn(u8) -> bool);
        let cases: [Case; 3] = [
            (quote_or_backslash, |b| b == b'"' || b == b'\\'),
            (string_special, |b| b == b'"' || b == b'\\' || b < 0x20),
            (structural, |b| {
                matches!(b, b'"' | b'{' | b'}' | b'[' | b']')
            }),
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
}
