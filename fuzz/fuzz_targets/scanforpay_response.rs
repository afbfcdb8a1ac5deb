//! ScanForPay reply decoding (signed-span scan, SHA-256 check, typed views) never panics, and
//! a correctly signed object always gets past verification.
#![no_main]

use libfuzzer_sys::fuzz_target;
use refundwire::Error;
use refundwire::encoding::hex_array;
use refundwire::gateway::scanforpay::{self, Credentials};
use refundwire::io::{Cursor, Sink};
use refundwire::json::Object;

const ID: &str = "fd03f269-3180-4575-8af0-580483868a29";

fuzz_target!(|data: &[u8]| {
    let Ok(creds) = Credentials::new("63012", b"c4pz0lx9xf26gk7zx5b4ctzkk6oam89o") else {
        return;
    };
    // The input as a whole reply (or request).
    let _ = scanforpay::decode_refund(&creds, data, Some(ID));
    let _ = scanforpay::decode_order_query(&creds, data, None);
    let _ = scanforpay::verify_request(&creds, data);

    // The input as the `response` value, correctly signed, so that parsing is reached.
    let sig: [u8; 64] = hex_array(&scanforpay::digest(data, creds.sign_key()), false);
    let mut buf = [0u8; 8192];
    let mut c = Cursor::new(&mut buf);
    let wrapped = c.write(b"{\"response\":").is_ok()
        && c.write(data).is_ok()
        && c.write(b",\"signature\":\"").is_ok()
        && c.write(&sig).is_ok()
        && c.write(b"\"}").is_ok();
    if !wrapped {
        return;
    }
    let message = c.finish();
    let refund = scanforpay::decode_refund(&creds, message, None);
    let query = scanforpay::decode_order_query(&creds, message, Some(ID));
    if let Ok(refundwire::Reply::Accepted(r)) = &refund {
        let _ = (r.status(), r.amount());
    }
    if let Ok(refundwire::Reply::Accepted(q)) = &query {
        let _ = (q.status(), q.amount());
    }
    // A value that is exactly one JSON object is its own signed span: it must verify.
    if data.first() == Some(&b'{') && data.last() == Some(&b'}') && Object::parse(data).is_ok() {
        for got in [refund.err(), query.err()] {
            assert!(
                !matches!(
                    got,
                    Some(Error::SignatureMismatch(_) | Error::SignatureMissing(_))
                ),
                "{got:?}"
            );
        }
    }
});
