//! `newpay::decode_refund_callback` on arbitrary bytes: never a panic, and a scratch as long as the body is
//! always enough. The verifier accepts every signature so that parsing after verification
//! is reached too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use refundwire::Error;
use refundwire::gateway::newpay::{self, Credentials};
use refundwire_fuzz::AcceptAll;

fuzz_target!(|body: &[u8]| {
    let creds = Credentials::new("a", "m").unwrap();
    let mut scratch = vec![0u8; body.len()];
    match newpay::decode_refund_callback(&creds, &AcceptAll, body, &mut scratch) {
        Ok(reply) => {
            let _ = (reply.status(), reply.amount_units());
        }
        Err(e) => assert!(!matches!(e, Error::BufferTooSmall { .. }), "{e:?}"),
    }
});
