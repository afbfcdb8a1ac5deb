//! NewPay: RSA-SHA256 over `name=value&…` of the members in name order, Base64 in `sign`.

use crate::std_way::{self, scalar_text};
use crate::{Path, case, text};
use refundwire::crypto::{RsaSigner, RsaVerifier};
use refundwire::gateway::newpay::{self, Credentials, InquiryRefundRequest, RefundRequest};
use refundwire_std::rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::hint::black_box;

const VECTORS: &str = include_str!("../../tests/vectors/newpay.json");
const MERCHANT_KEY: &[u8] = include_bytes!("../../tests/vectors/keys/newpay_merchant.pem");
const PLATFORM_KEY: &[u8] = include_bytes!("../../tests/vectors/keys/newpay_platform.pub.pem");
const PLATFORM_PRIVATE: &[u8] = include_bytes!("../../tests/vectors/keys/newpay_platform.pem");
const APP_ID: &str = "e585552fac954ab592c9357d34accd78";
const MERCHANT_ID: &str = "7e0ab2ed31b1c27e976699cc6ed5d1bf";
const TIMESTAMP: u64 = 1_709_614_015_581;
const REFUND_ORDER_NO: &str = "ORDERNORFD3101222834598";
const INQUIRY_ORDER_NO: &str = "ORDERNORFD000000000A104";

/// The canonical string of the refund reply made here (written by hand from the rule).
const REFUND_REPLY_CANONICAL: &str = "appId=e585552fac954ab592c9357d34accd78&currency=LAK&newpayOrderNo=202209076000000321&newpayRefundOrderNo=202209078000000702&orderNo=ORDERNO9256341685878&payMethod=1&refundOrderAmt=50000&refundOrderNo=ORDERNORFD3101222834598";

/// A refund reply (no vector has one), signed here with the vector platform key.
pub fn refund_reply() -> String {
    let key = RsaPrivateKey::from_any(PLATFORM_PRIVATE).unwrap();
    let sign = std_way::base64(&key.sign_to_vec(REFUND_REPLY_CANONICAL.as_bytes()).unwrap());
    format!(
        r#"{{"success":true,"message":"success","data":{{"appId":"{APP_ID}","refundOrderAmt":"50000","payMethod":1,"currency":"LAK","orderNo":"ORDERNO9256341685878","newpayOrderNo":"202209076000000321","refundOrderNo":"{REFUND_ORDER_NO}","newpayRefundOrderNo":"202209078000000702","sign":"{sign}"}},"code":"0","timestamp":"1709614016081"}}"#
    )
}

/// A vector body and its canonical string.
#[derive(Clone)]
pub struct Fixture {
    /// The body.
    pub body: String,
    /// The string the signature covers.
    pub canonical: String,
    /// The signature, Base64.
    pub sign: String,
}

