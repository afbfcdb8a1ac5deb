//! Differential tests of NewPay's signatures against the `openssl` command line, on random
//! field sets (values with `&`, `=`, quotes, backslashes, control characters, non-ASCII and
//! empty strings; unknown members; `null`s; numbers and booleans).
//!
//! The expected string-to-sign is built here from the generated values by the rule on the
//! protocol page (sort by name, skip `null`, `name=value` joined by `&`), never by the codec.
//! - requests: the codec signs, `openssl dgst -sha256 -verify` checks the signature over the
//!   expected string with the merchant's public key;
//! - responses and callbacks: `openssl dgst -sha256 -sign` signs the expected string with the
//!   platform key, the codec must accept the message, and must reject it once a signed value
//!   is changed.
//!
//! The rules that keep the string unambiguous are written here again from their statement
//! (module docs of `refundwire::gateway::newpay`), not taken from the codec: a received value
//! with an `=` after an `&` is refused, naming the member; request free text holding
//! `&<member>=` for a member NewPay signs is refused, naming the field.

use proptest::prelude::*;
use proptest::test_runner::Config;
use refundwire::gateway::newpay::{self, Credentials, RefundRequest};
use refundwire::{Error, RefundStatus, Reply, Trust, Verdict};
use refundwire_std::rsa::{RsaPrivateKey, RsaPublicKey};
use refundwire_tests::{key_path, openssl_rsa_sign_b64, openssl_rsa_verifies};
use serde_json::Value;

const APP_ID: &str = "e585552fac954ab592c9357d34accd78";
const MERCHANT_ID: &str = "7e0ab2ed31b1c27e976699cc6ed5d1bf";

/// A JSON value as the test writes it.
#[derive(Debug, Clone)]
enum Val {
    Str(String),
    /// A number's exact text.
    Num(String),
    Bool(bool),
    Null,
}

impl Val {
    /// The value's text in the string-to-sign (`None`: skipped).
    fn canonical(&self) -> Option<String> {
        match self {
            Val::Str(s) | Val::Num(s) => Some(s.clone()),
            Val::Bool(b) => Some(b.to_string()),
            Val::Null => None,
        }
    }
}

/// JSON string text written by this test (not by the codec): `"` and `\` escaped, control
/// characters as `\u00XX`; with `escape_more`, also `/` as `\/` and non-ASCII as `\uXXXX`
/// (surrogate pairs above the BMP), as some JSON encoders send them.
fn json_string(s: &str, escape_more: bool) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if escape_more => out.push_str("\\/"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if escape_more && !c.is_ascii() => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_object(members: &[(String, Val)], escape_more: bool) -> String {
    let parts: Vec<String> = members
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Val::Str(s) => json_string(s, escape_more),
                Val::Num(n) => n.clone(),
                Val::Bool(b) => b.to_string(),
                Val::Null => "null".into(),
            };
            format!("{}:{v}", json_string(k, escape_more))
        })
        .collect();
    format!("{{{}}}", parts.join(","))
}

/// The protocol page's rule, written independently of the codec.
fn expected_canonical(members: &[(String, Val)]) -> String {
    let mut pairs: Vec<(&str, String)> = members
        .iter()
        .filter(|(k, _)| k != "sign")
        .filter_map(|(k, v)| v.canonical().map(|t| (k.as_str(), t)))
        .collect();
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Every member NewPay signs somewhere: the request, response and callback tables of the
/// protocol pages.
const PROTOCOL_NAMES: [&str; 19] = [
    "appId",
    "merchantId",
    "timestamp",
    "refundOrderAmt",
    "orderNo",
    "refundOrderNo",
    "refundDesc",
    "callBackUrl",
    "tranAbbr",
    "tranNo",
    "tranStatus",
    "tranInfo",
    "payMethod",
    "currency",
    "newpayOrderNo",
    "newpayRefundOrderNo",
    "refundSuccess",
    "transStatus",
    "transInfo",
];

/// The request-side rule: free text may not hold `&<protocol name>=`.
fn resplits_request(text: &str) -> bool {
    PROTOCOL_NAMES
        .iter()
        .any(|name| text.contains(&format!("&{name}=")))
}

/// The received-side rule: the first member in the string-to-sign's order (by name, as the
/// codec checks them while it writes the string) whose string value has an `=` after an
/// `&`, named as the codec names it.
fn first_ambiguous(members: &[(String, Val)]) -> Option<&'static str> {
    let mut sorted: Vec<&(String, Val)> = members.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    sorted.into_iter().find_map(|(k, v)| match v {
        Val::Str(s) if k != "sign" => {
            let after_amp = s.find('&').map(|i| &s[i..])?;
            after_amp.contains('=').then(|| {
                PROTOCOL_NAMES
                    .iter()
                    .find(|n| **n == k.as_str())
                    .copied()
                    .unwrap_or("unknown member")
            })
        }
        _ => None,
    })
}

