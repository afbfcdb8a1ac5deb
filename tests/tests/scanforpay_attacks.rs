//! ScanForPay: a catalogue of forged, replayed, reflected and re-labelled messages.
//!
//! Every reply of every operation, and every request, is signed the same way
//! (SHA-256 of the signed value's bytes, then the sign key), so whoever holds the key — the
//! merchant, ScanForPay, or an attacker with the public test key used here — can produce a
//! valid signature for *any* of them. A signature therefore proves authorship, not meaning:
//! each case below is validly signed (by `openssl dgst -sha256`, not by the codec) or is a
//! genuine vector moved to where it does not belong, and each must end in an error or in
//! `status() == Unknown`.

use refundwire::gateway::scanforpay::{
    self, Credentials, OrderQueryCode, RefundRequest, RequestHeader, ResultCode, TimeField,
};
use refundwire::time::Timestamp;
use refundwire::{Error, RefundStatus, Reply, Trust, Verdict};
use refundwire_tests::{case, openssl_digest_hex, s};

const PARTNER: &str = "63012";
const KEY: &str = "c4pz0lx9xf26gk7zx5b4ctzkk6oam89o";
/// The `reqMsgId` of the vectors' refund request and of its replies.
const ID: &str = "fd03f269-3180-4575-8af0-580483868a29";
const RESP_HEADER: &str = r#"{"partnerNo":"63012","respTime":"2024-03-05T18:06:12+08:00","signType":"SHA256","version":"1.0","reqMsgId":"fd03f269-3180-4575-8af0-580483868a29"}"#;

fn creds() -> Credentials<'static> {
    Credentials::new(PARTNER, KEY.as_bytes()).unwrap()
}

