//! The PayerMax attack catalogue: forged, replayed, reflected and mislabelled messages, each
//! refused or decoded with status `Unknown`. The attacker holds the public test keys — here
//! both test key pairs, so forged bodies are signed with PayerMax's *test* private key by
//! `openssl dgst -sha256 -sign` (no codec code signs them), standing in for any body PayerMax
//! really signed once.

use refundwire::gateway::payermax::{
    self, Code, Credentials, NotificationReply, RefundQueryReply, RefundReply,
};
use refundwire::{Claim, Error, RefundStatus, Reply, Trust, Verdict};
use refundwire_std::registry;
use refundwire_std::rsa::RsaPublicKey;
use refundwire_std::{Answer, Binding, Gateway, Operation, RefundOutcome};
use refundwire_tests::{case, key_path, openssl_rsa_sign_b64, s, vectors, vectors_dir};

const APP_ID: &str = "2f429ce59ff3078fcc1b0c3e1c07724e";
const MERCHANT_NO: &str = "054122482447577";

fn platform() -> RsaPublicKey {
    RsaPublicKey::from_any(&std::fs::read(key_path("payermax_platform.pub.pem")).unwrap()).unwrap()
}

fn creds() -> Credentials<'static> {
    Credentials::new(APP_ID, Some(MERCHANT_NO)).unwrap()
}

/// `body` signed with PayerMax's test key by OpenSSL: what a genuine PayerMax message, or
/// one the attacker can sign, looks like.
fn platform_signed(body: &str) -> String {
    openssl_rsa_sign_b64(&key_path("payermax_platform.pem"), body.as_bytes())
}

fn refund(sign: Option<&str>, body: &str, expected: &str) -> Result<RefundReply<'static>, Error> {
    let body: &'static str = Box::leak(body.to_owned().into_boxed_str());
    payermax::decode_refund(
        &platform(),
        sign.map(str::as_bytes),
        body.as_bytes(),
        expected,
    )
}

fn query(
    sign: Option<&str>,
    body: &str,
    expected: &str,
) -> Result<RefundQueryReply<'static>, Error> {
    let body: &'static str = Box::leak(body.to_owned().into_boxed_str());
    payermax::decode_refund_query(
        &platform(),
        sign.map(str::as_bytes),
        body.as_bytes(),
        expected,
    )
}

fn notification(sign: Option<&str>, body: &str) -> Result<NotificationReply<'static>, Error> {
    let body: &'static str = Box::leak(body.to_owned().into_boxed_str());
    payermax::decode_refund_notification(
        &creds(),
        &platform(),
        sign.map(str::as_bytes),
        body.as_bytes(),
    )
}

/// The neutral gateway, built by the registry from the vector's credentials.
fn gateway() -> Box<dyn Gateway> {
    let v = vectors("payermax");
    // `*_file` members are relative to the vectors folder.
    let credentials =
        registry::Credentials::parse(v["credentials"].to_string().as_bytes(), vectors_dir())
            .unwrap();
    registry::build("payermax", &credentials).unwrap()
}

/// A reply with its `sign` header, decoded by the neutral gateway for `operation`.
fn decode(
    g: &dyn Gateway,
    operation: Operation,
    sign: Option<&str>,
    body: &str,
    expected: &str,
) -> refundwire_std::Result<RefundOutcome> {
    let mut response = http::Response::builder().status(200);
    if let Some(sign) = sign {
        response = response.header("sign", sign);
    }
    let binding = Binding {
        operation,
        expected: expected.to_owned(),
    };
    g.decode(&binding, response.body(body.as_bytes()).unwrap())
}