/// Text with the characters that break naive canonicalizers.
fn text(max_chars: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::char::range('a', 'z'),
            2 => prop::char::range('0', '9'),
            1 => Just('&'),
            1 => Just('='),
            1 => Just(' '),
            1 => Just('"'),
            1 => Just('\\'),
            1 => Just('/'),
            1 => Just('\n'),
            1 => Just('é'),
            1 => Just('张'),
            1 => Just('😀'),
            1 => Just('ລ'),
        ],
        0..=max_chars,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn non_empty_text(max_chars: usize) -> impl Strategy<Value = String> {
    text(max_chars).prop_filter("non-empty", |s| !s.is_empty())
}

/// Request ids: anything but `&` and `=`, which the codec refuses in ids (they would let the
/// signed `name=value&…` string of a reply read as other members).
fn request_id(max_chars: usize) -> impl Strategy<Value = String> {
    non_empty_text(max_chars).prop_map(|s| s.replace(['&', '='], "-"))
}

/// Text that holds `&<member>=` for a member NewPay signs, or almost (no `=`, another name).
fn resplitting_text() -> impl Strategy<Value = String> {
    (
        text(6),
        prop::sample::select(PROTOCOL_NAMES.to_vec()),
        prop_oneof![Just("="), Just(""), Just("x="), Just("=1&b=2")],
        text(6),
    )
        .prop_map(|(a, name, tail, b)| format!("{a}&{name}{tail}{b}"))
}

fn value() -> impl Strategy<Value = Val> {
    prop_oneof![
        4 => text(12).prop_map(Val::Str),
        1 => Just(Val::Str(String::new())),
        1 => any::<i64>().prop_map(|n| Val::Num(n.to_string())),
        1 => (0u32..100_000, 0u8..100).prop_map(|(i, f)| Val::Num(format!("{i}.{f:02}"))),
        1 => any::<bool>().prop_map(Val::Bool),
        1 => Just(Val::Null),
    ]
}

/// Names of unknown members (never a protocol name: those decide the kind of message).
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z][a-zA-Z0-9_]{0,10}",
        1 => "[a-z]{1,3}[éລ张]{1,2}",
    ]
    .prop_filter("unknown", |n| !PROTOCOL_NAMES.contains(&n.as_str()))
}

/// A signed object: the required members, then unknown ones, shuffled.
fn signed_members(
    required: Vec<(String, Val)>,
) -> impl Strategy<Value = (Vec<(String, Val)>, bool)> {
    let known: Vec<String> = required.iter().map(|(k, _)| k.clone()).collect();
    let members = prop::collection::vec((name(), value()), 0..8)
        .prop_map(move |extra| {
            let mut members = required.clone();
            for (k, v) in extra {
                if k != "sign" && !known.contains(&k) && !members.iter().any(|(m, _)| *m == k) {
                    members.push((k, v));
                }
            }
            members
        })
        .prop_shuffle();
    (members, any::<bool>())
}

/// What an inquiry response's `data` must carry (`tranNo` says it is one).
fn data_required() -> impl Strategy<Value = Vec<(String, Val)>> {
    (request_id(12), 1u64..10_000_000_000, text(12)).prop_map(
        |(refund_order_no, amount, tran_no)| {
            vec![
                ("appId".to_string(), Val::Str(APP_ID.into())),
                ("refundOrderNo".to_string(), Val::Str(refund_order_no)),
                ("refundOrderAmt".to_string(), Val::Str(amount.to_string())),
                ("tranStatus".to_string(), Val::Num("1".into())),
                ("tranNo".to_string(), Val::Str(tran_no)),
            ]
        },
    )
}

