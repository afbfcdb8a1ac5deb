//! OTTPay replies past verification: the fuzzed bytes are the *business data*, which this
//! target digests and encrypts with the test sign key the way OTTPay does, so the decoders'
//! code behind the md5 check (kind checks, parsing, binding, status) is what gets fuzzed.
//!
//! Input: one mode byte, then `expected id` `\n` `business data`. Mode bits: 0-1 pick
//! `rsp_code` (SUCCESS, PROCESSING, FAIL, the raw text `SUCC\u0045SS`), bit 2 digests numbers in
//! the Java `double` form, bit 3 puts a wrong md5 in the envelope.
//!
//! Checked on every input: a REFUND reply is never definite; no body is accepted by both
//! decoders; a definite status-query status comes only with the expected id in the data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use refundwire::canonical::NumberForm;
use refundwire::crypto::aes128_ecb_encrypt_in_place;
use refundwire::encoding::{base64_encode, base64_len};
use refundwire::gateway::ottpay::{
    Credentials, aes_key, decode_refund, decode_refund_status, md5_of_values,
};
use refundwire::json::Object;
use refundwire::{RefundStatus, Verdict};

fuzz_target!(|input: &[u8]| {
    let Some((&mode, rest)) = input.split_first() else {
        return;
    };
    let (expected, plain) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (
            rest.get(..i).unwrap_or_default(),
            rest.get(i + 1..).unwrap_or_default(),
        ),
        None => (&b""[..], rest),
    };
    let Ok(expected) = core::str::from_utf8(expected) else {
        return;
    };
    let Ok(creds) = Credentials::new("ON43915000", b"4283FEFC63F0CD0E") else {
        return;
    };
    let rsp_code = ["SUCCESS", "PROCESSING", "FAIL", "SUCC\\u0045SS"][usize::from(mode & 3)];
    let form = if mode & 4 == 0 {
        NumberForm::Plain
    } else {
        NumberForm::JavaDouble
    };
    // The digest OTTPay would send; data that is no object gets some digest all the same,
    // so decryption and parsing failures are reached too.
    let mut md5 = Object::parse(plain)
        .and_then(|o| md5_of_values(&o, form))
        .map(|(hex, _)| hex)
        .unwrap_or([b'0'; 32]);
    let key = aes_key(&md5, creds.sign_key());
    if mode & 8 != 0 {
        md5[0] = if md5[0] == b'0' { b'1' } else { b'0' };
    }
    let mut cipher = plain.to_vec();
    cipher.resize(plain.len() + 16, 0);
    let Ok(cipher) = aes128_ecb_encrypt_in_place(&key, &mut cipher, plain.len()) else {
        return;
    };
    let mut text = vec![0u8; base64_len(cipher.len())];
    let Ok(text) = base64_encode(cipher, &mut text) else {
        return;
    };
    let body = format!(
        r#"{{"rsp_code":"{rsp_code}","rsp_msg":"m","data":"{text}","md5":"{}"}}"#,
        String::from_utf8_lossy(&md5)
    );

    let mut b = body.clone().into_bytes();
    let refund = decode_refund(&creds, &mut b, expected).map(|r| {
        assert_eq!(
            r.status(),
            RefundStatus::Unknown,
            "a REFUND reply was definite"
        );
        r.accepted().is_some()
    });
    let mut b = body.into_bytes();
    let status = decode_refund_status(&creds, &mut b, expected).map(|r| {
        if r.status() != RefundStatus::Unknown {
            let view = r.accepted().expect("only an accepted view can be definite");
            assert!(!expected.is_empty() && view.order_id.eq_str(expected));
            assert!(
                view.verified
                    .data
                    .get("ori_order_id")
                    .is_none_or(|v| v.is_null())
            );
        }
        r.accepted().is_some()
    });
    assert!(
        !(refund == Ok(true) && status == Ok(true)),
        "one body accepted by both decoders"
    );
});
