//! PayerMax `refund` and `refundQuery` reply decoding, past verification: the input is the
//! body, decoded unsigned, with a signature the stand-in verifier accepts (the fuzz crate has
//! no RSA: `b2s=` plays PayerMax's test key, so every body is "signed") and with one it
//! refuses, each bound to no refund, to the refund the body names, and to another.
//!
//! Never panics, and whatever decodes keeps the trust rule: an acceptance was signed, a
//! definite status is signed and bound to the expected `outRefundNo`, a refusal is never
//! definite, and no request, notification or other operation's reply gets through.
#![no_main]

use libfuzzer_sys::fuzz_target;
use refundwire::gateway::payermax::{decode_refund, decode_refund_query};
use refundwire::json::{JsonStr, Object};
use refundwire::{RefundStatus, Reply, Verdict};
use refundwire_fuzz::OnlyOk;

/// The checks every decoded reply passes; `kind_members` are the `data` members the other
/// operation's reply carries.
fn check<T: Verdict, C: refundwire::Claim>(
    reply: &Reply<'_, T, C>,
    out_refund_no: impl Fn(&T) -> JsonStr<'_>,
    body: &[u8],
    expected: &str,
    said_yes: bool,
    kind_members: &[&str],
) {
    let trust = reply.trust();
    assert!(!trust.bound || trust.authenticated, "bound but not signed");
    assert!(
        trust.authenticated == said_yes,
        "authenticated without a valid sign"
    );
    if reply.status() != RefundStatus::Unknown {
        assert!(trust.is_definite(), "definite without trust");
    }
    let top = Object::parse(body).expect("a decoded body is JSON");
    for member in ["requestTime", "version", "notifyType", "notifyTime"] {
        assert!(
            top.get(member).is_none(),
            "another kind of message: {member}"
        );
    }
    match reply {
        Reply::Refused(_) => {
            assert!(!trust.bound, "a refusal bound");
            assert_eq!(reply.status(), RefundStatus::Unknown);
        }
        Reply::Accepted(view) => {
            assert!(said_yes, "accepted without a valid sign");
            assert_eq!(
                trust.bound,
                !expected.is_empty(),
                "bound without an expected refund number, or not bound with one"
            );
            if trust.bound {
                assert!(
                    out_refund_no(view).eq_str(expected),
                    "bound to another refund"
                );
            }
            let data = top.object("data").expect("an accepted reply has data");
            for member in kind_members {
                assert!(
                    data.get(member).is_none(),
                    "another operation's reply: {member}"
                );
            }
        }
    }
}

fuzz_target!(|body: &[u8]| {
    // The refund number the body itself names, to reach the bound path.
    let own = Object::parse(body)
        .and_then(|top| top.object("data"))
        .and_then(|data| data.str("outRefundNo"))
        .ok()
        .and_then(|id| id.as_str())
        .unwrap_or("R2");
    for sign in [None, Some(&b"b2s="[..]), Some(&b"YmFk"[..])] {
        for expected in ["", own, "R1642411016202"] {
            let v = OnlyOk::default();
            if let Ok(reply) = decode_refund(&v, sign, body, expected) {
                check(
                    &reply,
                    |r| r.out_refund_no,
                    body,
                    expected,
                    v.said_yes(),
                    &["refundAmount", "refundCurrency", "outTradeNo"],
                );
            }
            let v = OnlyOk::default();
            if let Ok(reply) = decode_refund_query(&v, sign, body, expected) {
                check(
                    &reply,
                    |r| r.refund.out_refund_no,
                    body,
                    expected,
                    v.said_yes(),
                    &["tradeOrderNo"],
                );
            }
        }
    }
});