/// What a refund callback must carry (`transStatus` says it is one).
fn callback_required() -> impl Strategy<Value = Vec<(String, Val)>> {
    (request_id(12), 1u64..10_000_000_000).prop_map(|(refund_order_no, amount)| {
        vec![
            ("appId".to_string(), Val::Str(APP_ID.into())),
            ("refundOrderNo".to_string(), Val::Str(refund_order_no)),
            ("refundOrderAmt".to_string(), Val::Str(amount.to_string())),
            ("transStatus".to_string(), Val::Num("1".into())),
            (
                "transInfo".to_string(),
                Val::Str("Transaction Success".into()),
            ),
        ]
    })
}

/// The refund number of generated members.
fn refund_order_no(members: &[(String, Val)]) -> String {
    match &members
        .iter()
        .find(|(k, _)| k == "refundOrderNo")
        .unwrap()
        .1
    {
        Val::Str(s) => s.clone(),
        other => panic!("{other:?}"),
    }
}

fn config() -> Config {
    Config {
        cases: 32,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// The codec's request signatures verify under `openssl dgst -verify` over the string
    /// built here, and the body carries the values as given.
    #[test]
    fn request_signatures_verify_with_openssl(
        amount in 1u64..=u64::MAX,
        order_no in request_id(16),
        refund_order_no in request_id(16),
        refund_desc in prop_oneof![3 => text(24), 1 => resplitting_text()],
        call_back_url in prop_oneof![Just(String::new()), text(24), resplitting_text()],
        timestamp in 0u64..10_000_000_000_000,
    ) {
        let merchant = RsaPrivateKey::from_any(
            &std::fs::read(key_path("newpay_merchant.pem")).unwrap(),
        ).unwrap();
        let creds = Credentials::new(APP_ID, MERCHANT_ID).unwrap();
        let req = RefundRequest {
            refund_order_amt: amount,
            order_no: &order_no,
            refund_order_no: &refund_order_no,
            refund_desc: &refund_desc,
            call_back_url: &call_back_url,
        };
        let mut out = [0u8; 2048];
        let encoded = newpay::encode_refund(&creds, &merchant, &req, timestamp, &mut out);
        if resplits_request(&refund_desc) {
            prop_assert_eq!(encoded.unwrap_err(), Error::InvalidField("refundDesc"));
            return Ok(());
        }
        if resplits_request(&call_back_url) {
            prop_assert_eq!(encoded.unwrap_err(), Error::InvalidField("callBackUrl"));
            return Ok(());
        }
        let body = encoded.unwrap();

        // The body, read by serde_json: the page's member order and the values given.
        let sent: serde_json::Map<String, Value> = serde_json::from_slice(body).unwrap();
        let names: Vec<&str> = sent.keys().map(String::as_str).collect();
        prop_assert_eq!(names, [
            "appId", "merchantId", "timestamp", "sign", "refundOrderAmt", "orderNo",
            "refundOrderNo", "refundDesc", "callBackUrl",
        ]);
        prop_assert_eq!(sent["timestamp"].to_string(), timestamp.to_string());
        prop_assert_eq!(sent["refundOrderAmt"].as_str().unwrap(), amount.to_string());
        prop_assert_eq!(sent["refundDesc"].as_str().unwrap(), refund_desc.as_str());
        prop_assert_eq!(sent["callBackUrl"].as_str().unwrap(), call_back_url.as_str());

        let members = vec![
            ("appId".to_string(), Val::Str(APP_ID.into())),
            ("merchantId".to_string(), Val::Str(MERCHANT_ID.into())),
            ("timestamp".to_string(), Val::Num(timestamp.to_string())),
            ("refundOrderAmt".to_string(), Val::Str(amount.to_string())),
            ("orderNo".to_string(), Val::Str(order_no.clone())),
            ("refundOrderNo".to_string(), Val::Str(refund_order_no.clone())),
            ("refundDesc".to_string(), Val::Str(refund_desc.clone())),
            ("callBackUrl".to_string(), Val::Str(call_back_url.clone())),
        ];
        let message = expected_canonical(&members);
        let sign = sent["sign"].as_str().unwrap();
        prop_assert!(openssl_rsa_verifies(&key_path("newpay_merchant.pub.pem"), message.as_bytes(), sign), "{}", message);
        // The check can fail: one byte more and openssl refuses.
        let longer = format!("{message}x");
        prop_assert!(!openssl_rsa_verifies(&key_path("newpay_merchant.pub.pem"), longer.as_bytes(), sign));
    }

    /// Responses whose `data` OpenSSL signed (unknown members, nulls, escapes) are accepted;
    /// a changed signed value is rejected.
    #[test]
    fn responses_signed_by_openssl_verify(
        (members, escape_more) in data_required().prop_flat_map(signed_members),
    ) {
        let platform = RsaPublicKey::from_any(
            &std::fs::read(key_path("newpay_platform.pub.pem")).unwrap(),
        ).unwrap();
        let creds = Credentials::new(APP_ID, MERCHANT_ID).unwrap();
        let message = expected_canonical(&members);
        let sign = openssl_rsa_sign_b64(&key_path("newpay_platform.pem"), message.as_bytes());
        let mut data = members.clone();
        data.push(("sign".into(), Val::Str(sign)));
        let body = format!(
            r#"{{"success":true,"message":"success","data":{},"code":"0","timestamp":"1"}}"#,
            json_object(&data, escape_more)
        );
        let mut scratch = vec![0u8; body.len()];
        let id = refund_order_no(&members);
        let reply = newpay::decode_inquiry_refund(&creds, &platform, body.as_bytes(), &id, &mut scratch);
        if let Some(member) = first_ambiguous(&members) {
            prop_assert_eq!(reply.unwrap_err(), Error::InvalidField(member), "{}", message);
            return Ok(());
        }
        let Ok(Reply::Accepted(result)) = reply else {
            return Err(TestCaseError::fail(format!("{reply:?}\n{body}\n{message}")));
        };
        prop_assert_eq!(result.trust, Trust::signed(true));
        prop_assert_eq!(result.status(), RefundStatus::Succeeded);
        let mut buf = vec![0u8; body.len()];
        prop_assert_eq!(newpay::signed_string(&result.data, &mut buf).unwrap(), message.as_str());

        // Change the signed amount: rejected, whatever else the object holds.
        let tampered = body.replacen("\"refundOrderAmt\":\"", "\"refundOrderAmt\":\"1", 1);
        prop_assert_ne!(&tampered, &body);
        let mut scratch = vec![0u8; tampered.len()];
        prop_assert_eq!(
            newpay::decode_inquiry_refund(&creds, &platform, tampered.as_bytes(), &id, &mut scratch)
                .unwrap_err(),
            Error::SignatureMismatch("data.sign")
        );
    }

    /// Refund callbacks signed by OpenSSL at the top level verify, and fail once changed.
    #[test]
    fn callbacks_signed_by_openssl_verify(
        (members, escape_more) in callback_required().prop_flat_map(signed_members),
    ) {
        let platform = RsaPublicKey::from_any(
            &std::fs::read(key_path("newpay_platform.pub.pem")).unwrap(),
        ).unwrap();
        let creds = Credentials::new(APP_ID, MERCHANT_ID).unwrap();
        let message = expected_canonical(&members);
        let mut object = members.clone();
        object.insert(0, ("sign".into(), Val::Str(openssl_rsa_sign_b64(&key_path("newpay_platform.pem"), message.as_bytes()))));
        let body = json_object(&object, escape_more);
        let mut scratch = vec![0u8; body.len()];
        let callback = newpay::decode_refund_callback(&creds, &platform, body.as_bytes(), &mut scratch);
        if let Some(member) = first_ambiguous(&members) {
            prop_assert_eq!(callback.unwrap_err(), Error::InvalidField(member));
            return Ok(());
        }
        let callback = match callback {
            Ok(callback) => callback,
            Err(e) => return Err(TestCaseError::fail(format!("{e:?}\n{body}\n{message}"))),
        };
        prop_assert_eq!(callback.trust, Trust::signed(true));
        prop_assert_eq!(callback.status(), RefundStatus::Succeeded);

        let tampered = body.replacen("\"refundOrderAmt\":\"", "\"refundOrderAmt\":\"9", 1);
        let mut scratch = vec![0u8; tampered.len()];
        prop_assert_eq!(
            newpay::decode_refund_callback(&creds, &platform, tampered.as_bytes(), &mut scratch)
                .unwrap_err(),
            Error::SignatureMismatch("sign")
        );
    }
}
