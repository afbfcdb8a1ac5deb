//! Finding a member's name among the names a decoder reads.
//!
//! A decoder's walk looks every member's name up in a list of up to about twenty names. In
//! turn, that is a length and first-byte test per entry, a mispredicted branch on most, for
//! every member. A [`Lookup`] built at compile time hashes a plain name's length, first and
//! last two bytes to the one entry it can be, then compares that entry in full.
//!
//! Gateways write their members in the order their pages show them. A lookup told that order
//! ([`Lookup::expecting`], [`Lookup::expecting_order`]) lets the walk compare the next
//! expected name where it lies, a few word compares, and skip the scan of the name and the
//! hash; a member met out of that order is scanned and looked up as before.

use super::JsonStr;
use super::words::same_bytes;

/// Slots of the table: a power of two, at least as many as the names hashed.
const SLOTS: usize = 64;
/// The most names a table holds; longer lists are looked up in turn.
const MAX_HASHED: usize = 40;
/// Multipliers tried at compile time before a list is looked up in turn.
const TRIES: u32 = 4096;
/// Every position a table holds, in turn: the wire order of a list written as listed.
#[allow(clippy::indexing_slicing)] // in bounds: `i < MAX_HASHED`
const LISTED: [u8; MAX_HASHED] = {
    let mut order = [0u8; MAX_HASHED];
    let mut i = 0;
    while i < MAX_HASHED {
        order[i] = i as u8;
        i += 1;
    }
    order
};

/// Member names to look up, and (when built by [`Lookup::new`]) a table that finds a plain
/// name's place among them in a few instructions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lookup<'n> {
    names: &'n [&'n str],
    /// For a non-empty name of the list: `slots[slot(key(name), multiplier)]` is its index
    /// plus one; `0` for no name.
    slots: [u8; SLOTS],
    /// `0`: no table; look every name up in turn.
    multiplier: u32,
    /// Positions in `names` of the members the sender writes, in the order it writes them
    /// (see [`Lookup::expecting_order`]); empty: no order expected.
    wire: &'n [u8],
}

/// What a non-empty name is hashed by: its length (low 8 bits), first and last two bytes
/// (names of one family differ at the end more than in the middle: `notifyType` and
/// `notifyTime` are alike up to their last three bytes).
#[allow(clippy::indexing_slicing)] // in bounds: `name` is not empty
const fn key(name: &[u8]) -> u32 {
    let len = name.len();
    u32::from_le_bytes([
        len as u8,
        name[0],
        name[len.saturating_sub(2)],
        name[len - 1],
    ])
}

/// The slot of `key` (multiplicative hashing: the product's top six bits).
const fn slot(key: u32, multiplier: u32) -> usize {
    (key.wrapping_mul(multiplier) >> (32 - SLOTS.trailing_zeros())) as usize
}

impl Lookup<'static> {
    /// No names: a walk that only validates and checks for duplicates.
    pub(crate) const NONE: Self = Self::linear(&[]);
}

