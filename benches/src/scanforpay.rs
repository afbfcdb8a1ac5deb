//! ScanForPay: SHA-256 over the signed member's bytes and the key, as lowercase hex.

use crate::std_way::hex;
use crate::{Path, case, text};
use refundwire::encoding::{hex_decode, hex_encode};
use refundwire::gateway::scanforpay::{
    self, Credentials, OrderQueryRequest, RefundRequest, RequestHeader,
};
use refundwire::time::Timestamp;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::hint::black_box;

const VECTORS: &str = include_str!("../../tests/vectors/scanforpay.json");
const PARTNER: &str = "63012";
const KEY: &[u8] = b"c4pz0lx9xf26gk7zx5b4ctzkk6oam89o";
/// The request id of the vectors' refund.
pub const REQ_MSG_ID: &str = "fd03f269-3180-4575-8af0-580483868a29";
const PARTNER_ORDER_NO: &str = "p95748906828836075983";

/// `{"response":…,"signature":…}` around a response text, signed with the vector key (the
/// primitives, not the codec, make the signature).
pub fn signed_reply(response: &str) -> String {
    let mut h = Sha256::new();
    h.update(response.as_bytes());
    h.update(KEY);
    format!(
        r#"{{"response":{response},"signature":"{}"}}"#,
        hex(&h.finalize(), false)
    )
}

/// An order query reply (no vector has one): the firmware bench's shape, signed here.
pub fn order_query_reply() -> String {
    signed_reply(&format!(
        r#"{{"header":{{"partnerNo":"{PARTNER}","respTime":"2024-03-05T18:10:00+08:00","signType":"SHA256","version":"1.0","reqMsgId":"{REQ_MSG_ID}"}},"body":{{"code":1,"msg":"success","orderNo":"2024030518060757","partnerOrderNo":"{PARTNER_ORDER_NO}","orderAmount":30095,"wallet":"Alipay","status":3,"payTime":"2024-03-05T17:54:00+08:00","currency":"JPY"}}}}"#
    ))
}

/// A refund reply whose `msg` is `msg_len` bytes long (the scaling bench), signed here.
pub fn refund_reply_with_msg(msg_len: usize) -> String {
    let msg: String = "refund accepted; ".chars().cycle().take(msg_len).collect();
    signed_reply(&format!(
        r#"{{"header":{{"partnerNo":"{PARTNER}","respTime":"2024-03-05T18:06:12+08:00","signType":"SHA256","version":"1.0","reqMsgId":"{REQ_MSG_ID}"}},"body":{{"code":1,"msg":"{msg}","orderAmount":30095,"status":1,"currency":"JPY"}}}}"#
    ))
}

/// Caller state for every ScanForPay path.
pub struct Bench {
    creds: Credentials<'static>,
    header: RequestHeader<'static>,
    refund: RefundRequest<'static>,
    query: OrderQueryRequest<'static>,
    /// The vector refund request body.
    pub refund_body: String,
    /// The vector refund reply.
    pub refund_reply: String,
    /// The order query reply made here.
    pub query_reply: String,
    out: Vec<u8>,
}

impl Bench {
    /// Loads the vectors.
    pub fn new() -> Self {
        Bench {
            creds: Credentials::new(PARTNER, KEY).unwrap(),
            header: RequestHeader::new(Timestamp::new(1_709_633_165_000, 480).unwrap(), REQ_MSG_ID),
            refund: RefundRequest {
                partner_order_no: PARTNER_ORDER_NO,
                refund_no: "867565088995790",
                order_amount: 30095,
                operator_id: Some("766234"),
                terminal_no: Some("285819"),
            },
            query: OrderQueryRequest {
                store_no: None,
                partner_order_no: Some(PARTNER_ORDER_NO),
                order_no: None,
            },
            refund_body: text(&case(VECTORS, "refund_request"), "body"),
            refund_reply: text(&case(VECTORS, "refund_response"), "body"),
            query_reply: order_query_reply(),
            out: vec![0; scanforpay::REQUEST_MAX],
        }
    }

    /// Codec: encode the refund request.
    pub fn codec_encode_refund(&mut self) -> &[u8] {
        scanforpay::encode_refund(
            &self.creds,
            black_box(&self.header),
            black_box(&self.refund),
            &mut self.out,
        )
        .unwrap()
    }

    /// Codec: encode the order query.
    pub fn codec_encode_query(&mut self) -> &[u8] {
        scanforpay::encode_order_query(
            &self.creds,
            black_box(&self.header),
            black_box(&self.query),
            &mut self.out,
        )
        .unwrap()
    }

    /// Codec: decode a refund reply.
    pub fn codec_decode_refund(&self, reply: &[u8]) -> u64 {
        scanforpay::decode_refund(&self.creds, black_box(reply), REQ_MSG_ID)
            .unwrap()
            .accepted()
            .unwrap()
            .order_amount
    }