fn fixture(name: &str) -> Fixture {
    let c = case(VECTORS, name);
    let body = text(&c, "body");
    let v: Value = serde_json::from_str(&body).unwrap();
    let sign = v
        .get("sign")
        .or_else(|| v["data"].get("sign"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| c["sign"].as_str().unwrap())
        .to_owned();
    Fixture {
        body,
        canonical: text(&c, "canonical"),
        sign,
    }
}

fn refund_fixture() -> Fixture {
    let body = refund_reply();
    let v: Value = serde_json::from_str(&body).unwrap();
    Fixture {
        sign: v["data"]["sign"].as_str().unwrap().to_owned(),
        body,
        canonical: REFUND_REPLY_CANONICAL.to_owned(),
    }
}

/// Caller state for every NewPay path.
pub struct Bench {
    creds: Credentials<'static>,
    refund: RefundRequest<'static>,
    inquiry: InquiryRefundRequest<'static>,
    merchant: RsaPrivateKey,
    platform: RsaPublicKey,
    out: Vec<u8>,
    scratch: Vec<u8>,
}

impl Bench {
    /// Loads the vector keys.
    pub fn new() -> Self {
        Bench {
            creds: Credentials::new(APP_ID, MERCHANT_ID).unwrap(),
            refund: RefundRequest {
                refund_order_amt: 50000,
                order_no: "ORDERNO9256341685878",
                refund_order_no: REFUND_ORDER_NO,
                refund_desc: "reason: damaged & returned",
                call_back_url: "",
            },
            inquiry: InquiryRefundRequest {
                refund_order_no: "ORDERNORFD6487059640235",
            },
            merchant: RsaPrivateKey::from_any(MERCHANT_KEY).unwrap(),
            platform: RsaPublicKey::from_any(PLATFORM_KEY).unwrap(),
            out: vec![0; newpay::REFUND_BODY_MAX],
            scratch: vec![0; 2048],
        }
    }

    /// Codec: encode and sign the refund request.
    pub fn codec_encode_refund(&mut self) -> &[u8] {
        newpay::encode_refund(
            &self.creds,
            &self.merchant,
            black_box(&self.refund),
            TIMESTAMP,
            &mut self.out,
        )
        .unwrap()
    }

    /// Codec: encode and sign the refund inquiry.
    pub fn codec_encode_inquiry(&mut self) -> &[u8] {
        newpay::encode_inquiry_refund(
            &self.creds,
            &self.merchant,
            black_box(&self.inquiry),
            TIMESTAMP,
            &mut self.out,
        )
        .unwrap()
    }

    /// Codec: decode the refund reply; the amount.
    pub fn codec_decode_refund(&mut self, body: &str) -> u64 {
        newpay::decode_refund(
            &self.creds,
            &self.platform,
            black_box(body.as_bytes()),
            REFUND_ORDER_NO,
            &mut self.scratch,
        )
        .unwrap()
        .accepted()
        .unwrap()
        .amount_units()
        .unwrap()
    }

    /// Codec: decode the inquiry reply; the amount.
    pub fn codec_decode_inquiry(&mut self, body: &str) -> u64 {
        newpay::decode_inquiry_refund(
            &self.creds,
            &self.platform,
            black_box(body.as_bytes()),
            INQUIRY_ORDER_NO,
            &mut self.scratch,
        )
        .unwrap()
        .accepted()
        .unwrap()
        .amount_units()
        .unwrap()
    }

    /// Codec: decode the refund callback; the amount.
    pub fn codec_decode_callback(&mut self, body: &str) -> u64 {
        newpay::decode_refund_callback(
            &self.creds,
            &self.platform,
            black_box(body.as_bytes()),
            &mut self.scratch,
        )
        .unwrap()
        .amount_units()
        .unwrap()
    }
}

impl Default for Bench {
    fn default() -> Self {
        Self::new()
    }
}

// ---------------------------------------------------------------------------------------------
// Floor: RSA over the canonical string, Base64.

fn floor_sign(key: &RsaPrivateKey, canonical: &[u8], out: &mut [u8; newpay::SIGN_MAX]) -> u64 {
    let mut raw = [0u8; 512];
    let n = key.sign_sha256(canonical, &mut raw).unwrap();
    refundwire::encoding::base64_encode(&raw[..n], out)
        .unwrap()
        .len() as u64
}

fn floor_verify(key: &RsaPublicKey, canonical: &[u8], sign: &[u8]) -> u64 {
    let mut raw = [0u8; 512];
    let sig = refundwire::encoding::base64_decode(sign, &mut raw, "sign").unwrap();
    key.verify_sha256(canonical, sig).unwrap();
    sig.len() as u64
}

// ---------------------------------------------------------------------------------------------
// Naive: BTreeMap of Strings, `format!` and `join`, serde_json values.

fn naive_canonical(fields: &BTreeMap<String, String>) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A request the std way: the fields in a map, signed, then the body with `sign` in it.
pub fn naive_encode(key: &RsaPrivateKey, fields: &[(&str, Value)]) -> String {
    let map: BTreeMap<String, String> = fields
        .iter()
        .filter_map(|(k, v)| scalar_text(v).map(|t| ((*k).to_owned(), t)))
        .collect();
    let sign = std_way::base64(&key.sign_to_vec(naive_canonical(&map).as_bytes()).unwrap());
    let mut body = Map::new();
    for (i, (k, v)) in fields.iter().enumerate() {
        if i == 3 {
            body.insert("sign".to_owned(), Value::String(sign.clone()));
        }
        body.insert((*k).to_owned(), v.clone());
    }
    if fields.len() <= 3 {
        body.insert("sign".to_owned(), Value::String(sign));
    }
    Value::Object(body).to_string()
}

/// The refund request's fields as a std service lists them.
pub fn naive_refund_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("appId", json!(APP_ID)),
        ("merchantId", json!(MERCHANT_ID)),
        ("timestamp", json!(TIMESTAMP)),
        ("refundOrderAmt", json!(50000u64.to_string())),
        ("orderNo", json!("ORDERNO9256341685878")),
        ("refundOrderNo", json!(REFUND_ORDER_NO)),
        ("refundDesc", json!("reason: damaged & returned")),
        ("callBackUrl", json!("")),
    ]
}