impl<'n> Lookup<'n> {
    /// `names` with a table, for a constant list (the search for a multiplier that gives
    /// every name its own slot runs at compile time). Two names of the same length, first
    /// and last two bytes, an empty name, or more than 40 names: looked up in turn instead,
    /// which finds the same.
    pub(crate) const fn new(names: &'n [&'n str]) -> Self {
        let mut attempt = 0;
        while attempt < TRIES {
            // Odd multipliers, spread from the golden ratio's.
            let multiplier = 0x9E37_79B1u32.wrapping_add(attempt.wrapping_mul(0x0101_0102));
            if let Some(slots) = Self::table(names, multiplier) {
                return Lookup {
                    names,
                    slots,
                    multiplier,
                    wire: &[],
                };
            }
            attempt += 1;
        }
        Self::linear(names)
    }

    /// [`new`](Self::new) for a decoder's list, which must get its table: the build fails
    /// when it would fall back to lookups in turn.
    pub(crate) const fn hashed(names: &'n [&'n str]) -> Self {
        let lookup = Self::new(names);
        assert!(
            lookup.multiplier != 0,
            "a decoder's list of names has no table (two names alike?)"
        );
        lookup
    }

    /// `names` without a table: each name is compared with them in turn.
    pub(crate) const fn linear(names: &'n [&'n str]) -> Self {
        Lookup {
            names,
            slots: [0; SLOTS],
            multiplier: 0,
            wire: &[],
        }
    }

    /// The table for `multiplier`, or `None` when two names share a slot (or a name cannot
    /// be hashed).
    #[allow(clippy::indexing_slicing)] // in bounds: `i < names.len()`, `slot` < `SLOTS`
    const fn table(names: &[&str], multiplier: u32) -> Option<[u8; SLOTS]> {
        if names.len() > MAX_HASHED {
            return None;
        }
        let mut slots = [0u8; SLOTS];
        let mut i = 0;
        while i < names.len() {
            let name = names[i].as_bytes();
            if name.is_empty() {
                return None;
            }
            let at = slot(key(name), multiplier);
            if slots[at] != 0 {
                return None;
            }
            slots[at] = i as u8 + 1;
            i += 1;
        }
        Some(slots)
    }

    /// This lookup, expecting the first `count` names in the order listed
    /// ([`expecting_order`](Self::expecting_order) with positions `0, 1, …, count - 1`).
    pub(crate) const fn expecting(self, count: usize) -> Self {
        assert!(
            count <= self.names.len(),
            "more members expected than listed"
        );
        self.expecting_order(LISTED.split_at(count).0)
    }

    /// This lookup, expecting the members at positions `wire` of its names, in that order
    /// ([`positions`] spells them by name): a walk tries the next expected name in place, a
    /// few word compares, before it scans a name and looks it up. Members in another order,
    /// and others, are still found, only less quickly; after a member met out of order the
    /// walk expects the one `wire` puts after it.
    ///
    /// An expected name is matched byte for byte where it lies, never scanned or looked up:
    /// the build fails unless the list has a table (which no two equal names can share, so a
    /// name met twice is still a duplicate), the expected names are plain text (no `"`, `\`
    /// or control, which the scan of a name would refuse or read as an escape), and `wire`
    /// names each of its positions once.
    #[allow(clippy::indexing_slicing)] // in bounds: checked against `names.len()` first
    pub(crate) const fn expecting_order(self, wire: &'n [u8]) -> Self {
        assert!(
            self.multiplier != 0,
            "expected members need a table (two names alike?)"
        );
        let mut k = 0;
        while k < wire.len() {
            let i = wire[k] as usize;
            assert!(i < self.names.len(), "an expected position past the list");
            let mut earlier = 0;
            while earlier < k {
                assert!(wire[earlier] != wire[k], "a position expected twice");
                earlier += 1;
            }
            let name = self.names[i].as_bytes();
            let mut j = 0;
            while j < name.len() {
                let b = name[j];
                assert!(
                    b >= 0x20 && b != b'"' && b != b'\\',
                    "an expected name that is not plain text"
                );
                j += 1;
            }
            k += 1;
        }
        Lookup { wire, ..self }
    }

    /// The `k`th expected member: its position among the names, and its name.
    #[inline]
    pub(crate) fn expected(&self, k: usize) -> Option<(usize, &'n str)> {
        let i = usize::from(*self.wire.get(k)?);
        Some((i, self.names.get(i)?))
    }

    /// Which member is expected after `names[i]`, met where the `k`th was expected: the
    /// one the wire order puts after it, or the `k`th still when `i` is not expected. (A
    /// member met where expected is followed by the `k + 1`th; the walk knows that without
    /// asking.)
    #[inline]
    pub(crate) fn after(&self, i: usize, k: usize) -> usize {
        self.wire
            .iter()
            .position(|&w| usize::from(w) == i)
            .map_or(k, |at| at + 1)
    }

    /// Whether a table was built.
    #[cfg(test)]
    const fn has_table(&self) -> bool {
        self.multiplier != 0
    }

    /// Where `name` (compared unescaped) is among the names, if it is.
    #[inline]
    pub(crate) fn position(&self, name: &JsonStr<'_>) -> Option<usize> {
        let raw = name.raw().as_bytes();
        if self.multiplier == 0 || name.has_escapes() || raw.is_empty() {
            return self.names.iter().position(|n| name.eq_str(n));
        }
        let i = usize::from(*self.slots.get(slot(key(raw), self.multiplier))?).checked_sub(1)?;
        same_bytes(self.names.get(i)?.as_bytes(), raw).then_some(i)
    }
}

