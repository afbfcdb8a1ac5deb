//! The validating scanner.

use super::words::{WORD, find, quote_or_backslash, same_bytes, skip_container, string_special};
use super::{JsonStr, Lookup};
use crate::error::{Error, Result};

/// Deepest nesting of arrays and objects the scanner accepts.
pub const MAX_DEPTH: usize = 32;
/// Most members an object may have when it is opened as an [`Object`] (the duplicate-name
/// check keeps a fixed-capacity index of this size).
pub const MAX_MEMBERS: usize = 64;

/// Set in an [`Object::name_key_at`] that cannot order its name.
pub(crate) const NAME_KEY_ESCAPED: usize = 0x80;

/// The JSON type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `null`
    Null,
    /// `true` or `false`
    Bool,
    /// A number (its text is kept exactly as sent).
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

/// A validated JSON value: its kind and its exact text in the document.
#[derive(Debug, Clone, Copy)]
pub struct Value<'a> {
    doc: &'a str,
    start: usize,
    end: usize,
    kind: Kind,
    /// A string holding an escape (as the scan that stepped over it saw). Load-bearing:
    /// [`JsonStr`]s read text without escapes as bytes (NewPay's ambiguity check among
    /// them), so a string that holds one must never say it does not.
    escaped: bool,
}

impl<'a> Value<'a> {
    /// The JSON type.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The exact text of the value as sent (strings include their quotes).
    pub fn raw(&self) -> &'a str {
        self.doc.get(self.start..self.end).unwrap_or_default()
    }

    /// Byte range of the value within the document that was scanned.
    pub fn span(&self) -> core::ops::Range<usize> {
        self.start..self.end
    }

    /// The string contents, when this is a string.
    pub fn as_str(&self) -> Option<JsonStr<'a>> {
        if self.kind != Kind::String {
            return None;
        }
        // Inside the quotes, sliced from the document once.
        self.doc
            .get(self.start + 1..self.end.saturating_sub(1))
            .map(|text| JsonStr::from_scanned(text, self.escaped))
    }

    /// The bytes of a scalar whose text is its own bytes: a string without escapes (inside
    /// its quotes), a number or a boolean. `None` for anything else. Bytes, not a `str`: a
    /// writer needs no check of where characters start.
    pub(crate) fn own_text(&self) -> Option<&'a [u8]> {
        let span = match self.kind {
            Kind::String if !self.escaped => self.start + 1..self.end.checked_sub(1)?,
            Kind::Number | Kind::Bool => self.start..self.end,
            _ => return None,
        };
        self.doc.as_bytes().get(span)
    }

    /// The number text, when this is a number.
    pub fn as_number(&self) -> Option<&'a str> {
        (self.kind == Kind::Number).then(|| self.raw())
    }

    /// The boolean, when this is `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match (self.kind, self.raw()) {
            (Kind::Bool, "true") => Some(true),
            (Kind::Bool, _) => Some(false),
            _ => None,
        }
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        self.kind == Kind::Null
    }

    /// Opens an object value (checking it for duplicate member names).
    pub fn as_object(&self) -> Result<Option<Object<'a>>> {
        if self.kind != Kind::Object {
            return Ok(None);
        }
        Object::open(self.doc, self.start, self.end).map(Some)
    }

    /// [`as_object`](Self::as_object) and [`Object::pick`] in one pass over the members.
    pub fn as_object_pick<const N: usize>(
        &self,
        names: [&str; N],
    ) -> Result<Option<(Object<'a>, [Option<Value<'a>>; N])>> {
        if self.kind != Kind::Object {
            return Ok(None);
        }
        let mut found = [None; N];
        let obj = Object::open_into(self.doc, self.start, self.end, &names, &mut found)?;
        Ok(Some((obj, found)))
    }
}

/// One member of an object: the name and the value.
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    /// The member name.
    pub name: JsonStr<'a>,
    /// The member value.
    pub value: Value<'a>,
}

/// A validated JSON object without duplicate member names.
#[derive(Debug, Clone, Copy)]
pub struct Object<'a> {
    doc: &'a str,
    start: usize,
    end: usize,
    len: usize,
}

impl<'a> Object<'a> {
    /// Scans `input`, which must be exactly one JSON object (whitespace around it allowed).
    pub fn parse(input: &'a [u8]) -> Result<Self> {
        let doc = utf8(input)?;
        Self::parse_str(doc)
    }

