//! OTTPay: JSON data, MD5 of the sorted values, a key from a second MD5, AES-128-ECB, Base64.

use crate::std_way::{self, hex, scalar_text};
use crate::{Path, case, text};
use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use base64ct::{Base64, Encoding};
use md5::{Digest, Md5};
use refundwire::encoding::{hex_decode, hex_encode};
use refundwire::gateway::ottpay::{self, Credentials, RefundRequest, RefundStatusQuery};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::hint::black_box;

const VECTORS: &str = include_str!("../../tests/vectors/ottpay.json");
const MERCHANT: &str = "ON43915000";
const KEY: &[u8] = b"4283FEFC63F0CD0E";
const ORDER_ID: &str = "RF12415868344978";

/// The fixtures and the caller's state (credentials, buffers) for every OTTPay path.
pub struct Bench {
    creds: Credentials<'static>,
    refund: RefundRequest<'static>,
    query: RefundStatusQuery<'static>,
    /// Expected request bodies (vectors).
    pub refund_body: String,
    /// Expected query body.
    pub query_body: String,
    /// Refund reply body (vector `refund_response`).
    pub refund_reply: String,
    /// Status reply body (vector `refund_status_query_response`).
    pub status_reply: String,
    out: Vec<u8>,
    body: Vec<u8>,
}

impl Bench {
    /// Loads the vectors.
    pub fn new() -> Self {
        Bench {
            creds: Credentials::new(MERCHANT, KEY).unwrap(),
            refund: RefundRequest {
                order_id: Some(ORDER_ID),
                ori_order_id: "202080636083778353374068",
                refund_amt: 51558,
            },
            query: RefundStatusQuery { order_id: ORDER_ID },
            refund_body: text(&case(VECTORS, "refund_request_with_order_id"), "body"),
            query_body: text(&case(VECTORS, "refund_status_query_request"), "body"),
            refund_reply: text(&case(VECTORS, "refund_response"), "body"),
            status_reply: text(&case(VECTORS, "refund_status_query_response"), "body"),
            out: vec![0; ottpay::REFUND_BODY_MAX],
            body: vec![0; 1024],
        }
    }

    /// Codec: encode the refund request.
    pub fn codec_encode_refund(&mut self) -> &[u8] {
        ottpay::encode_refund(&self.creds, black_box(&self.refund), &mut self.out).unwrap()
    }

    /// Codec: encode the status query.
    pub fn codec_encode_query(&mut self) -> &[u8] {
        ottpay::encode_refund_status_query(&self.creds, black_box(&self.query), &mut self.out)
            .unwrap()
    }

    /// Codec: decode the refund reply in the caller's buffer (the copy in is part of the path:
    /// decoding consumes the received bytes).
    pub fn codec_decode_refund(&mut self) -> u64 {
        let n = self.refund_reply.len();
        self.body[..n].copy_from_slice(self.refund_reply.as_bytes());
        let reply = ottpay::decode_refund(&self.creds, &mut self.body[..n], ORDER_ID).unwrap();
        reply.accepted().unwrap().refund_amt
    }

    /// Codec: decode the status reply.
    pub fn codec_decode_status(&mut self) -> u64 {
        let n = self.status_reply.len();
        self.body[..n].copy_from_slice(self.status_reply.as_bytes());
        let reply =
            ottpay::decode_refund_status(&self.creds, &mut self.body[..n], ORDER_ID).unwrap();
        reply.accepted().unwrap().refund_amt
    }
}

impl Default for Bench {
    fn default() -> Self {
        Self::new()
    }
}

// ---------------------------------------------------------------------------------------------
// Floor: MD5 of the values, MD5 of its hex and the key, hex, AES-128-ECB, Base64.

