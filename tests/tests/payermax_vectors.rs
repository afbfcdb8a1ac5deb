//! Every case of `tests/vectors/payermax.json`, byte for byte, through the core codec with
//! the aws-lc-rs keys of `refundwire-std` behind the signer seam.

use refundwire::gateway::payermax::{
    self, Code, Credentials, Envelope, RefundQuery, RefundRequest, SIGN_MAX, Status,
};
use refundwire::money::{Currency, Money};
use refundwire::time::Timestamp;
use refundwire::{Error, RefundStatus, Reply, Trust, Verdict};
use refundwire_std::rsa::{RsaPrivateKey, RsaPublicKey};
use refundwire_tests::{case, cases, s, vectors, vectors_dir};
use serde_json::Value;

/// 2024-03-05T07:01:23.737Z (`date -u -d @1709622083.737`), the vectors' `requestTime`.
const REQUEST_TIME_MS: i64 = 1_709_622_083_737;

struct Keys {
    app_id: String,
    merchant_no: String,
    merchant: RsaPrivateKey,
    platform: RsaPublicKey,
}

fn keys() -> Keys {
    let v = vectors("payermax");
    let c = &v["credentials"];
    let file = |k: &str| std::fs::read(vectors_dir().join(c[k].as_str().unwrap())).unwrap();
    Keys {
        app_id: c["app_id"].as_str().unwrap().to_owned(),
        merchant_no: c["merchant_no"].as_str().unwrap().to_owned(),
        merchant: RsaPrivateKey::from_any(&file("private_key_file")).unwrap(),
        platform: RsaPublicKey::from_any(&file("platform_public_key_file")).unwrap(),
    }
}

/// The `data` object of an expected request body: the inputs the body was made from.
fn request_data(c: &Value) -> serde_json::Map<String, Value> {
    let body: Value = serde_json::from_str(s(c, "body")).unwrap();
    assert_eq!(body["requestTime"], "2024-03-05T07:01:23.737+00:00");
    body["data"].as_object().unwrap().clone()
}

#[test]
fn request_cases_are_byte_identical() {
    let k = keys();
    let creds = Credentials::new(&k.app_id, Some(&k.merchant_no)).unwrap();
    let envelope = Envelope::new(Timestamp::utc(REQUEST_TIME_MS).unwrap());
    let mut seen = 0;
    for c in cases("payermax")
        .iter()
        .filter(|c| c.get("expect").is_none())
    {
        let data = request_data(c);
        let text = |k: &str| data.get(k).and_then(Value::as_str);
        let mut body = [0u8; 1024];
        let mut sign = [0u8; SIGN_MAX];
        let signed = if s(c, "case").starts_with("refund_query") {
            let q = RefundQuery {
                out_refund_no: text("outRefundNo"),
                refund_trade_no: text("refundTradeNo"),
            };
            payermax::encode_refund_query(&creds, &envelope, &q, &k.merchant, &mut body, &mut sign)
        } else {
            // The minor units the vector notes give: USD 1050 is 10.50, IDR 10000 is 1000000.
            let currency = Currency::from_code(text("refundCurrency").unwrap()).unwrap();
            let minor = match currency.code() {
                "USD" => 1050,
                "IDR" => 1_000_000,
                other => panic!("no amount for {other}"),
            };
            let req = RefundRequest {
                out_refund_no: text("outRefundNo").unwrap(),
                out_trade_no: text("outTradeNo").unwrap(),
                refund_amount: Money::new(minor, currency),
                comments: text("comments"),
                refund_notify_url: text("refundNotifyUrl"),
            };
            payermax::encode_refund(&creds, &envelope, &req, &k.merchant, &mut body, &mut sign)
        }
        .unwrap();
        assert_eq!(
            std::str::from_utf8(signed.body).unwrap(),
            s(c, "body"),
            "case {}",
            c["case"]
        );
        assert_eq!(signed.sign, s(c, "sign"), "case {}", c["case"]);
        seen += 1;
    }
    assert_eq!(seen, 3);
}

#[test]
fn request_signatures_verify_with_the_merchant_public_key() {
    let public = RsaPublicKey::from_any(
        &std::fs::read(vectors_dir().join("keys/payermax_merchant.pub.pem")).unwrap(),
    )
    .unwrap();
    for c in cases("payermax")
        .iter()
        .filter(|c| c.get("expect").is_none())
    {
        refundwire::crypto::rsa_verify_base64(
            &public,
            s(c, "body").as_bytes(),
            s(c, "sign").as_bytes(),
            "sign",
        )
        .unwrap();
    }
}

fn sign_of(c: &Value) -> Option<&[u8]> {
    c["sign"].as_str().map(str::as_bytes)
}

