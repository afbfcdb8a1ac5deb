//! `newpay::decode_refund_callback` on fuzzed input, **signed first** with the stand-in key
//! (see `newpay_support`): never a panic, a scratch as long as the body is always enough, a
//! correctly signed body never fails verification, and a decoded callback is authenticated
//! and bound to the merchant.
#![no_main]

mod newpay_support;

use libfuzzer_sys::fuzz_target;
use newpay_support::{Input, TestKey, creds, input};
use refundwire::gateway::newpay;
use refundwire::{Trust, Verdict};

fuzz_target!(|data: &[u8]| {
    let Some(input) = input(data) else {
        return;
    };
    let (body, signed) = match input {
        Input::Raw(body) => (body.to_vec(), false),
        Input::Signed { object, .. } => (object, true),
    };
    let mut scratch = vec![0u8; body.len()];
    match newpay::decode_refund_callback(&creds(), &TestKey, &body, &mut scratch) {
        Ok(cb) => {
            assert_eq!(cb.trust, Trust::signed(true));
            assert_eq!(cb.status(), cb.claimed_status());
            assert!(cb.app_id.eq_str(creds().app_id()));
            let _ = cb.amount_units();
        }
        Err(e) if signed => newpay_support::check_signed_error(&e),
        Err(e) => newpay_support::check_raw_error(&e),
    }
});
