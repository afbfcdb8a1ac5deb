//! OTTPay reply decoding (envelope scan, in-place unescape, Base64, AES, md5) never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use refundwire::gateway::ottpay::{Credentials, decode_refund, decode_refund_status};

fuzz_target!(|data: &[u8]| {
    let Ok(creds) = Credentials::new("ON43915000", b"4283FEFC63F0CD0E") else {
        return;
    };
    let mut body = data.to_vec();
    let _ = decode_refund(&creds, &mut body);
    let mut body = data.to_vec();
    let _ = decode_refund_status(&creds, &mut body);
});
