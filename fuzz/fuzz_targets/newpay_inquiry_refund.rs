//! `newpay::decode_inquiry_refund` on fuzzed input, **signed first** with the stand-in key (see
//! `newpay_support`): never a panic, a scratch as long as the body is always enough, a
//! correctly signed body never fails verification, and a decoded reply is authenticated,
//! bound exactly when a refund number was expected, and definite only then.
#![no_main]

mod newpay_support;

use libfuzzer_sys::fuzz_target;
use newpay_support::{Input, TestKey, creds, envelope, input};
use refundwire::Verdict;
use refundwire::gateway::newpay;

fuzz_target!(|data: &[u8]| {
    let Some(input) = input(data) else {
        return;
    };
    let (body, expected, signed) = match input {
        Input::Raw(body) => (body.to_vec(), String::new(), false),
        Input::Signed { object, expected } => (envelope(&object), expected, true),
    };
    let mut scratch = vec![0u8; body.len()];
    match newpay::decode_inquiry_refund(&creds(), &TestKey, &body, &expected, &mut scratch) {
        Ok(reply) => {
            if let Some(r) = reply.accepted() {
                assert!(signed || r.trust.authenticated);
                newpay_support::check_trust(&r, &expected);
                let _ = r.amount_units();
            } else {
                assert_eq!(reply.status(), refundwire::RefundStatus::Unknown);
            }
        }
        Err(e) if signed => newpay_support::check_signed_error(&e),
        Err(e) => newpay_support::check_raw_error(&e),
    }
});
