//! PayerMax `refund` and `refundQuery` reply decoding never panics, and never accepts a reply
//! unless the verifier said yes.
//!
//! Input: one mode byte, then (mode 2) `sign header text` `\n` body, or the body alone.
//! Mode 0 sends no `sign`, mode 1 a valid one, mode 2 the given text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use refundwire::gateway::payermax::{decode_refund, decode_refund_query};
use refundwire_fuzz::{OnlyOk, sign_and_body};

fuzz_target!(|data: &[u8]| {
    let Some((sign, body)) = sign_and_body(data) else {
        return;
    };
    let v = OnlyOk::default();
    if let Ok(reply) = decode_refund(&v, sign, body) {
        assert!(
            reply.accepted().is_none() || v.said_yes(),
            "accepted without a valid sign"
        );
    }
    let v = OnlyOk::default();
    if let Ok(reply) = decode_refund_query(&v, sign, body) {
        assert!(
            reply.accepted().is_none() || v.said_yes(),
            "accepted without a valid sign"
        );
    }
});
