//! Canonical strings-to-sign, streamed into a [`Sink`] so most paths never materialize them.
//!
//! Each rule works on the members actually present in the raw JSON (unknown members included),
//! through a fixed-capacity index of at most [`MAX_MEMBERS`] members.
//!
//! The index holds where each member starts in the document, not a copy of the member: one
//! word per member (256 bytes on a 32-bit target) instead of the member's spans, so that the
//! strings-to-sign of a verifying decoder fit a firmware task's stack. A member is read back
//! from its offset when it is compared or written, which costs a scan of that member only.
//!
//! A decoder's walk also finds the members it reads into the slots of a table of names. When
//! those are all of an object's members (a reply of documented members only), its sorted rules
//! read them from there, in an order worked out when the crate compiles (`SortedIndex`):
//! nothing is sorted or read back.

use crate::error::{Error, Result};
use crate::io::Sink;
use crate::json::{JsonStr, Kind, MAX_MEMBERS, Member, NAME_KEY_ESCAPED, Object, Value};
use core::cmp::Ordering;

/// How a JSON number contributes its text to a canonical string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberForm {
    /// The number's text exactly as sent (`51558`).
    Plain,
    /// The text Java's `Double.toString` prints for it (`51558.0`, `1.0E7`), which is what
    /// SDKs that parse JSON numbers into `double` hash.
    JavaDouble,
}

/// An object's members in name order (byte order of the unescaped names), as an index of
/// where each member starts in the document. See [`sorted_members`].
#[derive(Debug, Clone)]
pub struct SortedMembers<'a> {
    obj: Object<'a>,
    at: heapless::Vec<usize, MAX_MEMBERS>,
}

impl<'a> SortedMembers<'a> {
    /// Number of members.
    pub fn len(&self) -> usize {
        self.at.len()
    }

    /// True for `{}`.
    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    /// The members in name order, each read back from the document.
    pub fn iter(&self) -> impl Iterator<Item = Result<Member<'a>>> + '_ {
        self.at.iter().map(|&at| self.obj.member_at(at))
    }
}

/// Indexes `obj`'s members in name order (byte order of the unescaped names).
///
/// ```
/// use refundwire::{canonical::sorted_members, json::Object};
/// let obj = Object::parse(br#"{"b":1,"a\u0062":2,"a":3}"#)?;
/// let sorted = sorted_members(&obj)?;
/// let mut values = sorted.iter().map(|m| m.map(|m| m.value.raw()));
/// assert_eq!(values.next(), Some(Ok("3")));
/// assert_eq!(values.next(), Some(Ok("2")));
/// assert_eq!(values.next(), Some(Ok("1")));
/// assert_eq!(values.next(), None);
/// # Ok::<(), refundwire::Error>(())
/// ```
pub fn sorted_members<'a>(obj: &Object<'a>) -> Result<SortedMembers<'a>> {
    let mut at = heapless::Vec::new();
    index_sorted(obj, &mut at)?;
    Ok(SortedMembers { obj: *obj, at })
}

/// Fills `at` with the offsets of `obj`'s members, sorted by name.
fn index_sorted(obj: &Object<'_>, at: &mut heapless::Vec<usize, MAX_MEMBERS>) -> Result<()> {
    let mut members = obj.members();
    while let Some(member) = members.next_at() {
        at.push(member?.0).map_err(|_| Error::TooManyMembers)?;
    }
    sort_index(obj, at);
    Ok(())
}

/// Sorts the offsets of `obj`'s members by name: those [`index_sorted`] collects, or the
/// walk's [`Offsets`](crate::json::Offsets) for a [`SortedIndex`], so that the object is not
/// walked again to find its members.
fn sort_index(obj: &Object<'_>, at: &mut [usize]) {
    // A few names are compared directly: keys would cost more than they save. So are all
    // on a 32-bit target, whose keys would hold three bytes: its flash is worth more there.
    if at.len() <= FEW_NAMES || cfg!(target_pointer_width = "32") {
        insertion_sort(at, |a, b| obj.cmp_names_at(*a, *b));
    } else {
        sort_index_keyed(obj, at);
    }
}

/// [`sort_index`] of more than [`FEW_NAMES`] names, sorted as keys: each name's first bytes
/// above its position in `at` (low seven bits). Most names are ordered by those bytes alone,
/// one comparison of numbers; equal prefixes and escapes are compared in full where the
/// names lie.
#[inline(never)]
fn sort_index_keyed(obj: &Object<'_>, at: &mut [usize]) {
    let mut keys = [0usize; MAX_MEMBERS];
    let Some(keys) = keys.get_mut(..at.len()) else {
        // More offsets than an object holds: none of this crate's callers has them.
        insertion_sort(at, |a, b| obj.cmp_names_at(*a, *b));
        return;
    };
    for (i, (key, &offset)) in keys.iter_mut().zip(at.iter()).enumerate() {
        *key = obj.name_key_at(offset) | i;
    }
    let offset = |key: usize| at.get(key & POSITION).copied().unwrap_or(0);
    insertion_sort(keys, |&x, &y| {
        let (px, py) = (x & !LOW_BYTE, y & !LOW_BYTE);
        if px != py && (x | y) & NAME_KEY_ESCAPED == 0 {
            px.cmp(&py)
        } else {
            obj.cmp_names_at(offset(x), offset(y))
        }
    });
    for key in keys.iter_mut() {
        *key = offset(*key);
    }
    for (slot, key) in at.iter_mut().zip(keys.iter()) {
        *slot = *key;
    }
}

