//! Every case of `tests/vectors/newpay.json` (computed with Python `cryptography`, i.e.
//! OpenSSL, never with this code) through the core codec, keys over aws-lc-rs.

use refundwire::gateway::newpay::{
    self, Code, Credentials, InquiryCode, InquiryRefundRequest, PayMethod, RefundRequest,
    TranStatus,
};
use refundwire::json::Object;
use refundwire::{Error, RefundStatus, Reply, Trust, Verdict};
use refundwire_std::rsa::{RsaPrivateKey, RsaPublicKey};
use refundwire_tests::{case, cases, s, vectors, vectors_dir};
use serde_json::Value;

const GATEWAY: &str = "newpay";

fn credential(name: &str) -> String {
    vectors(GATEWAY)["credentials"][name]
        .as_str()
        .unwrap_or_else(|| panic!("credentials.{name}"))
        .to_string()
}

struct Keys {
    app_id: String,
    merchant_id: String,
    merchant: RsaPrivateKey,
    platform: RsaPublicKey,
}

impl Keys {
    fn load() -> Self {
        let read = |name: &str| std::fs::read(vectors_dir().join(credential(name))).unwrap();
        Keys {
            app_id: credential("app_id"),
            merchant_id: credential("merchant_id"),
            merchant: RsaPrivateKey::from_any(&read("private_key_file")).unwrap(),
            platform: RsaPublicKey::from_any(&read("platform_public_key_file")).unwrap(),
        }
    }

    fn creds(&self) -> Credentials<'_> {
        Credentials::new(&self.app_id, &self.merchant_id).unwrap()
    }
}

fn field<'a>(case: &'a Value, name: &str) -> &'a str {
    case["fields"][name]
        .as_str()
        .unwrap_or_else(|| panic!("fields.{name}"))
}

fn timestamp(case: &Value) -> u64 {
    case["fields"]["timestamp"].as_u64().unwrap()
}

/// The `sign` member of an encoded body, read with serde_json (not with the codec).
fn sign_of(body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).unwrap();
    v["sign"].as_str().unwrap().to_string()
}

fn check_request(name: &str) {
    let keys = Keys::load();
    let c = case(GATEWAY, name);
    assert_eq!(field(&c, "appId"), keys.app_id);
    assert_eq!(field(&c, "merchantId"), keys.merchant_id);
    let mut out = [0u8; 2048];
    let mut scratch = [0u8; 1024];
    let (body, signed) = match name {
        "inquiry_refund_request" => {
            let req = InquiryRefundRequest {
                refund_order_no: field(&c, "refundOrderNo"),
            };
            let signed = newpay::inquiry_refund_signed_string(
                &keys.creds(),
                &req,
                timestamp(&c),
                &mut scratch,
            )
            .unwrap();
            let body = newpay::encode_inquiry_refund(
                &keys.creds(),
                &keys.merchant,
                &req,
                timestamp(&c),
                &mut out,
            )
            .unwrap();
            (body, signed)
        }
        "refund_request" => {
            let req = RefundRequest {
                refund_order_amt: field(&c, "refundOrderAmt").parse().unwrap(),
                order_no: field(&c, "orderNo"),
                refund_order_no: field(&c, "refundOrderNo"),
                refund_desc: field(&c, "refundDesc"),
                call_back_url: field(&c, "callBackUrl"),
            };
            let signed =
                newpay::refund_signed_string(&keys.creds(), &req, timestamp(&c), &mut scratch)
                    .unwrap();
            let body =
                newpay::encode_refund(&keys.creds(), &keys.merchant, &req, timestamp(&c), &mut out)
                    .unwrap();
            (body, signed)
        }
        other => panic!("not a request case: {other}"),
    };
    assert_eq!(signed, s(&c, "canonical"), "{name}: string-to-sign");
    assert_eq!(sign_of(body), s(&c, "sign"), "{name}: sign");
    assert_eq!(
        std::str::from_utf8(body).unwrap(),
        s(&c, "body"),
        "{name}: body"
    );
}

#[test]
fn inquiry_refund_request() {
    check_request("inquiry_refund_request");
}

#[test]
fn refund_request_signs_the_empty_call_back_url() {
    check_request("refund_request");
}

/// The `data` object of a response body, read with serde_json, without `sign`.
fn expected_data(body: &str) -> serde_json::Map<String, Value> {
    let v: Value = serde_json::from_str(body).unwrap();
    let mut data = v["data"].as_object().unwrap().clone();
    data.shift_remove("sign");
    data
}

