//! ScanForPay request verification (the server side: what ScanForPay or a simulator reads)
//! never panics; a correctly signed object always gets past verification; nothing accepted
//! as a request is also accepted as a reply.
#![no_main]

use libfuzzer_sys::fuzz_target;
use refundwire::Error;
use refundwire::gateway::scanforpay;

#[path = "scanforpay_sign.rs"]
mod sign;

fuzz_target!(|data: &[u8]| {
    let Some(creds) = sign::creds() else {
        return;
    };
    sign::each_message(data, b"request", false, |msg, signed| {
        let got = scanforpay::verify_request(&creds, msg);
        if signed && sign::is_one_object(data) {
            assert!(
                !matches!(
                    got,
                    Err(Error::SignatureMismatch(_) | Error::SignatureMissing(_))
                ),
                "{got:?}"
            );
        }
        // The same signed value as a reply: a request never passes as one.
        if got.is_ok() {
            let mut buf = [0u8; 8192];
            if let Some(reply) = sign::signed(&creds, b"response", data, &mut buf) {
                if signed {
                    assert!(scanforpay::verify_response(&creds, reply, sign::ID).is_err());
                }
            }
        }
    });
});