/// Up to this many names, [`sort_index`] compares them directly.
const FEW_NAMES: usize = 6;

/// The low byte of a sort key of [`sort_index`]: the escape flag and the position.
const LOW_BYTE: usize = 0xff;
/// A sort key's position in the offsets (below [`MAX_MEMBERS`]).
const POSITION: usize = 0x7f;

/// Calls `visit` with each of `obj`'s members in name order. The index lives in this frame
/// only (the sorted rules' path: nothing is moved or returned through the callers' frames).
fn for_each_sorted<'a>(
    obj: &Object<'a>,
    visit: impl FnMut(Member<'a>) -> Result<()>,
) -> Result<()> {
    let mut at = heapless::Vec::new();
    index_sorted(obj, &mut at)?;
    for_each_at(obj, &at, None, visit)
}

/// Where a sorted rule of the `_in` kind reads an object's members from, in name order, after
/// the walk that validated the object.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SortedIndex<'l, 'a> {
    /// Every member's name is one of `names`, whose values the walk looked up into `found`;
    /// `order` lists the positions in `names` in name order ([`name_order`]). Nothing is
    /// sorted or read back: a gateway's own replies hold only the members it documents.
    Listed {
        names: &'l [&'static str],
        found: &'l [Option<Value<'a>>],
        order: &'l [usize],
    },
    /// Where each member starts (the walk's [`Offsets`](crate::json::Offsets)), sorted by
    /// [`sort_index`]: each member is read back from there.
    Offsets(&'l [usize]),
}

impl<'l, 'a> SortedIndex<'l, 'a> {
    /// [`Listed`](Self::Listed) when the members looked up into `found` are all of `obj`'s
    /// (names are unique in a validated object, so equal counts say that no other name is
    /// there); otherwise `offsets`, where the walk found `obj`'s members, sorted by name.
    pub(crate) fn of<const N: usize>(
        obj: &Object<'a>,
        names: &'l [&'static str; N],
        found: &'l [Option<Value<'a>>; N],
        order: &'l [usize; N],
        offsets: &'l mut [usize],
    ) -> Self {
        if found.iter().filter(|v| v.is_some()).count() == obj.len() {
            return SortedIndex::Listed {
                names,
                found,
                order,
            };
        }
        sort_index(obj, offsets);
        SortedIndex::Offsets(offsets)
    }

    /// Calls `visit` with each member in name order, except the member named `exclude`
    /// (whose value is then not stepped over).
    fn for_each(
        &self,
        obj: &Object<'a>,
        exclude: Option<&str>,
        mut visit: impl FnMut(Member<'a>) -> Result<()>,
    ) -> Result<()> {
        match *self {
            SortedIndex::Listed {
                names,
                found,
                order,
            } => {
                for &i in order {
                    if let (Some(&name), Some(&Some(value))) = (names.get(i), found.get(i)) {
                        if Some(name) != exclude {
                            // The walk found it under this name, which has no escapes.
                            let name = JsonStr::from_scanned(name, false);
                            visit(Member { name, value })?;
                        }
                    }
                }
            }
            SortedIndex::Offsets(sorted) => for_each_at(obj, sorted, exclude, visit)?,
        }
        Ok(())
    }
}

/// The positions of `names` in name order (byte order), at compile time: what
/// [`SortedIndex::Listed`] visits a looked-up list in. `["b", "c", "a"]` gives `[2, 0, 1]`.
#[allow(clippy::indexing_slicing)] // in bounds: `i`, `j` < N; `order`'s entries < N
pub(crate) const fn name_order<const N: usize>(names: &[&str; N]) -> [usize; N] {
    let mut order = [0usize; N];
    let mut i = 0;
    while i < N {
        order[i] = i;
        i += 1;
    }
    // Insertion sort: a const fn has no `sort`.
    let mut i = 1;
    while i < N {
        let mut j = i;
        while j > 0 && bytes_less(names[order[j]].as_bytes(), names[order[j - 1]].as_bytes()) {
            let t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
            j -= 1;
        }
        i += 1;
    }
    order
}

/// Calls `visit` with the members of `obj` at the offsets `sorted`, in that order, except
/// the member named `exclude` (whose value is then not stepped over).
fn for_each_at<'a>(
    obj: &Object<'a>,
    sorted: &[usize],
    exclude: Option<&str>,
    mut visit: impl FnMut(Member<'a>) -> Result<()>,
) -> Result<()> {
    for &at in sorted {
        let member = match exclude {
            Some(name) => obj.member_at_unless(at, name)?,
            None => Some(obj.member_at(at)?),
        };
        if let Some(m) = member {
            visit(m)?;
        }
    }
    Ok(())
}

