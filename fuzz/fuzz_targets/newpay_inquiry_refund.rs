//! `newpay::decode_inquiry_refund` on arbitrary bytes: never a panic, and a scratch as long as the body is
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
    match newpay::decode_inquiry_refund(&creds, &AcceptAll, body, &mut scratch) {
        Ok(reply) => {
            if let Some(r) = reply.accepted() {
                let _ = (r.status(), r.amount_units());
            }
        }
        Err(e) => assert!(!matches!(e, Error::BufferTooSmall { .. }), "{e:?}"),
    }
});
