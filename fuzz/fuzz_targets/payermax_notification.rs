//! PayerMax refund notification decoding, past verification: the input is the body, decoded
//! unsigned, with a signature the stand-in verifier accepts (the fuzz crate has no RSA:
//! `b2s=` plays PayerMax's test key) and with one it refuses, for credentials with and
//! without a `merchantNo`.
//!
//! Never panics, never accepts an unsigned body, and whatever decodes is a `REFUND`
//! notification for this merchant app, bound to it; a refusal is never definite.
#![no_main]

use libfuzzer_sys::fuzz_target;
use refundwire::gateway::payermax::{Credentials, decode_refund_notification};
use refundwire::json::Object;
use refundwire::{RefundStatus, Reply, Trust, Verdict};
use refundwire_fuzz::OnlyOk;

const APP_ID: &str = "2f429ce59ff3078fcc1b0c3e1c07724e";
const MERCHANT_NO: &str = "054122482447577";

fuzz_target!(|body: &[u8]| {
    for merchant_no in [Some(MERCHANT_NO), None] {
        let Ok(creds) = Credentials::new(APP_ID, merchant_no) else {
            return;
        };
        for sign in [None, Some(&b"b2s="[..]), Some(&b"YmFk"[..])] {
            let v = OnlyOk::default();
            let Ok(reply) = decode_refund_notification(&creds, &v, sign, body) else {
                continue;
            };
            assert!(v.said_yes(), "decoded without a valid sign");
            let top = Object::parse(body).expect("a decoded body is JSON");
            let field = |name| top.str(name).ok().and_then(|s| s.as_str());
            assert_eq!(
                field("notifyType"),
                Some("REFUND"),
                "not a refund notification"
            );
            assert!(
                top.str("appId").is_ok_and(|id| id.eq_str(APP_ID)),
                "another app's notification"
            );
            if let Some(ours) = merchant_no {
                assert!(
                    top.str("merchantNo").is_ok_and(|no| no.eq_str(ours)),
                    "another merchant's notification"
                );
            }
            for member in ["requestTime", "version"] {
                assert!(top.get(member).is_none(), "a request: {member}");
            }
            match &reply {
                Reply::Accepted(n) => {
                    assert_eq!(n.trust, Trust::signed(true));
                    assert_eq!(reply.status(), reply.claimed_status());
                }
                Reply::Refused(r) => {
                    assert_eq!(r.trust, Trust::signed(false));
                    assert_eq!(reply.status(), RefundStatus::Unknown);
                }
            }
        }
    }
});