/// The primitives of an encode: `values` is the concatenated sorted values, `plain` the data
/// JSON.
fn floor_encode(values: &[u8], plain: &[u8], out: &mut [u8]) -> u64 {
    let mut md5_hex = [0u8; 32];
    hex_encode(&Md5::digest(values), true, &mut md5_hex).unwrap();
    let mut h = Md5::new();
    h.update(md5_hex);
    h.update(KEY);
    let mut key_hex = [0u8; 32];
    hex_encode(&h.finalize(), true, &mut key_hex).unwrap();
    let cipher = aes::Aes128::new_from_slice(&key_hex[8..24]).unwrap();
    let mut buf = [0u8; 128];
    let padded = (plain.len() / 16 + 1) * 16;
    buf[..plain.len()].copy_from_slice(plain);
    buf[plain.len()..padded].fill((padded - plain.len()) as u8);
    for block in buf[..padded].chunks_exact_mut(16) {
        cipher.encrypt_block(block.try_into().unwrap());
    }
    Base64::encode(&buf[..padded], out).unwrap().len() as u64 + u64::from(md5_hex[0])
}

/// The primitives of a decode: hex of the received MD5, the key's MD5 and hex, Base64,
/// AES-128-ECB, MD5 of the sorted values.
fn floor_decode(md5_text: &[u8], b64: &[u8], values: &[u8]) -> u64 {
    let mut received = [0u8; 16];
    hex_decode(md5_text, &mut received, "md5").unwrap();
    let mut h = Md5::new();
    h.update(md5_text);
    h.update(KEY);
    let mut key_hex = [0u8; 32];
    hex_encode(&h.finalize(), true, &mut key_hex).unwrap();
    let mut buf = [0u8; 256];
    let ct = Base64::decode(b64, &mut buf).unwrap().len();
    let cipher = aes::Aes128::new_from_slice(&key_hex[8..24]).unwrap();
    for block in buf[..ct].chunks_exact_mut(16) {
        cipher.decrypt_block(block.try_into().unwrap());
    }
    let digest = Md5::digest(values);
    u64::from(refundwire::crypto::ct_eq(&digest, &received)) + ct as u64
}

/// `(md5 text, data Base64)` of a reply body.
fn reply_parts(body: &str) -> (String, String) {
    let v: Value = serde_json::from_str(body).unwrap();
    (text(&v, "md5"), text(&v, "data"))
}

// ---------------------------------------------------------------------------------------------
// Naive: serde_json values, BTreeMap for the order, Strings and format!.

fn naive_md5_hex(data: &serde_json::Map<String, Value>) -> Result<String, String> {
    let sorted: BTreeMap<&String, &Value> = data.iter().collect();
    let mut values = String::new();
    for v in sorted.values() {
        if v.is_object() || v.is_array() {
            return Err("nested value".into());
        }
        if let Some(t) = scalar_text(v) {
            values.push_str(&t);
        }
    }
    Ok(hex(&Md5::digest(values.as_bytes()), true))
}

fn naive_key(md5_hex: &str, sign_key: &[u8]) -> aes::Aes128 {
    let mut h = Md5::new();
    h.update(md5_hex.as_bytes());
    h.update(sign_key);
    let key_hex = hex(&h.finalize(), true);
    aes::Aes128::new_from_slice(&key_hex.as_bytes()[8..24]).unwrap()
}

/// A request the std way: data as a `Value`, digest, key, AES, Base64, envelope.
pub fn naive_encode(action: &str, data: Value) -> String {
    let md5 = naive_md5_hex(data.as_object().unwrap()).unwrap();
    let cipher = naive_key(&md5, KEY);
    let mut plain = serde_json::to_vec(&data).unwrap();
    let pad = 16 - plain.len() % 16;
    plain.extend(std::iter::repeat_n(pad as u8, pad));
    for block in plain.chunks_exact_mut(16) {
        cipher.encrypt_block(block.try_into().unwrap());
    }
    json!({
        "action": action,
        "version": "1.0",
        "merchant_id": MERCHANT,
        "data": std_way::base64(&plain),
        "md5": md5,
    })
    .to_string()
}

