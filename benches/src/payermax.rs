//! PayerMax: RSA-SHA256 (PKCS#1 v1.5) over the exact body, Base64 in a header.

use crate::std_way::{self, minor_units};
use crate::{Path, case, text};
use refundwire::crypto::{RsaSigner, RsaVerifier};
use refundwire::gateway::payermax::{
    self, Credentials, Envelope, RefundQuery, RefundRequest, SIGN_MAX, Status,
};
use refundwire::money::{Currency, Money};
use refundwire::time::Timestamp;
use refundwire_std::rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Number, Value, json};
use std::hint::black_box;

const VECTORS: &str = include_str!("../../tests/vectors/payermax.json");
const MERCHANT_KEY: &[u8] = include_bytes!("../../tests/vectors/keys/payermax_merchant.pem");
const PLATFORM_KEY: &[u8] = include_bytes!("../../tests/vectors/keys/payermax_platform.pub.pem");
const APP_ID: &str = "2f429ce59ff3078fcc1b0c3e1c07724e";
const MERCHANT_NO: &str = "054122482447577";
const REQUEST_MS: i64 = 1_709_622_083_737;

/// A vector reply: body and `sign` header.
#[derive(Clone)]
pub struct Signed {
    /// The body.
    pub body: String,
    /// The `sign` header value.
    pub sign: String,
}

fn signed(name: &str) -> Signed {
    let c = case(VECTORS, name);
    Signed {
        body: text(&c, "body"),
        sign: text(&c, "sign"),
    }
}

/// Caller state for every PayerMax path.
pub struct Bench {
    creds: Credentials<'static>,
    envelope: Envelope<'static>,
    refund: RefundRequest<'static>,
    query: RefundQuery<'static>,
    merchant: RsaPrivateKey,
    platform: RsaPublicKey,
    body: Vec<u8>,
    sign: Vec<u8>,
}

impl Bench {
    /// Loads the vector keys (once: a service loads its keys at start).
    pub fn new() -> Self {
        Bench {
            creds: Credentials::new(APP_ID, Some(MERCHANT_NO)).unwrap(),
            envelope: Envelope::new(Timestamp::utc(REQUEST_MS).unwrap()),
            refund: RefundRequest {
                out_refund_no: "R6030620278683",
                out_trade_no: "P8738069560423",
                refund_amount: Money::new(1050, Currency::from_code("USD").unwrap()),
                comments: Some("customer returned \"size M\" / wrong colour"),
                refund_notify_url: None,
            },
            query: RefundQuery {
                out_refund_no: Some("R1046563414839"),
                refund_trade_no: None,
            },
            merchant: RsaPrivateKey::from_any(MERCHANT_KEY).unwrap(),
            platform: RsaPublicKey::from_any(PLATFORM_KEY).unwrap(),
            body: vec![0; payermax::REFUND_BODY_MAX],
            sign: vec![0; SIGN_MAX],
        }
    }

    /// Codec: encode and sign the refund request; `(body, sign)`.
    pub fn codec_encode_refund(&mut self) -> (&[u8], &str) {
        let s = payermax::encode_refund(
            &self.creds,
            black_box(&self.envelope),
            black_box(&self.refund),
            &self.merchant,
            &mut self.body,
            &mut self.sign,
        )
        .unwrap();
        (s.body, s.sign)
    }

    /// Codec: encode and sign the refund query.
    pub fn codec_encode_query(&mut self) -> (&[u8], &str) {
        let s = payermax::encode_refund_query(
            &self.creds,
            black_box(&self.envelope),
            black_box(&self.query),
            &self.merchant,
            &mut self.body,
            &mut self.sign,
        )
        .unwrap();
        (s.body, s.sign)
    }

