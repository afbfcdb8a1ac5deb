//! JSON without a heap: a validating scanner that hands out raw spans ([`Object`], [`Value`],
//! [`JsonStr`]) and a compact writer ([`JsonWriter`]).
//!
//! The scanner never builds a tree. Signed protocols need the exact bytes a sender produced,
//! so every value is available as its raw text *and* through typed accessors. Objects are
//! checked for duplicate member names (compared after unescaping) when they are opened: a
//! signed message with two `refund_amt` members must never verify one and report the other.

mod lookup;
mod scan;
mod string;
pub(crate) mod words;
mod write;

pub(crate) use lookup::{Lookup, positions};
pub use scan::{Kind, MAX_DEPTH, MAX_MEMBERS, Member, Members, Object, Value};
pub(crate) use scan::{NAME_KEY_ESCAPED, Offsets, Open};
pub use string::{Chars, JsonStr, unescape_in_place};
pub use write::{JsonWriter, write_escaped};
pub(crate) use write::{Piece, text_len, text_of, write_pieces};

/// `a` followed by `b`: one list of member names for a walk that looks up both (a constant
/// expression; `C` must be `A + B`, checked when the constant is evaluated).
#[allow(clippy::indexing_slicing)] // in bounds: `i < A`, `j < B` and `C == A + B`
pub(crate) const fn join<const A: usize, const B: usize, const C: usize>(
    a: [&'static str; A],
    b: [&'static str; B],
) -> [&'static str; C] {
    assert!(A + B == C, "join: C must be A + B");
    let mut out = [""; C];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    let mut j = 0;
    while j < B {
        out[A + j] = b[j];
        j += 1;
    }
    out
}

/// Where `name` is in `names` (the first place): a constant expression, so that a decoder
/// names the member an [`Open`] opens rather than counting. Evaluating it fails when
/// `name` is not there.
#[allow(clippy::indexing_slicing)] // in bounds: `i < names.len()`, `k < a.len() == b.len()`
pub(crate) const fn index_of(names: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < names.len() {
        let (a, b) = (names[i].as_bytes(), name.as_bytes());
        let mut k = 0;
        while a.len() == b.len() && k < a.len() && a[k] == b[k] {
            k += 1;
        }
        if a.len() == b.len() && k == a.len() {
            break;
        }
        i += 1;
    }
    assert!(i < names.len(), "index_of: the name is not in the list");
    i
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_a_name_in_a_list() {
        const NAMES: [&str; 4] = ["data", "dat", "datum", "data"];
        const DATA: usize = super::index_of(&NAMES, "data");
        assert_eq!(DATA, 0);
        assert_eq!(super::index_of(&NAMES, "dat"), 1);
        assert_eq!(super::index_of(&NAMES, "datum"), 2);
        assert_eq!(super::index_of(&["a", "b", ""], ""), 2);
    }

    #[test]
    fn joins_two_lists_in_order() {
        const JOINED: [&str; 5] = super::join(["a", "b"], ["c", "d", "e"]);
        assert_eq!(JOINED, ["a", "b", "c", "d", "e"]);
        const LEFT_ONLY: [&str; 1] = super::join(["a"], []);
        assert_eq!(LEFT_ONLY, ["a"]);
    }
}