const CODES: [&str; 19] = [
    "SYSTEM_ERROR",
    "REQUEST_TIMEOUT",
    "UNEXPECTED_ERROR",
    "REQ_TIME_OVER_TIME",
    "TOO_MANY_REQUEST",
    "SIGN_VERIFY_FAILED",
    "MERCHANT_INVALID",
    "MERCHANT_APP_INVALID",
    "PARAMS_INVALID",
    "CONTRACT_INVALID",
    "ORDER_NOT_EXIST",
    "ORDER_CLOSED",
    "ORDER_REPEAT",
    "AMOUNT_INVALID",
    "CURRENCY_INVALID",
    "REFUND_FAILED",
    "REFUND_NO_INVALID",
    "REFUND_INSUFFICIENT_BALANCE",
    "SOMETHING_NEW",
];

/// The refusal of a neutral outcome (panics on an acceptance or an error).
fn refused(outcome: refundwire_std::Result<RefundOutcome>) -> RefundOutcome {
    let outcome = outcome.unwrap();
    assert_eq!(
        outcome.answer,
        Answer::Refused,
        "a refusal decoded as an acceptance"
    );
    outcome
}

/// The issue's attack: a signed `REFUND_FAILED` names no refund, so replayed against any
/// refund it must not read `failed` — in core and in refundwire-std.
#[test]
fn a_signed_error_reply_replayed_against_another_refund_is_unknown() {
    let body = r#"{"code":"REFUND_FAILED","msg":"refund failed"}"#;
    let sign = platform_signed(body);
    for expected in ["R1642411016202", "R-any-other", ""] {
        for reply in [
            refund(Some(&sign), body, expected)
                .unwrap()
                .refused()
                .unwrap(),
            query(Some(&sign), body, expected)
                .unwrap()
                .refused()
                .unwrap(),
        ] {
            assert_eq!(reply.code, Code::RefundFailed);
            assert_eq!(reply.trust, Trust::signed(false));
            assert_eq!(reply.claimed_status(), RefundStatus::Failed);
            assert_eq!(reply.status(), RefundStatus::Unknown);
        }
    }
    let g = gateway();
    let refusals = [
        refused(decode(
            &*g,
            Operation::Refund,
            Some(&sign),
            body,
            "R-any-other",
        )),
        refused(decode(
            &*g,
            Operation::Status,
            Some(&sign),
            body,
            "R-any-other",
        )),
    ];
    for refusal in refusals {
        assert_eq!(refusal.code, "REFUND_FAILED");
        assert_eq!(refusal.status, RefundStatus::Unknown);
        assert_eq!(refusal.claimed_status, RefundStatus::Failed);
        assert_eq!(refusal.trust, Trust::signed(false));
    }
}