/// A reply the std way; returns the data object once its MD5 matched, or the refusal code.
pub fn naive_open(body: &[u8], sign_key: &[u8]) -> Result<serde_json::Map<String, Value>, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let code = v["rsp_code"].as_str().ok_or("rsp_code")?;
    if code != "SUCCESS" && code != "PROCESSING" {
        return Err(format!("refused: {code}"));
    }
    let md5 = v["md5"].as_str().ok_or("md5")?;
    let data = v["data"].as_str().ok_or("data")?.replace(['\r', '\n'], "");
    let mut plain = std_way::unbase64(&data)?;
    if plain.is_empty() || plain.len() % 16 != 0 {
        return Err("ciphertext length".into());
    }
    let cipher = naive_key(md5, sign_key);
    for block in plain.chunks_exact_mut(16) {
        cipher.decrypt_block(block.try_into().unwrap());
    }
    let pad = *plain.last().unwrap() as usize;
    if pad == 0
        || pad > 16
        || plain[plain.len() - pad..]
            .iter()
            .any(|&b| b as usize != pad)
    {
        return Err("padding".into());
    }
    plain.truncate(plain.len() - pad);
    let data: Value = serde_json::from_slice(&plain).map_err(|e| e.to_string())?;
    let data = match data {
        Value::Object(m) => m,
        _ => return Err("data is not an object".into()),
    };
    if !naive_md5_hex(&data)?.eq_ignore_ascii_case(md5) {
        return Err("md5 mismatch".into());
    }
    Ok(data)
}

fn naive_amount(data: &serde_json::Map<String, Value>) -> Result<u64, String> {
    let amt = data.get("refund_amt").ok_or("refund_amt")?;
    let text = scalar_text(amt).ok_or("refund_amt")?;
    text.parse::<u64>().map_err(|e| e.to_string())
}

/// Decode a refund reply the std way.
pub fn naive_decode_refund(body: &[u8], expected: &str) -> Result<u64, String> {
    let data = naive_open(body, KEY)?;
    if data.get("ori_order_id").is_some_and(|v| !v.is_null()) {
        return Err("a request".into());
    }
    if data.get("order_status").is_some_and(|v| !v.is_null()) {
        return Err("a status reply".into());
    }
    if data
        .get("order_id")
        .and_then(Value::as_str)
        .is_some_and(|id| id != expected)
    {
        return Err("another order".into());
    }
    naive_amount(&data)
}

/// Decode a status reply the std way.
pub fn naive_decode_status(body: &[u8], expected: &str) -> Result<u64, String> {
    let data = naive_open(body, KEY)?;
    if data.get("ori_order_id").is_some_and(|v| !v.is_null()) {
        return Err("a request".into());
    }
    let _status = data
        .get("order_status")
        .and_then(Value::as_str)
        .ok_or("order_status")?
        .to_owned();
    let id = data
        .get("order_id")
        .and_then(Value::as_str)
        .ok_or("order_id")?;
    if id != expected {
        return Err("another order".into());
    }
    naive_amount(&data)
}

/// The data of the refund request, as a std service builds it.
pub fn naive_refund_data() -> Value {
    json!({
        "order_id": ORDER_ID,
        "ori_order_id": "202080636083778353374068",
        "refund_amt": 51558u64.to_string(),
    })
}

/// The data of the status query.
pub fn naive_query_data() -> Value {
    json!({ "order_id": ORDER_ID })
}

