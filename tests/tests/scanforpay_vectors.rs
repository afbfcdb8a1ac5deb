//! Every case of `tests/vectors/scanforpay.json`, byte for byte.

use refundwire::gateway::scanforpay::{
    self, Credentials, OrderQueryRequest, RefundRequest, RefundState, RequestHeader, ResultCode,
    TimeField,
};
use refundwire::time::Timestamp;
use refundwire::{Error, RefundStatus, Reply, Trust, Verdict};
use refundwire_tests::{case, cases, s, vectors};
use serde::Deserialize;
use serde_json::Value;

fn creds() -> (String, String) {
    let v = vectors("scanforpay");
    (
        v["credentials"]["partner_no"].as_str().unwrap().to_string(),
        v["credentials"]["sign_key"].as_str().unwrap().to_string(),
    )
}

/// The request time of a case, from its header (the vector's text is the expected output).
fn header(c: &Value) -> RequestHeader<'_> {
    let h = &c["header"];
    assert_eq!(h["signType"], "SHA256");
    assert_eq!(h["version"], "1.0");
    let time = Timestamp::parse_rfc3339(h["requestTime"].as_str().unwrap()).unwrap();
    RequestHeader::new(time, h["reqMsgId"].as_str().unwrap())
}

#[test]
fn request_cases() {
    let (partner_no, key) = creds();
    let creds = Credentials::new(&partner_no, key.as_bytes()).unwrap();
    let mut seen = 0;
    for c in cases("scanforpay")
        .iter()
        .filter(|c| c.get("body_fields").is_some())
    {
        let name = s(c, "case");
        assert_eq!(c["header"]["partnerNo"], partner_no.as_str());
        // The vector's body fields deserialize straight into the request value.
        let refund = RefundRequest::deserialize(&c["body_fields"]).unwrap();
        let mut out = [0u8; scanforpay::REQUEST_MAX];
        let body = scanforpay::encode_refund(&creds, &header(c), &refund, &mut out).unwrap();
        let body = std::str::from_utf8(body).unwrap();
        assert_eq!(body, s(c, "body"), "{name}");
        // The pieces: the spliced `request` bytes and the signature over them.
        let request = body
            .strip_prefix("{\"request\":")
            .and_then(|b| b.split_once(",\"signature\":\""))
            .unwrap()
            .0;
        assert_eq!(request, s(c, "request_json"), "{name}");
        assert!(
            body.ends_with(&format!("\"{}\"}}", s(c, "signature"))),
            "{name}"
        );
        seen += 1;
    }
    assert_eq!(seen, 2);
}

