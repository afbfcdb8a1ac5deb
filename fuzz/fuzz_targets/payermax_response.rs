//! PayerMax `refund` and `refundQuery` reply decoding never panics, and never accepts a reply
//! unless the verifier said yes.
//!
//! Input: one mode byte, then (mode 2) `sign header text` `\n` body, or the body alone.
//! Mode 0 sends no `sign`, mode 1 a valid one, mode 2 the given text.
#![no_main]

use core::cell::Cell;
use libfuzzer_sys::fuzz_target;
use refundwire::crypto::RsaVerifier;
use refundwire::gateway::payermax::{decode_refund, decode_refund_query};

/// Accepts exactly the signature bytes `ok` (Base64 `b2s=`) and remembers that it did.
struct Verifier(Cell<bool>);

impl RsaVerifier for Verifier {
    fn verify_sha256(&self, _message: &[u8], signature: &[u8]) -> refundwire::Result<()> {
        if signature == b"ok" {
            self.0.set(true);
            Ok(())
        } else {
            Err(refundwire::Error::SignatureMismatch("sign"))
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (sign, body): (Option<&[u8]>, &[u8]) = match mode % 3 {
        0 => (None, rest),
        1 => (Some(b"b2s="), rest),
        _ => match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (Some(&rest[..i]), &rest[i + 1..]),
            None => (Some(rest), b""),
        },
    };
    let v = Verifier(Cell::new(false));
    if let Ok(reply) = decode_refund(&v, sign, body) {
        assert!(
            reply.accepted().is_none() || v.0.get(),
            "accepted without a valid sign"
        );
    }
    let v = Verifier(Cell::new(false));
    if let Ok(reply) = decode_refund_query(&v, sign, body) {
        assert!(
            reply.accepted().is_none() || v.0.get(),
            "accepted without a valid sign"
        );
    }
});
