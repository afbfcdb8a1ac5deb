//! ScanForPay refund reply decoding (signed-span scan, SHA-256 check, kind and binding
//! checks, typed views) never panics; a correctly signed object always gets past
//! verification; an unbound reply never has a definite status; and no message is accepted
//! both as a refund reply and as an order query reply.
#![no_main]

use libfuzzer_sys::fuzz_target;
use refundwire::gateway::scanforpay;
use refundwire::{Error, RefundStatus, Reply, Verdict};

#[path = "scanforpay_sign.rs"]
mod sign;

fuzz_target!(|data: &[u8]| {
    let Some(creds) = sign::creds() else {
        return;
    };
    sign::each_message(data, b"response", true, |msg, signed| {
        let bound = scanforpay::decode_refund(&creds, msg, sign::ID);
        let unbound = scanforpay::decode_refund(&creds, msg, "");
        let _ = scanforpay::verify_response(&creds, msg, sign::ID);
        if let Ok(r) = &unbound {
            assert_eq!(
                r.status(),
                RefundStatus::Unknown,
                "definite without binding"
            );
            assert!(!r.trust().bound);
        }
        if let Ok(r) = &bound {
            assert!(r.trust().authenticated);
            if let Reply::Accepted(view) = r {
                let _ = (view.amount(), view.status());
                let query = scanforpay::decode_order_query(&creds, msg, sign::ID);
                assert!(
                    !matches!(query, Ok(Reply::Accepted(_))),
                    "accepted as both a refund and an order query reply"
                );
            }
        }
        // A signed value that is exactly one JSON object verifies.
        if signed && sign::is_one_object(data) {
            assert!(
                !matches!(
                    bound,
                    Err(Error::SignatureMismatch(_) | Error::SignatureMissing(_))
                ),
                "{bound:?}"
            );
        }
    });
});
