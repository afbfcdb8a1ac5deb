//! JSON members kept exactly as sent: number text unchanged, members in their order.
//!
//! Verified fields are reported as [`Fields`], read with the codec's own scanner, so that
//! `10000.00` stays `10000.00` and nothing depends on how a user's build configures
//! `serde_json` (this crate switches none of its features on). The same type is the input of
//! [`Gateway::prepare_fields`](crate::Gateway::prepare_fields): a borrowed [`serde`]
//! deserializer lets the codec's own request types read a fields document under the
//! protocol's member names, with amounts given as exact text.

use crate::{Error, Result};
use refundwire::json::{self as wire, Kind, Object};
use serde::de::{self, IntoDeserializer, Visitor, value::Error as DeError};
use std::fmt::{self, Write as _};

/// One JSON value, numbers as their text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, exactly as written.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array, kept as its JSON text (no gateway here sends arrays in signed data).
    Array(String),
    /// An object.
    Object(Fields),
}

/// The members of a JSON object, in document order, values exact.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fields(Vec<(String, FieldValue)>);

impl Fields {
    /// Parses a document that is exactly one JSON object (duplicate names refused).
    pub fn parse(json: &[u8]) -> Result<Self> {
        let object = Object::parse(json).map_err(|e| Error::Input(format!("JSON: {e}")))?;
        Self::from_object(&object)
    }

    /// The members of an object the codec scanned (and usually verified).
    pub fn from_object(object: &Object<'_>) -> Result<Self> {
        let mut members = Vec::with_capacity(object.len());
        for member in object.members() {
            let member = member?;
            members.push((member.name.to_string(), value(&member.value)?));
        }
        Ok(Fields(members))
    }

    /// The value of member `name`.
    pub fn get(&self, name: &str) -> Option<&FieldValue> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The text of member `name` when it is a string or a number.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name)? {
            FieldValue::String(s) | FieldValue::Number(s) => Some(s),
            _ => None,
        }
    }

    /// The members in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &FieldValue)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Compact JSON text of the object, numbers as sent.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        out.push('{');
        for (i, (name, value)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(name, out);
            out.push(':');
            value.write_json(out);
        }
        out.push('}');
    }

    /// Reads this object as `T` (the codec's request types under the protocol's names).
    pub fn deserialize<'de, T: serde::Deserialize<'de>>(&'de self, what: &str) -> Result<T> {
        T::deserialize(ObjectDeserializer(self))
            .map_err(|e| Error::Input(format!("{what} fields: {e}")))
    }
}

impl FieldValue {
    /// Compact JSON text of the value.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            FieldValue::Null => out.push_str("null"),
            FieldValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            FieldValue::Number(text) | FieldValue::Array(text) => out.push_str(text),
            FieldValue::String(s) => write_string(s, out),
            FieldValue::Object(fields) => fields.write_json(out),
        }
    }
}

impl fmt::Display for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json())
    }
}

fn value(v: &wire::Value<'_>) -> Result<FieldValue> {
    Ok(match v.kind() {
        Kind::Null => FieldValue::Null,
        Kind::Bool => FieldValue::Bool(v.as_bool().unwrap_or_default()),
        Kind::Number => FieldValue::Number(v.raw().to_owned()),
        Kind::String => FieldValue::String(v.as_str().map(|s| s.to_string()).unwrap_or_default()),
        Kind::Array => FieldValue::Array(v.raw().to_owned()),
        Kind::Object => match v.as_object()? {
            Some(object) => FieldValue::Object(Fields::from_object(&object)?),
            None => FieldValue::Null,
        },
    })
}

/// A JSON string literal of `s`.
pub(crate) fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Deserializes an object's members; values borrow from the [`Fields`].
struct ObjectDeserializer<'de>(&'de Fields);

impl<'de> de::Deserializer<'de> for ObjectDeserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_map(de::value::MapDeserializer::new(
            self.0.0.iter().map(|(n, v)| (n.as_str(), v)),
        ))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, DeError> for &'de FieldValue {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for &'de FieldValue {
    type Error = DeError;

    /// Numbers: whole numbers as integers, any other number as its exact text (the codec's
    /// amount readers take text; no value here ever becomes a float).
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self {
            FieldValue::Null => visitor.visit_unit(),
            FieldValue::Bool(b) => visitor.visit_bool(*b),
            FieldValue::Number(text) => match (text.parse::<u64>(), text.parse::<i64>()) {
                (Ok(u), _) => visitor.visit_u64(u),
                (_, Ok(i)) => visitor.visit_i64(i),
                _ => visitor.visit_borrowed_str(text),
            },
            FieldValue::String(s) => visitor.visit_borrowed_str(s),
            FieldValue::Array(_) => Err(de::Error::custom("arrays are not taken here")),
            FieldValue::Object(fields) => ObjectDeserializer(fields).deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self {
            FieldValue::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self {
            FieldValue::String(s) => {
                visitor.visit_enum(de::value::BorrowedStrDeserializer::new(s.as_str()))
            }
            _ => Err(de::Error::custom("expected a string naming a variant")),
        }
    }

    /// A string field takes a JSON string only: `1.5` is no id (amount readers, which take
    /// numbers as text, ask through `deserialize_any`).
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self {
            FieldValue::String(s) => visitor.visit_borrowed_str(s),
            FieldValue::Number(n) => Err(de::Error::invalid_type(
                de::Unexpected::Other(&format!("number {n}")),
                &visitor,
            )),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_order_stay_as_sent() {
        let doc = br#"{"b":10000.00,"a":"x\"y","n":null,"o":{"z":1e3},"t":true}"#;
        let fields = Fields::parse(doc).unwrap();
        assert_eq!(
            fields.to_json(),
            r#"{"b":10000.00,"a":"x\"y","n":null,"o":{"z":1e3},"t":true}"#
        );
        assert_eq!(fields.text("b"), Some("10000.00"));
        assert_eq!(fields.text("a"), Some("x\"y"));
        assert!(Fields::parse(br#"{"a":1,"a":2}"#).is_err());
        assert!(Fields::parse(b"[1]").is_err());
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Sample<'a> {
        out_refund_no: &'a str,
        #[serde(deserialize_with = "refundwire::money::deserialize_decimal_text")]
        amount: refundwire::money::DecimalText,
        count: u64,
        #[serde(default)]
        note: Option<&'a str>,
    }

    #[test]
    fn request_types_borrow_escaped_text_and_read_number_text() {
        let fields =
            Fields::parse(br#"{"outRefundNo":"R\u00e91","amount":10.50,"count":3}"#).unwrap();
        let s: Sample<'_> = fields.deserialize("sample").unwrap();
        assert_eq!(s.out_refund_no, "Ré1");
        assert_eq!(s.amount.as_str(), "10.50");
        assert_eq!(s.count, 3);
        assert_eq!(s.note, None);
        let unknown = Fields::parse(br#"{"outRefundNo":"R","amount":"1","count":1,"x":1}"#)
            .unwrap()
            .deserialize::<Sample<'_>>("sample")
            .unwrap_err();
        assert!(
            unknown.to_string().contains("unknown field `x`"),
            "{unknown}"
        );
    }
}