    /// Codec: decode the refund reply; a witness of its status.
    pub fn codec_decode_refund(&self, r: &Signed) -> u64 {
        let reply = payermax::decode_refund(
            &self.platform,
            Some(r.sign.as_bytes()),
            black_box(r.body.as_bytes()),
            "R2",
        )
        .unwrap()
        .accepted()
        .unwrap();
        status_witness(reply.refund_status.as_wire())
    }

    /// Codec: decode the refund query reply; the amount.
    pub fn codec_decode_query(&self, r: &Signed) -> u64 {
        payermax::decode_refund_query(
            &self.platform,
            Some(r.sign.as_bytes()),
            black_box(r.body.as_bytes()),
            "R1642411016202",
        )
        .unwrap()
        .accepted()
        .unwrap()
        .refund
        .refund_amount
        .minor
    }

    /// Codec: decode the notification; the amount.
    pub fn codec_decode_notification(&self, r: &Signed) -> u64 {
        payermax::decode_refund_notification(
            &self.creds,
            &self.platform,
            Some(r.sign.as_bytes()),
            black_box(r.body.as_bytes()),
        )
        .unwrap()
        .accepted()
        .unwrap()
        .refund
        .refund_amount
        .minor
    }
}

impl Default for Bench {
    fn default() -> Self {
        Self::new()
    }
}

fn status_witness(status: &str) -> u64 {
    match Status::from_wire(status) {
        Status::RefundSuccess => 1,
        Status::RefundPending => 2,
        Status::RefundFailed => 3,
        _ => 4,
    }
}

// ---------------------------------------------------------------------------------------------
// Floor: RSA over the body, Base64 of the signature.

fn floor_sign(key: &RsaPrivateKey, body: &[u8], out: &mut [u8; SIGN_MAX]) -> u64 {
    let mut raw = [0u8; 512];
    let n = key.sign_sha256(body, &mut raw).unwrap();
    refundwire::encoding::base64_encode(&raw[..n], out)
        .unwrap()
        .len() as u64
}

/// Base64 of the header, RSA verify over the body.
pub fn floor_verify(key: &RsaPublicKey, body: &[u8], sign: &[u8]) -> u64 {
    let mut raw = [0u8; 512];
    let sig = refundwire::encoding::base64_decode(sign, &mut raw, "sign").unwrap();
    key.verify_sha256(body, sig).unwrap();
    sig.len() as u64
}

// ---------------------------------------------------------------------------------------------
// Naive: serde_json values and Strings around the same RSA keys.

/// A request the std way: `(body, sign)`.
pub fn naive_encode(key: &RsaPrivateKey, data: Value) -> (String, String) {
    let body = json!({
        "version": "1.1",
        "keyVersion": "1",
        "requestTime": std_way::rfc3339(REQUEST_MS, 0, true),
        "appId": APP_ID,
        "merchantNo": MERCHANT_NO,
        "data": data,
    })
    .to_string();
    let sign = std_way::base64(&key.sign_to_vec(body.as_bytes()).unwrap());
    (body, sign)
}

/// The refund request's data as a std service builds it (USD: two decimals).
pub fn naive_refund_data(minor: u64) -> Value {
    let amount: Number = format!("{}.{:02}", minor / 100, minor % 100)
        .parse()
        .unwrap();
    json!({
        "outRefundNo": "R6030620278683",
        "outTradeNo": "P8738069560423",
        "refundAmount": amount,
        "refundCurrency": "USD",
        "comments": "customer returned \"size M\" / wrong colour",
    })
}

/// The refund query's data.
pub fn naive_query_data() -> Value {
    json!({ "outRefundNo": "R1046563414839" })
}

/// ISO 4217 minor-unit digits (the unit the codec reports amounts in).
fn decimals(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" | "XAF" | "XOF" => 0,
        "BHD" | "KWD" | "IQD" | "JOD" | "TND" | "LYD" | "OMR" => 3,
        _ => 2,
    }
}