/// Decodes a reply case with the decoder its `kind` names; returns the outcome as
/// `Ok((status, data members))`, `Err(Ok((code, msg)))` for a refusal, `Err(Err(e))` for a
/// codec error.
type Outcome = Result<(RefundStatus, Value), Result<(String, String), Error>>;

fn decode(k: &Keys, c: &Value) -> Outcome {
    let body = s(c, "body").as_bytes();
    // Bound to the refund the reply names, as a caller who sent it would be.
    let sent: Value = serde_json::from_str(s(c, "body")).unwrap();
    let expected = sent["data"]["outRefundNo"].as_str().unwrap_or("R1");
    let creds = Credentials::new(&k.app_id, Some(&k.merchant_no)).unwrap();
    let members = |o: &refundwire::json::Object<'_>| serde_json::from_str(o.raw()).unwrap();
    macro_rules! outcome {
        ($reply:expr) => {
            match $reply.map_err(Err)? {
                Reply::Accepted(v) => Ok((v.status(), members(&v.verified.data))),
                Reply::Refused(r) => Err(Ok((
                    r.code.as_wire().to_owned(),
                    r.message.map(|m| m.to_string()).unwrap_or_default(),
                ))),
            }
        };
    }
    match c["kind"].as_str().unwrap_or("notification") {
        "refund" => outcome!(payermax::decode_refund(
            &k.platform,
            sign_of(c),
            body,
            expected
        )),
        "refund_query" => outcome!(payermax::decode_refund_query(
            &k.platform,
            sign_of(c),
            body,
            expected
        )),
        "notification" => outcome!(payermax::decode_refund_notification(
            &creds,
            &k.platform,
            sign_of(c),
            body
        )),
        other => panic!("unknown kind {other}"),
    }
}