fn check_inquiry_ok(name: &str) {
    let keys = Keys::load();
    let c = case(GATEWAY, name);
    assert_eq!(s(&c, "expect"), "ok");
    let body = s(&c, "body").as_bytes();
    let data = expected_data(s(&c, "body"));
    let refund_order_no = data["refundOrderNo"].as_str().unwrap();
    let mut scratch = vec![0u8; body.len()];
    let reply = newpay::decode_inquiry_refund(
        &keys.creds(),
        &keys.platform,
        body,
        refund_order_no,
        &mut scratch,
    )
    .unwrap();
    let Reply::Accepted(r) = reply else {
        panic!("{name}: not accepted")
    };
    let mut buf = vec![0u8; body.len()];
    assert_eq!(
        newpay::signed_string(&r.data, &mut buf).unwrap(),
        s(&c, "canonical"),
        "{name}: string-to-verify"
    );
    assert_eq!(r.app_id, data["appId"].as_str().unwrap());
    assert_eq!(r.refund_order_no, data["refundOrderNo"].as_str().unwrap());
    assert_eq!(
        r.newpay_refund_order_no.unwrap(),
        data["newpayRefundOrderNo"].as_str().unwrap()
    );
    assert_eq!(r.refund_order_amt, data["refundOrderAmt"].as_str().unwrap());
    assert_eq!(r.amount_units(), Ok(50000));
    assert_eq!(r.tran_status, Some(TranStatus::Success));
    assert_eq!(r.pay_method, Some(PayMethod::NewPay));
    assert_eq!(r.currency.unwrap(), "LAK");
    assert_eq!(r.tran_abbr, None, "tranAbbr is null");
    assert_eq!(r.tran_no.unwrap(), data["tranNo"].as_str().unwrap());
    assert_eq!(r.trust, Trust::signed(true));
    assert_eq!(r.claimed_status(), RefundStatus::Succeeded);
    assert_eq!(r.status(), RefundStatus::Succeeded);
    // Every member of `data` (unknown ones included) is in the verified object, as sent.
    for (key, value) in &data {
        let got = r.data.get(key).unwrap_or_else(|| panic!("{name}: {key}"));
        assert_eq!(got.raw(), value.to_string(), "{name}: {key}");
    }
    // Not bound to a refund number: decoded, but not definite.
    let r = newpay::decode_inquiry_refund(&keys.creds(), &keys.platform, body, "", &mut scratch)
        .unwrap()
        .accepted()
        .unwrap();
    assert_eq!(r.trust, Trust::signed(false));
    assert_eq!(r.status(), RefundStatus::Unknown);
    // Bound to another refund number: refused.
    assert_eq!(
        newpay::decode_inquiry_refund(
            &keys.creds(),
            &keys.platform,
            body,
            "ORDERNORFD-other",
            &mut scratch
        )
        .unwrap_err(),
        Error::RequestIdMismatch
    );
    // A refund response has no `tranNo`: an inquiry response does not pass as one.
    assert_eq!(
        newpay::decode_refund(
            &keys.creds(),
            &keys.platform,
            body,
            refund_order_no,
            &mut scratch
        )
        .unwrap_err(),
        Error::WrongMessage("tranNo")
    );
}

#[test]
fn inquiry_refund_response() {
    check_inquiry_ok("inquiry_refund_response");
}

#[test]
fn inquiry_refund_response_with_unknown_signed_members() {
    check_inquiry_ok("inquiry_refund_response_unknown_fields");
    let keys = Keys::load();
    let c = case(GATEWAY, "inquiry_refund_response_unknown_fields");
    let body = s(&c, "body").as_bytes();
    let mut scratch = vec![0u8; body.len()];
    let r = newpay::decode_inquiry_refund(
        &keys.creds(),
        &keys.platform,
        body,
        "ORDERNORFD000000000A104",
        &mut scratch,
    )
    .unwrap()
    .accepted()
    .unwrap();
    assert_eq!(r.refund_success, Some(true));
    assert_eq!(r.data.get("settleDate").unwrap().raw(), "\"20240305\"");
}

#[test]
fn inquiry_refund_response_tampered_is_rejected() {
    let keys = Keys::load();
    let c = case(GATEWAY, "inquiry_refund_response_tampered");
    assert_eq!(s(&c, "expect"), "error");
    let body = s(&c, "body").as_bytes();
    let mut scratch = vec![0u8; body.len()];
    // Verified first: whatever the decoder and the expected number, the signature fails.
    for expected in ["ORDERNORFD000000000A104", "", "other"] {
        assert_eq!(
            newpay::decode_inquiry_refund(
                &keys.creds(),
                &keys.platform,
                body,
                expected,
                &mut scratch
            )
            .unwrap_err(),
            Error::SignatureMismatch("data.sign")
        );
        assert_eq!(
            newpay::decode_refund(&keys.creds(), &keys.platform, body, expected, &mut scratch)
                .unwrap_err(),
            Error::SignatureMismatch("data.sign")
        );
    }
}