/// Verify, parse, check the envelope; the top-level object.
fn naive_open(key: &RsaPublicKey, body: &[u8], sign: &str) -> Result<Value, String> {
    let sig = std_way::unbase64(sign.trim())?;
    key.verify_sha256(body, &sig).map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    if v.get("requestTime").is_some() || v.get("version").is_some() {
        return Err("a request".into());
    }
    if v["code"].as_str() != Some("APPLY_SUCCESS") {
        return Err(format!("refused: {}", v["code"]));
    }
    Ok(v)
}

fn naive_amount(data: &Value) -> Result<u64, String> {
    let currency = data["refundCurrency"].as_str().ok_or("refundCurrency")?;
    let amount = match &data["refundAmount"] {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err("refundAmount".into()),
    };
    minor_units(&amount, decimals(currency))
}

/// Decode the refund reply the std way.
pub fn naive_decode_refund(key: &RsaPublicKey, r: &Signed, expected: &str) -> Result<u64, String> {
    let v = naive_open(key, r.body.as_bytes(), &r.sign)?;
    if v.get("notifyType").is_some() || v.get("notifyTime").is_some() {
        return Err("a notification".into());
    }
    let data = &v["data"];
    for name in ["refundAmount", "refundCurrency", "outTradeNo"] {
        if data.get(name).is_some() {
            return Err("a query reply".into());
        }
    }
    if data["outRefundNo"].as_str() != Some(expected) {
        return Err("another refund".into());
    }
    let status = data["status"].as_str().ok_or("status")?.to_owned();
    Ok(status_witness(&status))
}

/// Decode the refund query reply the std way.
pub fn naive_decode_query(key: &RsaPublicKey, r: &Signed, expected: &str) -> Result<u64, String> {
    let v = naive_open(key, r.body.as_bytes(), &r.sign)?;
    if v.get("notifyType").is_some() || v.get("notifyTime").is_some() {
        return Err("a notification".into());
    }
    let data = &v["data"];
    if data.get("tradeOrderNo").is_some() {
        return Err("a refund reply".into());
    }
    if data["outRefundNo"].as_str() != Some(expected) {
        return Err("another refund".into());
    }
    let _status = data["status"].as_str().ok_or("status")?.to_owned();
    naive_amount(data)
}

/// Decode the notification the std way.
pub fn naive_decode_notification(key: &RsaPublicKey, r: &Signed) -> Result<u64, String> {
    let v = naive_open(key, r.body.as_bytes(), &r.sign)?;
    if v["notifyType"].as_str() != Some("REFUND") {
        return Err("not a refund notification".into());
    }
    if v["appId"].as_str() != Some(APP_ID) || v["merchantNo"].as_str() != Some(MERCHANT_NO) {
        return Err("another merchant".into());
    }
    let data = &v["data"];
    let _status = data["status"].as_str().ok_or("status")?.to_owned();
    let _out_refund_no = data["outRefundNo"]
        .as_str()
        .ok_or("outRefundNo")?
        .to_owned();
    naive_amount(data)
}

