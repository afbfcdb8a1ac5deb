//! Differential tests against the `openssl` command line: the codec's `sign` headers verify
//! with `openssl dgst -sha256 -verify` and equal `openssl dgst -sha256 -sign`'s signatures
//! byte for byte; bodies that OpenSSL signs decode and verify in the codec.
//! Base64 on the OpenSSL side is `openssl base64`, so no codec code judges its own output.

use proptest::prelude::*;
use refundwire::gateway::payermax::{
    self, Credentials, Envelope, RefundQuery, RefundRequest, SIGN_MAX,
};
use refundwire::money::{Currency, Money};
use refundwire::time::Timestamp;
use refundwire::{Error, RefundStatus, Verdict};
use refundwire_std::rsa::{RsaPrivateKey, RsaPublicKey};
use refundwire_tests::{key_path, openssl_rsa_sign_b64, openssl_rsa_verifies};

fn merchant() -> RsaPrivateKey {
    RsaPrivateKey::from_any(&std::fs::read(key_path("payermax_merchant.pem")).unwrap()).unwrap()
}

fn platform() -> RsaPublicKey {
    RsaPublicKey::from_any(&std::fs::read(key_path("payermax_platform.pub.pem")).unwrap()).unwrap()
}

fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,64}"
}

/// Free text as merchants write it: quotes, slashes, backslashes, control characters,
/// accents, CJK and emoji.
fn free_text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('"'),
            Just('\\'),
            Just('/'),
            Just('\n'),
            Just('\u{1}'),
            Just('é'),
            Just('退'),
            Just('😀'),
            proptest::char::range(' ', '~'),
        ],
        1..max,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn currency() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("USD"),
        Just("IDR"),
        Just("KWD"),
        Just("JPY"),
        Just("SAR"),
        Just("CLF"),
    ]
}

prop_compose! {
    /// A refund PayerMax can express: KWD in whole 10-fils steps, IDR in whole rupiah.
    fn refund()(
        out_refund_no in id(),
        out_trade_no in id(),
        units in 1u64..10_000_000_000,
        code in currency(),
        comments in proptest::option::of(free_text(40)),
        url in proptest::option::of("https://[a-z]{1,20}\\.example/[a-z/]{0,30}"),
    ) -> (String, String, u64, &'static str, Option<String>, Option<String>) {
        let minor = match code {
            "KWD" => units * 10,
            "IDR" => units * 100,
            _ => units,
        };
        (out_refund_no, out_trade_no, minor, code, comments, url)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn codec_signatures_verify_in_openssl_and_match_its_own(
        (out_refund_no, out_trade_no, minor, code, comments, url) in refund(),
        time_ms in 0i64..4_102_444_800_000,
        offset in -720i16..=840,
        query in any::<bool>(),
    ) {
        let key = merchant();
        let creds = Credentials::new("2f429ce59ff3078fcc1b0c3e1c07724e", Some("054122482447577")).unwrap();
        let envelope = Envelope::new(Timestamp::new(time_ms, offset).unwrap());
        let mut body = [0u8; 4096];
        let mut sign = [0u8; SIGN_MAX];
        let signed = if query {
            let q = RefundQuery { out_refund_no: Some(&out_refund_no), refund_trade_no: Some(&out_trade_no) };
            payermax::encode_refund_query(&creds, &envelope, &q, &key, &mut body, &mut sign).unwrap()
        } else {
            let req = RefundRequest {
                out_refund_no: &out_refund_no,
                out_trade_no: &out_trade_no,
                refund_amount: Money::new(minor, Currency::from_code(code).unwrap()),
                comments: comments.as_deref(),
                refund_notify_url: url.as_deref(),
            };
            payermax::encode_refund(&creds, &envelope, &req, &key, &mut body, &mut sign).unwrap()
        };
        prop_assert!(openssl_rsa_verifies(&key_path("payermax_merchant.pub.pem"), signed.body, signed.sign));
        // PKCS#1 v1.5 is deterministic: OpenSSL's signature of the same bytes is the same.
        prop_assert_eq!(openssl_rsa_sign_b64(&key_path("payermax_merchant.pem"), signed.body), signed.sign);
        // The body is JSON that an independent parser reads back to the inputs.
        let v: serde_json::Value = serde_json::from_slice(signed.body).unwrap();
        prop_assert_eq!(v["data"]["outRefundNo"].as_str(), Some(out_refund_no.as_str()));
        if !query {
            prop_assert_eq!(v["data"]["comments"].as_str(), comments.as_deref());
        }
        // Any changed byte makes OpenSSL refuse it.
        let mut tampered = signed.body.to_vec();
        let last = tampered.len() - 2;
        tampered[last] ^= 0x20;
        prop_assert!(!openssl_rsa_verifies(&key_path("payermax_merchant.pub.pem"), &tampered, signed.sign));
    }

    #[test]
    fn openssl_signed_replies_verify_in_the_codec(
        out_refund_no in id(),
        trade in id(),
        msg in free_text(30),
        status in prop_oneof![Just("REFUND_SUCCESS"), Just("REFUND_PENDING"), Just("REFUND_FAILED"), Just("REFUND_NEW")],
        units in 0u64..1_000_000_000_000,
        pretty in any::<bool>(),
    ) {
        let msg_json = serde_json::to_string(&msg).unwrap();
        let (nl, sp) = if pretty { ("\n", " ") } else { ("", "") };
        let body = format!(
            "{{{nl}{sp}\"code\":{sp}\"APPLY_SUCCESS\",{nl}{sp}\"msg\":{sp}{msg_json},{nl}{sp}\"data\":{sp}{{\"outRefundNo\":\"{out_refund_no}\",\"refundTradeNo\":\"{trade}\",\"refundAmount\":{}.{:02},\"refundCurrency\":\"USD\",\"status\":\"{status}\"}}{nl}}}",
            units / 100,
            units % 100,
        );
        let sign = openssl_rsa_sign_b64(&key_path("payermax_platform.pem"), body.as_bytes());
        let v = payermax::decode_refund_query(&platform(), Some(sign.as_bytes()), body.as_bytes(), &out_refund_no)
            .unwrap()
            .accepted()
            .unwrap();
        prop_assert_eq!(v.refund.out_refund_no.to_string(), out_refund_no.clone());
        prop_assert_eq!(v.refund.refund_amount.minor, units);
        prop_assert_eq!(v.verified.msg.unwrap().to_string(), msg);
        let expected = match status {
            "REFUND_SUCCESS" => RefundStatus::Succeeded,
            "REFUND_PENDING" => RefundStatus::Pending,
            "REFUND_FAILED" => RefundStatus::Failed,
            _ => RefundStatus::Unknown,
        };
        prop_assert_eq!(v.status(), expected);

        // Signed with the merchant's key instead of PayerMax's: refused.
        let wrong = openssl_rsa_sign_b64(&key_path("payermax_merchant.pem"), body.as_bytes());
        prop_assert_eq!(
            payermax::decode_refund_query(&platform(), Some(wrong.as_bytes()), body.as_bytes(), &out_refund_no).map(|_| ()),
            Err(Error::SignatureMismatch("sign"))
        );
    }
}
