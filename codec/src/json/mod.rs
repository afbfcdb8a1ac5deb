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

pub use scan::{Kind, MAX_DEPTH, MAX_MEMBERS, Member, Members, Object, Value};
pub use string::{Chars, JsonStr, unescape_in_place};
pub use write::{JsonWriter, write_escaped};