/// Sorts `items` by `order`, stably, in place, with no stack beyond a few words.
///
/// Quadratic, which the at most [`MAX_MEMBERS`] members of an object afford: at most 2,016
/// comparisons of names, about a dozen for the objects gateways sign. In exchange it takes
/// tens of bytes of flash where `core`'s sort takes kilobytes per element type (a Cortex-M
/// image of OTTPay and ScanForPay lost 3.3 KB when it went).
fn insertion_sort<T>(items: &mut [T], mut order: impl FnMut(&T, &T) -> Ordering) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 {
            let out_of_order = match (items.get(j - 1), items.get(j)) {
                (Some(a), Some(b)) => order(b, a).is_lt(),
                _ => false,
            };
            if !out_of_order {
                break;
            }
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// Writes a scalar value's canonical text: strings unescaped, numbers per `form`,
/// booleans `true`/`false`. Returns `false` (and writes nothing) for `null`.
/// Objects and arrays have no agreed text in these rules and are refused.
pub fn write_scalar<S: Sink + ?Sized>(
    value: &Value<'_>,
    form: NumberForm,
    sink: &mut S,
) -> Result<bool> {
    match value.kind() {
        Kind::Null => return Ok(false),
        Kind::String => match value.own_text() {
            // Most strings hold no escape: their bytes as they lie.
            Some(text) => sink.write(text)?,
            None => {
                if let Some(s) = value.as_str() {
                    s.write_to(sink)?;
                }
            }
        },
        Kind::Number => match form {
            NumberForm::Plain => sink.write(value.raw().as_bytes())?,
            NumberForm::JavaDouble => write_java_double(value.raw(), sink)?,
        },
        Kind::Bool => sink.write(value.raw().as_bytes())?,
        Kind::Object | Kind::Array => {
            return Err(Error::Unsupported("nested value in a signed object"));
        }
    }
    Ok(true)
}

/// OTTPay's rule: the values of `obj`'s members, sorted by member name, concatenated
/// (no names, no separators; `null` skipped). Returns whether any number took part, i.e.
/// whether `form` made a difference.
pub fn sorted_values<S: Sink + ?Sized>(
    obj: &Object<'_>,
    form: NumberForm,
    sink: &mut S,
) -> Result<bool> {
    let mut saw_number = false;
    for_each_sorted(obj, |m| value_of(m, form, &mut saw_number, sink))?;
    Ok(saw_number)
}

/// [`sorted_values`] over `obj`'s members in name order as the walk that validated it
/// indexed them ([`SortedIndex`]).
pub(crate) fn sorted_values_in<'a, S: Sink + ?Sized>(
    obj: &Object<'a>,
    sorted: &SortedIndex<'_, 'a>,
    form: NumberForm,
    sink: &mut S,
) -> Result<bool> {
    let mut saw_number = false;
    sorted.for_each(obj, None, |m| value_of(m, form, &mut saw_number, sink))?;
    Ok(saw_number)
}

/// One member's part of [`sorted_values`].
fn value_of<S: Sink + ?Sized>(
    m: Member<'_>,
    form: NumberForm,
    saw_number: &mut bool,
    sink: &mut S,
) -> Result<()> {
    *saw_number |= m.value.kind() == Kind::Number;
    write_scalar(&m.value, form, sink).map(|_| ())
}

/// A typed value of an encoder's own field, for [`sorted_pairs_typed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar<'a> {
    /// A string, written as its raw UTF-8 text (no escaping, no URL-encoding).
    Str(&'a str),
    /// An unsigned integer, written in plain decimal (a JSON number on the wire).
    U64(u64),
    /// `true` or `false`.
    Bool(bool),
    /// Absent or `null`: skipped, like a `null` member.
    Null,
}

/// NewPay's rule over a raw JSON object: `name=value` for every member except `exclude`,
/// sorted by name (byte order of the unescaped names) and joined by `&`.
///
/// `null` members are skipped, empty strings take part (`callBackUrl=`), strings are
/// unescaped, numbers are their JSON text exactly as sent, booleans `true`/`false`; nothing
/// is URL-encoded. Every member actually present takes part, including members the caller
/// does not know. A nested object or array is [`Error::Unsupported`]; duplicate names were
/// refused when `obj` was opened ([`Error::DuplicateMember`]).
///
/// ```
/// use refundwire::{canonical::sorted_pairs, io::Cursor, json::Object};
/// let obj = Object::parse(br#"{"b":"x&y","sign":"s","a":null,"c":"","d":1.50,"e":false}"#)?;
/// let mut buf = [0u8; 64];
/// let mut out = Cursor::new(&mut buf);
/// sorted_pairs(&obj, "sign", &mut out)?;
/// assert_eq!(out.finish(), b"b=x&y&c=&d=1.50&e=false");
/// # Ok::<(), refundwire::Error>(())
/// ```
pub fn sorted_pairs<S: Sink + ?Sized>(obj: &Object<'_>, exclude: &str, sink: &mut S) -> Result<()> {
    sorted_pairs_checked(obj, exclude, sink, |_| Ok(()))
}

