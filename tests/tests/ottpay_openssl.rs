//! Differential tests: OTTPay's encryption against the `openssl` command-line tool.
//!
//! Forward: random business data → codec encode → `openssl enc -d` decrypts `data` with the
//! key OpenSSL derives itself → the same compact JSON serde_json writes.
//! Reverse: `openssl enc` encrypts, `openssl dgst -md5` digests → codec decode → same fields.

use proptest::prelude::*;
use refundwire::gateway::ottpay::{self, Credentials, RefundRequest};
use refundwire_tests::{openssl, openssl_digest_hex};

const MERCHANT: &str = "ON43915000";
const KEY: &str = "4283FEFC63F0CD0E";

/// Upper-case hex MD5, by OpenSSL.
fn md5_upper(input: &[u8]) -> String {
    openssl_digest_hex("md5", input).to_uppercase()
}

/// OTTPay's AES key, by OpenSSL: chars 8..24 of MD5(md5 + key), as hex of those ASCII bytes.
fn key_hex(md5: &str) -> String {
    let derived = md5_upper(format!("{md5}{KEY}").as_bytes());
    derived[8..24].bytes().map(|b| format!("{b:02x}")).collect()
}

/// Ids as merchants really send them, plus quotes, backslashes, controls and non-ASCII.
fn id() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r#"[A-Za-z0-9_\-"\\\u{1}\n/é张😀]{1,20}"#).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn openssl_decrypts_what_the_codec_encrypts(order_id in proptest::option::of(id()), ori in id(), amt in 1u64..=u64::MAX) {
        let creds = Credentials::new(MERCHANT, KEY.as_bytes()).unwrap();
        let req = RefundRequest { order_id: order_id.as_deref(), ori_order_id: &ori, refund_amt: amt };
        let mut out = [0u8; ottpay::REFUND_BODY_MAX];
        let body = ottpay::encode_refund(&creds, &req, &mut out).unwrap();
        let envelope: serde_json::Value = serde_json::from_slice(body).unwrap();
        let md5 = envelope["md5"].as_str().unwrap();
        let data = envelope["data"].as_str().unwrap();
        let plain = openssl(&["enc", "-d", "-aes-128-ecb", "-K", &key_hex(md5), "-base64", "-A"], data.as_bytes());

        let mut expected = serde_json::Map::new();
        if let Some(o) = &order_id {
            expected.insert("order_id".into(), o.clone().into());
        }
        expected.insert("ori_order_id".into(), ori.clone().into());
        expected.insert("refund_amt".into(), amt.to_string().into());
        prop_assert_eq!(String::from_utf8(plain).unwrap(), serde_json::Value::Object(expected).to_string());
        // The digest, by OpenSSL, over the sorted values.
        let sorted = format!("{}{ori}{amt}", order_id.unwrap_or_default());
        prop_assert_eq!(md5, md5_upper(sorted.as_bytes()));
    }

    #[test]
    fn codec_decrypts_what_openssl_encrypts(order_id in id(), amt in 1u64..=u64::MAX, time in "[0-9: -]{0,19}") {
        let data = serde_json::json!({"order_id": order_id, "trade_time": time, "refund_amt": amt.to_string()});
        let sorted = format!("{order_id}{amt}{time}"); // order_id < refund_amt < trade_time
        let md5 = md5_upper(sorted.as_bytes());
        let ciphertext = openssl(&["enc", "-aes-128-ecb", "-K", &key_hex(&md5), "-base64", "-A"], data.to_string().as_bytes());
        let body = serde_json::json!({
            "rsp_code": "SUCCESS", "rsp_msg": "success",
            "data": String::from_utf8(ciphertext).unwrap(), "md5": md5,
        })
        .to_string();
        let creds = Credentials::new(MERCHANT, KEY.as_bytes()).unwrap();
        let mut body = body.into_bytes();
        let r = ottpay::decode_refund(&creds, &mut body, &order_id).unwrap().accepted().unwrap();
        prop_assert_eq!(r.refund_amt, amt);
        prop_assert_eq!(r.order_id.unwrap().to_string(), order_id);
        prop_assert_eq!(r.trade_time.unwrap().to_string(), time);
    }
}
