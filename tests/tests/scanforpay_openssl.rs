//! Differential tests: ScanForPay's signature against the `openssl` command-line tool.
//!
//! Forward: random refunds → codec encode → `openssl dgst -sha256` over the spliced
//! `request` bytes followed by the key gives the codec's `signature`, and serde_json reads
//! the request back to the same values.
//! Reverse: serde_json writes a reply (compact or pretty), `openssl dgst -sha256` signs it →
//! codec decode accepts it with the same values, and rejects it once one byte changes.

use proptest::prelude::*;
use refundwire::gateway::scanforpay::{self, Credentials, RefundRequest, RequestHeader};
use refundwire::time::Timestamp;
use refundwire::{Error, RefundStatus, Reply, Verdict};
use serde_json::{Value, json};

use refundwire_tests::openssl_digest_hex;

const PARTNER: &str = "63012";
const KEY: &str = "c4pz0lx9xf26gk7zx5b4ctzkk6oam89o";

/// Lower-case hex SHA-256 of `input`, by OpenSSL.
fn sha256_hex(input: &[u8]) -> String {
    openssl_digest_hex("sha256", input)
}

/// `text` followed by the sign key, as ScanForPay hashes it.
fn signed(text: &str) -> Vec<u8> {
    [text.as_bytes(), KEY.as_bytes()].concat()
}

/// Ids as merchants send them, plus quotes, backslashes, controls and non-ASCII.
fn id(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!(r#"[A-Za-z0-9_\-"\\\u{{1}}\n/é张😀]{{1,{max}}}"#))
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn openssl_agrees_with_the_request_signature(
        partner_order_no in id(32),
        refund_no in id(32),
        order_amount in 1u64..=u64::MAX,
        operator_id in proptest::option::of(id(20)),
        terminal_no in proptest::option::of(id(20)),
        req_msg_id in id(64),
        unix_s in 0i64..4_102_444_800,
        offset in -1439i16..=1439,
    ) {
        let creds = Credentials::new(PARTNER, KEY.as_bytes()).unwrap();
        let header = RequestHeader::new(Timestamp::new(unix_s * 1000, offset).unwrap(), &req_msg_id);
        let req = RefundRequest {
            partner_order_no: &partner_order_no,
            refund_no: &refund_no,
            order_amount,
            operator_id: operator_id.as_deref(),
            terminal_no: terminal_no.as_deref(),
        };
        let mut out = [0u8; scanforpay::REQUEST_MAX];
        let body = std::str::from_utf8(scanforpay::encode_refund(&creds, &header, &req, &mut out).unwrap()).unwrap();
        // Split by position only: `{"request":` … `,"signature":"<64 hex>"}`.
        let (head, rest) = body.split_at(11);
        prop_assert_eq!(head, "{\"request\":");
        let (request, tail) = rest.split_at(rest.len() - 80);
        let signature = tail.strip_prefix(",\"signature\":\"").unwrap().strip_suffix("\"}").unwrap();
        prop_assert_eq!(signature, sha256_hex(&signed(request)));
        // An independent JSON reader sees the same values, in the documented order.
        let v: Value = serde_json::from_str(request).unwrap();
        let h = &v["header"];
        prop_assert_eq!(h["partnerNo"].as_str(), Some(PARTNER));
        prop_assert_eq!(h["reqMsgId"].as_str(), Some(req_msg_id.as_str()));
        prop_assert_eq!(Timestamp::parse_rfc3339(h["requestTime"].as_str().unwrap()).unwrap(), header.time);
        let b = &v["body"];
        prop_assert_eq!(b["partnerOrderNo"].as_str(), Some(partner_order_no.as_str()));
        prop_assert_eq!(b["refundNo"].as_str(), Some(refund_no.as_str()));
        prop_assert_eq!(b["orderAmount"].as_u64(), Some(order_amount));
        prop_assert_eq!(b["operatorId"].as_str(), operator_id.as_deref());
        prop_assert_eq!(b["terminalNo"].as_str(), terminal_no.as_deref());
        let keys: Vec<&str> = b.as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected = vec!["partnerOrderNo", "refundNo", "orderAmount"];
        expected.extend(operator_id.as_ref().map(|_| "operatorId"));
        expected.extend(terminal_no.as_ref().map(|_| "terminalNo"));
        prop_assert_eq!(keys, expected);
    }

    #[test]
    fn the_codec_accepts_what_openssl_signs(
        msg in id(40),
        amount in 0u64..=u64::MAX,
        status in 0u8..3,
        pretty in any::<bool>(),
        upper in any::<bool>(),
        signature_first in any::<bool>(),
        flip in any::<prop::sample::Index>(),
    ) {
        let creds = Credentials::new(PARTNER, KEY.as_bytes()).unwrap();
        let response = json!({
            "header": {"partnerNo": PARTNER, "respTime": "2024-03-05T18:06:12+08:00",
                       "signType": "SHA256", "version": "1.0", "reqMsgId": "id-1"},
            "body": {"code": 1, "msg": msg, "orderAmount": amount, "status": status,
                     "currency": "HKD", "extra": [1, {"x": null}]},
        });
        let text = if pretty { serde_json::to_string_pretty(&response) } else { serde_json::to_string(&response) }.unwrap();
        let mut sig = sha256_hex(&signed(&text));
        if upper {
            sig = sig.to_uppercase();
        }
        let body = if signature_first {
            format!("{{\"signature\":\"{sig}\",\"response\":{text}}}")
        } else {
            format!("{{\"response\":{text},\"signature\":\"{sig}\"}}")
        };
        let r = match scanforpay::decode_refund(&creds, body.as_bytes(), "id-1").unwrap() {
            Reply::Accepted(r) => r,
            Reply::Refused(r) => panic!("refused: {r:?}"),
        };
        prop_assert_eq!(r.order_amount, amount);
        prop_assert_eq!(r.msg.unwrap().to_string(), msg);
        prop_assert_eq!(r.status(), [RefundStatus::Pending, RefundStatus::Succeeded, RefundStatus::Failed][usize::from(status)]);
        let fields: Value = serde_json::from_str(r.body.raw()).unwrap();
        prop_assert_eq!(&fields, &response["body"]);

        // Change one byte of the signed text (to another byte that keeps it UTF-8).
        let start = body.find(&text).unwrap();
        let mut tampered = body.clone().into_bytes();
        let at = start + flip.index(text.len());
        let b = tampered[at];
        tampered[at] = if b.is_ascii_digit() { b'0' + (b - b'0' + 1) % 10 }
            else if b.is_ascii() && b != b'"' && b != b'\\' { if b == b' ' { b'\t' } else { b' ' } }
            else { return Ok(()) };
        let got = scanforpay::decode_refund(&creds, &tampered, "id-1");
        prop_assert!(
            matches!(got, Err(Error::SignatureMismatch(_)) | Err(Error::Json { .. })),
            "{:?}", got
        );
    }
}