/// [`sorted_pairs`], calling `check` on each member the string holds before it is written
/// (a gateway's own refusals, in the same walk).
pub fn sorted_pairs_checked<S: Sink + ?Sized>(
    obj: &Object<'_>,
    exclude: &str,
    sink: &mut S,
    mut check: impl FnMut(&Member<'_>) -> Result<()>,
) -> Result<()> {
    let mut first = true;
    for_each_sorted(obj, |m| {
        pair_of(m, Some(exclude), &mut first, sink, &mut check)
    })
}

/// [`sorted_pairs_checked`] over `obj`'s members in name order as the walk that validated it
/// indexed them ([`SortedIndex`]).
pub(crate) fn sorted_pairs_checked_in<'a, S: Sink + ?Sized>(
    obj: &Object<'a>,
    sorted: &SortedIndex<'_, 'a>,
    exclude: &str,
    sink: &mut S,
    mut check: impl FnMut(&Member<'_>) -> Result<()>,
) -> Result<()> {
    let mut first = true;
    // The index leaves `exclude` out itself: no name is compared again here.
    sorted.for_each(obj, Some(exclude), |m| {
        pair_of(m, None, &mut first, sink, &mut check)
    })
}

/// One member's part of [`sorted_pairs_checked`] (`exclude`: a name to leave out, unless the
/// caller's walk left it out already).
fn pair_of<S: Sink + ?Sized>(
    m: Member<'_>,
    exclude: Option<&str>,
    first: &mut bool,
    sink: &mut S,
    check: &mut impl FnMut(&Member<'_>) -> Result<()>,
) -> Result<()> {
    if m.value.is_null() || exclude.is_some_and(|name| m.name.eq_str(name)) {
        return Ok(());
    }
    check(&m)?;
    let separator: &[u8] = if *first { b"" } else { b"&" };
    *first = false;
    // The common case, a name and a value whose text is their own bytes, in one write.
    if let (Some(name), Some(text)) = (m.name.as_str(), m.value.own_text()) {
        return sink.write_parts(&[separator, name.as_bytes(), b"=", text]);
    }
    sink.write(separator)?;
    m.name.write_to(sink)?;
    sink.write(b"=")?;
    write_scalar(&m.value, NumberForm::Plain, sink).map(|_| ())
}

/// The same rule as [`sorted_pairs`] over an encoder's typed fields (`(name, value)` in any
/// order): sorted by name, [`Scalar::Null`] skipped, empty strings kept.
/// Two fields with the same name are [`Error::DuplicateMember`].
///
/// ```
/// use refundwire::{canonical::{Scalar, sorted_pairs_typed}, io::Cursor};
/// let mut buf = [0u8; 64];
/// let mut out = Cursor::new(&mut buf);
/// sorted_pairs_typed(
///     &[("timestamp", Scalar::U64(1663738614280)), ("callBackUrl", Scalar::Str("")),
///       ("appId", Scalar::Str("a=b")), ("extra", Scalar::Null)],
///     &mut out,
/// )?;
/// assert_eq!(out.finish(), b"appId=a=b&callBackUrl=&timestamp=1663738614280");
/// # Ok::<(), refundwire::Error>(())
/// ```
pub fn sorted_pairs_typed<S: Sink + ?Sized>(
    fields: &[(&str, Scalar<'_>)],
    sink: &mut S,
) -> Result<()> {
    let sorted = sorted_fields(fields)?;
    let mut first = true;
    for (name, value) in sorted.iter().filter_map(|&i| fields.get(usize::from(i))) {
        let mut digits = [0u8; 20];
        let Some(text) = scalar_text(value, &mut digits) else {
            continue;
        };
        if !first {
            sink.write(b"&")?;
        }
        first = false;
        sink.write(name.as_bytes())?;
        sink.write(b"=")?;
        sink.write(text)?;
    }
    Ok(())
}

/// OTTPay's rule ([`sorted_values`]) over an encoder's typed fields: the values sorted by
/// name, concatenated; [`Scalar::Null`] skipped. Two fields with the same name are
/// [`Error::DuplicateMember`].
///
/// ```
/// use refundwire::{canonical::{Scalar, sorted_values_typed}, io::Cursor};
/// let mut buf = [0u8; 64];
/// let mut out = Cursor::new(&mut buf);
/// sorted_values_typed(
///     &[("refund_amt", Scalar::Str("51558")), ("order_id", Scalar::Null),
///       ("ori_order_id", Scalar::Str("2020")), ("flag", Scalar::Bool(true))],
///     &mut out,
/// )?;
/// assert_eq!(out.finish(), b"true202051558");
/// # Ok::<(), refundwire::Error>(())
/// ```
pub fn sorted_values_typed<S: Sink + ?Sized>(
    fields: &[(&str, Scalar<'_>)],
    sink: &mut S,
) -> Result<()> {
    let sorted = sorted_fields(fields)?;
    for (_, value) in sorted.iter().filter_map(|&i| fields.get(usize::from(i))) {
        let mut digits = [0u8; 20];
        if let Some(text) = scalar_text(value, &mut digits) {
            sink.write(text)?;
        }
    }
    Ok(())
}

/// Positions in `fields` in name order (rather than copies of the fields); two fields with
/// the same name are [`Error::DuplicateMember`].
fn sorted_fields(fields: &[(&str, Scalar<'_>)]) -> Result<heapless::Vec<u8, MAX_MEMBERS>> {
    let mut sorted: heapless::Vec<u8, MAX_MEMBERS> = heapless::Vec::new();
    for i in 0..fields.len() {
        let i = u8::try_from(i).map_err(|_| Error::TooManyMembers)?;
        sorted.push(i).map_err(|_| Error::TooManyMembers)?;
    }
    let name = |i: &u8| fields.get(usize::from(*i)).map(|f| f.0.as_bytes());
    insertion_sort(&mut sorted, |a, b| name(a).cmp(&name(b)));
    if sorted
        .windows(2)
        .any(|w| matches!(w, [a, b] if name(a) == name(b)))
    {
        return Err(Error::DuplicateMember);
    }
    Ok(sorted)
}

/// True when `names` are in strictly ascending byte order: for an encoder that lists its
/// fields in the order a sorted rule reads them, checked when it compiles
/// (`const _: () = assert!(names_ascending(&NAMES));`).
///
/// ```
/// use refundwire::canonical::names_ascending;
/// assert!(names_ascending(&["order_id", "ori_order_id", "refund_amt"]));
/// assert!(!names_ascending(&["b", "a"]));
/// assert!(!names_ascending(&["ba", "ab"]));
/// assert!(!names_ascending(&["a", "a"]));
/// assert!(names_ascending(&["", "a", "ab"]));
/// ```
pub const fn names_ascending(names: &[&str]) -> bool {
    let mut rest = names;
    while let [a, b, ..] = rest {
        if !bytes_less(a.as_bytes(), b.as_bytes()) {
            return false;
        }
        if let [_, more @ ..] = rest {
            rest = more;
        }
    }
    true
}

/// `a < b` in byte order, at compile time.
const fn bytes_less(a: &[u8], b: &[u8]) -> bool {
    let (mut a, mut b) = (a, b);
    loop {
        match (a.split_first(), b.split_first()) {
            (Some((x, more_a)), Some((y, more_b))) => {
                if *x < *y {
                    return true;
                }
                if *x > *y {
                    return false;
                }
                a = more_a;
                b = more_b;
            }
            (None, Some(_)) => return true,
            _ => return false,
        }
    }
}

/// The text a typed value contributes (`None` for [`Scalar::Null`]).
fn scalar_text<'t>(value: &Scalar<'t>, digits: &'t mut [u8; 20]) -> Option<&'t [u8]> {
    match *value {
        Scalar::Null => None,
        Scalar::Str(s) => Some(s.as_bytes()),
        Scalar::U64(n) => Some(crate::encoding::format_u64(n, digits).as_bytes()),
        Scalar::Bool(true) => Some(b"true"),
        Scalar::Bool(false) => Some(b"false"),
    }
}

/// Most significant digits a number may have for its `double` text to be known exactly
/// (every decimal of at most 15 significant digits survives a round trip through `double`).
const JAVA_DIGITS_MAX: usize = 15;

/// Writes what Java's `Double.toString` prints for the JSON number `text`:
/// plain notation with at least one fractional digit for 10⁻³ ≤ |v| < 10⁷ (`1` → `1.0`),
/// otherwise `d.dddE±n` (`12345678` → `1.2345678E7`, `0.0001` → `1.0E-4`).
///
/// The digits are the shortest that round-trip, as JDK 19+ prints them. Older JDKs print a few
/// values of 10^15 and above with extra digits (JDK-4511638); amounts never reach there, and a
/// differential test against the JVM covers the range below. Numbers with more than 15
/// significant digits are refused: their `double` is not the number that was sent.
pub fn write_java_double<S: Sink + ?Sized>(text: &str, sink: &mut S) -> Result<()> {
    let unsupported = Error::Unsupported("number beyond double precision");
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => {
            let e = body.get(i + 1..).unwrap_or_default();
            let e = e.strip_prefix('+').unwrap_or(e);
            (
                body.get(..i).unwrap_or_default(),
                e.parse::<i32>().map_err(|_| unsupported)?,
            )
        }
        None => (body, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // Significant digits, and the power of ten of the first one (value = 0.d1d2… × 10^point).
    let mut digits = [0u8; JAVA_DIGITS_MAX];
    let mut n = 0;
    let mut point = i32::try_from(int.len())
        .map_err(|_| unsupported)?
        .saturating_add(exp);
    for b in int.bytes().chain(frac.bytes()) {
        if !b.is_ascii_digit() {
            return Err(Error::InvalidField("number"));
        }
        if n == 0 && b == b'0' {
            point = point.saturating_sub(1);
            continue;
        }
        *digits.get_mut(n).ok_or(unsupported)? = b;
        n += 1;
    }
    while n > 0 && digits.get(n - 1) == Some(&b'0') {
        n -= 1;
    }
    if negative {
        sink.write(b"-")?;
    }
    let digits = digits.get(..n).unwrap_or_default();
    if digits.is_empty() {
        return sink.write(b"0.0");
    }
    let sci = point.saturating_sub(1); // value = d1.d2… × 10^sci
    if !(-307..=308).contains(&sci) {
        // Subnormal, zero or infinite as a double: no text of the number that was sent.
        return Err(unsupported);
    }
    if (-3..7).contains(&sci) {
        if sci.is_negative() {
            sink.write(b"0.")?;
            for _ in 0..(-sci - 1) {
                sink.write(b"0")?;
            }
            sink.write(digits)
        } else {
            let int_len = usize::try_from(sci + 1).map_err(|_| unsupported)?;
            let (i, f) = digits.split_at(int_len.min(digits.len()));
            sink.write(i)?;
            for _ in i.len()..int_len {
                sink.write(b"0")?;
            }
            sink.write(b".")?;
            sink.write(if f.is_empty() { b"0" } else { f })
        }
    } else {
        let (first, rest) = digits.split_at(1);
        sink.write(first)?;
        sink.write(b".")?;
        sink.write(if rest.is_empty() { b"0" } else { rest })?;
        sink.write(b"E")?;
        let mut buf = [0u8; 20];
        if sci.is_negative() {
            sink.write(b"-")?;
        }
        sink.write(crate::encoding::format_u64(u64::from(sci.unsigned_abs()), &mut buf).as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::Cursor;

    fn java(text: &str) -> heapless::String<48> {
        let mut buf = [0u8; 48];
        let mut c = Cursor::new(&mut buf);
        write_java_double(text, &mut c).unwrap();
        heapless::String::try_from(core::str::from_utf8(c.finish()).unwrap()).unwrap()
    }

    #[test]
    fn java_double_text() {
        // Expected strings are what `System.out.println(Double.toString(x))` prints on the JDK.
        for (input, expected) in [
            ("1", "1.0"),
            ("51558", "51558.0"),
            ("0", "0.0"),
            ("-0", "-0.0"),
            ("10.50", "10.5"),
            ("0.001", "0.001"),
            ("0.0001", "1.0E-4"),
            ("9999999", "9999999.0"),
            ("10000000", "1.0E7"),
            ("12345678", "1.2345678E7"),
            ("-2.5", "-2.5"),
            ("1.5e2", "150.0"),
            ("0.00012", "1.2E-4"),
            ("100", "100.0"),
        ] {
            assert_eq!(java(input), expected, "{input}");
        }
        let mut buf = [0u8; 48];
        assert!(write_java_double("1234567890123456", &mut Cursor::new(&mut buf)).is_err());
        // Exponents that would overflow the arithmetic or leave double's range are refused.
        for text in [
            "0.01e-2147483648",
            "1e2147483647",
            "1e309",
            "1e-330",
            "000.0001e-2147483647",
        ] {
            assert!(
                write_java_double(text, &mut Cursor::new(&mut buf)).is_err(),
                "{text}"
            );
        }
    }

    #[test]
    fn sorted_values_matches_ottpay_appendix_a() {
        // OTTPay Appendix A's worked example (vectors/ottpay.json, appendix_a_official).
        let obj = Object::parse(
            "{\"orderId\":\"1234567890\",\"idCardName\":\"张三\",\"idCardNum\":\"123456789012345678\",\"bankCardNum\":\"62000000000010\",\"mobile\":\"13711111111\",\"idCardType\":\"1\"}".as_bytes(),
        )
        .unwrap();
        let mut buf = [0u8; 128];
        let mut c = Cursor::new(&mut buf);
        assert!(!sorted_values(&obj, NumberForm::Plain, &mut c).unwrap());
        assert_eq!(
            core::str::from_utf8(c.finish()).unwrap(),
            "62000000000010张三1234567890123456781137111111111234567890"
        );
    }

    fn pairs(doc: &[u8]) -> Result<heapless::String<256>> {
        let obj = Object::parse(doc)?;
        let mut buf = [0u8; 256];
        let mut c = Cursor::new(&mut buf);
        sorted_pairs(&obj, "sign", &mut c)?;
        Ok(heapless::String::try_from(core::str::from_utf8(c.finish()).unwrap()).unwrap())
    }

    #[test]
    fn sorted_pairs_follows_newpay_rule() {
        // Expected strings written by hand from the rule on protocols/newpay.md.
        assert_eq!(
            pairs(br#"{"timestamp":1663738614280,"payMethod":1,"appId":"a","sign":"zz"}"#).unwrap(),
            "appId=a&payMethod=1&timestamp=1663738614280"
        );
        // Nulls skipped, empty kept, `&`/`=` raw, escapes resolved, names unescaped.
        assert_eq!(
            pairs(br#"{"z":"","y":null,"x":"a&b=c","w":"\u00e9\/\"","v\u0061":true}"#).unwrap(),
            "va=true&w=\u{e9}/\"&x=a&b=c&z="
        );
        // Byte order: upper case before lower case, shorter prefix first.
        assert_eq!(
            pairs(br#"{"ab":1,"a":2,"B":3,"b":4}"#).unwrap(),
            "B=3&a=2&ab=1&b=4"
        );
        assert_eq!(pairs(br#"{"sign":"only"}"#).unwrap(), "");
        assert_eq!(
            pairs(br#"{"a":1,"a":2}"#).unwrap_err(),
            Error::DuplicateMember
        );
        assert!(matches!(
            pairs(br#"{"a":[1]}"#).unwrap_err(),
            Error::Unsupported(_)
        ));
        // A nested `sign` is excluded before its type matters.
        assert_eq!(pairs(br#"{"sign":{"x":1},"a":"b"}"#).unwrap(), "a=b");
    }

    #[test]
    fn sorted_pairs_typed_matches_raw_rule() {
        let mut buf = [0u8; 128];
        let mut c = Cursor::new(&mut buf);
        sorted_pairs_typed(
            &[
                ("refundOrderNo", Scalar::Str("R&1")),
                ("callBackUrl", Scalar::Str("")),
                ("flag", Scalar::Bool(false)),
                ("gone", Scalar::Null),
                ("timestamp", Scalar::U64(0)),
            ],
            &mut c,
        )
        .unwrap();
        assert_eq!(
            c.finish(),
            b"callBackUrl=&flag=false&refundOrderNo=R&1&timestamp=0"
        );
        let mut buf = [0u8; 32];
        assert_eq!(
            sorted_pairs_typed(
                &[("a", Scalar::U64(1)), ("a", Scalar::Null)],
                &mut Cursor::new(&mut buf)
            ),
            Err(Error::DuplicateMember)
        );
        let mut small = [0u8; 4];
        assert_eq!(
            sorted_pairs_typed(&[("abc", Scalar::Str("def"))], &mut Cursor::new(&mut small)),
            Err(Error::BufferTooSmall { needed: 7 })
        );
    }

    #[test]
    fn insertion_sort_orders_and_keeps_equal_items_in_order() {
        let mut pairs = [(2, 'a'), (1, 'b'), (2, 'c'), (0, 'd'), (1, 'e')];
        insertion_sort(&mut pairs, |a, b| a.0.cmp(&b.0));
        assert_eq!(pairs, [(0, 'd'), (1, 'b'), (1, 'e'), (2, 'a'), (2, 'c')]);
        let mut reversed: [u8; MAX_MEMBERS] = core::array::from_fn(|i| (MAX_MEMBERS - 1 - i) as u8);
        insertion_sort(&mut reversed, Ord::cmp);
        assert_eq!(reversed, core::array::from_fn(|i| i as u8));
        let mut empty: [u8; 0] = [];
        insertion_sort(&mut empty, Ord::cmp);
        let mut one = [7];
        insertion_sort(&mut one, Ord::cmp);
        assert_eq!(one, [7]);
    }

    #[test]
    fn sorted_members_indexes_every_member_in_name_order() {
        // Byte order of the unescaped names: "" < "B" < "ab" (escaped) < "ab " < "b".
        let obj = Object::parse(br#"{"b":1,"a\u0062":[2],"":null,"B":"x","ab ":{}}"#).unwrap();
        let sorted = sorted_members(&obj).unwrap();
        assert_eq!(sorted.len(), 5);
        assert!(!sorted.is_empty());
        let values: heapless::Vec<&str, 8> =
            sorted.iter().map(|m| m.unwrap().value.raw()).collect();
        assert_eq!(values, ["null", "\"x\"", "[2]", "{}", "1"]);

        let empty = Object::parse(b" {} ").unwrap();
        let sorted = sorted_members(&empty).unwrap();
        assert!(sorted.is_empty());
        assert_eq!(sorted.len(), 0);
        assert_eq!(sorted.iter().count(), 0);
    }

    /// More names than are compared directly, sorted through their keys: against byte order
    /// of the unescaped names, over shuffled subsets of names that share prefixes, end within
    /// a key's bytes or past them, or hold escapes inside or past them.
    #[test]
    fn sorting_by_name_keys_agrees_with_byte_order_of_the_unescaped_names() {
        // (as sent, unescaped); no two alike once unescaped.
        const NAMES: [(&str, &str); 24] = [
            ("tranNo", "tranNo"),
            ("tranStatus", "tranStatus"),
            ("tranInfo", "tranInfo"),
            ("tran", "tran"),
            ("tranNoX", "tranNoX"),
            ("refundOrderAmt", "refundOrderAmt"),
            ("refundOrderNo", "refundOrderNo"),
            ("newpayOrderNo", "newpayOrderNo"),
            ("newpayRefundOrderNo", "newpayRefundOrderNo"),
            ("a", "a"),
            ("", ""),
            ("abcdefg", "abcdefg"),
            ("abcdefgh", "abcdefgh"),
            ("abcdef\\u0067i", "abcdefgi"),
            ("\\u0074ranZ", "tranZ"),
            ("tr\\u0061nA", "tranA"),
            ("ab\\u0063", "abc"),
            ("\\u00e9", "\u{e9}"),
            ("\u{e9}1", "\u{e9}1"),
            ("Z", "Z"),
            ("\\\\x", "\\x"),
            ("x\\\"y", "x\"y"),
            ("refundOrde\\u0072B", "refundOrderB"),
            ("newpay", "newpay"),
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut doc = [0u8; 1024];
        for _ in 0..3_000 {
            // A shuffled subset of more than `FEW_NAMES`.
            let mut order: [usize; NAMES.len()] = core::array::from_fn(|i| i);
            for i in (1..order.len()).rev() {
                order.swap(i, (next() % (i as u64 + 1)) as usize);
            }
            let n = FEW_NAMES + 1 + (next() % (NAMES.len() - FEW_NAMES) as u64) as usize;
            let picked = &order[..n];
            let mut c = Cursor::new(&mut doc);
            c.write(b"{").unwrap();
            for (k, &i) in picked.iter().enumerate() {
                if k > 0 {
                    c.write(b",").unwrap();
                }
                c.write(b"\"").unwrap();
                c.write(NAMES[i].0.as_bytes()).unwrap();
                c.write(b"\":").unwrap();
                let mut digits = [0u8; 20];
                c.write(crate::encoding::format_u64(i as u64, &mut digits).as_bytes())
                    .unwrap();
            }
            c.write(b"}").unwrap();
            let obj = Object::parse(c.finish()).unwrap();
            let got: heapless::Vec<&str, 32> = sorted_members(&obj)
                .unwrap()
                .iter()
                .map(|m| m.unwrap().value.raw())
                .collect();
            let mut expected: heapless::Vec<usize, 32> = picked.iter().copied().collect();
            expected.sort_by(|&a, &b| NAMES[a].1.as_bytes().cmp(NAMES[b].1.as_bytes()));
            assert_eq!(got.len(), n);
            for (raw, &i) in got.iter().zip(&expected) {
                assert_eq!(raw.parse::<usize>().unwrap(), i, "{:?}", obj.raw());
            }
        }
    }

    #[test]
    fn sorted_members_index_is_one_word_per_member() {
        // The most members an object may have, sent in reverse name order.
        let mut doc = [0u8; 16 * MAX_MEMBERS];
        let mut c = Cursor::new(&mut doc);
        c.write(b"{").unwrap();
        for i in (0..MAX_MEMBERS).rev() {
            let d = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
            c.write(b"\"m").unwrap();
            c.write(&d).unwrap();
            c.write(b"\":").unwrap();
            let mut digits = [0u8; 20];
            c.write(crate::encoding::format_u64(i as u64, &mut digits).as_bytes())
                .unwrap();
            c.write(if i == 0 { b"}" } else { b"," }).unwrap();
        }
        let obj = Object::parse(c.finish()).unwrap();
        let sorted = sorted_members(&obj).unwrap();
        assert_eq!(sorted.len(), MAX_MEMBERS);
        for (i, m) in sorted.iter().enumerate() {
            assert_eq!(m.unwrap().value.raw().parse::<usize>().unwrap(), i);
        }
        // The index is what sits on the stack of every sorted rule: offsets, not members.
        assert!(
            core::mem::size_of::<SortedMembers<'_>>()
                <= core::mem::size_of::<Object<'_>>()
                    + (MAX_MEMBERS + 2) * core::mem::size_of::<usize>()
        );
    }

    #[test]
    fn sorted_pairs_typed_counts_its_fields() {
        let mut buf = [0u8; 8];
        let fields = [("a", Scalar::Null); MAX_MEMBERS + 1];
        assert_eq!(
            sorted_pairs_typed(&fields, &mut Cursor::new(&mut buf)),
            Err(Error::TooManyMembers)
        );
        // As many as an object may have are fine (all null here: nothing written).
        let names: [[u8; 2]; MAX_MEMBERS] =
            core::array::from_fn(|i| [b'a' + (i / 26) as u8, b'a' + (i % 26) as u8]);
        let fields: [(&str, Scalar<'_>); MAX_MEMBERS] =
            core::array::from_fn(|i| (core::str::from_utf8(&names[i]).unwrap(), Scalar::Null));
        let mut c = Cursor::new(&mut buf);
        sorted_pairs_typed(&fields, &mut c).unwrap();
        assert_eq!(c.finish(), b"");
    }

    #[test]
    fn sorted_values_skips_null_and_refuses_nesting() {
        let obj = Object::parse(br#"{"b":1,"a":null,"c":true,"d":"x\ny"}"#).unwrap();
        let mut buf = [0u8; 32];
        let mut c = Cursor::new(&mut buf);
        assert!(sorted_values(&obj, NumberForm::JavaDouble, &mut c).unwrap());
        assert_eq!(c.finish(), b"1.0truex\ny");
        let nested = Object::parse(br#"{"a":{"b":1}}"#).unwrap();
        let mut buf = [0u8; 32];
        assert!(sorted_values(&nested, NumberForm::Plain, &mut Cursor::new(&mut buf)).is_err());
    }

    #[test]
    fn name_order_lists_positions_in_byte_order() {
        // Expected orders worked out by hand: "" < "a" < "ab" < "b" < "ba" < "b\u{e9}".
        assert_eq!(
            name_order(&["b", "ab", "a", "", "ba", "b\u{e9}"]),
            [3, 2, 1, 0, 4, 5]
        );
        assert_eq!(name_order(&["z", "y", "x"]), [2, 1, 0]);
        assert_eq!(name_order(&["x", "y", "z"]), [0, 1, 2]);
        assert_eq!(name_order::<0>(&[]), []);
    }

    /// Walks `doc` looking up `names` as a decoder does, then writes its sorted values and
    /// its pairs without `sign` from the index the walk left. Returns whether every member
    /// was listed, the values and the pairs.
    fn from_walk<const N: usize>(
        doc: &[u8],
        names: &[&'static str; N],
    ) -> (bool, heapless::String<64>, heapless::String<64>) {
        let lookup = crate::json::Lookup::new(names);
        let (mut found, mut offsets) = ([None; N], crate::json::Offsets::new());
        let obj = Object::parse_lookup(doc, &lookup, &mut found, Some(&mut offsets)).unwrap();
        let order = name_order(names);
        let sorted = SortedIndex::of(&obj, names, &found, &order, &mut offsets);
        let listed = matches!(sorted, SortedIndex::Listed { .. });
        let (mut values, mut pairs) = ([0u8; 64], [0u8; 64]);
        let mut c = Cursor::new(&mut values);
        sorted_values_in(&obj, &sorted, NumberForm::Plain, &mut c).unwrap();
        let values = core::str::from_utf8(c.finish())
            .unwrap()
            .try_into()
            .unwrap();
        let mut c = Cursor::new(&mut pairs);
        sorted_pairs_checked_in(&obj, &sorted, "sign", &mut c, |_| Ok(())).unwrap();
        let pairs = core::str::from_utf8(c.finish())
            .unwrap()
            .try_into()
            .unwrap();
        (listed, values, pairs)
    }

    #[test]
    fn a_walk_of_listed_names_is_read_in_name_order_without_sorting() {
        const NAMES: [&str; 5] = ["sign", "b", "n", "a", "z"];
        // Only listed names: the values the walk found, in name order (`null` skipped).
        let (listed, values, pairs) = from_walk(br#"{"b":"2","sign":"S","a":1,"n":null}"#, &NAMES);
        assert!(listed);
        assert_eq!(values.as_str(), "12S");
        assert_eq!(pairs.as_str(), "a=1&b=2");
    }

    #[test]
    fn a_walk_with_an_unlisted_name_sorts_every_member() {
        const NAMES: [&str; 5] = ["sign", "b", "n", "a", "z"];
        // `c` and the escaped `\u0061a` ("aa") are not looked up: each takes its place.
        let (listed, values, pairs) = from_walk(
            br#"{"b":"2","c":true,"sign":"S","\u0061a":"x","a":1}"#,
            &NAMES,
        );
        assert!(!listed);
        assert_eq!(values.as_str(), "1x2trueS");
        assert_eq!(pairs.as_str(), "a=1&aa=x&b=2&c=true");
        // An empty name is a member like any other.
        let (listed, values, _) = from_walk(br#"{"":"e","a":1}"#, &NAMES);
        assert!(!listed);
        assert_eq!(values.as_str(), "e1");
    }
}