    /// Codec: decode the order query reply.
    pub fn codec_decode_query(&self) -> u64 {
        scanforpay::decode_order_query(
            &self.creds,
            black_box(self.query_reply.as_bytes()),
            REQ_MSG_ID,
        )
        .unwrap()
        .accepted()
        .unwrap()
        .order_amount
    }
}

impl Default for Bench {
    fn default() -> Self {
        Self::new()
    }
}

// ---------------------------------------------------------------------------------------------
// Floor: SHA-256 of the signed bytes and the key; hex.

fn floor_encode(request: &[u8], out: &mut [u8; 64]) -> u64 {
    let mut h = Sha256::new();
    h.update(request);
    h.update(KEY);
    hex_encode(&h.finalize(), false, out).unwrap().len() as u64
}

/// Hex of the received signature, SHA-256 of the response bytes and the key, compared.
pub fn floor_decode(response: &[u8], signature: &[u8]) -> u64 {
    let mut received = [0u8; 32];
    hex_decode(signature, &mut received, "signature").unwrap();
    let mut h = Sha256::new();
    h.update(response);
    h.update(KEY);
    u64::from(refundwire::crypto::ct_eq(&h.finalize(), &received))
}

/// The signed `response` text and the `signature` of a reply (located once, at setup).
pub fn reply_parts(reply: &str) -> (String, String) {
    let env: Envelope<'_> = serde_json::from_str(reply).unwrap();
    (env.signed.get().to_owned(), env.signature)
}

// ---------------------------------------------------------------------------------------------
// Naive: serde structs with a `RawValue` for the signed member, `Value` for the rest.

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, alias = "request", rename = "response")]
    signed: &'a RawValue,
    signature: String,
}

fn naive_sign(text: &str) -> String {
    let mut h = Sha256::new();
    h.update(text.as_bytes());
    h.update(KEY);
    hex(&h.finalize(), false)
}