/// The positions in `names` of the names `wire` lists, in its order: the argument of
/// [`Lookup::expecting_order`] for a gateway that writes its members in an order other than
/// its list's. The build fails when a name of `wire` is not in `names`.
#[allow(clippy::indexing_slicing)] // in bounds: `k < N`
pub(crate) const fn positions<const N: usize>(names: &[&str], wire: [&str; N]) -> [u8; N] {
    assert!(names.len() <= MAX_HASHED, "more names than a table holds");
    let mut out = [0u8; N];
    let mut k = 0;
    while k < N {
        out[k] = super::index_of(names, wire[k]) as u8;
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 6] = ["appId", "sign", "refundOrderNo", "orderNo", "a", "ab"];
    const HASHED: Lookup<'static> = Lookup::new(&NAMES);

    fn find(lookup: &Lookup<'_>, raw: &'static str, escaped: bool) -> Option<usize> {
        lookup.position(&JsonStr::from_scanned(raw, escaped))
    }

    #[test]
    fn a_constant_list_gets_a_table_that_finds_every_name() {
        assert!(HASHED.has_table());
        for (i, name) in NAMES.iter().enumerate() {
            assert_eq!(find(&HASHED, name, false), Some(i), "{name}");
        }
        // Names of the same length, first and last two bytes as one listed, and prefixes.
        for other in [
            "axpId",
            "sxgn",
            "sig",
            "signs",
            "",
            "b",
            "orderNa",
            "refundOrderNO",
        ] {
            assert_eq!(find(&HASHED, other, false), None, "{other}");
        }
        // An escaped name is compared unescaped.
        assert_eq!(find(&HASHED, r"\u0061ppId", true), Some(0));
        assert_eq!(find(&HASHED, r"s\u0069gn", true), Some(1));
        assert_eq!(find(&HASHED, r"\u0062", true), None);
    }

    #[test]
    fn expects_the_first_names_in_their_listed_order() {
        const EXPECTING: Lookup<'static> = Lookup::new(&NAMES).expecting(3);
        assert_eq!(EXPECTING.expected(0), Some((0, "appId")));
        assert_eq!(EXPECTING.expected(2), Some((2, "refundOrderNo")));
        assert_eq!(EXPECTING.expected(3), None);
        assert_eq!(HASHED.expected(0), None);
        // After an expected name, the one listed after it; after any other, the same.
        assert_eq!(EXPECTING.after(0, 0), 1);
        assert_eq!(EXPECTING.after(2, 0), 3);
        assert_eq!(EXPECTING.after(1, 2), 2);
        assert_eq!(EXPECTING.after(4, 1), 1);
        assert_eq!(EXPECTING.after(3, 2), 2);
        // Expecting does not change what is found.
        for (i, name) in NAMES.iter().enumerate() {
            assert_eq!(find(&EXPECTING, name, false), Some(i), "{name}");
        }
    }

    #[test]
    fn expects_names_in_an_order_of_their_own() {
        const WIRE: [u8; 4] = positions(&NAMES, ["orderNo", "appId", "ab", "sign"]);
        assert_eq!(WIRE, [3, 0, 5, 1]);
        const EXPECTING: Lookup<'static> = Lookup::new(&NAMES).expecting_order(&WIRE);
        assert_eq!(EXPECTING.expected(0), Some((3, "orderNo")));
        assert_eq!(EXPECTING.expected(1), Some((0, "appId")));
        assert_eq!(EXPECTING.expected(3), Some((1, "sign")));
        assert_eq!(EXPECTING.expected(4), None);
        // After a member met out of order, the one the wire order puts after it.
        assert_eq!(EXPECTING.after(0, 0), 2);
        assert_eq!(EXPECTING.after(5, 0), 3);
        assert_eq!(EXPECTING.after(1, 1), 4);
        // One not expected leaves the expectation where it was.
        assert_eq!(EXPECTING.after(2, 1), 1);
        assert_eq!(EXPECTING.after(4, 3), 3);
        for (i, name) in NAMES.iter().enumerate() {
            assert_eq!(find(&EXPECTING, name, false), Some(i), "{name}");
        }
    }

    #[test]
    fn lists_a_table_cannot_tell_apart_are_looked_up_in_turn() {
        // The same length, first and last two bytes: no multiplier separates them.
        const ALIKE: [&str; 3] = ["abcd", "axcd", "k"];
        const ALIKE_LOOKUP: Lookup<'static> = Lookup::new(&ALIKE);
        assert!(!ALIKE_LOOKUP.has_table());
        // An empty name cannot be hashed.
        const EMPTY: [&str; 2] = ["x", ""];
        const EMPTY_LOOKUP: Lookup<'static> = Lookup::new(&EMPTY);
        assert!(!EMPTY_LOOKUP.has_table());
        // More names than a table holds.
        const MANY: [&str; 41] = [
            "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "b0", "b1", "b2", "b3",
            "b4", "b5", "b6", "b7", "b8", "b9", "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7",
            "c8", "c9", "d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9", "e0",
        ];
        const MANY_LOOKUP: Lookup<'static> = Lookup::new(&MANY);
        assert!(!MANY_LOOKUP.has_table());
        // All of them still find what is there.
        assert_eq!(find(&ALIKE_LOOKUP, "axcd", false), Some(1));
        assert_eq!(find(&ALIKE_LOOKUP, "abyd", false), None);
        assert_eq!(find(&EMPTY_LOOKUP, "", false), Some(1));
        assert_eq!(find(&MANY_LOOKUP, "e0", false), Some(40));
        assert_eq!(find(&MANY_LOOKUP, "d9", false), Some(39));
        assert_eq!(find(&Lookup::linear(&NAMES), "ab", false), Some(5));
    }
}