/// The inquiry's fields.
pub fn naive_inquiry_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("appId", json!(APP_ID)),
        ("merchantId", json!(MERCHANT_ID)),
        ("timestamp", json!(TIMESTAMP)),
        ("refundOrderNo", json!("ORDERNORFD6487059640235")),
    ]
}

/// Verifies a signed object (its `sign` over the other non-null members in name order).
fn naive_verify(key: &RsaPublicKey, obj: &Map<String, Value>) -> Result<(), String> {
    let sign = obj.get("sign").and_then(Value::as_str).ok_or("sign")?;
    let mut fields = BTreeMap::new();
    for (k, v) in obj {
        if k == "sign" {
            continue;
        }
        if v.is_object() || v.is_array() {
            return Err(format!("nested {k}"));
        }
        if let Some(t) = scalar_text(v) {
            if k.contains(['&', '=']) || (t.contains('&') && t.contains('=')) {
                return Err(format!("ambiguous {k}"));
            }
            fields.insert(k.clone(), t);
        }
    }
    let sig = std_way::unbase64(sign)?;
    key.verify_sha256(naive_canonical(&fields).as_bytes(), &sig)
        .map_err(|e| e.to_string())
}

fn naive_amount(obj: &Map<String, Value>) -> Result<u64, String> {
    let text = obj
        .get("refundOrderAmt")
        .and_then(Value::as_str)
        .ok_or("refundOrderAmt")?;
    let int = match text.split_once('.') {
        Some((int, frac)) if frac.bytes().all(|b| b == b'0') => int,
        Some(_) => return Err("fraction".into()),
        None => text,
    };
    int.parse().map_err(|e| format!("refundOrderAmt: {e}"))
}

fn naive_reply(
    key: &RsaPublicKey,
    body: &str,
    expected: &str,
    inquiry: bool,
) -> Result<u64, String> {
    let v: Value = serde_json::from_str(body).map_err(|e| e.to_string())?;
    if v["success"].as_bool() != Some(true) {
        return Err(format!("refused: {}", v["code"]));
    }
    let data = v["data"].as_object().ok_or("data")?;
    naive_verify(key, data)?;
    for name in [
        "merchantId",
        "refundDesc",
        "callBackUrl",
        "timestamp",
        "transStatus",
        "transInfo",
    ] {
        if data.get(name).is_some_and(|v| !v.is_null()) {
            return Err(format!("unexpected {name}"));
        }
    }
    if inquiry != data.get("tranNo").is_some_and(|v| !v.is_null()) {
        return Err("the other operation's reply".into());
    }
    if data.get("appId").and_then(Value::as_str) != Some(APP_ID) {
        return Err("another app".into());
    }
    if data.get("refundOrderNo").and_then(Value::as_str) != Some(expected) {
        return Err("another refund".into());
    }
    naive_amount(data)
}

/// Decode the callback the std way.
pub fn naive_callback(key: &RsaPublicKey, body: &str) -> Result<u64, String> {
    let v: Value = serde_json::from_str(body).map_err(|e| e.to_string())?;
    let obj = v.as_object().ok_or("not an object")?;
    naive_verify(key, obj)?;
    if obj.get("transStatus").is_none_or(Value::is_null) {
        return Err("not a callback".into());
    }
    if obj.get("appId").and_then(Value::as_str) != Some(APP_ID) {
        return Err("another app".into());
    }
    let _info = obj
        .get("transInfo")
        .and_then(Value::as_str)
        .map(str::to_lowercase);
    naive_amount(obj)
}