/// A request the std way: the signed object as a `Value`, serialized once, hashed, wrapped.
pub fn naive_encode(body: Value) -> String {
    let request = json!({
        "header": {
            "requestTime": crate::std_way::rfc3339(1_709_633_165_000, 480, false),
            "partnerNo": PARTNER,
            "signType": "SHA256",
            "version": "1.0",
            "reqMsgId": REQ_MSG_ID,
        },
        "body": body,
    })
    .to_string();
    let signature = naive_sign(&request);
    format!(r#"{{"request":{request},"signature":"{signature}"}}"#)
}

/// The refund body as a std service builds it.
pub fn naive_refund_body() -> Value {
    json!({
        "partnerOrderNo": PARTNER_ORDER_NO,
        "refundNo": "867565088995790",
        "orderAmount": 30095,
        "operatorId": "766234",
        "terminalNo": "285819",
    })
}

/// The order query body.
pub fn naive_query_body() -> Value {
    json!({ "partnerOrderNo": PARTNER_ORDER_NO })
}

/// Verifies and parses a reply; returns `(header, body)`.
fn naive_open(reply: &[u8], expected: &str) -> Result<(Value, Value), String> {
    let env: Envelope<'_> = serde_json::from_slice(reply).map_err(|e| e.to_string())?;
    if !naive_sign(env.signed.get()).eq_ignore_ascii_case(&env.signature) {
        return Err("signature mismatch".into());
    }
    let mut response: Value = serde_json::from_str(env.signed.get()).map_err(|e| e.to_string())?;
    let header = response["header"].take();
    let body = response["body"].take();
    if header.get("requestTime").is_some() || header.get("reqTime").is_some() {
        return Err("a request".into());
    }
    if header.get("respTime").is_none() {
        return Err("not a response".into());
    }
    if header["reqMsgId"].as_str() != Some(expected) {
        return Err("another request's reply".into());
    }
    if body["code"].as_i64() != Some(1) {
        return Err(format!("refused: {}", body["code"]));
    }
    Ok((header, body))
}

/// Decode a refund reply the std way.
pub fn naive_decode_refund(reply: &[u8], expected: &str) -> Result<u64, String> {
    let (_header, body) = naive_open(reply, expected)?;
    for name in [
        "orderNo",
        "partnerOrderNo",
        "wallet",
        "payTime",
        "buyer",
        "buyerId",
    ] {
        if body.get(name).is_some_and(|v| !v.is_null()) {
            return Err("an order query reply".into());
        }
    }
    let _status = body["status"].as_i64().ok_or("status")?;
    let _msg = body["msg"].as_str().map(str::to_owned);
    let _currency = body["currency"].as_str().map(str::to_owned);
    body["orderAmount"]
        .as_u64()
        .ok_or_else(|| "orderAmount".into())
}

/// Decode an order query reply the std way.
pub fn naive_decode_query(reply: &[u8], expected: &str) -> Result<u64, String> {
    let (_header, body) = naive_open(reply, expected)?;
    if body.get("refundNo").is_some_and(|v| !v.is_null()) {
        return Err("a refund reply".into());
    }
    let _partner_order_no = body["partnerOrderNo"]
        .as_str()
        .ok_or("partnerOrderNo")?
        .to_owned();
    let _status = body["status"].as_i64().ok_or("status")?;
    let _currency = body["currency"].as_str().map(str::to_owned);
    body["orderAmount"]
        .as_u64()
        .ok_or_else(|| "orderAmount".into())
}

/// The four ScanForPay paths.
pub fn paths() -> Vec<Path> {
    let b = Bench::new();
    let (refund_request, _) = reply_parts(&b.refund_body);
    let (refund_response, refund_sig) = reply_parts(&b.refund_reply);
    let (query_response, query_sig) = reply_parts(&b.query_reply);
    let query_body = Bench::new().codec_encode_query().to_vec();
    let query_request = reply_parts(std::str::from_utf8(&query_body).unwrap()).0;
    let refund_reply = b.refund_reply.clone();
    let query_reply = b.query_reply.clone();
    let with = |f: fn(&mut Bench) -> u64| {
        let mut b = Bench::new();
        Box::new(move || f(&mut b)) as Box<dyn FnMut() -> u64>
    };
    let (mut out, mut out2) = ([0u8; 64], [0u8; 64]);
    let refund_reply2 = refund_reply.clone();
    let b2 = Bench::new();
    vec![
        Path {
            name: "scanforpay/encode_refund",
            bytes: b.refund_body.len(),
            codec: with(|b| b.codec_encode_refund().len() as u64),
            floor: Box::new(move || floor_encode(black_box(refund_request.as_bytes()), &mut out)),
            naive: Box::new(|| naive_encode(black_box(naive_refund_body())).len() as u64),
        },
        Path {
            name: "scanforpay/encode_order_query",
            bytes: query_body.len(),
            codec: with(|b| b.codec_encode_query().len() as u64),
            floor: Box::new(move || floor_encode(black_box(query_request.as_bytes()), &mut out2)),
            naive: Box::new(|| naive_encode(black_box(naive_query_body())).len() as u64),
        },
        Path {
            name: "scanforpay/decode_refund",
            bytes: refund_reply.len(),
            codec: Box::new(move || b2.codec_decode_refund(refund_reply2.as_bytes())),
            floor: Box::new(move || {
                floor_decode(
                    black_box(refund_response.as_bytes()),
                    black_box(refund_sig.as_bytes()),
                )
            }),
            naive: Box::new(move || {
                naive_decode_refund(black_box(refund_reply.as_bytes()), REQ_MSG_ID).unwrap()
            }),
        },
        Path {
            name: "scanforpay/decode_order_query",
            bytes: query_reply.len(),
            codec: with(|b| b.codec_decode_query()),
            floor: Box::new(move || {
                floor_decode(
                    black_box(query_response.as_bytes()),
                    black_box(query_sig.as_bytes()),
                )
            }),
            naive: Box::new(move || {
                naive_decode_query(black_box(query_reply.as_bytes()), REQ_MSG_ID).unwrap()
            }),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codec_and_naive_write_the_same_requests() {
        let mut b = Bench::new();
        let expected = b.refund_body.clone();
        assert_eq!(b.codec_encode_refund(), expected.as_bytes());
        assert_eq!(naive_encode(naive_refund_body()), expected);
        let codec = b.codec_encode_query().to_vec();
        assert_eq!(
            String::from_utf8(codec).unwrap(),
            naive_encode(naive_query_body())
        );
    }

    #[test]
    fn floors_verify_the_fixtures() {
        let b = Bench::new();
        for reply in [&b.refund_reply, &b.query_reply] {
            let (response, sig) = reply_parts(reply);
            assert_eq!(floor_decode(response.as_bytes(), sig.as_bytes()), 1);
        }
    }

    #[test]
    fn naive_refuses_what_the_codec_refuses() {
        let b = Bench::new();
        let tampered = b.refund_reply.replace("30095", "30096");
        assert!(naive_decode_refund(tampered.as_bytes(), REQ_MSG_ID).is_err());
        assert!(naive_decode_refund(b.refund_reply.as_bytes(), "other").is_err());
        assert!(naive_decode_refund(b.query_reply.as_bytes(), REQ_MSG_ID).is_err());
        assert!(naive_decode_query(b.refund_reply.as_bytes(), REQ_MSG_ID).is_err());
        let long = refund_reply_with_msg(4096);
        assert_eq!(b.codec_decode_refund(long.as_bytes()), 30095);
        assert_eq!(
            naive_decode_refund(long.as_bytes(), REQ_MSG_ID).unwrap(),
            30095
        );
    }
}