#[test]
fn reply_cases_meet_their_expectation() {
    let k = keys();
    let mut seen = 0;
    for c in cases("payermax")
        .iter()
        .filter(|c| c.get("expect").is_some())
    {
        let name = s(c, "case");
        let outcome = decode(&k, c);
        match s(c, "expect") {
            "ok" => {
                let (status, data) = outcome.unwrap_or_else(|e| panic!("{name}: {e:?}"));
                let body: Value = serde_json::from_str(s(c, "body")).unwrap();
                assert_eq!(data, body["data"], "{name}");
                // Signed and bound: the page's mapping of refund statuses.
                let expected = match body["data"]["status"].as_str().unwrap() {
                    "REFUND_SUCCESS" => RefundStatus::Succeeded,
                    "REFUND_PENDING" => RefundStatus::Pending,
                    "REFUND_FAILED" => RefundStatus::Failed,
                    _ => RefundStatus::Unknown,
                };
                assert_eq!(status, expected, "{name}");
            }
            "gateway_error" => {
                let body: Value = serde_json::from_str(s(c, "body")).unwrap();
                let (code, msg) = outcome.unwrap_err().unwrap();
                assert_eq!(code, body["code"].as_str().unwrap(), "{name}");
                assert_eq!(msg, body["msg"].as_str().unwrap(), "{name}");
            }
            "error" => {
                let e = outcome.unwrap_err().unwrap_err();
                println!("{name}: {e}");
            }
            other => panic!("{name}: unknown expectation {other}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 8);
}

#[test]
fn reply_cases_decode_to_the_documented_values() {
    let k = keys();
    let body = |n: &str| s(&case("payermax", n), "body").to_owned();
    let sign = |n: &str| s(&case("payermax", n), "sign").to_owned();

    for name in ["refund_query_response", "refund_query_response_pretty"] {
        let (b, g) = (body(name), sign(name));
        let v = payermax::decode_refund_query(
            &k.platform,
            Some(g.as_bytes()),
            b.as_bytes(),
            "R1642411016202",
        )
        .unwrap()
        .accepted()
        .unwrap();
        assert_eq!(v.refund.out_refund_no, "R1642411016202");
        assert_eq!(v.trust, Trust::signed(true));
        assert_eq!(
            v.refund.refund_trade_no.unwrap(),
            "20220117091657TI790000055087"
        );
        assert_eq!(v.refund.out_trade_no.unwrap(), "P1642410680681");
        // 10000 IDR in major units is 1000000 minor units (ISO 4217 exponent 2).
        assert_eq!(v.refund.refund_amount.minor, 1_000_000);
        assert_eq!(v.refund.refund_amount.currency.code(), "IDR");
        assert_eq!(v.refund.refund_status, Status::RefundSuccess);
        assert_eq!(v.status(), RefundStatus::Succeeded);
        assert_eq!(v.verified.msg.unwrap(), "Success.");
    }

    let (b, g) = (
        body("refund_query_response_kwd_fils"),
        sign("refund_query_response_kwd_fils"),
    );
    let v = payermax::decode_refund_query(&k.platform, Some(g.as_bytes()), b.as_bytes(), "R3")
        .unwrap()
        .accepted()
        .unwrap();
    assert_eq!(v.refund.refund_amount.minor, 12345);
    assert_eq!(v.refund.refund_amount.currency.code(), "KWD");

    let (b, g) = (
        body("refund_query_response_usd_three_decimals"),
        sign("refund_query_response_usd_three_decimals"),
    );
    assert!(matches!(
        payermax::decode_refund_query(&k.platform, Some(g.as_bytes()), b.as_bytes(), "R1"),
        Err(Error::Amount(_))
    ));

    let (b, g) = (
        body("refund_query_response_tampered"),
        sign("refund_query_response_tampered"),
    );
    assert_eq!(
        payermax::decode_refund_query(
            &k.platform,
            Some(g.as_bytes()),
            b.as_bytes(),
            "R1642411016202"
        )
        .map(|_| ()),
        Err(Error::SignatureMismatch("sign"))
    );
    // The tampered body without any signature is a success claim without proof.
    assert_eq!(
        payermax::decode_refund_query(&k.platform, None, b.as_bytes(), "R1642411016202")
            .map(|_| ()),
        Err(Error::SignatureMissing("sign"))
    );

    let (b, g) = (body("refund_response"), sign("refund_response"));
    let v = payermax::decode_refund(&k.platform, Some(g.as_bytes()), b.as_bytes(), "R2")
        .unwrap()
        .accepted()
        .unwrap();
    assert_eq!(v.out_refund_no, "R2");
    assert_eq!(v.trust, Trust::signed(true));
    assert_eq!(v.trade_order_no.unwrap(), "T2");
    assert_eq!(v.refund_trade_no.unwrap(), "RT2");
    assert_eq!(v.status(), RefundStatus::Pending);

    let b = body("refund_query_error_unsigned");
    let r = payermax::decode_refund_query(&k.platform, None, b.as_bytes(), "R1")
        .unwrap()
        .refused()
        .unwrap();
    assert_eq!(r.code, Code::OrderNotExist);
    assert_eq!(r.trust, Trust::UNSIGNED);
    assert_eq!(r.status(), RefundStatus::Unknown);
    assert_eq!(r.message.unwrap(), "order not exist");

    let (b, g) = (body("refund_notification"), sign("refund_notification"));
    let creds = Credentials::new(&k.app_id, Some(&k.merchant_no)).unwrap();
    let n =
        payermax::decode_refund_notification(&creds, &k.platform, Some(g.as_bytes()), b.as_bytes())
            .unwrap()
            .accepted()
            .unwrap();
    assert_eq!(n.refund.out_refund_no, "R1642411016202");
    assert_eq!(n.refund.refund_amount.minor, 1_000_000);
    assert_eq!(
        n.refund.refund_finish_time.unwrap(),
        "2024-03-05T09:33:50.092Z"
    );
    assert_eq!(n.notify_time.unwrap(), "2024-03-05T09:33:54.540+00:00");
    assert_eq!(n.status(), RefundStatus::Succeeded);
    assert_eq!(n.trust, Trust::signed(true));
    assert_eq!(
        payermax::NOTIFICATION_ACK,
        br#"{"code":"SUCCESS","msg":"Success"}"#
    );
    // A notification is never accepted unsigned, nor with a reply's signature.
    assert_eq!(
        payermax::decode_refund_notification(&creds, &k.platform, None, b.as_bytes()).map(|_| ()),
        Err(Error::SignatureMissing("sign"))
    );
    let other = sign("refund_query_response");
    assert_eq!(
        payermax::decode_refund_notification(
            &creds,
            &k.platform,
            Some(other.as_bytes()),
            b.as_bytes()
        )
        .map(|_| ()),
        Err(Error::SignatureMismatch("sign"))
    );
}

#[test]
fn every_single_byte_change_of_a_signed_reply_is_rejected() {
    let k = keys();
    let c = case("payermax", "refund_response");
    let sign = s(&c, "sign").as_bytes();
    let mut body = s(&c, "body").as_bytes().to_vec();
    for i in 0..body.len() {
        body[i] ^= 0x01;
        assert!(
            payermax::decode_refund(&k.platform, Some(sign), &body, "R2").is_err(),
            "flipped byte {i}"
        );
        body[i] ^= 0x01;
    }
    // Trailing whitespace is part of the signed bytes too.
    body.push(b'\n');
    assert_eq!(
        payermax::decode_refund(&k.platform, Some(sign), &body, "R2").map(|_| ()),
        Err(Error::SignatureMismatch("sign"))
    );
}