    /// [`parse`](Self::parse) and [`pick`](Self::pick) in one: the members named `names` are
    /// found in the same pass that checks the member names for duplicates.
    pub fn parse_pick<const N: usize>(
        input: &'a [u8],
        names: [&str; N],
    ) -> Result<(Self, [Option<Value<'a>>; N])> {
        let mut found = [None; N];
        let obj = Self::parse_into(input, &names, &mut found)?;
        Ok((obj, found))
    }

    /// The body of [`parse_pick`](Self::parse_pick), once for every count of names.
    fn parse_into(
        input: &'a [u8],
        names: &[&str],
        found: &mut [Option<Value<'a>>],
    ) -> Result<Self> {
        let doc = utf8(input)?;
        Self::parse_doc(doc, names, found)
    }

    /// Validates `input`, one object, and opens in the same walk the member objects that
    /// `opens` describe (`opens[0]` is the document's own object): each one's names are
    /// checked for duplicates, its `names` found into `found[i]`, and the object itself (when
    /// the member is one) put into `opened[i]`. The bytes are walked once, however deep the
    /// opened objects lie; a member that is not an object is left to its reader.
    pub(crate) fn parse_opening(
        input: &'a [u8],
        opens: &[Open<'_>],
        found: &mut [&mut [Option<Value<'a>>]],
        opened: &mut [Option<Object<'a>>],
    ) -> Result<Self> {
        let doc = utf8(input)?;
        Self::parse_doc_opening(doc, opens, found, opened, None)
    }

    /// [`parse_opening`](Self::parse_opening) of a document and one member object: `names`
    /// found into `found`, and the object at `names[member]` opened with `member_names` found
    /// into `member_found` (and, with `member_index`, where each of its members starts, in
    /// document order: [`Offsets`]). Returns the document and that object (`None` when the
    /// member is absent or not an object).
    pub(crate) fn parse_opening_member(
        input: &'a [u8],
        names: &Lookup<'_>,
        found: &mut [Option<Value<'a>>],
        member: usize,
        member_names: &Lookup<'_>,
        member_found: &mut [Option<Value<'a>>],
        member_index: Option<&mut Offsets>,
    ) -> Result<(Self, Option<Object<'a>>)> {
        let opens = [Open::document(names), Open::member(0, member, member_names)];
        let mut opened = [None; 2];
        let doc = utf8(input)?;
        let index = member_index.map(|at| Index { level: 1, at });
        let doc =
            Self::parse_doc_opening(doc, &opens, &mut [found, member_found], &mut opened, index)?;
        Ok((doc, opened[1]))
    }

    /// Like [`parse`](Self::parse), for text already known to be UTF-8.
    pub fn parse_str(doc: &'a str) -> Result<Self> {
        Self::parse_doc(doc, &[], &mut [])
    }

    /// Validates `doc`, one object, and indexes its members in the same pass: each member's
    /// value is validated as it is stepped over, the names are checked for duplicates and
    /// `names` are found (one walk of the top level, not a validating walk and then another).
    fn parse_doc(doc: &'a str, names: &[&str], found: &mut [Option<Value<'a>>]) -> Result<Self> {
        let names = Lookup::linear(names);
        Self::parse_doc_opening(doc, &[Open::document(&names)], &mut [found], &mut [], None)
    }

    /// Parses `input`, one object, finding the members of `names` into `found[i]` in the walk
    /// that validates it ([`parse_pick`](Self::parse_pick) for a decoder's constant list),
    /// and with `index`, where each member starts, in document order ([`Offsets`], for a
    /// sorted string-to-sign that would otherwise walk the object again to find them).
    pub(crate) fn parse_lookup(
        input: &'a [u8],
        names: &Lookup<'_>,
        found: &mut [Option<Value<'a>>],
        index: Option<&mut Offsets>,
    ) -> Result<Self> {
        let doc = utf8(input)?;
        let index = index.map(|at| Index { level: 0, at });
        Self::parse_doc_opening(doc, &[Open::document(names)], &mut [found], &mut [], index)
    }

    /// The body of [`parse_doc`](Self::parse_doc) and [`parse_opening`](Self::parse_opening).
    fn parse_doc_opening(
        doc: &'a str,
        opens: &[Open<'_>],
        found: &mut [&mut [Option<Value<'a>>]],
        opened: &mut [Option<Object<'a>>],
        index: Option<Index<'_>>,
    ) -> Result<Self> {
        let mut sc = Scanner::new(doc);
        sc.skip_ws();
        let start = sc.pos;
        if sc.peek() != Some(b'{') {
            // Not an object: what is wrong with it is the scanner's to say.
            let value = sc.value(0)?;
            return Err(Error::Json {
                offset: value.start,
            });
        }
        let walk = Walk {
            from: start + 1,
            end: doc.len(),
            depth: 1,
            validate: true,
        };
        let (len, close) = Self::index_opening(doc, walk, 0, opens, found, opened, index)?;
        // `index_opening` stops at the closing brace without stepping over it.
        sc.pos = close;
        sc.expect(b'}')?;
        sc.skip_ws();
        if sc.pos != doc.len() {
            return Err(Error::Json { offset: sc.pos });
        }
        let object = Object {
            doc,
            start,
            end: close + 1,
            len,
        };
        if let Some(out) = opened.first_mut() {
            *out = Some(object);
        }
        Ok(object)
    }

    /// Opens a validated object span and checks its member names for duplicates.
    fn open(doc: &'a str, start: usize, end: usize) -> Result<Self> {
        Self::open_into(doc, start, end, &[], &mut [])
    }

    /// [`open`](Self::open), also finding the members named `names` in the same pass (into
    /// slices, so that each count of names does not get a copy of this in flash).
    fn open_into(
        doc: &'a str,
        start: usize,
        end: usize,
        names: &[&str],
        found: &mut [Option<Value<'a>>],
    ) -> Result<Self> {
        let mut obj = Object {
            doc,
            start,
            end,
            len: 0,
        };
        let walk = Walk {
            from: start.saturating_add(1),
            end,
            depth: 1,
            validate: false,
        };
        obj.len = Self::index_members(doc, walk, names, found)?.0;
        Ok(obj)
    }

    /// Walks the members `walk` starts at to the end of their object: checks the names for
    /// duplicates and puts the values of `names` into `found`. Returns the number of members
    /// and where the closing brace is.
    fn index_members(
        doc: &'a str,
        walk: Walk,
        names: &[&str],
        found: &mut [Option<Value<'a>>],
    ) -> Result<(usize, usize)> {
        Self::index_opening(
            doc,
            walk,
            0,
            &[Open::document(&Lookup::linear(names))],
            &mut [found],
            &mut [],
            None,
        )
    }

    /// [`index_members`](Self::index_members) for the object of `opens[level]`, whose found
    /// values go to `found[level]`. A member that holds the object of a later `Open` (one
    /// whose parent is `level`) and starts with `{` is indexed in this same walk, by this
    /// function one level down, and its object goes to `opened`.
    fn index_opening(
        doc: &'a str,
        walk: Walk,
        level: usize,
        opens: &[Open<'_>],
        found: &mut [&mut [Option<Value<'a>>]],
        opened: &mut [Option<Object<'a>>],
        index: Option<Index<'_>>,
    ) -> Result<(usize, usize)> {
        // Made here from a few words, not handed in memory, so that the compiler can keep the
        // walk's cursor in a register rather than store and reload it at every step.
        let mut members = Members::from(doc, walk.from, walk.end, walk.validate, walk.depth);
        debug_assert!(
            found.len() >= opens.len(),
            "one `found` slice for every `Open`"
        );
        let names = opens.get(level).map_or(&Lookup::NONE, |o| o.names);
        // Duplicate names, found two ways. A name looked up is a duplicate when its slot was
        // already taken (bit `i` of `taken` for `names[i]`): one test, where comparing it with
        // every earlier name took a call each. Any other name can only equal another name not
        // looked up: those are kept where they start (their opening quotes) and compared
        // where they lie, one word each on the stack rather than a copy of each name.
        let mut taken = 0u64;
        let mut unlisted: heapless::Vec<usize, MAX_MEMBERS> = heapless::Vec::new();
        let mut len = 0usize;
        // This level's member offsets, when asked for; otherwise the request goes down.
        let (mut record, mut below) = match index {
            Some(Index { level: l, at }) if l == level => (Some(at), None),
            other => (None, other),
        };
        // Bit `i`: `names[i]` may hold the object of a later `Open`.
        let has_child = opens
            .iter()
            .skip(level + 1)
            .filter(|o| o.parent == level && o.member < 64)
            .fold(0u64, |bits, o| bits | 1u64 << o.member);
        // This level's found values, taken out of `found` for the walk (the levels below
        // fill theirs) and put back when it succeeds (after an error the callers read none).
        let here = found
            .get_mut(level)
            .map(core::mem::take)
            .unwrap_or_default();
        // Which of the names the walk expects next, when they come in an order
        // ([`Lookup::expecting`]): tried in place before a name is scanned and looked up.
        let mut expect = 0usize;
        loop {
            let predicted = names
                .expected(expect)
                .filter(|&(_, name)| members.step_expected(name));
            let (name, slot) = match predicted {
                Some((i, name)) => {
                    expect += 1;
                    (JsonStr::from_scanned(name, false), Some(i))
                }
                None => match members.step_name()? {
                    Some(name) => {
                        let slot = names.position(&name);
                        if let Some(i) = slot {
                            expect = names.after(i, expect);
                        }
                        (name, slot)
                    }
                    None => break,
                },
            };
            // Past the 64th entry of `names` a name is kept as if it were not looked up.
            match slot.filter(|&i| i < 64).map(|i| 1u64 << i) {
                Some(bit) if taken & bit != 0 => return Err(Error::DuplicateMember),
                Some(bit) => taken |= bit,
                None => {
                    for &earlier in &unlisted {
                        if name_eq_at(doc, earlier, &name)? {
                            return Err(Error::DuplicateMember);
                        }
                    }
                    unlisted
                        .push(members.at)
                        .map_err(|_| Error::TooManyMembers)?;
                }
            }
            len += 1;
            if len > MAX_MEMBERS {
                return Err(Error::TooManyMembers);
            }
            // After the checks, so that recording refuses nothing the walk would not.
            if let Some(at) = record.as_deref_mut() {
                at.push(members.at).map_err(|_| Error::TooManyMembers)?;
            }
            // Most members hold no opened object: one bit test says so.
            let child = slot
                .filter(|&i| i >= 64 || has_child & (1u64 << i) != 0)
                .and_then(|i| {
                    opens
                        .iter()
                        .enumerate()
                        .skip(level + 1)
                        .find(|(_, o)| o.parent == level && o.member == i)
                        .map(|(c, _)| c)
                });
            let value = match child {
                // Only a validating walk has children (`parse_opening`'s), and each level
                // of them is a later entry of `opens`: the recursion ends.
                Some(child) if members.sc.peek() == Some(b'{') => {
                    let start = members.sc.pos;
                    let inner = Walk {
                        from: start + 1,
                        end: members.end,
                        depth: members.depth + 1,
                        validate: true,
                    };
                    let below = below.as_mut().map(|ix| Index {
                        level: ix.level,
                        at: &mut *ix.at,
                    });
                    let (len, close) =
                        Self::index_opening(doc, inner, child, opens, found, opened, below)?;
                    // The inner walk stops at its closing brace without stepping over it.
                    members.sc.pos = close;
                    members.sc.expect(b'}')?;
                    let object = Object {
                        doc,
                        start,
                        end: members.sc.pos,
                        len,
                    };
                    if let Some(out) = opened.get_mut(child) {
                        *out = Some(object);
                    }
                    Value {
                        doc,
                        start,
                        end: object.end,
                        kind: Kind::Object,
                        escaped: false,
                    }
                }
                _ => members.step_value()?,
            };
            if let Some(out) = slot.and_then(|i| here.get_mut(i)) {
                *out = Some(value);
            }
        }
        if let Some(slot) = found.get_mut(level) {
            *slot = here;
        }
        Ok((len, members.sc.pos))
    }

    /// The length of the whole document the object was read from.
    pub(crate) fn document_len(&self) -> usize {
        self.doc.len()
    }

    /// The exact text of the object as sent, braces included.
    pub fn raw(&self) -> &'a str {
        self.doc.get(self.start..self.end).unwrap_or_default()
    }

    /// Byte range of the object within the scanned document.
    pub fn span(&self) -> core::ops::Range<usize> {
        self.start..self.end
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for `{}`.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The members in document order.
    pub fn members(&self) -> Members<'a> {
        Members::from(self.doc, self.start.saturating_add(1), self.end, false, 1)
    }

    /// The name of the member at `at` (see [`member_at`](Self::member_at)), without stepping
    /// over its value.
    pub(crate) fn name_at(&self, at: usize) -> Result<JsonStr<'a>> {
        if at <= self.start || at >= self.end {
            return Err(Error::Json { offset: at });
        }
        name_at(self.doc, at)
    }

    /// Orders the names whose opening quotes are at `a` and `b` (offsets
    /// [`Members::next_at`] gave for this object) as [`JsonStr::cmp_unescaped`] does. Names
    /// without escapes are compared where they lie, byte by byte, without reading them
    /// back first. A name that cannot be read back orders as equal (its member's read-back
    /// reports the error).
    pub(crate) fn cmp_names_at(&self, a: usize, b: usize) -> core::cmp::Ordering {
        use core::cmp::Ordering;
        let doc = self.doc.as_bytes();
        let (mut i, mut j) = (a + 1, b + 1);
        loop {
            let (Some(&x), Some(&y)) = (doc.get(i), doc.get(j)) else {
                return Ordering::Equal;
            };
            match (x, y) {
                (b'\\', _) | (_, b'\\') => break,
                (b'"', b'"') => return Ordering::Equal,
                (b'"', _) => return Ordering::Less,
                (_, b'"') => return Ordering::Greater,
                _ if x != y => return x.cmp(&y),
                _ => {}
            }
            i += 1;
            j += 1;
        }
        match (self.name_at(a), self.name_at(b)) {
            (Ok(a), Ok(b)) => a.cmp_unescaped(&b),
            _ => Ordering::Equal,
        }
    }

    /// A sort key for the name whose opening quote is at byte `at`: its first bytes (a word
    /// less one: seven on a host, three on a Cortex-M) as a big-endian number, zero past the
    /// name's end, above the low byte; and [`NAME_KEY_ESCAPED`] when those bytes hold an
    /// escape (the key then says nothing of the order). The low seven bits are zero, for the
    /// caller's use. A raw name holds no zero byte, so a name that ends sooner orders first,
    /// as in byte order.
    pub(crate) fn name_key_at(&self, at: usize) -> usize {
        let doc = self.doc.as_bytes();
        let Some(word) = doc
            .get(at + 1..at + 1 + WORD)
            .and_then(|w| w.try_into().ok())
            .map(usize::from_le_bytes)
        else {
            return NAME_KEY_ESCAPED;
        };
        // The first quote or backslash (exact: false marks only come above a true one).
        let stop = quote_or_backslash(word).trailing_zeros() as usize / 8;
        let len = stop.min(WORD - 1);
        if stop < WORD - 1 && doc.get(at + 1 + stop) == Some(&b'\\') {
            return NAME_KEY_ESCAPED;
        }
        // The bytes before `len` kept, the first made the most significant.
        let kept = word
            & usize::MAX
                .checked_shr((8 * (WORD - len)) as u32)
                .unwrap_or(0);
        kept.swap_bytes()
    }

    /// The member whose name's opening quote is at byte `at` of the document: an offset that
    /// [`Members::next_at`] gave for this object. Reading one member back costs a scan of that
    /// member only, so an index of offsets can stand in for a copy of the members.
    pub(crate) fn member_at(&self, at: usize) -> Result<Member<'a>> {
        if at <= self.start || at >= self.end {
            return Err(Error::Json { offset: at });
        }
        // One member of validated text, stepped over here rather than by a `Members` walk
        // (whose `Result<Option<Member>>` goes through memory).
        let name = name_at(self.doc, at)?;
        self.value_after(at, name)
    }

    /// [`member_at`](Self::member_at), or `None` when the member is named `skip`: its value
    /// is then not stepped over (a signature's long text, left out of what it signs).
    pub(crate) fn member_at_unless(&self, at: usize, skip: &str) -> Result<Option<Member<'a>>> {
        if at <= self.start || at >= self.end {
            return Err(Error::Json { offset: at });
        }
        let name = name_at(self.doc, at)?;
        if name.eq_str(skip) {
            return Ok(None);
        }
        self.value_after(at, name).map(Some)
    }

    /// The member whose name, `name`, has its opening quote at `at`.
    #[inline]
    fn value_after(&self, at: usize, name: JsonStr<'a>) -> Result<Member<'a>> {
        let mut sc = Scanner::new(self.doc);
        // Just past the name's closing quote.
        sc.pos = at + name.raw().len() + 2;
        sc.skip_ws();
        sc.expect(b':')?;
        sc.skip_ws();
        let start = sc.pos;
        let scanned = sc.skip_value_kind()?;
        if sc.pos > self.end {
            return Err(sc.err());
        }
        Ok(Member {
            name,
            value: sc.stepped(start, scanned),
        })
    }

    /// The value of member `name`, if present (`null` included).
    pub fn get(&self, name: &str) -> Option<Value<'a>> {
        self.members()
            .filter_map(Result::ok)
            .find(|m| m.name.eq_str(name))
            .map(|m| m.value)
    }

    /// Looks up several members in one pass: the values of `names`, in the same order
    /// (`None` when absent). Cheaper than one [`get`](Self::get) per name on long objects.
    pub fn pick<const N: usize>(&self, names: [&str; N]) -> [Option<Value<'a>>; N] {
        let mut found = [None; N];
        self.pick_into(&names, &mut found);
        found
    }

    /// The body of [`pick`](Self::pick), once for every count of names.
    fn pick_into(&self, names: &[&str], found: &mut [Option<Value<'a>>]) {
        for member in self.members().filter_map(Result::ok) {
            if let Some(i) = names.iter().position(|n| member.name.eq_str(n)) {
                if let Some(slot) = found.get_mut(i) {
                    *slot = Some(member.value);
                }
            }
        }
    }

    /// Which of `names` the object has, in one pass over its members: bit `i` is set when
    /// `names[i]` is a member (with `skip_null`, a member that is `null` does not count).
    /// Names past the 64th are never reported.
    pub fn member_bits(&self, names: &[&str], skip_null: bool) -> u64 {
        let mut bits = 0u64;
        if names.is_empty() {
            return bits;
        }
        for member in self.members().filter_map(Result::ok) {
            if skip_null && member.value.is_null() {
                continue;
            }
            for (i, name) in names.iter().enumerate().take(64) {
                if member.name.eq_str(name) {
                    bits |= 1 << i;
                }
            }
        }
        bits
    }

    /// The first of `names` (in the order given) that is a member, in one pass over the
    /// members (with `skip_null`, a member that is `null` does not count). Cheaper than one
    /// [`get`](Self::get) per name, which walks the members once for each.
    pub fn first_member_of(&self, names: &[&'static str], skip_null: bool) -> Option<&'static str> {
        first_set(names, self.member_bits(names, skip_null))
    }

    /// The first of `names` (in the order given) that is not a member, in one pass (with
    /// `skip_null`, a member that is `null` counts as missing).
    pub fn first_missing_of(
        &self,
        names: &[&'static str],
        skip_null: bool,
    ) -> Option<&'static str> {
        first_set(names, !self.member_bits(names, skip_null))
    }

    /// Member `name` if present and not `null`.
    fn present(&self, name: &str) -> Option<Value<'a>> {
        self.get(name).filter(|v| !v.is_null())
    }

    /// String member `name`; `None` when absent or `null`; another type is an error.
    pub fn opt_str(&self, name: &'static str) -> Result<Option<JsonStr<'a>>> {
        self.present(name)
            .map(|v| v.as_str().ok_or(Error::InvalidField(name)))
            .transpose()
    }

    /// Required string member `name`.
    pub fn str(&self, name: &'static str) -> Result<JsonStr<'a>> {
        self.opt_str(name)?.ok_or(Error::MissingField(name))
    }

    /// Number member `name` as its exact text; `None` when absent or `null`.
    pub fn opt_number(&self, name: &'static str) -> Result<Option<&'a str>> {
        self.present(name)
            .map(|v| v.as_number().ok_or(Error::InvalidField(name)))
            .transpose()
    }

    /// Required number member `name` as its exact text.
    pub fn number(&self, name: &'static str) -> Result<&'a str> {
        self.opt_number(name)?.ok_or(Error::MissingField(name))
    }

    /// Integer member `name` (a JSON number without fraction or exponent).
    pub fn opt_i64(&self, name: &'static str) -> Result<Option<i64>> {
        self.opt_number(name)?
            .map(|n| n.parse::<i64>().map_err(|_| Error::InvalidField(name)))
            .transpose()
    }

    /// Required integer member `name`.
    pub fn i64(&self, name: &'static str) -> Result<i64> {
        self.opt_i64(name)?.ok_or(Error::MissingField(name))
    }

    /// Boolean member `name`; `None` when absent or `null`.
    pub fn opt_bool(&self, name: &'static str) -> Result<Option<bool>> {
        self.present(name)
            .map(|v| v.as_bool().ok_or(Error::InvalidField(name)))
            .transpose()
    }

    /// Object member `name`; `None` when absent or `null`.
    pub fn opt_object(&self, name: &'static str) -> Result<Option<Object<'a>>> {
        match self.present(name) {
            None => Ok(None),
            Some(v) => v.as_object()?.ok_or(Error::InvalidField(name)).map(Some),
        }
    }

    /// Required object member `name`.
    pub fn object(&self, name: &'static str) -> Result<Object<'a>> {
        self.opt_object(name)?.ok_or(Error::MissingField(name))
    }

    /// What [`opt_str`](Self::opt_str) says of a member already looked up (by
    /// [`pick`](Self::pick), say): `None` when absent or `null`, [`Error::InvalidField`] when
    /// not a string.
    pub fn member_str(value: Option<Value<'a>>, name: &'static str) -> Result<Option<JsonStr<'a>>> {
        value
            .filter(|v| !v.is_null())
            .map(|v| v.as_str().ok_or(Error::InvalidField(name)))
            .transpose()
    }

    /// What [`opt_number`](Self::opt_number) says of a member already looked up.
    pub fn member_number(value: Option<Value<'a>>, name: &'static str) -> Result<Option<&'a str>> {
        value
            .filter(|v| !v.is_null())
            .map(|v| v.as_number().ok_or(Error::InvalidField(name)))
            .transpose()
    }

    /// [`member_object`](Self::member_object) and [`pick`](Self::pick) in one walk of the
    /// object's members.
    pub fn member_object_pick<const N: usize>(
        value: Option<Value<'a>>,
        name: &'static str,
        names: [&str; N],
    ) -> Result<(Object<'a>, [Option<Value<'a>>; N])> {
        let mut found = [None; N];
        let obj = Self::member_object_into(value, name, &names, &mut found)?;
        Ok((obj, found))
    }

    /// The body of [`member_object_pick`](Self::member_object_pick), into slices (one copy
    /// in flash for every count of names, and no arrays moved through the callers' frames).
    pub(crate) fn member_object_into(
        value: Option<Value<'a>>,
        name: &'static str,
        names: &[&str],
        found: &mut [Option<Value<'a>>],
    ) -> Result<Object<'a>> {
        match value.filter(|v| !v.is_null()) {
            Some(v) if v.kind == Kind::Object => {
                Object::open_into(v.doc, v.start, v.end, names, found)
            }
            Some(_) => Err(Error::InvalidField(name)),
            None => Err(Error::MissingField(name)),
        }
    }

    /// What [`member_object`](Self::member_object) says of a member whose object
    /// [`parse_opening`](Self::parse_opening) opened (`opened`) or left alone (not an object).
    pub(crate) fn member_opened(
        value: Option<Value<'a>>,
        opened: Option<Object<'a>>,
        name: &'static str,
    ) -> Result<Object<'a>> {
        match value.filter(|v| !v.is_null()) {
            None => Err(Error::MissingField(name)),
            Some(_) => opened.ok_or(Error::InvalidField(name)),
        }
    }

    /// What [`opt_bool`](Self::opt_bool) says of a member already looked up.
    pub fn member_bool(value: Option<Value<'a>>, name: &'static str) -> Result<Option<bool>> {
        value
            .filter(|v| !v.is_null())
            .map(|v| v.as_bool().ok_or(Error::InvalidField(name)))
            .transpose()
    }

    /// The first of `names` whose value in `values` (looked up by [`pick`](Self::pick), in
    /// the same order) is there and not `null`: what [`first_member_of`](Self::first_member_of)
    /// says, without another walk.
    pub fn first_present(
        names: &[&'static str],
        values: &[Option<Value<'a>>],
    ) -> Option<&'static str> {
        names
            .iter()
            .zip(values)
            .find(|(_, v)| v.is_some_and(|v| !v.is_null()))
            .map(|(name, _)| *name)
    }

    /// What [`object`](Self::object) says of a member already looked up (by
    /// [`pick`](Self::pick), say): the object, [`Error::MissingField`] when absent or `null`,
    /// [`Error::InvalidField`] when another type.
    pub fn member_object(value: Option<Value<'a>>, name: &'static str) -> Result<Object<'a>> {
        match value.filter(|v| !v.is_null()) {
            None => Err(Error::MissingField(name)),
            Some(v) => v.as_object()?.ok_or(Error::InvalidField(name)),
        }
    }
}

/// `input` as text: JSON is UTF-8, and invalid bytes are refused where they start.
fn utf8(input: &[u8]) -> Result<&str> {
    core::str::from_utf8(input).map_err(|e| Error::Json {
        offset: e.valid_up_to(),
    })
}

/// The name whose opening quote is at byte `at` of `doc` (a validated document).
fn name_at(doc: &str, at: usize) -> Result<JsonStr<'_>> {
    let mut sc = Scanner::new(doc);
    sc.pos = at;
    let escaped = sc.skip_string()?;
    let raw = doc
        .get(at + 1..sc.pos - 1)
        .ok_or(Error::Json { offset: at })?;
    Ok(JsonStr::from_scanned(raw, escaped))
}

/// Whether the name whose opening quote is at byte `at` of `doc` (a validated document)
/// equals `name` once unescaped. Compared where it lies, byte by byte: only a name with an
/// escape is read back.
fn name_eq_at(doc: &str, at: usize, name: &JsonStr<'_>) -> Result<bool> {
    if !name.has_escapes() {
        let bytes = doc.as_bytes();
        let text = name.raw().as_bytes();
        let from = at + 1;
        // Most names already differ in their first bytes (an empty name's is its quote).
        let first = bytes.get(from).copied();
        if first != Some(b'\\') && first != Some(text.first().copied().unwrap_or(b'"')) {
            return Ok(false);
        }
        // Equal up to where they first differ; neither has an escape before it (`name` has
        // none, and the earlier name matched it), so they differ unless the earlier one has
        // an escape just there.
        let same = bytes
            .get(from..)
            .unwrap_or_default()
            .iter()
            .zip(text)
            .take_while(|(a, b)| a == b)
            .count();
        match bytes.get(from + same) {
            Some(b'"') if same == text.len() => return Ok(true),
            Some(b'\\') => {}
            _ => return Ok(false),
        }
    }
    Ok(name_at(doc, at)?.cmp_unescaped(name).is_eq())
}

/// The name of the lowest bit set in `bits` (bit `i` for `names[i]`, the first 64 only).
fn first_set(names: &[&'static str], bits: u64) -> Option<&'static str> {
    match bits.trailing_zeros() {
        64 => None,
        i => names.get(i as usize).copied(),
    }
}

/// JSON's whitespace: space, tab, line feed, carriage return.
const fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Where the members of an object start (their names' opening quotes), in document order:
/// what a validating walk hands a sorted string-to-sign (`canonical::*_in`), which would
/// otherwise walk the object again to find them. One word per member.
pub(crate) type Offsets = heapless::Vec<usize, MAX_MEMBERS>;

/// Where [`Object::index_opening`] walks members from: just inside an object's brace (`from`)
/// up to `end`, values at `depth`, validated or (text validated before) skipped.
#[derive(Debug, Clone, Copy)]
struct Walk {
    from: usize,
    end: usize,
    depth: usize,
    validate: bool,
}

/// Which opened object's [`Offsets`] a walk records (`level`: its entry in the `Open`s).
struct Index<'o> {
    level: usize,
    at: &'o mut Offsets,
}

/// An object that a validating walk opens where it lies (see [`Object::parse_opening`]).
///
/// The first `Open` of a list is the document's own object; every later one names its
/// parent (an earlier entry) and which of the parent's `names` holds it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Open<'n> {
    /// The entry whose object holds this one.
    parent: usize,
    /// Which of the parent's `names` holds this object.
    member: usize,
    /// The members to find in this object.
    names: &'n Lookup<'n>,
}

impl<'n> Open<'n> {
    /// The document's own object, with the members to find in it.
    pub(crate) const fn document(names: &'n Lookup<'n>) -> Self {
        Open {
            parent: 0,
            member: 0,
            names,
        }
    }

    /// The object at the parent's `names[member]` (`parent` an earlier entry), with the
    /// members to find in it.
    pub(crate) const fn member(parent: usize, member: usize, names: &'n Lookup<'n>) -> Self {
        Open {
            parent,
            member,
            names,
        }
    }
}

/// Iterator over an object's members, in document order.
#[derive(Debug, Clone)]
pub struct Members<'a> {
    sc: Scanner<'a>,
    end: usize,
    first: bool,
    done: bool,
    /// Where the name of the member last read starts (its opening quote).
    at: usize,
    /// Validate names and values while stepping (the first walk of a document), rather than
    /// skip over text validated before.
    validate: bool,
    /// How deep the values stepped over lie (1: members of the document's object).
    depth: usize,
}

impl<'a> Members<'a> {
    /// The members of `doc` from byte `pos` (just inside an object's brace, or a member's
    /// name) up to `end`, validated as stepped over or skipped; their values lie at `depth`.
    fn from(doc: &'a str, pos: usize, end: usize, validate: bool, depth: usize) -> Self {
        Members {
            sc: Scanner { doc, pos },
            end,
            first: true,
            done: false,
            at: 0,
            validate,
            depth,
        }
    }

    fn step(&mut self) -> Result<Option<Member<'a>>> {
        let Some(name) = self.step_name()? else {
            return Ok(None);
        };
        let value = self.step_value()?;
        Ok(Some(Member { name, value }))
    }

    /// Steps over the next member's name and its colon, leaving the value to read: `None` at
    /// the closing brace (not stepped over).
    #[inline(always)]
    fn step_name(&mut self) -> Result<Option<JsonStr<'a>>> {
        self.sc.skip_ws();
        if !self.first {
            match self.sc.peek() {
                Some(b',') => {
                    self.sc.pos += 1;
                    self.sc.skip_ws();
                }
                Some(b'}') => return Ok(None),
                _ => return Err(self.sc.err()),
            }
        } else if self.sc.peek() == Some(b'}') {
            return Ok(None);
        }
        self.first = false;
        self.at = self.sc.pos;
        let name_start = self.at + 1;
        // Once validated, text is skipped rather than validated again.
        let escaped = if self.validate {
            self.sc.string_escaped()?
        } else {
            self.sc.skip_string()?
        };
        let raw = self
            .sc
            .doc
            .get(name_start..self.sc.pos - 1)
            .ok_or_else(|| self.sc.err())?;
        self.sc.skip_ws();
        self.sc.expect(b':')?;
        self.sc.skip_ws();
        Ok(Some(JsonStr::from_scanned(raw, escaped)))
    }

    /// [`step_name`](Self::step_name) when the next member is `"name":` exactly as written
    /// here (no escape, no space before the colon; spaces after the comma, as pretty-printed
    /// text has, are stepped over): steps over it and says so; otherwise leaves the cursor
    /// where the member starts, for `step_name`. `name` is plain text
    /// ([`Lookup::expecting`] checks that), so the bytes matched need no validation.
    #[inline(always)]
    fn step_expected(&mut self, name: &str) -> bool {
        self.sc.skip_ws();
        let bytes = self.sc.doc.as_bytes();
        let mut at = self.sc.pos;
        if !self.first {
            if bytes.get(at) != Some(&b',') {
                return false;
            }
            at += 1;
            // Pretty-printed text breaks the line here.
            if bytes.get(at) != Some(&b'"') {
                while bytes.get(at).copied().is_some_and(is_space) {
                    at += 1;
                }
            }
        }
        let from = at + 1;
        let to = from + name.len();
        let quoted = bytes.get(at) == Some(&b'"')
            && bytes
                .get(from..to)
                .is_some_and(|n| same_bytes(n, name.as_bytes()))
            && bytes.get(to..to + 2) == Some(b"\":");
        if quoted {
            self.first = false;
            self.at = at;
            self.sc.pos = to + 2;
            self.sc.skip_ws();
        }
        quoted
    }

    /// Steps over the value of the member whose name [`step_name`](Self::step_name) read.
    #[inline(always)]
    fn step_value(&mut self) -> Result<Value<'a>> {
        let start = self.sc.pos;
        let scanned = if self.validate {
            // Most values are strings: scanned here, where the walk inlines the scan, rather
            // than through a call that returns its result through memory.
            if self.depth <= MAX_DEPTH && self.sc.peek() == Some(b'"') {
                Scanned {
                    kind: Kind::String,
                    escaped: self.sc.string_escaped()?,
                }
            } else if let Some(end) = self
                .sc
                .plain_integer_end()
                .filter(|_| self.depth <= MAX_DEPTH)
            {
                // Codes, amounts and statuses: digits alone, stepped over here too.
                self.sc.pos = end;
                Scanned::of(Kind::Number)
            } else {
                let depth = self.depth;
                self.sc.on_copy(|sc| sc.value_kind(depth))?
            }
        } else {
            self.sc.on_copy(Scanner::skip_value_kind)?
        };
        if self.sc.pos > self.end {
            return Err(self.sc.err());
        }
        Ok(self.sc.stepped(start, scanned))
    }
}

impl<'a> Members<'a> {
    /// The next member with the document offset of its name's opening quote, which
    /// [`Object::member_at`] reads it back from (for indexes that keep offsets, not members).
    pub(crate) fn next_at(&mut self) -> Option<Result<(usize, Member<'a>)>> {
        let item = self.next()?;
        Some(item.map(|member| (self.at, member)))
    }
}

impl<'a> Iterator for Members<'a> {
    type Item = Result<Member<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.step().transpose();
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}

#[derive(Debug, Clone)]
struct Scanner<'a> {
    doc: &'a str,
    pos: usize,
}

/// What stepping over a value found: its kind and, for a string, whether it holds an escape.
/// Returned as two bytes: the flag once went through a field of the scanner, and the walk's
/// wider load of that field right after the scan's byte store stalled on store forwarding.
#[derive(Debug, Clone, Copy)]
struct Scanned {
    kind: Kind,
    escaped: bool,
}

impl Scanned {
    const fn of(kind: Kind) -> Self {
        Scanned {
            kind,
            escaped: false,
        }
    }
}

impl<'a> Scanner<'a> {
    fn new(doc: &'a str) -> Self {
        Scanner { doc, pos: 0 }
    }

    /// Runs `step` (a call the compiler keeps out of line) on a copy of the scanner and takes
    /// its position back, whether it succeeded or not: given the scanner itself, the call
    /// would keep the walk's cursor in memory, stored and reloaded at every step.
    #[inline(always)]
    fn on_copy<T>(&mut self, step: impl FnOnce(&mut Self) -> T) -> T {
        let mut copy = self.clone();
        let out = step(&mut copy);
        self.pos = copy.pos;
        out
    }

    fn err(&self) -> Error {
        Error::Json { offset: self.pos }
    }

    fn peek(&self) -> Option<u8> {
        self.doc.as_bytes().get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn expect(&mut self, b: u8) -> Result<()> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err())
        }
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_space) {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &str) -> Result<()> {
        let end = self.pos.saturating_add(word.len());
        if self.doc.as_bytes().get(self.pos..end) == Some(word.as_bytes()) {
            self.pos = end;
            Ok(())
        } else {
            Err(self.err())
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>> {
        let start = self.pos;
        let scanned = self.value_kind(depth)?;
        Ok(self.stepped(start, scanned))
    }

    /// The value `scanned` from `start` to the cursor, just stepped over.
    fn stepped(&self, start: usize, scanned: Scanned) -> Value<'a> {
        Value {
            doc: self.doc,
            start,
            end: self.pos,
            kind: scanned.kind,
            escaped: scanned.escaped,
        }
    }

    /// Validates the value at the cursor and steps over it: what it was. (Returned alone, not
    /// as a whole `Value`: a `Result` that large goes through memory, and reading it back
    /// stalled the walks that call this once per member.)
    fn value_kind(&mut self, depth: usize) -> Result<Scanned> {
        if depth > MAX_DEPTH {
            return Err(Error::JsonTooDeep);
        }
        let kind = match self.peek() {
            Some(b'{') => {
                self.container(depth, b'}', true)?;
                Kind::Object
            }
            Some(b'[') => {
                self.container(depth, b']', false)?;
                Kind::Array
            }
            Some(b'"') => {
                return Ok(Scanned {
                    kind: Kind::String,
                    escaped: self.string_escaped()?,
                });
            }
            Some(b't') => {
                self.literal("true")?;
                Kind::Bool
            }
            Some(b'f') => {
                self.literal("false")?;
                Kind::Bool
            }
            Some(b'n') => {
                self.literal("null")?;
                Kind::Null
            }
            Some(b'-' | b'0'..=b'9') => {
                self.number()?;
                Kind::Number
            }
            _ => return Err(self.err()),
        };
        Ok(Scanned::of(kind))
    }

    /// Steps over a value of an already validated document without checking it again
    /// (brackets are matched and strings skipped; malformed input still cannot panic): what
    /// it was.
    fn skip_value_kind(&mut self) -> Result<Scanned> {
        let bytes = self.doc.as_bytes();
        let kind = match self.peek() {
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(b'"') => {
                return Ok(Scanned {
                    kind: Kind::String,
                    escaped: self.skip_string()?,
                });
            }
            Some(b't' | b'f') => Kind::Bool,
            Some(b'n') => Kind::Null,
            Some(b'-' | b'0'..=b'9') => Kind::Number,
            _ => return Err(self.err()),
        };
        if matches!(kind, Kind::Object | Kind::Array) {
            self.pos = skip_container(bytes, self.pos).ok_or_else(|| self.err())?;
        } else {
            let rest = bytes.get(self.pos..).unwrap_or_default();
            self.pos += rest
                .iter()
                .position(|&b| matches!(b, b',' | b'}' | b']') || is_space(b))
                .unwrap_or(rest.len());
        }
        Ok(Scanned::of(kind))
    }

    /// Steps over a string of an already validated document.
    /// Returns whether the string contains an escape.
    fn skip_string(&mut self) -> Result<bool> {
        self.expect(b'"')?;
        let mut escaped = false;
        let bytes = self.doc.as_bytes();
        loop {
            let i = find(bytes, self.pos, quote_or_backslash, |b| {
                b == b'"' || b == b'\\'
            })
            .ok_or_else(|| self.err())?;
            self.pos = i + 1;
            if bytes.get(i) == Some(&b'"') {
                return Ok(escaped);
            }
            escaped = true;
            self.pos += 1; // the escaped character
        }
    }

    fn container(&mut self, depth: usize, close: u8, is_object: bool) -> Result<()> {
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(());
        }
        loop {
            if is_object {
                self.string_escaped()?;
                self.skip_ws();
                self.expect(b':')?;
                self.skip_ws();
            }
            self.value_kind(depth + 1)?;
            self.skip_ws();
            match self.bump() {
                Some(b',') => self.skip_ws(),
                Some(c) if c == close => return Ok(()),
                // At the byte that does not belong, or where the text ended.
                Some(_) => {
                    self.pos -= 1;
                    return Err(self.err());
                }
                None => return Err(self.err()),
            }
        }
    }

    /// Scans a string; returns whether it holds an escape.
    ///
    /// Most strings are plain text up to their closing quote: that is looked for here, where
    /// it inlines into the walks (a call per string cost more than its scan of a short
    /// name). Anything else — an escape, a control, the text's end — is read again from the
    /// opening quote by [`string_slow`](Self::string_slow).
    #[inline]
    fn string_escaped(&mut self) -> Result<bool> {
        let bytes = self.doc.as_bytes();
        if bytes.get(self.pos) == Some(&b'"') {
            let end = find(bytes, self.pos + 1, string_special, |b| {
                b == b'"' || b == b'\\' || b < 0x20
            });
            if let Some(end) = end.filter(|&i| bytes.get(i) == Some(&b'"')) {
                self.pos = end + 1;
                return Ok(false);
            }
        }
        self.on_copy(Scanner::string_slow)
    }

    /// [`string_escaped`](Self::string_escaped) of a string that holds an escape or a
    /// control, or is not one: validated byte by byte from the cursor.
    #[inline(never)]
    fn string_slow(&mut self) -> Result<bool> {
        let mut escaped = false;
        self.expect(b'"')?;
        loop {
            // Skip plain text a word at a time; only quotes, escapes and controls need a look.
            let bytes = self.doc.as_bytes();
            self.pos = find(bytes, self.pos, string_special, |b| {
                b == b'"' || b == b'\\' || b < 0x20
            })
            .unwrap_or(bytes.len());
            match self.bump() {
                None => return Err(self.err()),
                Some(b'"') => break,
                Some(b'\\') => match self.bump().inspect(|_| escaped = true) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                    Some(b'u') => {
                        let hi = self.hex4()?;
                        if (0xD800..0xDC00).contains(&hi) {
                            // A high surrogate must be followed by an escaped low surrogate.
                            self.expect(b'\\')?;
                            self.expect(b'u')?;
                            let lo = self.hex4()?;
                            if !(0xDC00..0xE000).contains(&lo) {
                                return Err(self.err());
                            }
                        } else if (0xDC00..0xE000).contains(&hi) {
                            return Err(self.err());
                        }
                    }
                    _ => {
                        self.pos = self.pos.saturating_sub(1);
                        return Err(self.err());
                    }
                },
                Some(c) if c < 0x20 => {
                    self.pos -= 1;
                    return Err(self.err());
                }
                Some(_) => {}
            }
        }
        Ok(escaped)
    }

    fn hex4(&mut self) -> Result<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = self
                .peek()
                .and_then(|b| (b as char).to_digit(16))
                .ok_or_else(|| self.err())?;
            self.pos += 1;
            v = (v << 4) | d;
        }
        Ok(v)
    }

    /// Where a number at the cursor ends when it is a plain positive integer (a digit from 1
    /// to 9, then digits, with no fraction or exponent after them): what
    /// [`number`](Self::number) steps over then, found without a call. `None` for any other
    /// value, left to `number`.
    #[inline(always)]
    fn plain_integer_end(&self) -> Option<usize> {
        let bytes = self.doc.as_bytes();
        if !matches!(bytes.get(self.pos), Some(b'1'..=b'9')) {
            return None;
        }
        let mut end = self.pos + 1;
        while matches!(bytes.get(end), Some(b'0'..=b'9')) {
            end += 1;
        }
        match bytes.get(end) {
            Some(b'.' | b'e' | b'E') => None,
            _ => Some(end),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<()> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err()),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.err());
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_members_and_raw_spans() {
        let doc =
            br#" { "a" : "x\"y", "n": -1.5e3, "t": true, "z": null, "o": {"k": [1, {"q": 2}]} } "#;
        let obj = Object::parse(doc).unwrap();
        assert_eq!(obj.len(), 5);
        assert_eq!(obj.str("a").unwrap().raw(), r#"x\"y"#);
        assert_eq!(obj.number("n").unwrap(), "-1.5e3");
        assert_eq!(obj.opt_bool("t").unwrap(), Some(true));
        assert_eq!(obj.opt_str("z").unwrap(), None);
        assert_eq!(obj.get("o").unwrap().raw(), r#"{"k": [1, {"q": 2}]}"#);
        assert_eq!(
            obj.object("o").unwrap().get("k").unwrap().kind(),
            Kind::Array
        );
        assert_eq!(obj.str("n"), Err(Error::InvalidField("n")));
        assert_eq!(obj.str("missing"), Err(Error::MissingField("missing")));
        let [o, n, z, none] = obj.pick(["o", "n", "z", "none"]);
        assert_eq!(Object::member_object(o, "o").unwrap().len(), 1);
        assert_eq!(
            Object::member_object(n, "n").unwrap_err(),
            Error::InvalidField("n")
        );
        assert_eq!(
            Object::member_object(z, "z").unwrap_err(),
            Error::MissingField("z")
        );
        assert_eq!(
            Object::member_object(none, "x").unwrap_err(),
            Error::MissingField("x")
        );
        let [a, n, z, o, none] = obj.pick(["a", "n", "z", "o", "none"]);
        assert_eq!(
            Object::member_str(a, "a").unwrap().unwrap().raw(),
            r#"x\"y"#
        );
        assert_eq!(Object::member_str(n, "n"), Err(Error::InvalidField("n")));
        assert_eq!(Object::member_str(z, "z"), Ok(None));
        assert_eq!(Object::member_str(none, "none"), Ok(None));
        assert_eq!(Object::member_number(n, "n"), Ok(Some("-1.5e3")));
        assert_eq!(Object::member_number(a, "a"), Err(Error::InvalidField("a")));
        assert_eq!(Object::member_number(z, "z"), Ok(None));
        assert_eq!(Object::member_number(none, "none"), Ok(None));
        // Opening and picking in one pass finds what `pick` finds on the opened object.
        let (top, [o2, t, missing]) = Object::parse_pick(doc, ["o", "t", "missing"]).unwrap();
        assert_eq!(top.len(), 5);
        assert_eq!(o2.unwrap().span(), o.unwrap().span());
        assert_eq!(t.unwrap().raw(), "true");
        assert!(missing.is_none());
        let (inner, [k]) = o2.unwrap().as_object_pick(["k"]).unwrap().unwrap();
        assert_eq!(inner.len(), 1);
        assert_eq!(k.unwrap().kind(), Kind::Array);
        assert!(t.unwrap().as_object_pick(["k"]).unwrap().is_none());
        assert_eq!(
            Object::parse_pick(br#"{"a":1,"a":2}"#, ["a"]).unwrap_err(),
            Error::DuplicateMember
        );
        assert!(Object::parse_pick(b"[1]", ["a"]).is_err());
        assert!(Object::parse_pick(b"{} x", ["a"]).is_err());
        assert!(Object::parse_pick(b"\xff", ["a"]).is_err());
        let span = obj.get("n").unwrap().span();
        assert_eq!(&doc[span], b"-1.5e3");
    }

    #[test]
    fn members_read_back_from_their_offsets() {
        let doc = br#" {"a":1, "b\n" : {"c":[2]} ,"d":"e"} "#;
        let obj = Object::parse(doc).unwrap();
        let mut members = obj.members();
        let mut seen = 0;
        while let Some(item) = members.next_at() {
            let (at, member) = item.unwrap();
            assert_eq!(doc[at], b'"');
            let back = obj.member_at(at).unwrap();
            assert_eq!(back.name, member.name);
            assert_eq!(obj.name_at(at).unwrap(), member.name);
            assert_eq!(back.value.span(), member.value.span());
            seen += 1;
        }
        assert_eq!(seen, 3);
        // Offsets that are not where a member starts are errors, never a panic: outside the
        // object, its braces, a colon, a value, a string value's quote.
        let value_quote = doc.len() - 5;
        assert_eq!(&doc[value_quote..], br#""e"} "#);
        for at in [
            0,
            1,
            6,
            7,
            doc.len() - 2,
            doc.len() - 1,
            doc.len(),
            usize::MAX,
            value_quote,
        ] {
            assert!(obj.member_at(at).is_err(), "{at}");
            if at != value_quote {
                assert!(obj.name_at(at).is_err(), "{at}");
            }
        }
    }

    #[test]
    fn finds_the_first_member_of_a_list_in_one_pass() {
        let obj = Object::parse(br#"{"a":1,"b":null,"c\u0064":"x","e":{}}"#).unwrap();
        assert_eq!(obj.member_bits(&["e", "b", "cd", "z"], false), 0b0111);
        assert_eq!(obj.member_bits(&["e", "b", "cd", "z"], true), 0b0101);
        assert_eq!(obj.first_member_of(&["z", "b", "a"], false), Some("b"));
        assert_eq!(obj.first_member_of(&["z", "b", "a"], true), Some("a"));
        assert_eq!(obj.first_member_of(&["z", "y"], false), None);
        assert_eq!(obj.first_member_of(&[], false), None);
        assert_eq!(
            obj.first_missing_of(&["a", "b", "z", "y"], false),
            Some("z")
        );
        assert_eq!(obj.first_missing_of(&["a", "b", "z"], true), Some("b"));
        assert_eq!(obj.first_missing_of(&["a", "cd", "e"], true), None);
        assert_eq!(obj.first_missing_of(&[], true), None);
        // The 65th name and later are never reported, present or not.
        let names: [&'static str; 66] = core::array::from_fn(|i| if i < 64 { "z" } else { "a" });
        assert_eq!(obj.member_bits(&names, false), 0);
        assert_eq!(obj.first_member_of(&names, false), None);
        let names: [&'static str; 65] = core::array::from_fn(|i| if i < 64 { "a" } else { "z" });
        assert_eq!(obj.first_missing_of(&names, false), None);
    }

    #[test]
    fn reads_looked_up_members_without_another_walk() {
        let doc = br#"{"a":1,"b":null,"c\u0064":"x","e":{"k":2,"j":[3]},"f":"s"}"#;
        let (obj, [cd, e, b, z]) = Object::parse_pick(doc, ["cd", "e", "b", "z"]).unwrap();
        assert_eq!(obj.len(), 5);
        assert_eq!(cd.unwrap().raw(), r#""x""#);
        assert!(b.unwrap().is_null() && z.is_none());
        // The first present of a list, `null` not counting.
        let values = [z, b, cd, e];
        assert_eq!(
            Object::first_present(&["z", "b", "cd", "e"], &values),
            Some("cd")
        );
        assert_eq!(Object::first_present(&["z", "b"], &values), None);
        assert_eq!(Object::member_bool(b, "b"), Ok(None));
        assert_eq!(
            Object::member_bool(cd, "cd"),
            Err(Error::InvalidField("cd"))
        );
        let t = Object::parse(br#"{"t":true}"#).unwrap().get("t");
        assert_eq!(Object::member_bool(t, "t"), Ok(Some(true)));
        // A member object opened and read in one walk; what is not an object is refused.
        let (inner, [k, j]) = Object::member_object_pick(e, "e", ["k", "j"]).unwrap();
        assert_eq!(
            (inner.len(), k.unwrap().raw(), j.unwrap().raw()),
            (2, "2", "[3]")
        );
        assert_eq!(
            Object::member_object_pick(cd, "cd", ["k"]).unwrap_err(),
            Error::InvalidField("cd")
        );
        assert_eq!(
            Object::member_object_pick(b, "b", ["k"]).unwrap_err(),
            Error::MissingField("b")
        );
        assert_eq!(
            Object::member_object_pick(z, "z", ["k"]).unwrap_err(),
            Error::MissingField("z")
        );
        let dup = br#"{"e":{"k":1,"\u006b":2}}"#;
        let e = Object::parse(dup).unwrap().get("e");
        assert_eq!(
            Object::member_object_pick(e, "e", ["k"]).unwrap_err(),
            Error::DuplicateMember
        );
    }

    #[test]
    fn the_validating_walk_refuses_what_the_scanner_refuses() {
        // Malformed text anywhere, inside a looked-up member's value or not, is refused by
        // the walk that finds the members, with the offset of the fault.
        for (bad, offset) in [
            (&br#"{"a":[1,],"b":2}"#[..], 8),
            (br#"{"a":1,"b":{"c":tru}}"#, 16),
            (br#"{"a":"\q"}"#, 7),
            (br#" {"a":1} x"#, 9),
            (br#"{"a":1"#, 6),
        ] {
            assert_eq!(
                Object::parse_pick(bad, ["a", "b"]).unwrap_err(),
                Error::Json { offset },
                "{:?}",
                core::str::from_utf8(bad)
            );
        }
        assert_eq!(
            Object::parse(b"[1]").unwrap_err(),
            Error::Json { offset: 0 }
        );
        assert_eq!(Object::parse(b" 1").unwrap_err(), Error::Json { offset: 1 });
    }

    #[test]
    fn orders_names_where_they_lie_as_unescaped_text() {
        use core::cmp::Ordering::{Equal, Greater, Less};
        let doc = br#"{"ab":1,"a":2,"\u0061c":3,"b":4,"a\u0062x":5,"":6}"#;
        let obj = Object::parse(doc).unwrap();
        let mut members = obj.members();
        let mut offsets = heapless::Vec::<usize, 8>::new();
        while let Some(m) = members.next_at() {
            offsets.push(m.unwrap().0).unwrap();
        }
        let [ab, a, ac, b, abx, empty] = offsets.as_slice() else {
            panic!("six members")
        };
        let cmp = |x: &usize, y: &usize| obj.cmp_names_at(*x, *y);
        assert_eq!(cmp(ab, a), Greater); // a prefix sorts first
        assert_eq!(cmp(a, ab), Less);
        assert_eq!(cmp(ab, ac), Less); // "\u0061c" is "ac"
        assert_eq!(cmp(ac, b), Less);
        assert_eq!(cmp(abx, ab), Greater); // "a\u0062x" is "abx"
        assert_eq!(cmp(ab, abx), Less);
        assert_eq!(cmp(empty, a), Less);
        assert_eq!(cmp(ab, ab), Equal);
    }

    #[test]
    fn rejects_duplicates_even_when_escaped() {
        assert_eq!(
            Object::parse(br#"{"refund_amt":"1","refund\u005famt":"2"}"#).unwrap_err(),
            Error::DuplicateMember
        );
        let outer = Object::parse(br#"{"o":{"a":1,"a":2}}"#).unwrap();
        assert_eq!(outer.object("o").unwrap_err(), Error::DuplicateMember);
        // Far apart, after other members.
        assert_eq!(
            Object::parse(br#"{"x":1,"y":{"x":2},"z":3,"x":4}"#).unwrap_err(),
            Error::DuplicateMember
        );
        // Escaped first characters and empty names are compared in full.
        for dup in [
            &br#"{"\u0061b":1,"ab":2}"#[..],
            br#"{"ab":1,"\u0061b":2}"#,
            br#"{"":1,"x":2,"":3}"#,
        ] {
            assert_eq!(Object::parse(dup).unwrap_err(), Error::DuplicateMember);
        }
        assert_eq!(Object::parse(br#"{"":1,"\"":2,"a":3}"#).unwrap().len(), 3);
        // Prefixes and the same name in a nested object are not duplicates.
        let obj = Object::parse(br#"{"a":1,"ab":2,"abc":3,"n":{"a":4}}"#).unwrap();
        assert_eq!(obj.len(), 4);
    }

    #[test]
    fn refuses_duplicates_of_names_looked_up_and_not() {
        let pick = |doc: &[u8]| Object::parse_pick(doc, ["a", "bc"]).map(|(o, _)| o.len());
        // A name looked up, twice: plain, escaped in either place, far apart.
        for doc in [
            &br#"{"a":1,"a":2}"#[..],
            br#"{"\u0061":1,"a":2}"#,
            br#"{"a":1,"x":2,"y":3,"\u0061":4}"#,
            br#"{"bc":1,"a":2,"b\u0063":3}"#,
        ] {
            assert_eq!(pick(doc).unwrap_err(), Error::DuplicateMember, "{doc:?}");
        }
        // A name not looked up, twice, among names that are.
        for doc in [
            &br#"{"x":1,"a":2,"x":3}"#[..],
            br#"{"a":1,"\u0078":2,"bc":3,"x":4}"#,
        ] {
            assert_eq!(pick(doc).unwrap_err(), Error::DuplicateMember, "{doc:?}");
        }
        // Names that only look alike are not duplicates: prefixes, and a name not looked up
        // beside one that is.
        assert_eq!(pick(br#"{"a":1,"ab":2,"b":3,"bc":4,"bcd":5,"":6}"#), Ok(6));
        // Past the 64th name looked up, a name is compared like one not looked up.
        let mut names = [""; 70];
        let labels: [[u8; 3]; 70] =
            core::array::from_fn(|i| [b'n', b'0' + (i / 10) as u8, b'0' + (i % 10) as u8]);
        for (name, label) in names.iter_mut().zip(&labels) {
            *name = core::str::from_utf8(label).unwrap();
        }
        let mut found = [None; 70];
        let doc = br#"{"n66":1,"n01":2,"n66":3}"#;
        assert_eq!(
            Object::parse_into(doc, &names, &mut found).unwrap_err(),
            Error::DuplicateMember
        );
        let doc = br#"{"n66":1,"n01":2,"n67":3}"#;
        let obj = Object::parse_into(doc, &names, &mut found).unwrap();
        assert_eq!(obj.len(), 3);
        assert_eq!(found[66].map(|v| v.raw()), Some("1"));
        assert_eq!(found[67].map(|v| v.raw()), Some("3"));
    }

    #[test]
    fn counts_members_up_to_the_index_capacity() {
        let mut doc = [0u8; 8 * (MAX_MEMBERS + 1) + 2];
        let object = |doc: &mut [u8], members: usize| -> usize {
            let mut n = 0;
            let mut put = |b: u8| {
                doc[n] = b;
                n += 1;
            };
            put(b'{');
            for i in 0..members {
                for b in [
                    b'"',
                    b'0' + (i / 10) as u8,
                    b'0' + (i % 10) as u8,
                    b'"',
                    b':',
                    b'1',
                ] {
                    put(b);
                }
                put(if i + 1 == members { b'}' } else { b',' });
            }
            n
        };
        let n = object(&mut doc, MAX_MEMBERS);
        assert_eq!(Object::parse(&doc[..n]).unwrap().len(), MAX_MEMBERS);
        let n = object(&mut doc, MAX_MEMBERS + 1);
        assert_eq!(Object::parse(&doc[..n]).unwrap_err(), Error::TooManyMembers);
        // Recording where the members start refuses the same, and records all 64.
        let record = |doc: &[u8]| {
            let mut at = Offsets::new();
            Object::parse_lookup(doc, &Lookup::NONE, &mut [], Some(&mut at)).map(|_| at.len())
        };
        let n = object(&mut doc, MAX_MEMBERS);
        assert_eq!(record(&doc[..n]), Ok(MAX_MEMBERS));
        let n = object(&mut doc, MAX_MEMBERS + 1);
        assert_eq!(record(&doc[..n]), Err(Error::TooManyMembers));
        // A 65th member that repeats the first is a duplicate, recorded or not.
        let n = object(&mut doc, MAX_MEMBERS + 1);
        doc[n - 6..n - 4].copy_from_slice(b"00");
        assert_eq!(
            Object::parse(&doc[..n]).unwrap_err(),
            Error::DuplicateMember
        );
        assert_eq!(record(&doc[..n]), Err(Error::DuplicateMember));
    }

    #[test]
    fn rejects_malformed_json() {
        for bad in [
            &b""[..],
            b"[]",
            b"{",
            b"{\"a\":}",
            b"{\"a\":1,}",
            b"{\"a\" 1}",
            b"{\"a\":01}",
            b"{\"a\":1.}",
            b"{\"a\":-}",
            b"{\"a\":1e}",
            b"{\"a\":tru}",
            b"{\"a\":\"\x01\"}",
            b"{\"a\":\"\\x\"}",
            b"{\"a\":\"\\ud800\"}",
            b"{\"a\":\"\\udc00\"}",
            b"{\"a\":\"\xff\"}",
            b"{} {}",
            b"{\"a\":[1 2]}",
        ] {
            assert!(
                Object::parse(bad).is_err(),
                "{:?}",
                core::str::from_utf8(bad)
            );
        }
    }

    #[test]
    fn limits_depth_and_members() {
        let mut doc = [0u8; 128];
        let mut n = 0;
        for b in br#"{"a":"# {
            doc[n] = *b;
            n += 1;
        }
        for _ in 0..40 {
            doc[n] = b'[';
            n += 1;
        }
        for _ in 0..40 {
            doc[n] = b']';
            n += 1;
        }
        doc[n] = b'}';
        n += 1;
        assert_eq!(Object::parse(&doc[..n]).unwrap_err(), Error::JsonTooDeep);
    }

    /// Plain integers are stepped over by the walk itself; every other number by the scanner.
    /// Both end a number where JSON does.
    #[test]
    fn steps_over_numbers_where_they_end() {
        let doc = br#"{"a":7,"b":30095,"c":0,"d":10,"e":1.5,"f":2e3,"g":12E-1,"h":-5,"i":90}"#;
        let obj = Object::parse(doc).unwrap();
        let got = obj.pick(["a", "b", "c", "d", "e", "f", "g", "h", "i"]);
        let raw = got.map(|v| v.map(|v| (v.raw(), v.kind())));
        let expected = ["7", "30095", "0", "10", "1.5", "2e3", "12E-1", "-5", "90"];
        for (got, want) in raw.iter().zip(expected) {
            assert_eq!(*got, Some((want, Kind::Number)));
        }
        // Where a number's text goes wrong, the offset says so.
        for (doc, offset) in [
            (&br#"{"a":01}"#[..], 6),
            (br#"{"a":1.}"#, 7),
            (br#"{"a":1e}"#, 7),
            (br#"{"a":12x}"#, 7),
            (br#"{"a":12"#, 7),
        ] {
            assert_eq!(
                Object::parse(doc).unwrap_err(),
                Error::Json { offset },
                "{doc:?}"
            );
        }
    }

    /// Objects opened one inside another, as deep as the limit allows and one deeper: the
    /// innermost value is refused past the limit whatever its kind (the walk steps over
    /// strings and plain integers itself, without the scanner's depth check).
    #[test]
    fn an_opened_chain_past_the_depth_limit_is_refused() {
        const A: Lookup<'static> = Lookup::hashed(&["a"]);
        const LEVELS: usize = MAX_DEPTH + 1;
        let opens: [Open<'_>; LEVELS] = core::array::from_fn(|i| match i {
            0 => Open::document(&A),
            _ => Open::member(i - 1, 0, &A),
        });
        for inner in [&b"12"[..], b"\"s\"", b"true"] {
            for levels in [MAX_DEPTH, LEVELS] {
                let mut doc = [0u8; 8 * LEVELS];
                let mut n = 0;
                for _ in 0..levels {
                    doc[n..n + 5].copy_from_slice(br#"{"a":"#);
                    n += 5;
                }
                doc[n..n + inner.len()].copy_from_slice(inner);
                n += inner.len();
                doc[n..n + levels].fill(b'}');
                n += levels;
                let mut found = [[None; 1]; LEVELS];
                let mut found = found.each_mut().map(|f| &mut f[..]);
                let mut opened = [None; LEVELS];
                let got =
                    Object::parse_opening(&doc[..n], &opens[..levels], &mut found, &mut opened);
                if levels > MAX_DEPTH {
                    assert_eq!(got.unwrap_err(), Error::JsonTooDeep, "{inner:?}");
                } else {
                    assert!(got.is_ok(), "{inner:?}");
                    let innermost = found[levels - 1][0].unwrap();
                    assert_eq!(innermost.raw().as_bytes(), inner);
                }
            }
        }
    }

    /// `{"r":{"h":…,"b":…},"s":…}` opened three levels deep in one walk, as ScanForPay's
    /// decoders open `response`, its header and its body.
    /// What `open_three_levels` found (`r`, `s`, `h`, `b`, `x`, `y`, `z`) and opened.
    type Opened<'a> = ([Option<Value<'a>>; 7], [Option<Object<'a>>; 4]);
    /// What [`Opened`] found, as raw text and member counts, to compare two walks.
    type OpenedRaw<'a> = ([Option<&'a str>; 7], [Option<(&'a str, usize)>; 4]);

    fn open_three_levels(doc: &[u8]) -> Result<Opened<'_>> {
        // Hashed lists, as the decoders' (the differential test below holds them to a
        // parse-then-open that looks names up in turn).
        const TOP: Lookup<'static> = Lookup::hashed(&["r", "s"]);
        const PARTS: Lookup<'static> = Lookup::hashed(&["h", "b"]);
        const HEADER: Lookup<'static> = Lookup::hashed(&["x", "y"]);
        const BODY: Lookup<'static> = Lookup::hashed(&["z"]);
        open_three_levels_with(doc, [&TOP, &PARTS, &HEADER, &BODY])
    }

    /// [`open_three_levels`] with lists that expect their members in the order listed.
    fn open_three_levels_expecting(doc: &[u8]) -> Result<Opened<'_>> {
        const TOP: Lookup<'static> = Lookup::hashed(&["r", "s"]).expecting(2);
        const PARTS: Lookup<'static> = Lookup::hashed(&["h", "b"]).expecting(2);
        // `y` is listed but not expected: found where it lies, after or before `x`.
        const HEADER: Lookup<'static> = Lookup::hashed(&["x", "y"]).expecting(1);
        const BODY: Lookup<'static> = Lookup::hashed(&["z"]).expecting(1);
        open_three_levels_with(doc, [&TOP, &PARTS, &HEADER, &BODY])
    }

    /// [`open_three_levels`] with lists that expect members in orders of their own: the
    /// header's two the other way round, the top's only its second.
    fn open_three_levels_expecting_another_order(doc: &[u8]) -> Result<Opened<'_>> {
        const TOP_NAMES: [&str; 2] = ["r", "s"];
        const HEADER_NAMES: [&str; 2] = ["x", "y"];
        const TOP_WIRE: [u8; 1] = super::super::positions(&TOP_NAMES, ["s"]);
        const HEADER_WIRE: [u8; 2] = super::super::positions(&HEADER_NAMES, ["y", "x"]);
        const TOP: Lookup<'static> = Lookup::hashed(&TOP_NAMES).expecting_order(&TOP_WIRE);
        const PARTS: Lookup<'static> = Lookup::hashed(&["h", "b"]).expecting(2);
        const HEADER: Lookup<'static> = Lookup::hashed(&HEADER_NAMES).expecting_order(&HEADER_WIRE);
        const BODY: Lookup<'static> = Lookup::hashed(&["z"]).expecting(1);
        open_three_levels_with(doc, [&TOP, &PARTS, &HEADER, &BODY])
    }

    fn open_three_levels_with<'a>(doc: &'a [u8], lists: [&Lookup<'_>; 4]) -> Result<Opened<'a>> {
        let [top_names, parts_names, header_names, body_names] = lists;
        let opens = [
            Open::document(top_names),
            Open::member(0, 0, parts_names),
            Open::member(1, 0, header_names),
            Open::member(1, 1, body_names),
        ];
        let (mut top, mut parts, mut header, mut body) = ([None; 2], [None; 2], [None; 2], [None]);
        let mut opened = [None; 4];
        Object::parse_opening(
            doc,
            &opens,
            &mut [&mut top, &mut parts, &mut header, &mut body],
            &mut opened,
        )?;
        let [r, s] = top;
        let [h, b] = parts;
        let [x, y] = header;
        let [z] = body;
        Ok(([r, s, h, b, x, y, z], opened))
    }

    fn raw_of(v: Option<Value<'_>>) -> Option<&str> {
        v.map(|v| v.raw())
    }

    #[test]
    fn opens_member_objects_in_the_walk_that_validates_them() {
        let doc =
            br#" {"a":[1,{"x":0}],"r":{"b":{"z":true,"x":9},"h":{"y":2,"x":"1"}},"s":"sig"} "#;
        let (found, opened) = open_three_levels(doc).unwrap();
        let raw: [Option<&str>; 7] = found.map(raw_of);
        assert_eq!(
            raw,
            [
                Some(r#"{"b":{"z":true,"x":9},"h":{"y":2,"x":"1"}}"#),
                Some(r#""sig""#),
                Some(r#"{"y":2,"x":"1"}"#),
                Some(r#"{"z":true,"x":9}"#),
                Some(r#""1""#),
                Some("2"),
                Some("true"),
            ]
        );
        let [top, r, h, b] = opened.map(|o| o.map(|o| (o.raw(), o.len())));
        assert_eq!(
            top,
            Some((
                r#"{"a":[1,{"x":0}],"r":{"b":{"z":true,"x":9},"h":{"y":2,"x":"1"}},"s":"sig"}"#,
                3
            ))
        );
        assert_eq!(
            r,
            Some((r#"{"b":{"z":true,"x":9},"h":{"y":2,"x":"1"}}"#, 2))
        );
        assert_eq!(h, Some((r#"{"y":2,"x":"1"}"#, 2)));
        assert_eq!(b, Some((r#"{"z":true,"x":9}"#, 2)));
        // An opened object reads back like one opened afterwards.
        let header = opened[2].unwrap();
        assert_eq!(header.get("x").map(|v| v.raw()), Some(r#""1""#));
    }

    #[test]
    fn leaves_members_that_are_not_objects_to_their_readers() {
        let (found, opened) = open_three_levels(br#"{"r":{"h":"text","b":null},"s":1}"#).unwrap();
        assert_eq!(raw_of(found[2]), Some(r#""text""#));
        assert!(opened[1].is_some());
        assert!(opened[2].is_none() && opened[3].is_none());
        assert_eq!(
            Object::member_opened(found[2], opened[2], "h").unwrap_err(),
            Error::InvalidField("h")
        );
        assert_eq!(
            Object::member_opened(found[3], opened[3], "b").unwrap_err(),
            Error::MissingField("b")
        );
        assert_eq!(
            Object::member_opened(None, None, "c").unwrap_err(),
            Error::MissingField("c")
        );
        assert_eq!(
            Object::member_opened(found[0], opened[1], "r")
                .unwrap()
                .raw(),
            r#"{"h":"text","b":null}"#
        );
        // Without an `r` nothing below it is opened, and the rest is still found.
        let (found, opened) = open_three_levels(br#"{"s":"x","h":{"x":1}}"#).unwrap();
        assert_eq!(
            found.map(raw_of),
            [None, Some(r#""x""#), None, None, None, None, None]
        );
        assert!(opened[0].is_some() && opened[1..].iter().all(Option::is_none));
    }

    #[test]
    fn the_opening_walk_refuses_what_the_scanner_refuses() {
        for doc in [
            &br#"{"r":{"h":{"x":1,"x":2}}}"#[..],
            br#"{"r":{"b":{"z":1,"\u007a":2}}}"#,
            br#"{"r":{"h":{},"h":{}}}"#,
            br#"{"r":{},"r":{}}"#,
        ] {
            assert_eq!(
                open_three_levels(doc).unwrap_err(),
                Error::DuplicateMember,
                "{doc:?}"
            );
        }
        // Malformed text is refused at the offset a plain parse gives.
        for doc in [
            &br#"{"r":{"h":{"x":01}}}"#[..],
            br#"{"r":{"h":{"x":1,}}}"#,
            br#"{"r":{"b":{"z":tru}}}"#,
            br#"{"r":{"b":{"z":"\q"}}}"#,
            br#"{"r":{"h":{"x":1}}"#,
            br#"{"r":{"h":{"x":1}}}}"#,
        ] {
            let plain = Object::parse(doc).unwrap_err();
            assert!(matches!(plain, Error::Json { .. }), "{doc:?}");
            assert_eq!(open_three_levels(doc).unwrap_err(), plain, "{doc:?}");
        }
    }

    #[test]
    fn compares_names_where_they_lie() {
        // Prefixes of each other are different names, in either order.
        for doc in [
            &br#"{"a":1,"ab":2,"":3}"#[..],
            br#"{"ab":1,"a":2}"#,
            br#"{"a\u0062c":1,"ab":2}"#,
            br#"{"ab":1,"a\u0062c":2}"#,
            br#"{"b":1,"\u0061":2}"#,
        ] {
            assert!(Object::parse(doc).is_ok(), "{doc:?}");
        }
        // The same name, escaped in one place, in either order.
        for doc in [
            &br#"{"a\u0062":1,"ab":2}"#[..],
            br#"{"ab":1,"a\u0062":2}"#,
            br#"{"":1,"":2}"#,
        ] {
            assert_eq!(
                Object::parse(doc).unwrap_err(),
                Error::DuplicateMember,
                "{doc:?}"
            );
        }
    }

    /// The opening walk against a plain parse and objects opened afterwards, over many
    /// corrupted copies of a nested document: bad text is refused at the same offset, and
    /// what it accepts reads back the same. (The opened objects' duplicate names are refused
    /// by the walk itself, in document order: before bad text that comes later.)
    #[test]
    fn the_opening_walk_agrees_with_a_parse_then_open() {
        // The second copy spells names and values with escapes (`\u0078` is `x`, `\u0072` is
        // `r`), so that corruption also makes and breaks names equal only once unescaped.
        let seeds: [&[u8]; 4] = [
            br#"{"s":"a\"b","r":{"h":{"x":"1","y":[2,{"x":3}]},"b":{"z":-0.5e+3,"x":null}},"t":true}"#,
            br#"{"\u0072":{"h":{"\u0078":"\/1","y":["\u00e9",{"x":3}]},"b":{"z":"\"","\\":0}},"s":"\ud83d\ude00"}"#,
            // Every list's members in their listed order, as a walk expecting them meets them.
            br#"{"r":{"h":{"x":"1","y":20},"b":{"z":305,"x":1}},"s":"t","u":[1e2,0,"x"]}"#,
            // The same pretty-printed: spaces and line breaks after commas and colons.
            b"{\"r\": {\"h\": {\"x\": \"1\",\n \"y\": 20},\n \"b\": {\"z\": 305}},\r\n\t\"s\": \"t\"}",
        ];
        const ALPHABET: &[u8] = br#"{}[]":,\ u0aex72/"#;
        // Both copies are whole to begin with: the escaped names are found.
        let (found, _) = open_three_levels(seeds[1]).unwrap();
        assert_eq!(raw_of(found[4]), Some(r#""\/1""#));
        assert_eq!(raw_of(found[6]), Some(r#""\"""#));
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut doc = [0u8; 128];
        for round in 0..20_000 {
            let seed = seeds[round % seeds.len()];
            let len = seed.len();
            doc[..len].copy_from_slice(seed);
            for _ in 0..1 + next() % 3 {
                let at = (next() % len as u64) as usize;
                doc[at] = ALPHABET[(next() % ALPHABET.len() as u64) as usize];
            }
            let doc = &doc[..len];
            let plain = Object::parse(doc);
            let opening = open_three_levels(doc);
            // Members met where expected or not, the walk finds and refuses the same.
            fn seen<'a>(opened: Result<Opened<'a>>) -> Result<OpenedRaw<'a>> {
                opened.map(|(found, opened)| {
                    (
                        found.map(raw_of),
                        opened.map(|o| o.map(|o| (o.raw(), o.len()))),
                    )
                })
            }
            for expecting in [
                open_three_levels_expecting(doc),
                open_three_levels_expecting_another_order(doc),
            ] {
                assert_eq!(seen(expecting), seen(opening), "{doc:?}");
            }
            let (plain, (found, opened)) = match (plain, opening) {
                (Err(e), opening) => {
                    // Or a duplicate name in an opened object, met before the bad text.
                    let refused = opening.unwrap_err();
                    assert!(refused == e || refused == Error::DuplicateMember, "{doc:?}");
                    continue;
                }
                (Ok(_), Err(e)) => {
                    assert_eq!(e, Error::DuplicateMember, "{doc:?}");
                    continue;
                }
                (Ok(plain), Ok(opening)) => (plain, opening),
            };
            assert_eq!(
                opened[0].map(|o| (o.raw(), o.len())),
                Some((plain.raw(), plain.len()))
            );
            let [r, s] = plain.pick(["r", "s"]);
            assert_eq!(raw_of(found[0]), raw_of(r));
            assert_eq!(raw_of(found[1]), raw_of(s));
            let r = r.map(|r| r.as_object().unwrap()).unwrap_or_default();
            assert_eq!(opened[1].map(|o| o.raw()), r.map(|o| o.raw()), "{doc:?}");
            let Some(r) = r else { continue };
            let [h, b] = r.pick(["h", "b"]);
            assert_eq!((raw_of(found[2]), raw_of(found[3])), (raw_of(h), raw_of(b)));
            for (value, object, names, at) in [
                (h, opened[2], &["x", "y"][..], 4),
                (b, opened[3], &["z"], 6),
            ] {
                let expect = value.map(|v| v.as_object().unwrap()).unwrap_or_default();
                assert_eq!(
                    object.map(|o| (o.raw(), o.len())),
                    expect.map(|o| (o.raw(), o.len()))
                );
                for (i, name) in names.iter().enumerate() {
                    let got = raw_of(found[at + i]);
                    assert_eq!(got, raw_of(expect.and_then(|o| o.get(name))), "{doc:?}");
                }
            }
        }
    }

    /// A container cut short is refused where the text ended; one closed by the wrong
    /// bracket at that bracket.
    #[test]
    fn points_at_the_end_of_a_cut_container() {
        for (doc, offset) in [
            (&br#"{"a":[1"#[..], 7),
            (br#"{"a":[1}"#, 7),
            (br#"{"a":{"b":1"#, 11),
            (br#"{"a":{"b":1]}"#, 11),
            (br#"{"a":[1,"#, 8),
        ] {
            assert_eq!(
                Object::parse(doc).unwrap_err(),
                Error::Json { offset },
                "{doc:?}"
            );
        }
    }
}