/// The five NewPay paths.
pub fn paths() -> Vec<Path> {
    let refund_request = fixture("refund_request");
    let inquiry_request = fixture("inquiry_refund_request");
    let refund_reply = refund_fixture();
    let inquiry_reply = fixture("inquiry_refund_response");
    let callback = fixture("refund_callback");
    let key = || RsaPrivateKey::from_any(MERCHANT_KEY).unwrap();
    let public = || RsaPublicKey::from_any(PLATFORM_KEY).unwrap();
    let (k1, k2, nk1, nk2) = (key(), key(), key(), key());
    let (p1, p2, p3, np1, np2, np3) = (public(), public(), public(), public(), public(), public());
    let (mut e1, mut e2, mut d1, mut d2, mut d3) = (
        Bench::new(),
        Bench::new(),
        Bench::new(),
        Bench::new(),
        Bench::new(),
    );
    let (mut o1, mut o2) = ([0u8; newpay::SIGN_MAX], [0u8; newpay::SIGN_MAX]);
    let (r1, r2, r3) = (
        refund_reply.clone(),
        inquiry_reply.clone(),
        callback.clone(),
    );
    let (n1, n2, n3) = (
        refund_reply.clone(),
        inquiry_reply.clone(),
        callback.clone(),
    );
    vec![
        Path {
            name: "newpay/encode_refund",
            bytes: refund_request.body.len(),
            codec: Box::new(move || e1.codec_encode_refund().len() as u64),
            floor: Box::new(move || {
                floor_sign(&k1, black_box(refund_request.canonical.as_bytes()), &mut o1)
            }),
            naive: Box::new(move || {
                naive_encode(&nk1, &black_box(naive_refund_fields())).len() as u64
            }),
        },
        Path {
            name: "newpay/encode_inquiry_refund",
            bytes: inquiry_request.body.len(),
            codec: Box::new(move || e2.codec_encode_inquiry().len() as u64),
            floor: Box::new(move || {
                floor_sign(
                    &k2,
                    black_box(inquiry_request.canonical.as_bytes()),
                    &mut o2,
                )
            }),
            naive: Box::new(move || {
                naive_encode(&nk2, &black_box(naive_inquiry_fields())).len() as u64
            }),
        },
        Path {
            name: "newpay/decode_refund",
            bytes: refund_reply.body.len(),
            codec: Box::new(move || d1.codec_decode_refund(&r1.body)),
            floor: Box::new(move || {
                floor_verify(
                    &p1,
                    black_box(refund_reply.canonical.as_bytes()),
                    refund_reply.sign.as_bytes(),
                )
            }),
            naive: Box::new(move || {
                naive_reply(&np1, black_box(&n1.body), REFUND_ORDER_NO, false).unwrap()
            }),
        },
        Path {
            name: "newpay/decode_inquiry_refund",
            bytes: inquiry_reply.body.len(),
            codec: Box::new(move || d2.codec_decode_inquiry(&r2.body)),
            floor: Box::new(move || {
                floor_verify(
                    &p2,
                    black_box(inquiry_reply.canonical.as_bytes()),
                    inquiry_reply.sign.as_bytes(),
                )
            }),
            naive: Box::new(move || {
                naive_reply(&np2, black_box(&n2.body), INQUIRY_ORDER_NO, true).unwrap()
            }),
        },
        Path {
            name: "newpay/decode_refund_callback",
            bytes: callback.body.len(),
            codec: Box::new(move || d3.codec_decode_callback(&r3.body)),
            floor: Box::new(move || {
                floor_verify(
                    &p3,
                    black_box(callback.canonical.as_bytes()),
                    callback.sign.as_bytes(),
                )
            }),
            naive: Box::new(move || naive_callback(&np3, black_box(&n3.body)).unwrap()),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codec_and_naive_write_the_vector_requests() {
        let mut b = Bench::new();
        let key = RsaPrivateKey::from_any(MERCHANT_KEY).unwrap();
        let expected = fixture("refund_request").body;
        assert_eq!(b.codec_encode_refund(), expected.as_bytes());
        assert_eq!(naive_encode(&key, &naive_refund_fields()), expected);
        let expected = fixture("inquiry_refund_request").body;
        assert_eq!(b.codec_encode_inquiry(), expected.as_bytes());
        assert_eq!(naive_encode(&key, &naive_inquiry_fields()), expected);
    }

    #[test]
    fn naive_refuses_what_the_codec_refuses() {
        let key = RsaPublicKey::from_any(PLATFORM_KEY).unwrap();
        let reply = refund_reply();
        assert_eq!(naive_reply(&key, &reply, REFUND_ORDER_NO, false), Ok(50000));
        assert!(naive_reply(&key, &reply, "other", false).is_err());
        assert!(naive_reply(&key, &reply, REFUND_ORDER_NO, true).is_err());
        let tampered = reply.replace("\"50000\"", "\"5000\"");
        assert!(naive_reply(&key, &tampered, REFUND_ORDER_NO, false).is_err());
        let callback = fixture("refund_callback").body;
        assert!(naive_callback(&key, &callback.replace("LAK", "USD")).is_err());
    }
}
