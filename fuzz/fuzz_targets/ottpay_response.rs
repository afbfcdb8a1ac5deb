//! OTTPay reply decoding (envelope scan, in-place unescape, Base64, AES, md5) never panics on
//! raw bytes, and never lets one body through both decoders or a REFUND reply be definite.
#![no_main]

use libfuzzer_sys::fuzz_target;
use refundwire::gateway::ottpay::{Credentials, decode_refund, decode_refund_status};
use refundwire::{RefundStatus, Verdict};

fuzz_target!(|data: &[u8]| {
    let Ok(creds) = Credentials::new("ON43915000", b"4283FEFC63F0CD0E") else {
        return;
    };
    let mut body = data.to_vec();
    let refund = decode_refund(&creds, &mut body, "RF12415868344978").map(|r| {
        assert_eq!(
            r.status(),
            RefundStatus::Unknown,
            "a REFUND reply was definite"
        );
        r.accepted().is_some()
    });
    let mut body = data.to_vec();
    let status =
        decode_refund_status(&creds, &mut body, "RF12415868344978").map(|r| r.accepted().is_some());
    assert!(
        !(refund == Ok(true) && status == Ok(true)),
        "one body accepted by both decoders"
    );
});