#[test]
fn response_cases() {
    let (partner_no, key) = creds();
    let creds = Credentials::new(&partner_no, key.as_bytes()).unwrap();
    let mut seen = 0;
    for c in cases("scanforpay")
        .iter()
        .filter(|c| c.get("expect").is_some())
    {
        let name = s(c, "case");
        assert_eq!(s(c, "kind"), "refund", "{name}: unknown kind");
        let expected = &c["response_body"];
        let id = s(c, "req_msg_id");
        let got = scanforpay::decode_refund(&creds, s(c, "body").as_bytes(), id);
        match (s(c, "expect"), got) {
            ("ok", Ok(Reply::Accepted(r))) => {
                let members: Value = serde_json::from_str(r.body.raw()).unwrap();
                assert_eq!(&members, expected, "{name}");
                assert_eq!(r.order_amount, expected["orderAmount"].as_u64().unwrap());
                assert_eq!(r.currency.unwrap(), expected["currency"].as_str().unwrap());
                assert_eq!(r.msg.unwrap(), expected["msg"].as_str().unwrap());
                assert_eq!(r.header.req_msg_id.unwrap(), id);
                let status = match expected["status"].as_u64().unwrap() {
                    0 => RefundStatus::Pending,
                    1 => RefundStatus::Succeeded,
                    2 => RefundStatus::Failed,
                    other => panic!("{name}: status {other}"),
                };
                assert_eq!(r.trust, Trust::signed(true), "{name}");
                assert_eq!(r.status(), status, "{name}");
                assert_eq!(
                    r.amount().unwrap().currency.code(),
                    expected["currency"].as_str().unwrap()
                );
            }
            ("gateway_error", Ok(Reply::Refused(r))) => {
                assert_eq!(r.code.as_wire(), expected["code"].to_string(), "{name}");
                assert_eq!(r.code, ResultCode::OrderNotFound);
                assert_eq!(r.message.unwrap(), expected["msg"].as_str().unwrap());
                // Signed and bound: code 30 (no such order) is a definite failure.
                assert_eq!(r.trust, Trust::signed(true), "{name}");
                assert_eq!(r.status(), RefundStatus::Failed, "{name}");
            }
            ("error", Err(e)) => {
                assert_eq!(e, Error::SignatureMismatch("signature"), "{name}");
            }
            (expect, got) => panic!("{name}: expected {expect}, got {got:?}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 6);
    // Every case was one of the two kinds above.
    assert_eq!(cases("scanforpay").len(), seen + 2);
}

#[test]
fn a_reply_to_another_request_is_an_error() {
    let (partner_no, key) = creds();
    let creds = Credentials::new(&partner_no, key.as_bytes()).unwrap();
    let c = case("scanforpay", "refund_response");
    let body = s(&c, "body").as_bytes();
    assert_eq!(
        scanforpay::decode_refund(&creds, body, "fd03f269-3180-4575-8af0-8f6cf324fb0f")
            .unwrap_err(),
        Error::RequestIdMismatch
    );
    // Without an expected id, the same reply decodes, but proves nothing about a refund.
    let r = scanforpay::decode_refund(&creds, body, "")
        .unwrap()
        .accepted()
        .unwrap();
    assert_eq!(r.state, RefundState::Refunded);
    assert_eq!(r.trust, Trust::signed(false));
    assert_eq!(r.claimed_status(), RefundStatus::Succeeded);
    assert_eq!(r.status(), RefundStatus::Unknown);
}

#[test]
fn a_wrong_key_or_a_moved_byte_is_rejected() {
    let (partner_no, _) = creds();
    let wrong = Credentials::new(&partner_no, b"c4pz0lx9xf26gk7zx5b4ctzkk6oam89p").unwrap();
    let c = case("scanforpay", "refund_response_pretty_printed");
    assert_eq!(
        scanforpay::decode_refund(&wrong, s(&c, "body").as_bytes(), "").unwrap_err(),
        Error::SignatureMismatch("signature")
    );
    // Re-spacing the signed span (what a re-serializing proxy does) breaks the signature.
    let (_, key) = creds();
    let creds = Credentials::new(&partner_no, key.as_bytes()).unwrap();
    let respaced = s(&c, "body").replacen("\n  \"header\"", "\"header\"", 1);
    assert_eq!(
        scanforpay::decode_refund(&creds, respaced.as_bytes(), "").unwrap_err(),
        Error::SignatureMismatch("signature")
    );
    // Whitespace outside the signed span is not signed, and changes nothing.
    let padded = format!(
        " {} \n",
        s(&c, "body").replacen("},\"signature\"", "} , \"signature\"", 1)
    );
    assert!(scanforpay::decode_refund(&creds, padded.as_bytes(), "").is_ok());
}

#[test]
fn the_request_verifies_with_the_same_rule() {
    // The server's side: the vector's request body verifies with the merchant's key.
    let (partner_no, key) = creds();
    let creds = Credentials::new(&partner_no, key.as_bytes()).unwrap();
    let c = case("scanforpay", "refund_request");
    let v = scanforpay::verify_request(&creds, s(&c, "body").as_bytes()).unwrap();
    assert_eq!(v.time_field, TimeField::RequestTime);
    assert_eq!(v.partner_no, partner_no.as_str());
    assert_eq!(v.signed.body.raw(), c["body_fields"].to_string());
    let q = OrderQueryRequest {
        partner_order_no: Some("p95748906828836075983"),
        ..OrderQueryRequest::default()
    };
    let mut out = [0u8; 1024];
    let body = scanforpay::encode_order_query(&creds, &header(&c), &q, &mut out).unwrap();
    assert!(
        std::str::from_utf8(body)
            .unwrap()
            .contains(r#""body":{"partnerOrderNo":"p95748906828836075983"}},"signature":""#)
    );
}
