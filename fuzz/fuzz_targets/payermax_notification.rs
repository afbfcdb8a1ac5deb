//! PayerMax refund notification decoding never panics, never accepts an unverified body, and
//! never accepts one addressed to another app.
//!
//! Input: one mode byte, then (mode 2) `sign header text` `\n` body, or the body alone.
//! Mode 0 sends no `sign`, mode 1 a valid one, mode 2 the given text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use refundwire::gateway::payermax::{Credentials, decode_refund_notification};
use refundwire::json::Object;
use refundwire_fuzz::{OnlyOk, sign_and_body};

fuzz_target!(|data: &[u8]| {
    let Some((sign, body)) = sign_and_body(data) else {
        return;
    };
    let Ok(creds) = Credentials::new("2f429ce59ff3078fcc1b0c3e1c07724e", Some("054122482447577"))
    else {
        return;
    };
    let v = OnlyOk::default();
    let Ok(reply) = decode_refund_notification(&creds, &v, sign, body) else {
        return;
    };
    assert!(v.said_yes(), "decoded without a valid sign");
    if reply.accepted().is_some() {
        let top = Object::parse(body).expect("an accepted body is JSON");
        if let Ok(Some(app_id)) = top.opt_str("appId") {
            assert!(app_id.eq_str(creds.app_id()), "another app's notification");
        }
    }
});
