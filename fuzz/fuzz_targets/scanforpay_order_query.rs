//! ScanForPay order query reply decoding never panics; a correctly signed object always gets
//! past verification; an unbound reply never has a definite status.
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
        let bound = scanforpay::decode_order_query(&creds, msg, sign::ID);
        let unbound = scanforpay::decode_order_query(&creds, msg, "");
        if let Ok(r) = &unbound {
            assert_eq!(
                r.status(),
                RefundStatus::Unknown,
                "definite without binding"
            );
        }
        if let Ok(Reply::Accepted(view)) = &bound {
            let _ = (
                view.amount(),
                view.status(),
                view.partner_order_no.unescaped_len(),
            );
        }
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
