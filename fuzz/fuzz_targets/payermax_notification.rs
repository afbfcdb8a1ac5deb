//! PayerMax refund notification decoding never panics, never accepts an unverified body, and
//! never accepts one addressed to another app.
//!
//! Input: one mode byte, then (mode 2) `sign header text` `\n` body, or the body alone.
//! Mode 0 sends no `sign`, mode 1 a valid one, mode 2 the given text.
#![no_main]

use core::cell::Cell;
use libfuzzer_sys::fuzz_target;
use refundwire::crypto::RsaVerifier;
use refundwire::gateway::payermax::{Credentials, decode_refund_notification};
use refundwire::json::Object;

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
    let Ok(creds) = Credentials::new("2f429ce59ff3078fcc1b0c3e1c07724e", Some("054122482447577"))
    else {
        return;
    };
    let v = Verifier(Cell::new(false));
    let Ok(reply) = decode_refund_notification(&creds, &v, sign, body) else {
        return;
    };
    assert!(v.0.get(), "decoded without a valid sign");
    if reply.accepted().is_some() {
        let top = Object::parse(body).expect("an accepted body is JSON");
        if let Ok(Some(app_id)) = top.opt_str("appId") {
            assert!(app_id.eq_str(creds.app_id()), "another app's notification");
        }
    }
});