/// The four OTTPay paths.
pub fn paths() -> Vec<Path> {
    let b = Bench::new();
    let (refund_md5, refund_b64) = reply_parts(&b.refund_reply);
    let (status_md5, status_b64) = reply_parts(&b.status_reply);
    let refund_reply = b.refund_reply.clone();
    let status_reply = b.status_reply.clone();
    let (refund_body_len, query_body_len) = (b.refund_body.len(), b.query_body.len());
    // Each closure owns its state: no shared cell on the measured path.
    let with = |f: fn(&mut Bench) -> u64| {
        let mut b = Bench::new();
        Box::new(move || f(&mut b)) as Box<dyn FnMut() -> u64>
    };
    let mut out = [0u8; 256];
    let mut out2 = [0u8; 256];
    vec![
        Path {
            name: "ottpay/encode_refund",
            bytes: refund_body_len,
            codec: with(|b| b.codec_encode_refund().len() as u64),
            floor: Box::new(move || {
                floor_encode(
                    black_box(b"RF1241586834497820208063608377835337406851558"),
                    black_box(
                        br#"{"order_id":"RF12415868344978","ori_order_id":"202080636083778353374068","refund_amt":"51558"}"#,
                    ),
                    &mut out,
                )
            }),
            naive: Box::new(|| naive_encode("REFUND", black_box(naive_refund_data())).len() as u64),
        },
        Path {
            name: "ottpay/encode_refund_status_query",
            bytes: query_body_len,
            codec: with(|b| b.codec_encode_query().len() as u64),
            floor: Box::new(move || {
                floor_encode(
                    black_box(ORDER_ID.as_bytes()),
                    black_box(br#"{"order_id":"RF12415868344978"}"#),
                    &mut out2,
                )
            }),
            naive: Box::new(|| {
                naive_encode("REFUND_STATUS_QUERY", black_box(naive_query_data())).len() as u64
            }),
        },
        Path {
            name: "ottpay/decode_refund",
            bytes: refund_reply.len(),
            codec: with(Bench::codec_decode_refund),
            floor: Box::new(move || {
                floor_decode(
                    black_box(refund_md5.as_bytes()),
                    black_box(refund_b64.as_bytes()),
                    black_box(b"RF12415868344978515582024-03-05 10:11:12"),
                )
            }),
            naive: Box::new(move || {
                naive_decode_refund(black_box(refund_reply.as_bytes()), ORDER_ID).unwrap()
            }),
        },
        Path {
            name: "ottpay/decode_refund_status",
            bytes: status_reply.len(),
            codec: with(Bench::codec_decode_status),
            floor: Box::new(move || {
                floor_decode(
                    black_box(status_md5.as_bytes()),
                    black_box(status_b64.as_bytes()),
                    black_box(b"RF12415868344978success51558"),
                )
            }),
            naive: Box::new(move || {
                naive_decode_status(black_box(status_reply.as_bytes()), ORDER_ID).unwrap()
            }),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codec_and_naive_write_the_vector_bodies() {
        let mut b = Bench::new();
        let expected = b.refund_body.clone();
        assert_eq!(b.codec_encode_refund(), expected.as_bytes());
        assert_eq!(naive_encode("REFUND", naive_refund_data()), expected);
        let expected = b.query_body.clone();
        assert_eq!(b.codec_encode_query(), expected.as_bytes());
        assert_eq!(
            naive_encode("REFUND_STATUS_QUERY", naive_query_data()),
            expected
        );
    }

    #[test]
    fn floors_see_the_fixtures_values() {
        // The floor's values hash to the md5 the reply carries: they are the same bytes.
        let b = Bench::new();
        let (md5, b64) = reply_parts(&b.refund_reply);
        assert_eq!(
            floor_decode(
                md5.as_bytes(),
                b64.as_bytes(),
                b"RF12415868344978515582024-03-05 10:11:12"
            ),
            1 + 96
        );
        let (md5, b64) = reply_parts(&b.status_reply);
        assert_eq!(
            floor_decode(
                md5.as_bytes(),
                b64.as_bytes(),
                b"RF12415868344978success51558"
            ),
            1 + 80
        );
    }

    #[test]
    fn naive_refuses_what_the_codec_refuses() {
        let b = Bench::new();
        let tampered = b.refund_reply.replace("D110A", "D110B");
        assert!(naive_decode_refund(tampered.as_bytes(), ORDER_ID).is_err());
        assert!(naive_decode_refund(b.refund_reply.as_bytes(), "RF0").is_err());
        assert!(naive_decode_refund(b.status_reply.as_bytes(), ORDER_ID).is_err());
        assert!(naive_decode_status(b.refund_reply.as_bytes(), ORDER_ID).is_err());
    }
}