#[test]
fn no_refusal_is_ever_definite_signed_or_not_with_data_or_not() {
    for code in CODES {
        let bare = format!(r#"{{"code":"{code}","msg":"m"}}"#);
        // Even a refusal that carries data naming the very refund asked about is not bound:
        // PayerMax documents no data on errors, and the codec reads none.
        let with_data = format!(
            r#"{{"code":"{code}","msg":"m","data":{{"outRefundNo":"R1","status":"REFUND_FAILED"}}}}"#
        );
        for body in [&bare, &with_data] {
            let sign = platform_signed(body);
            for sign in [None, Some(sign.as_str())] {
                for reply in [
                    refund(sign, body, "R1").unwrap().refused().unwrap(),
                    query(sign, body, "R1").unwrap().refused().unwrap(),
                ] {
                    assert_eq!(reply.status(), RefundStatus::Unknown, "{code} {sign:?}");
                    assert_eq!(reply.trust.authenticated, sign.is_some());
                    assert!(!reply.trust.bound);
                }
            }
        }
    }
}

#[test]
fn codes_after_which_an_earlier_attempt_may_have_succeeded_claim_unknown() {
    for code in [
        "REFUND_NO_INVALID",
        "ORDER_REPEAT",
        "SYSTEM_ERROR",
        "REQUEST_TIMEOUT",
        "UNEXPECTED_ERROR",
        "REQ_TIME_OVER_TIME",
        "TOO_MANY_REQUEST",
        "AMOUNT_INVALID",
        "REFUND_INSUFFICIENT_BALANCE",
        "SOMETHING_NEW",
    ] {
        assert_eq!(
            Code::from_wire(code).claimed_status(),
            RefundStatus::Unknown,
            "{code}"
        );
    }
}

#[test]
fn a_genuine_reply_replayed_for_another_refund_is_refused() {
    let c = case("payermax", "refund_query_response");
    let (body, sign) = (s(&c, "body"), s(&c, "sign"));
    assert_eq!(
        query(Some(sign), body, "R-other").map(|_| ()),
        Err(Error::RequestIdMismatch)
    );
    // Without a refund number to bind to, it decodes but proves nothing.
    let reply = query(Some(sign), body, "").unwrap();
    assert_eq!(reply.trust(), Trust::signed(false));
    assert_eq!(reply.status(), RefundStatus::Unknown);
    assert_eq!(reply.claimed_status(), RefundStatus::Succeeded);
    // Bound to its own refund, it is definite.
    assert_eq!(
        query(Some(sign), body, "R1642411016202").unwrap().status(),
        RefundStatus::Succeeded
    );
    let c = case("payermax", "refund_response");
    let (body, sign) = (s(&c, "body"), s(&c, "sign"));
    assert_eq!(
        refund(Some(sign), body, "R1").map(|_| ()),
        Err(Error::RequestIdMismatch)
    );
    assert_eq!(
        refund(Some(sign), body, "").unwrap().status(),
        RefundStatus::Unknown
    );
    // Near misses are other refunds too.
    for near in ["r2", "R2 ", " R2", "R20", "R"] {
        assert_eq!(
            refund(Some(sign), body, near).map(|_| ()),
            Err(Error::RequestIdMismatch),
            "{near:?}"
        );
    }
    let g = gateway();
    assert!(matches!(
        decode(&*g, Operation::Refund, Some(sign), body, "R1"),
        Err(refundwire_std::Error::Codec(Error::RequestIdMismatch))
    ));
}

#[test]
fn the_merchants_own_request_reflected_back_is_refused() {
    for name in ["refund_request_usd", "refund_query_request"] {
        let c = case("payermax", name);
        let (body, own_sign) = (s(&c, "body"), s(&c, "sign"));
        // With the merchant's signature: not PayerMax's.
        assert_eq!(
            refund(Some(own_sign), body, "R6030620278683").map(|_| ()),
            Err(Error::SignatureMismatch("sign"))
        );
        // Unsigned, or signed with PayerMax's key: a request by its shape.
        let forged = platform_signed(body);
        for sign in [None, Some(forged.as_str())] {
            assert_eq!(
                refund(sign, body, "R6030620278683").map(|_| ()),
                Err(Error::WrongMessage("requestTime"))
            );
            assert_eq!(
                query(sign, body, "R1046563414839").map(|_| ()),
                Err(Error::WrongMessage("requestTime"))
            );
        }
        assert_eq!(
            notification(Some(&forged), body).map(|_| ()),
            Err(Error::WrongMessage("requestTime"))
        );
        // With a success code and a status added, still a request.
        let dressed = body
            .replacen('{', r#"{"code":"APPLY_SUCCESS","#, 1)
            .replace(
                r#""data":{"#,
                r#""data":{"status":"REFUND_SUCCESS","tradeOrderNo":"T","#,
            );
        let forged = platform_signed(&dressed);
        assert_eq!(
            refund(Some(&forged), &dressed, "R6030620278683").map(|_| ()),
            Err(Error::WrongMessage("requestTime"))
        );
        // Only `version` left to give it away: still refused.
        let no_time = dressed.replace(r#""requestTime":"2024-03-05T07:01:23.737+00:00","#, "");
        let forged = platform_signed(&no_time);
        assert_eq!(
            query(Some(&forged), &no_time, "R1046563414839").map(|_| ()),
            Err(Error::WrongMessage("version"))
        );
    }
}

#[test]
fn a_signed_query_reply_posted_to_the_webhook_is_refused() {
    let c = case("payermax", "refund_query_response");
    assert_eq!(
        notification(Some(s(&c, "sign")), s(&c, "body")).map(|_| ()),
        Err(Error::WrongMessage("notifyType"))
    );
    let c = case("payermax", "refund_response");
    assert_eq!(
        notification(Some(s(&c, "sign")), s(&c, "body")).map(|_| ()),
        Err(Error::WrongMessage("notifyType"))
    );
    // A signed error reply too.
    let body = r#"{"code":"REFUND_FAILED","msg":"x"}"#;
    assert_eq!(
        notification(Some(&platform_signed(body)), body).map(|_| ()),
        Err(Error::WrongMessage("notifyType"))
    );
    // With appId added (a reply never has it), still no notifyType.
    let body = r#"{"code":"APPLY_SUCCESS","appId":"2f429ce59ff3078fcc1b0c3e1c07724e","merchantNo":"054122482447577","data":{"outRefundNo":"R1","refundAmount":1,"refundCurrency":"USD","status":"REFUND_SUCCESS"}}"#;
    assert_eq!(
        notification(Some(&platform_signed(body)), body).map(|_| ()),
        Err(Error::WrongMessage("notifyType"))
    );
    let g = gateway();
    let c = case("payermax", "refund_query_response");
    assert!(matches!(
        g.verify_notification(
            http::Request::post("/")
                .header("sign", s(&c, "sign"))
                .body(s(&c, "body").as_bytes())
                .unwrap()
        )
        .map(|_| ()),
        Err(refundwire_std::Error::Codec(Error::WrongMessage(
            "notifyType"
        )))
    ));
}

#[test]
fn a_notification_posted_as_a_reply_is_refused() {
    let c = case("payermax", "refund_notification");
    let (body, sign) = (s(&c, "body"), s(&c, "sign"));
    assert_eq!(
        query(Some(sign), body, "R1642411016202").map(|_| ()),
        Err(Error::WrongMessage("notifyType"))
    );
    assert_eq!(
        refund(Some(sign), body, "R1642411016202").map(|_| ()),
        Err(Error::WrongMessage("notifyType"))
    );
    // Without notifyType, notifyTime still gives it away.
    let stripped = body.replace(r#""notifyType":"REFUND","#, "");
    let forged = platform_signed(&stripped);
    assert_eq!(
        query(Some(&forged), &stripped, "R1642411016202").map(|_| ()),
        Err(Error::WrongMessage("notifyTime"))
    );
}

#[test]
fn one_operations_reply_is_not_anothers() {
    let c = case("payermax", "refund_query_response");
    assert_eq!(
        refund(Some(s(&c, "sign")), s(&c, "body"), "R1642411016202").map(|_| ()),
        Err(Error::WrongMessage("refundAmount"))
    );
    let c = case("payermax", "refund_response");
    assert_eq!(
        query(Some(s(&c, "sign")), s(&c, "body"), "R2").map(|_| ()),
        Err(Error::WrongMessage("tradeOrderNo"))
    );
    // A query reply stripped to the refund reply's members still lacks tradeOrderNo but
    // carries outTradeNo.
    let body = r#"{"code":"APPLY_SUCCESS","msg":"","data":{"outRefundNo":"R2","refundTradeNo":"RT2","outTradeNo":"P2","status":"REFUND_SUCCESS"}}"#;
    assert_eq!(
        refund(Some(&platform_signed(body)), body, "R2").map(|_| ()),
        Err(Error::WrongMessage("outTradeNo"))
    );
}

/// A notification for another merchant, or of another kind, re-signed with the test key.
#[test]
fn notifications_must_be_for_this_merchant_and_about_a_refund() {
    let c = case("payermax", "refund_notification");
    let body = s(&c, "body");
    let n = notification(Some(s(&c, "sign")), body).unwrap();
    assert_eq!(n.trust(), Trust::signed(true));
    assert_eq!(n.status(), RefundStatus::Succeeded);
    let accepted = n.accepted().unwrap();
    assert_eq!(accepted.is_for("R1642411016202"), Ok(true));
    assert_eq!(accepted.is_for("R-other"), Err(Error::RequestIdMismatch));

    let cases = [
        (
            body.replace(APP_ID, "00000000000000000000000000000000"),
            Error::InvalidField("appId"),
        ),
        (
            body.replace(MERCHANT_NO, "000000000000000"),
            Error::InvalidField("merchantNo"),
        ),
        (
            body.replace(&format!(r#""appId":"{APP_ID}","#), ""),
            Error::MissingField("appId"),
        ),
        (
            body.replace(&format!(r#""merchantNo":"{MERCHANT_NO}","#), ""),
            Error::MissingField("merchantNo"),
        ),
        (
            body.replace(r#""notifyType":"REFUND","#, ""),
            Error::WrongMessage("notifyType"),
        ),
        (
            body.replace(r#""notifyType":"REFUND""#, r#""notifyType":"PAYMENT""#),
            Error::WrongMessage("notifyType"),
        ),
        (
            body.replace(r#""notifyType":"REFUND""#, r#""notifyType":null"#),
            Error::WrongMessage("notifyType"),
        ),
        (
            body.replace(r#""notifyType":"REFUND""#, r#""notifyType":"REFUND ""#),
            Error::WrongMessage("notifyType"),
        ),
    ];
    for (forged, err) in cases {
        let sign = platform_signed(&forged);
        assert_eq!(
            notification(Some(&sign), &forged).map(|_| ()),
            Err(err),
            "{forged}"
        );
    }
    // A genuine notification is not accepted by another merchant's setup.
    let theirs = Credentials::new("ffffffffffffffffffffffffffffffff", None).unwrap();
    assert_eq!(
        payermax::decode_refund_notification(
            &theirs,
            &platform(),
            Some(s(&c, "sign").as_bytes()),
            body.as_bytes()
        )
        .map(|_| ()),
        Err(Error::InvalidField("appId"))
    );
    // Unsigned: refused, whatever it says.
    assert_eq!(
        notification(None, body).map(|_| ()),
        Err(Error::SignatureMissing("sign"))
    );
    assert_eq!(
        notification(Some(" "), body).map(|_| ()),
        Err(Error::SignatureMissing("sign"))
    );
    // A notification with an error code names no refund: Unknown.
    let failed = body.replace("APPLY_SUCCESS", "REFUND_FAILED");
    let r = notification(Some(&platform_signed(&failed)), &failed).unwrap();
    assert_eq!(r.status(), RefundStatus::Unknown);
    assert!(r.refused().is_some());
}

#[test]
fn edits_of_a_signed_body_are_refused() {
    let c = case("payermax", "refund_query_response");
    let (body, sign) = (s(&c, "body"), s(&c, "sign"));
    for edited in [
        body.replace("REFUND_SUCCESS", "REFUND_FAILED"),
        body.replace("10000", "100000"),
        body.replace("R1642411016202", "R1642411016203"),
        format!("{body} "),
        format!(" {body}"),
        body.replace(r#""msg":"Success.","#, ""),
        // The same members in another order: other bytes.
        body.replace(
            r#""code":"APPLY_SUCCESS","msg":"Success.""#,
            r#""msg":"Success.","code":"APPLY_SUCCESS""#,
        ),
    ] {
        assert_eq!(
            query(Some(sign), &edited, "R1642411016202").map(|_| ()),
            Err(Error::SignatureMismatch("sign")),
            "{edited}"
        );
    }
    // The signature of one body over another.
    let other = case("payermax", "refund_query_response_kwd_fils");
    assert_eq!(
        query(Some(s(&other, "sign")), body, "R1642411016202").map(|_| ()),
        Err(Error::SignatureMismatch("sign"))
    );
    // A successful reply stripped of its signature, or with garbage for one.
    for sign in [
        None,
        Some(""),
        Some("   "),
        Some("AAAA"),
        Some("not base64!"),
    ] {
        assert!(query(sign, body, "R1642411016202").is_err(), "{sign:?}");
    }
}

/// Two readers of one signed body must not read two messages: duplicate members and
/// escaped codes are refused rather than resolved one way.
#[test]
fn ambiguous_signed_bodies_are_refused() {
    for (body, err) in [
        (
            r#"{"code":"APPLY_SUCCESS","msg":"","data":{"outRefundNo":"R-other","outRefundNo":"R1","tradeOrderNo":"T","status":"REFUND_PENDING"}}"#,
            Error::DuplicateMember,
        ),
        (
            r#"{"code":"REFUND_FAILED","code":"APPLY_SUCCESS","msg":"","data":{"outRefundNo":"R1","status":"REFUND_PENDING"}}"#,
            Error::DuplicateMember,
        ),
        (
            r#"{"code":"APPLY_SUCCESS","msg":"","data":{"outRefundNo":"R1","status":"REFUND_FAILED","status":"REFUND_SUCCESS"}}"#,
            Error::DuplicateMember,
        ),
        (
            r#"{"code":"APPLY\u005fSUCCESS","msg":"","data":{"outRefundNo":"R1","status":"REFUND_PENDING"}}"#,
            Error::InvalidField("code"),
        ),
        (
            r#"{"code":"APPLY_SUCCESS","msg":"","data":{"outRefundNo":"R1","status":"REFUND\u005fSUCCESS"}}"#,
            Error::InvalidField("status"),
        ),
    ] {
        let sign = platform_signed(body);
        assert_eq!(
            refund(Some(&sign), body, "R1").map(|_| ()),
            Err(err),
            "{body}"
        );
    }
    // An escaped refund number binds by its unescaped text, and only that.
    let body = r#"{"code":"APPLY_SUCCESS","msg":"","data":{"outRefundNo":"R\u0031","tradeOrderNo":"T","status":"REFUND_PENDING"}}"#;
    let sign = platform_signed(body);
    assert_eq!(
        refund(Some(&sign), body, "R1").unwrap().status(),
        RefundStatus::Pending
    );
    assert_eq!(
        refund(Some(&sign), body, r"R\u0031").map(|_| ()),
        Err(Error::RequestIdMismatch)
    );
}

/// Every unsigned or unbound acceptance reads `Unknown`, whatever it claims.
#[test]
fn every_unbound_acceptance_is_unknown() {
    for status in [
        "REFUND_SUCCESS",
        "REFUND_PENDING",
        "REFUND_FAILED",
        "REFUND_NEW",
    ] {
        let body = format!(
            r#"{{"code":"APPLY_SUCCESS","msg":"","data":{{"outRefundNo":"R1","refundAmount":1,"refundCurrency":"USD","status":"{status}"}}}}"#
        );
        let sign = platform_signed(&body);
        let reply = query(Some(&sign), &body, "").unwrap();
        assert_eq!(reply.status(), RefundStatus::Unknown, "{status}");
        assert_eq!(reply.trust(), Trust::signed(false));
        assert!(
            query(None, &body, "R1").is_err(),
            "unsigned success accepted"
        );
        let refund_body = format!(
            r#"{{"code":"APPLY_SUCCESS","msg":"","data":{{"outRefundNo":"R1","tradeOrderNo":"T","status":"{status}"}}}}"#
        );
        let sign = platform_signed(&refund_body);
        let reply = refund(Some(&sign), &refund_body, "").unwrap();
        assert_eq!(reply.status(), RefundStatus::Unknown, "{status}");
        assert!(matches!(reply, Reply::Accepted(_)));
        assert!(
            refund(None, &refund_body, "R1").is_err(),
            "unsigned success accepted"
        );
    }
}