/// The five PayerMax paths.
pub fn paths() -> Vec<Path> {
    let refund_reply = signed("refund_response");
    let query_reply = signed("refund_query_response");
    let notification = signed("refund_notification");
    let refund_request = signed("refund_request_usd");
    let query_request = signed("refund_query_request");
    let mut enc = Bench::new();
    let mut enc2 = Bench::new();
    let (b1, b2, b3) = (Bench::new(), Bench::new(), Bench::new());
    let key = || RsaPrivateKey::from_any(MERCHANT_KEY).unwrap();
    let public = || RsaPublicKey::from_any(PLATFORM_KEY).unwrap();
    let (k1, k2) = (key(), key());
    let (nk1, nk2) = (key(), key());
    let (p1, p2, p3, np1, np2, np3) = (public(), public(), public(), public(), public(), public());
    let (mut o1, mut o2) = ([0u8; SIGN_MAX], [0u8; SIGN_MAX]);
    let (r1, r2, r3) = (
        refund_reply.clone(),
        query_reply.clone(),
        notification.clone(),
    );
    let (n1, n2, n3) = (
        refund_reply.clone(),
        query_reply.clone(),
        notification.clone(),
    );
    vec![
        Path {
            name: "payermax/encode_refund",
            bytes: refund_request.body.len(),
            codec: Box::new(move || enc.codec_encode_refund().1.len() as u64),
            floor: Box::new(move || {
                floor_sign(&k1, black_box(refund_request.body.as_bytes()), &mut o1)
            }),
            naive: Box::new(move || {
                naive_encode(&nk1, black_box(naive_refund_data(1050)))
                    .1
                    .len() as u64
            }),
        },
        Path {
            name: "payermax/encode_refund_query",
            bytes: query_request.body.len(),
            codec: Box::new(move || enc2.codec_encode_query().1.len() as u64),
            floor: Box::new(move || {
                floor_sign(&k2, black_box(query_request.body.as_bytes()), &mut o2)
            }),
            naive: Box::new(move || {
                naive_encode(&nk2, black_box(naive_query_data())).1.len() as u64
            }),
        },
        Path {
            name: "payermax/decode_refund",
            bytes: refund_reply.body.len(),
            codec: Box::new(move || b1.codec_decode_refund(&r1)),
            floor: Box::new(move || {
                floor_verify(
                    &p1,
                    black_box(refund_reply.body.as_bytes()),
                    refund_reply.sign.as_bytes(),
                )
            }),
            naive: Box::new(move || naive_decode_refund(&np1, black_box(&n1), "R2").unwrap()),
        },
        Path {
            name: "payermax/decode_refund_query",
            bytes: query_reply.body.len(),
            codec: Box::new(move || b2.codec_decode_query(&r2)),
            floor: Box::new(move || {
                floor_verify(
                    &p2,
                    black_box(query_reply.body.as_bytes()),
                    query_reply.sign.as_bytes(),
                )
            }),
            naive: Box::new(move || {
                naive_decode_query(&np2, black_box(&n2), "R1642411016202").unwrap()
            }),
        },
        Path {
            name: "payermax/decode_refund_notification",
            bytes: notification.body.len(),
            codec: Box::new(move || b3.codec_decode_notification(&r3)),
            floor: Box::new(move || {
                floor_verify(
                    &p3,
                    black_box(notification.body.as_bytes()),
                    notification.sign.as_bytes(),
                )
            }),
            naive: Box::new(move || naive_decode_notification(&np3, black_box(&n3)).unwrap()),
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
        for (name, codec, naive) in [
            (
                "refund_request_usd",
                {
                    let (body, sign) = b.codec_encode_refund();
                    (body.to_vec(), sign.to_owned())
                },
                naive_encode(&key, naive_refund_data(1050)),
            ),
            (
                "refund_query_request",
                {
                    let (body, sign) = b.codec_encode_query();
                    (body.to_vec(), sign.to_owned())
                },
                naive_encode(&key, naive_query_data()),
            ),
        ] {
            let expected = signed(name);
            assert_eq!(codec.0, expected.body.as_bytes(), "{name}");
            assert_eq!(codec.1, expected.sign, "{name}");
            assert_eq!(naive.0, expected.body, "{name}");
            assert_eq!(naive.1, expected.sign, "{name}");
        }
    }

    #[test]
    fn naive_refuses_what_the_codec_refuses() {
        let key = RsaPublicKey::from_any(PLATFORM_KEY).unwrap();
        let mut r = signed("refund_query_response");
        assert!(naive_decode_query(&key, &r, "other").is_err());
        assert!(naive_decode_refund(&key, &r, "R1642411016202").is_err());
        r.body = r.body.replace("10000", "10001");
        assert!(naive_decode_query(&key, &r, "R1642411016202").is_err());
        assert!(naive_decode_notification(&key, &signed("refund_query_response")).is_err());
    }
}
