//! JSON without a heap: a validating scanner that hands out raw spans ([`Object`], [`Value`],
//! [`JsonStr`]) and a compact writer ([`JsonWriter`]).
//!
//! The scanner never builds a tree. Signed protocols need the exact bytes a sender produced,
//! so every value is available as its raw text *and* through typed accessors. Objects are
//! checked for duplicate member names (compared after unescaping) when they are opened: a
//! signed message with two `refund_amt` members must never verify one and report the other.

mod scan;
mod string;
pub(crate) mod words;
mod write;

pub(crate) use scan::Open;
pub use scan::{Kind, MAX_DEPTH, MAX_MEMBERS, Member, Members, Object, Value};
pub use string::{Chars, JsonStr, unescape_in_place};
pub use write::{JsonWriter, write_escaped};

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

#[cfg(test)]
mod tests {
    #[test]
    fn joins_two_lists_in_order() {
        const JOINED: [&str; 5] = super::join(["a", "b"], ["c", "d", "e"]);
        assert_eq!(JOINED, ["a", "b", "c", "d", "e"]);
        const LEFT_ONLY: [&str; 1] = super::join(["a"], []);
        assert_eq!(LEFT_ONLY, ["a"]);
    }
}