/// `{"<name>":<value>,"signature":"<hex>"}`, signed by OpenSSL with the test key.
fn signed_as(name: &str, value: &str) -> String {
    let hex = openssl_digest_hex("sha256", [value, KEY].concat().as_bytes());
    format!(r#"{{"{name}":{value},"signature":"{hex}"}}"#)
}

/// A signed response with ScanForPay's header (bound to [`ID`]) and `body`.
fn response(body: &str) -> String {
    signed_as(
        "response",
        &format!(r#"{{"header":{RESP_HEADER},"body":{body}}}"#),
    )
}

fn vector(name: &str) -> String {
    s(&case("scanforpay", name), "body").to_string()
}

/// The signed `response` value and signature of a vector reply.
fn split(reply: &str) -> (String, String) {
    let rest = reply.strip_prefix("{\"response\":").unwrap();
    let (value, sig) = rest.rsplit_once(",\"signature\":\"").unwrap();
    (value.to_string(), sig.trim_end_matches("\"}").to_string())
}

fn refund(msg: &str, expected: &str) -> refundwire::Result<RefundStatus> {
    scanforpay::decode_refund(&creds(), msg.as_bytes(), expected).map(|r| r.status())
}

fn order_query(msg: &str, expected: &str) -> refundwire::Result<RefundStatus> {
    scanforpay::decode_order_query(&creds(), msg.as_bytes(), expected).map(|r| r.status())
}

// --- Reflected: the merchant's own request, sent back as a reply --------------------------

#[test]
fn our_signed_request_renamed_response_is_not_a_reply() {
    // The vector request as sent (a genuine signature), `request` renamed `response`.
    let renamed = vector("refund_request").replacen("{\"request\":", "{\"response\":", 1);
    let err = Error::WrongMessage("requestTime");
    assert_eq!(refund(&renamed, ID), Err(err));
    assert_eq!(order_query(&renamed, ID), Err(err));
    assert_eq!(
        scanforpay::verify_response(&creds(), renamed.as_bytes(), ID).unwrap_err(),
        err
    );
    // The same with the field table's time name, and with `code`/`status` members added to
    // its body by whoever holds the key.
    let request = r#"{"header":{"reqTime":"2024-03-05T18:06:05+08:00","partnerNo":"63012","signType":"SHA256","version":"1.0","reqMsgId":"fd03f269-3180-4575-8af0-580483868a29"},"body":{"code":1,"partnerOrderNo":"p1","refundNo":"r1","orderAmount":30095,"status":1}}"#;
    let msg = signed_as("response", request);
    assert_eq!(refund(&msg, ID), Err(Error::WrongMessage("reqTime")));
    assert_eq!(order_query(&msg, ID), Err(Error::WrongMessage("reqTime")));
    // A request header that also claims `respTime` is still a request.
    let both = request.replacen(
        r#""reqTime""#,
        r#""respTime":"2024-03-05T18:06:12+08:00","reqTime""#,
        1,
    );
    assert_eq!(
        refund(&signed_as("response", &both), ID),
        Err(Error::WrongMessage("reqTime"))
    );
}

#[test]
fn a_reply_renamed_request_is_not_a_request() {
    let (value, _) = split(&vector("refund_response"));
    let msg = signed_as("request", &value);
    assert_eq!(
        scanforpay::verify_request(&creds(), msg.as_bytes()).unwrap_err(),
        Error::WrongMessage("respTime")
    );
}

#[test]
fn a_reply_without_a_response_header_marker_is_refused() {
    let header = RESP_HEADER.replace(r#""respTime":"2024-03-05T18:06:12+08:00","#, "");
    let msg = signed_as(
        "response",
        &format!(r#"{{"header":{header},"body":{{"code":1,"orderAmount":1,"status":1}}}}"#),
    );
    assert_eq!(refund(&msg, ID), Err(Error::WrongMessage("respTime")));
    assert_eq!(order_query(&msg, ID), Err(Error::WrongMessage("respTime")));
}

// --- Another operation's reply ----------------------------------------------------------------

/// A signed order query reply bound to the refund's `reqMsgId`, order status `status`.
fn order_query_reply(status: u8) -> String {
    response(&format!(
        r#"{{"code":1,"msg":"success","orderNo":"2018072518060757","partnerOrderNo":"p95748906828836075983","orderAmount":30095,"wallet":"Alipay","status":{status},"payTime":"2024-03-05T17:54:00+08:00","currency":"JPY"}}"#
    ))
}

#[test]
fn an_order_query_reply_is_not_a_refund_reply() {
    // Order status 1 (paid) would read as refund status 1 (succeeded), 2 as failed.
    for status in 0..=3 {
        let msg = order_query_reply(status);
        assert_eq!(
            refund(&msg, ID),
            Err(Error::WrongMessage("orderNo")),
            "{status}"
        );
        assert!(order_query(&msg, ID).is_ok());
    }
    // With only one of its distinguishing members left, still refused.
    for member in [
        r#""orderNo":"1""#,
        r#""partnerOrderNo":"p1""#,
        r#""wallet":"Wechat""#,
        r#""payTime":"2024-03-05T17:54:00+08:00""#,
        r#""buyer":"c*@gmail.com""#,
        r#""buyerId":"208012""#,
    ] {
        let msg = response(&format!(
            r#"{{"code":1,"orderAmount":30095,"status":1,{member}}}"#
        ));
        assert!(
            matches!(refund(&msg, ID), Err(Error::WrongMessage(_))),
            "{member}"
        );
    }
}

#[test]
fn a_refund_reply_is_not_an_order_query_reply() {
    // Genuine vector replies: refund status 1/0 must not be read as order status 1/0.
    for name in ["refund_response", "refund_response_dealing"] {
        assert_eq!(
            order_query(&vector(name), ID),
            Err(Error::WrongMessage("partnerOrderNo")),
            "{name}"
        );
    }
    // One that echoes `refundNo` is refused even with `partnerOrderNo` added.
    let msg = response(
        r#"{"code":1,"orderAmount":30095,"status":3,"partnerOrderNo":"p1","refundNo":"r1"}"#,
    );
    assert_eq!(order_query(&msg, ID), Err(Error::WrongMessage("refundNo")));
    let msg = response(r#"{"code":35,"msg":"x","refundNo":"r1"}"#);
    assert_eq!(order_query(&msg, ID), Err(Error::WrongMessage("refundNo")));
}

#[test]
fn a_refused_query_says_nothing_about_the_refund() {
    // A bare refusal names no operation; read as an order query reply, only "no such
    // order" claims anything (failed), a refused query (bad signature, parameters …) not.
    for (code, refund_claim, query_claim) in [
        (8, RefundStatus::Failed, RefundStatus::Unknown),
        (4, RefundStatus::Failed, RefundStatus::Unknown),
        (30, RefundStatus::Failed, RefundStatus::Failed),
        (35, RefundStatus::Unknown, RefundStatus::Unknown),
    ] {
        let msg = response(&format!(r#"{{"code":{code},"msg":"m"}}"#));
        assert_eq!(refund(&msg, ID), Ok(refund_claim), "{code}");
        assert_eq!(order_query(&msg, ID), Ok(query_claim), "{code}");
    }
    let msg = response(r#"{"code":8,"msg":"m"}"#);
    let q = scanforpay::decode_order_query(&creds(), msg.as_bytes(), ID)
        .unwrap()
        .refused()
        .unwrap();
    assert_eq!(q.code, OrderQueryCode(ResultCode::SignatureInvalid));
}

// --- Replayed: a genuine reply to another request ----------------------------------------------

#[test]
fn a_reply_to_another_request_is_refused_or_unknown() {
    for name in [
        "refund_response",
        "refund_response_dealing",
        "refund_response_order_missing",
    ] {
        let msg = vector(name);
        assert_eq!(
            refund(&msg, "e2b7c1a0-0000-4000-8000-000000000001"),
            Err(Error::RequestIdMismatch),
            "{name}"
        );
        // Case, whitespace and prefixes matter.
        for other in [&ID.to_uppercase(), &format!("{ID} "), &ID[..35]] {
            assert_eq!(refund(&msg, other), Err(Error::RequestIdMismatch), "{name}");
        }
        // Not bound to anything: decoded, but nothing definite.
        let r = scanforpay::decode_refund(&creds(), msg.as_bytes(), "").unwrap();
        assert_eq!(r.trust(), Trust::signed(false), "{name}");
        assert_eq!(r.status(), RefundStatus::Unknown, "{name}");
    }
}

#[test]
fn a_signed_reply_without_a_request_id_binds_nothing() {
    let header = RESP_HEADER.replace(r#","reqMsgId":"fd03f269-3180-4575-8af0-580483868a29""#, "");
    for body in [
        r#"{"code":1,"orderAmount":30095,"status":1}"#,
        r#"{"code":30,"msg":"订单不存在"}"#,
        r#"{"code":2,"msg":"failure"}"#,
    ] {
        let msg = signed_as(
            "response",
            &format!(r#"{{"header":{header},"body":{body}}}"#),
        );
        let r = scanforpay::decode_refund(&creds(), msg.as_bytes(), ID).unwrap();
        assert_eq!(r.trust(), Trust::signed(false), "{body}");
        assert_ne!(r.claimed_status(), RefundStatus::Unknown, "{body}");
        assert_eq!(r.status(), RefundStatus::Unknown, "{body}");
    }
    // `null` is no id either.
    let header = RESP_HEADER.replace(r#""fd03f269-3180-4575-8af0-580483868a29""#, "null");
    let msg = signed_as(
        "response",
        &format!(r#"{{"header":{header},"body":{{"code":1,"orderAmount":1,"status":1}}}}"#),
    );
    assert_eq!(refund(&msg, ID), Ok(RefundStatus::Unknown));
}

#[test]
fn an_escaped_request_id_is_compared_unescaped() {
    // `\u0066` is `f`: the same id, bound.
    let header = RESP_HEADER.replace(r#""reqMsgId":"fd03"#, r#""reqMsgId":"\u0066d03"#);
    let msg = signed_as(
        "response",
        &format!(r#"{{"header":{header},"body":{{"code":1,"orderAmount":1,"status":1}}}}"#),
    );
    assert_eq!(refund(&msg, ID), Ok(RefundStatus::Succeeded));
    // An id whose raw text equals the expected one but means something else is not bound.
    let expected = r"a\u0062";
    let msg = signed_as(
        "response",
        r#"{"header":{"respTime":"t","reqMsgId":"a\u0062"},"body":{"code":1,"orderAmount":1,"status":1}}"#,
    );
    assert_eq!(refund(&msg, expected), Err(Error::RequestIdMismatch));
}

// --- Edited bytes, inside and outside the signed span -------------------------------------------

#[test]
fn an_edited_signed_member_fails_verification() {
    let genuine = vector("refund_response_dealing");
    for (from, to) in [
        (r#""status":0"#, r#""status":1"#),
        (r#""orderAmount":5"#, r#""orderAmount":500"#),
        (r#""currency":"HKD""#, r#""currency":"USD""#),
        (ID, "e2b7c1a0-0000-4000-8000-000000000001"),
        (r#""respTime""#, r#""requestTime""#),
    ] {
        let edited = genuine.replacen(from, to, 1);
        assert_ne!(edited, genuine);
        assert_eq!(
            refund(&edited, ID),
            Err(Error::SignatureMismatch("signature")),
            "{from}"
        );
    }
    // The codec's reading of the genuine reply, for contrast.
    assert_eq!(refund(&genuine, ID), Ok(RefundStatus::Pending));
}

#[test]
fn members_outside_the_signed_span_change_nothing() {
    // A signed refusal (no such order) with an unsigned "success" beside it.
    let genuine = vector("refund_response_order_missing");
    let (value, sig) = split(&genuine);
    for msg in [
        format!(r#"{{"response":{value},"signature":"{sig}","body":{{"code":1,"status":1}}}}"#),
        format!(r#"{{"code":1,"status":1,"response":{value},"signature":"{sig}"}}"#),
        format!(r#"{{"signature":"{sig}","response":{value},"header":{{"reqMsgId":"x"}}}}"#),
    ] {
        let r = scanforpay::decode_refund(&creds(), msg.as_bytes(), ID).unwrap();
        let refusal = r.refused().unwrap();
        assert_eq!(refusal.code, ResultCode::OrderNotFound);
        assert_eq!(refusal.status(), RefundStatus::Failed);
    }
    // A second `response` (or `signature`) is ambiguous: refused outright.
    let twice = format!(r#"{{"response":{value},"response":{value},"signature":"{sig}"}}"#);
    assert_eq!(refund(&twice, ID), Err(Error::DuplicateMember));
    let twice = format!(r#"{{"response":{value},"signature":"{sig}","signature":"{sig}"}}"#);
    assert_eq!(refund(&twice, ID), Err(Error::DuplicateMember));
}

#[test]
fn a_signature_moved_to_other_bytes_fails() {
    // The request's genuine signature on a forged reply; the reply's on a nested copy; a
    // request and a forged response side by side under the request's signature.
    let (request_value, request_sig) = {
        let body = vector("refund_request");
        let rest = body.strip_prefix("{\"request\":").unwrap();
        let (v, sig) = rest.rsplit_once(",\"signature\":\"").unwrap();
        (v.to_string(), sig.trim_end_matches("\"}").to_string())
    };
    let forged =
        format!(r#"{{"header":{RESP_HEADER},"body":{{"code":1,"orderAmount":30095,"status":1}}}}"#);
    let msg = format!(r#"{{"response":{forged},"signature":"{request_sig}"}}"#);
    assert_eq!(refund(&msg, ID), Err(Error::SignatureMismatch("signature")));
    let msg =
        format!(r#"{{"request":{request_value},"response":{forged},"signature":"{request_sig}"}}"#);
    assert_eq!(refund(&msg, ID), Err(Error::SignatureMismatch("signature")));
    let (value, sig) = split(&vector("refund_response"));
    let nested = format!(r#"{{"wrapper":{{"response":{value}}},"signature":"{sig}"}}"#);
    assert_eq!(refund(&nested, ID), Err(Error::MissingField("response")));
    // The signed bytes re-spaced (what a re-serializing proxy does) are other bytes.
    let respaced = format!(
        r#"{{"response":{},"signature":"{sig}"}}"#,
        value.replacen(",\"body\"", ", \"body\"", 1)
    );
    assert_eq!(
        refund(&respaced, ID),
        Err(Error::SignatureMismatch("signature"))
    );
}

#[test]
fn a_value_that_is_not_an_object_is_refused_after_verifying() {
    // Signed, but a string holding a reply is not a reply.
    let (value, _) = split(&vector("refund_response"));
    let quoted = serde_json::to_string(&value).unwrap();
    let msg = signed_as("response", &quoted);
    assert_eq!(refund(&msg, ID), Err(Error::InvalidField("response")));
}

// --- Unsigned, wrongly signed -------------------------------------------------------------------

#[test]
fn an_unsigned_reply_is_an_error() {
    let (value, sig) = split(&vector("refund_response_order_missing"));
    for msg in [
        format!(r#"{{"response":{value}}}"#),
        format!(r#"{{"response":{value},"signature":null}}"#),
    ] {
        assert_eq!(refund(&msg, ID), Err(Error::SignatureMissing("signature")));
    }
    for bad in [
        "",
        "00",
        &sig[..63],
        &format!("{sig}0"),
        &format!("{}g", &sig[..63]),
    ] {
        let msg = format!(r#"{{"response":{value},"signature":"{bad}"}}"#);
        assert_eq!(refund(&msg, ID), Err(Error::Hex("signature")), "{bad:?}");
    }
    let msg = format!(r#"{{"response":{value},"signature":["{sig}"]}}"#);
    assert_eq!(refund(&msg, ID), Err(Error::InvalidField("signature")));
}

#[test]
fn another_key_signs_nothing() {
    let other = Credentials::new(PARTNER, b"c4pz0lx9xf26gk7zx5b4ctzkk6oam89p").unwrap();
    for name in ["refund_response", "refund_response_order_missing"] {
        assert_eq!(
            scanforpay::decode_refund(&other, vector(name).as_bytes(), ID).unwrap_err(),
            Error::SignatureMismatch("signature")
        );
    }
}

// --- What a signed, bound reply may still not prove ---------------------------------------------

#[test]
fn codes_after_which_an_earlier_attempt_may_have_gone_through_are_unknown() {
    // Signed and bound, yet no proof the refund failed: query before refunding again.
    for code in [9, 20, 21, 22, 31, 32, 33, 35, 36, 99] {
        let msg = response(&format!(r#"{{"code":{code},"msg":"m"}}"#));
        let r = scanforpay::decode_refund(&creds(), msg.as_bytes(), ID).unwrap();
        assert_eq!(r.trust(), Trust::signed(true));
        assert_eq!(r.claimed_status(), RefundStatus::Unknown, "{code}");
        assert_eq!(r.status(), RefundStatus::Unknown, "{code}");
    }
}

#[test]
fn unknown_states_are_unknown() {
    for status in ["3", "-1", "10", "\"1\""] {
        let msg = response(&format!(
            r#"{{"code":1,"orderAmount":1,"status":{status}}}"#
        ));
        let got = refund(&msg, ID);
        assert!(
            got == Ok(RefundStatus::Unknown) || got == Err(Error::InvalidField("status")),
            "{status}: {got:?}"
        );
    }
    // An order that is paid says nothing about its refund.
    assert_eq!(
        order_query(&order_query_reply(1), ID),
        Ok(RefundStatus::Unknown)
    );
    assert_eq!(
        order_query(&order_query_reply(3), ""),
        Ok(RefundStatus::Unknown)
    );
    assert_eq!(
        order_query(&order_query_reply(3), ID),
        Ok(RefundStatus::Succeeded)
    );
}

#[test]
fn our_encoder_and_the_decoders_agree_on_the_kinds() {
    // What we send never decodes as a reply, whichever time name it uses.
    let time = Timestamp::parse_rfc3339("2024-03-05T18:06:05+08:00").unwrap();
    for field in [TimeField::RequestTime, TimeField::ReqTime] {
        let header = RequestHeader::new(time, ID).with_time_field(field);
        let req = RefundRequest {
            partner_order_no: "p1",
            refund_no: "r1",
            order_amount: 1,
            operator_id: None,
            terminal_no: None,
        };
        let mut out = [0u8; scanforpay::REFUND_REQUEST_MAX];
        let body = scanforpay::encode_refund(&creds(), &header, &req, &mut out).unwrap();
        let text = std::str::from_utf8(body).unwrap();
        let renamed = text.replacen("{\"request\":", "{\"response\":", 1);
        assert_eq!(
            refund(&renamed, ID),
            Err(Error::WrongMessage(field.wire_name()))
        );
        assert!(matches!(
            scanforpay::decode_refund(&creds(), body, ID),
            Err(Error::MissingField("response"))
        ));
        assert!(scanforpay::verify_request(&creds(), body).is_ok());
    }
    // And the genuine replies decode as what they are.
    let genuine = vector("refund_response");
    let r = scanforpay::decode_refund(&creds(), genuine.as_bytes(), ID).unwrap();
    assert!(matches!(r, Reply::Accepted(_)));
    assert_eq!(r.status(), RefundStatus::Succeeded);
}