#[test]
fn inquiry_refund_error_is_the_gateways_refusal() {
    let keys = Keys::load();
    let c = case(GATEWAY, "inquiry_refund_error");
    assert_eq!(s(&c, "expect"), "gateway_error");
    let body = s(&c, "body").as_bytes();
    let expected: Value = serde_json::from_str(s(&c, "body")).unwrap();
    let mut scratch = vec![0u8; body.len()];
    let refusal = newpay::decode_inquiry_refund(
        &keys.creds(),
        &keys.platform,
        body,
        "ORDERNORFD000000000A104",
        &mut scratch,
    )
    .unwrap()
    .refused()
    .unwrap();
    assert_eq!(refusal.code, InquiryCode(Code::OrderInfoNotFound));
    assert_eq!(refusal.code.as_wire(), expected["code"].as_str().unwrap());
    assert_eq!(
        refusal.message.unwrap(),
        expected["message"].as_str().unwrap()
    );
    // Unsigned: what it claims is not definite.
    assert_eq!(refusal.trust, Trust::UNSIGNED);
    assert_eq!(refusal.claimed_status(), RefundStatus::Failed);
    assert_eq!(refusal.status(), RefundStatus::Unknown);
    let refusal = newpay::decode_refund(&keys.creds(), &keys.platform, body, "", &mut scratch)
        .unwrap()
        .refused()
        .unwrap();
    assert_eq!(refusal.code, Code::OrderInfoNotFound);
    assert_eq!(refusal.status(), RefundStatus::Unknown);
}

#[test]
fn refund_callback() {
    let keys = Keys::load();
    let c = case(GATEWAY, "refund_callback");
    assert_eq!(s(&c, "expect"), "ok");
    let body = s(&c, "body").as_bytes();
    let mut scratch = vec![0u8; body.len()];
    let cb =
        newpay::decode_refund_callback(&keys.creds(), &keys.platform, body, &mut scratch).unwrap();
    let mut buf = vec![0u8; body.len()];
    assert_eq!(
        newpay::signed_string(&cb.object, &mut buf).unwrap(),
        s(&c, "canonical")
    );
    let sent: Value = serde_json::from_str(s(&c, "body")).unwrap();
    assert_eq!(cb.refund_order_no, sent["refundOrderNo"].as_str().unwrap());
    assert_eq!(cb.trans_status, "1");
    assert_eq!(cb.trans_info.unwrap(), "Transaction Success");
    assert_eq!(cb.timestamp, Some("1709614016481"));
    assert_eq!(cb.trust, Trust::signed(true));
    assert_eq!(cb.status(), RefundStatus::Succeeded);
    assert_eq!(newpay::CALLBACK_ACK, br#"{"transResult":"SUCCESS"}"#);

    // One byte changed in a signed member: rejected.
    let tampered = s(&c, "body").replace("\"50000\"", "\"50001\"");
    let mut scratch = vec![0u8; tampered.len()];
    assert_eq!(
        newpay::decode_refund_callback(
            &keys.creds(),
            &keys.platform,
            tampered.as_bytes(),
            &mut scratch
        )
        .unwrap_err(),
        Error::SignatureMismatch("sign")
    );
    // Signed by the merchant key instead of the platform's: rejected.
    let merchant_public = keys.merchant.public_key().unwrap();
    assert_eq!(
        newpay::decode_refund_callback(&keys.creds(), &merchant_public, body, &mut scratch)
            .unwrap_err(),
        Error::SignatureMismatch("sign")
    );
}

/// Every case in the file is one of the above: a new case must get a test.
#[test]
fn every_vector_case_is_covered() {
    let known = [
        "inquiry_refund_request",
        "refund_request",
        "inquiry_refund_response",
        "inquiry_refund_response_unknown_fields",
        "inquiry_refund_response_tampered",
        "inquiry_refund_error",
        "refund_callback",
    ];
    for c in cases(GATEWAY) {
        let name = s(&c, "case");
        assert!(known.contains(&name), "untested vector case {name}");
    }
}

/// Fields as the CLI takes them (`fields.json` under the protocol's names) deserialize
/// straight into the core request values.
#[test]
fn fields_deserialize_under_wire_names() {
    let req: RefundRequest<'_> = serde_json::from_str(
        r#"{"refundOrderAmt":"50000","orderNo":"O","refundOrderNo":"R","refundDesc":"d","callBackUrl":""}"#,
    )
    .unwrap();
    assert_eq!(req.refund_order_amt, 50000);
    assert_eq!(req.call_back_url, "");
    // A JSON integer too, as in the refund page's example; never a fraction.
    assert_eq!(
        serde_json::from_str::<RefundRequest<'_>>(
            r#"{"refundOrderAmt":50000,"orderNo":"O","refundOrderNo":"R"}"#
        )
        .unwrap()
        .refund_order_amt,
        50000
    );
    let e = serde_json::from_str::<RefundRequest<'_>>(
        r#"{"refundOrderAmt":"5.00","orderNo":"O","refundOrderNo":"R"}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains(r#"invalid value: string "5.00", expected a whole number of minor units"#),
        "{e}"
    );
    assert!(
        serde_json::from_str::<InquiryRefundRequest<'_>>(r#"{"refundOrderNo":"R","x":1}"#).is_err()
    );
    // The members of a raw object the codec opens are the ones serde_json sees.
    let c = case(GATEWAY, "refund_callback");
    let obj = Object::parse(s(&c, "body").as_bytes()).unwrap();
    let v: Value = serde_json::from_str(s(&c, "body")).unwrap();
    assert_eq!(obj.len(), v.as_object().unwrap().len());
}
