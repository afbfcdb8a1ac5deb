//! The trace hook (`refundwire::trace`) over the conformance vectors: what each gateway's
//! `*_traced` twin reports is what `tests/vectors/` says was signed, hashed, encrypted and
//! decrypted (checked against the vector files and against OpenSSL, never against the codec),
//! and the trace of a reply that does not verify holds no key, no expected digest or
//! signature and nothing decrypted.

use refundwire::gateway::{newpay, ottpay, payermax, scanforpay};
use refundwire::time::Timestamp;
use refundwire::trace::{Step, Trace};
use refundwire_std::rsa::{RsaPrivateKey, RsaPublicKey};
use refundwire_tests::{
    CountingAllocator, case, count_allocations, openssl, openssl_digest_hex, s, vectors,
    vectors_dir,
};
use serde_json::Value;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// One recorded step, owned. Consecutive `SignedBytes` pieces of one `what` are joined.
#[derive(Debug, Clone, PartialEq)]
enum Rec {
    Signed(&'static str, Vec<u8>),
    SecretFollows(&'static str, usize, String),
    Member(&'static str, String),
    Digest(&'static str, &'static str, Vec<u8>),
    Signature(&'static str, Vec<u8>),
    Plaintext(&'static str, Vec<u8>),
    Ciphertext(&'static str, Vec<u8>),
    DerivedKey(&'static str, usize, String),
    Verified(&'static str),
    Mismatch(&'static str, Option<String>),
    Unsigned(&'static str),
    Binding(&'static str, Option<String>, String, bool),
    Other,
}

/// Records every step, and everything a printing consumer would print (`{:?}` of each step).
#[derive(Default)]
struct Recorder {
    steps: Vec<Rec>,
    printed: String,
}

impl Trace for Recorder {
    fn step(&mut self, step: Step<'_>) {
        self.printed.push_str(&format!("{step:?}\n"));
        let owned = |b: &[u8]| b.to_vec();
        let rec = match step {
            Step::SignedBytes { what, bytes } => {
                if let Some(Rec::Signed(last, so_far)) = self.steps.last_mut()
                    && *last == what
                {
                    so_far.extend_from_slice(bytes);
                    return;
                }
                Rec::Signed(what, owned(bytes))
            }
            Step::SecretFollows { what, secret } => {
                Rec::SecretFollows(what, secret.len(), secret.fingerprint().to_string())
            }
            Step::Member { what, name, .. } => Rec::Member(what, name.to_string()),
            Step::Digest {
                algorithm,
                what,
                value,
            } => Rec::Digest(algorithm.name(), what, owned(value)),
            Step::Signature { what, text } => Rec::Signature(what, owned(text)),
            Step::Plaintext { what, bytes } => Rec::Plaintext(what, owned(bytes)),
            Step::Ciphertext { what, bytes } => Rec::Ciphertext(what, owned(bytes)),
            Step::DerivedKey { what, key } => {
                Rec::DerivedKey(what, key.len(), key.fingerprint().to_string())
            }
            Step::Verified { what } => Rec::Verified(what),
            Step::Mismatch { what, computed } => {
                Rec::Mismatch(what, computed.map(|c| c.fingerprint().to_string()))
            }
            Step::Unsigned { what } => Rec::Unsigned(what),
            Step::Binding {
                member,
                value,
                expected,
                bound,
            } => Rec::Binding(
                member,
                value.map(|v| v.to_string()),
                expected.to_string(),
                bound,
            ),
            _ => Rec::Other,
        };
        self.steps.push(rec);
    }
}

impl Recorder {
    fn signed(&self, what: &str) -> Vec<u8> {
        let pieces: Vec<&Vec<u8>> = self
            .steps
            .iter()
            .filter_map(|r| match r {
                Rec::Signed(w, b) if *w == what => Some(b),
                _ => None,
            })
            .collect();
        assert_eq!(pieces.len(), 1, "one run of SignedBytes of {what}");
        pieces[0].clone()
    }

    fn find<T>(&self, pick: impl Fn(&Rec) -> Option<T>) -> T {
        let mut found: Vec<T> = self.steps.iter().filter_map(pick).collect();
        assert_eq!(found.len(), 1, "exactly one such step in {:?}", self.steps);
        found.remove(0)
    }

    fn has(&self, rec: &Rec) -> bool {
        self.steps.contains(rec)
    }

    fn members(&self, what: &str) -> Vec<String> {
        self.steps
            .iter()
            .filter_map(|r| match r {
                Rec::Member(w, n) if *w == what => Some(n.clone()),
                _ => None,
            })
            .collect()
    }

    /// Every byte the trace handed out, and everything printed: where a leak would show.
    fn haystack(&self) -> Vec<u8> {
        let mut all = self.printed.clone().into_bytes();
        for r in &self.steps {
            if let Rec::Signed(_, b)
            | Rec::Digest(_, _, b)
            | Rec::Signature(_, b)
            | Rec::Plaintext(_, b)
            | Rec::Ciphertext(_, b) = r
            {
                all.extend_from_slice(b);
            }
        }
        all
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `openssl dgst -sha256` of `bytes`, first 8 hex digits: the trace's fingerprint rule.
fn fingerprint(bytes: &[u8]) -> String {
    openssl_digest_hex("sha256", bytes)[..8].to_string()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn base64_decode(text: &str) -> Vec<u8> {
    openssl(&["base64", "-d", "-A"], text.replace('\n', "").as_bytes())
}

/// Member names of a JSON object in byte order, without `null`s and `exclude`.
fn sorted_names(obj: &Value, exclude: &str) -> Vec<String> {
    let mut names: Vec<String> = obj
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, v)| !v.is_null() && k.as_str() != exclude)
        .map(|(k, _)| k.clone())
        .collect();
    names.sort();
    names
}

// ---------------------------------------------------------------------------------------------
// OTTPay

const OTT_MERCHANT: &str = "ON43915000";
const OTT_KEY: &str = "4283FEFC63F0CD0E";
const OTT_ORDER: &str = "RF12415868344978";

/// The AES key OTTPay derives from an `md5` text, by OpenSSL: characters 8..24 of the
/// upper-case hex MD5 of `md5` + sign key.
fn ottpay_key(md5: &str) -> String {
    openssl_digest_hex("md5", format!("{md5}{OTT_KEY}").as_bytes())[8..24].to_uppercase()
}

#[test]
fn ottpay_requests_report_what_the_vectors_hash_and_encrypt() {
    let creds = ottpay::Credentials::new(OTT_MERCHANT, OTT_KEY.as_bytes()).unwrap();
    for name in [
        "refund_request",
        "refund_request_with_order_id",
        "refund_status_query_request",
    ] {
        let c = case("ottpay", name);
        let data = &c["data"];
        let text = |k: &str| data.get(k).and_then(Value::as_str);
        let action = if s(&c, "action") == "REFUND" {
            ottpay::Action::Refund(ottpay::RefundRequest {
                order_id: text("order_id"),
                ori_order_id: text("ori_order_id").unwrap(),
                refund_amt: text("refund_amt").unwrap().parse().unwrap(),
            })
        } else {
            ottpay::Action::RefundStatusQuery(ottpay::RefundStatusQuery {
                order_id: text("order_id").unwrap(),
            })
        };
        let mut out = [0u8; ottpay::REFUND_BODY_MAX];
        let mut rec = Recorder::default();
        let body = ottpay::encode_traced(&creds, action, &mut out, &mut rec).unwrap();
        assert_eq!(body, s(&c, "body").as_bytes(), "{name}");

        let plaintext = rec.find(|r| match r {
            Rec::Plaintext("data", b) => Some(b.clone()),
            _ => None,
        });
        assert_eq!(plaintext, s(&c, "data_json").as_bytes(), "{name}");
        assert_eq!(rec.members("md5"), sorted_names(data, ""), "{name}");
        assert_eq!(
            rec.signed("md5"),
            s(&c, "sorted_values").as_bytes(),
            "{name}"
        );
        assert!(
            rec.has(&Rec::Digest("MD5", "md5", unhex(s(&c, "md5")))),
            "{name}"
        );
        assert!(rec.has(&Rec::Signature("md5", s(&c, "md5").as_bytes().to_vec())));
        let key = s(&c, "aes_key");
        assert_eq!(
            ottpay_key(s(&c, "md5")),
            key,
            "the vector's key, by OpenSSL"
        );
        assert!(rec.has(&Rec::DerivedKey("data", 16, fingerprint(key.as_bytes()))));
        assert!(rec.has(&Rec::Ciphertext("data", base64_decode(s(&c, "data_b64")))));
        assert!(
            !contains(&rec.haystack(), key.as_bytes()),
            "{name}: key shown"
        );
    }
}

/// Decodes the OTTPay vector reply `name` with a recorder (expecting the order id of the
/// vectors): the case, its envelope read by serde_json, the recorder, and whether it decoded.
fn ottpay_decoded(name: &str) -> (Value, Value, Recorder, bool) {
    let creds = ottpay::Credentials::new(OTT_MERCHANT, OTT_KEY.as_bytes()).unwrap();
    let c = case("ottpay", name);
    let envelope: Value = serde_json::from_str(s(&c, "body")).unwrap();
    let mut body = s(&c, "body").as_bytes().to_vec();
    let mut rec = Recorder::default();
    let decoded = if s(&c, "kind") == "refund" {
        ottpay::decode_refund_traced(&creds, &mut body, OTT_ORDER, &mut rec).is_ok()
    } else {
        ottpay::decode_refund_status_traced(&creds, &mut body, OTT_ORDER, &mut rec).is_ok()
    };
    (c, envelope, rec, decoded)
}

#[test]
fn ottpay_replies_report_the_verified_steps() {
    for name in [
        "refund_response",
        "refund_response_wrapped_base64",
        "refund_status_query_response",
        "refund_status_query_response_numeric_java_double",
    ] {
        let (c, envelope, rec, decoded) = ottpay_decoded(name);
        assert!(decoded, "{name}");
        let md5 = envelope["md5"].as_str().unwrap();
        assert!(rec.has(&Rec::Unsigned("rsp_code")), "{name}");
        assert!(rec.has(&Rec::Signature("md5", md5.as_bytes().to_vec())));
        let cipher = envelope["data"].as_str().unwrap();
        assert!(
            rec.has(&Rec::Ciphertext("data", base64_decode(cipher))),
            "{name}"
        );
        let key = ottpay_key(md5);
        assert!(rec.has(&Rec::DerivedKey("data", 16, fingerprint(key.as_bytes()))));
        // The plaintext is the vector's data object, and what md5 covers hashes (by OpenSSL)
        // to the md5 that was sent, in the number form the vector names.
        let plaintext = rec.find(|r| match r {
            Rec::Plaintext("data", b) => Some(b.clone()),
            _ => None,
        });
        let parsed: Value = serde_json::from_slice(&plaintext).unwrap();
        assert_eq!(parsed, c["data"], "{name}");
        assert_eq!(rec.members("md5"), sorted_names(&c["data"], ""), "{name}");
        let signed = rec.signed("md5");
        assert_eq!(
            openssl_digest_hex("md5", &signed).to_uppercase(),
            md5,
            "{name}"
        );
        if s(&c, "md5_form") == "java_double" {
            assert!(contains(&signed, b"51558.0"), "{name}");
        }
        assert!(rec.has(&Rec::Digest("MD5", "md5", unhex(md5))));
        assert!(rec.has(&Rec::Verified("md5")));
        assert!(rec.has(&Rec::Binding(
            "order_id",
            Some(OTT_ORDER.into()),
            OTT_ORDER.into(),
            true
        )));
        assert!(
            !contains(&rec.haystack(), key.as_bytes()),
            "{name}: key shown"
        );
    }
}

#[test]
fn a_tampered_ottpay_reply_leaves_no_key_and_nothing_decrypted_in_the_trace() {
    for name in [
        "refund_response_wrong_md5",
        "refund_response_flipped_ciphertext",
    ] {
        let (_, envelope, rec, decoded) = ottpay_decoded(name);
        assert!(!decoded, "{name}");
        let md5 = envelope["md5"].as_str().unwrap();
        assert!(rec.has(&Rec::Mismatch("md5", None)), "{name}");
        assert!(!rec.steps.iter().any(|r| matches!(
            r,
            Rec::Plaintext(..) | Rec::Digest(..) | Rec::Verified(..) | Rec::Signed(..)
        )));
        // What the codec decrypted (OpenSSL, no padding check) and its MD5, in any form.
        let key = ottpay_key(md5);
        let key_hex: String = key.bytes().map(|b| format!("{b:02x}")).collect();
        let cipher = base64_decode(envelope["data"].as_str().unwrap());
        let decrypted = openssl(
            &["enc", "-d", "-aes-128-ecb", "-nopad", "-K", &key_hex],
            &cipher,
        );
        let decrypted_md5 = openssl_digest_hex("md5", &decrypted);
        let hay = rec.haystack();
        for secret in [
            key.as_bytes(),
            key_hex.as_bytes(),
            &decrypted[..16],
            decrypted_md5.as_bytes(),
            decrypted_md5.to_uppercase().as_bytes(),
            &unhex(&decrypted_md5),
        ] {
            assert!(!contains(&hay, secret), "{name}: {secret:?} in the trace");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ScanForPay

fn scanforpay_creds() -> (String, String) {
    let v = vectors("scanforpay");
    let c = &v["credentials"];
    (
        c["partner_no"].as_str().unwrap().to_owned(),
        c["sign_key"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn scanforpay_requests_report_the_request_bytes_and_the_key_that_follows() {
    let (partner_no, key) = scanforpay_creds();
    let creds = scanforpay::Credentials::new(&partner_no, key.as_bytes()).unwrap();
    for name in ["refund_request", "refund_request_minimal"] {
        let c = case("scanforpay", name);
        let h = &c["header"];
        let time = Timestamp::parse_rfc3339(h["requestTime"].as_str().unwrap()).unwrap();
        let header = scanforpay::RequestHeader::new(time, h["reqMsgId"].as_str().unwrap());
        let f = &c["body_fields"];
        let refund = scanforpay::RefundRequest {
            partner_order_no: f["partnerOrderNo"].as_str().unwrap(),
            refund_no: f["refundNo"].as_str().unwrap(),
            order_amount: f["orderAmount"].as_u64().unwrap(),
            operator_id: f["operatorId"].as_str(),
            terminal_no: f["terminalNo"].as_str(),
        };
        let mut out = [0u8; scanforpay::REQUEST_MAX];
        let mut rec = Recorder::default();
        let body =
            scanforpay::encode_refund_traced(&creds, &header, &refund, &mut out, &mut rec).unwrap();
        assert_eq!(body, s(&c, "body").as_bytes());
        assert_eq!(rec.signed("signature"), s(&c, "request_json").as_bytes());
        assert!(rec.has(&Rec::SecretFollows(
            "signature",
            key.len(),
            fingerprint(key.as_bytes())
        )));
        let signature = s(&c, "signature");
        assert!(rec.has(&Rec::Digest("SHA-256", "signature", unhex(signature))));
        assert!(rec.has(&Rec::Signature("signature", signature.as_bytes().to_vec())));
        assert!(
            !contains(&rec.haystack(), key.as_bytes()),
            "{name}: key shown"
        );
    }
}

/// The raw `response` value of a vector body: between `{"response":` and `,"signature"`.
fn raw_response(body: &str) -> &str {
    let start = body.find(':').unwrap() + 1;
    let end = body.rfind(",\"signature\"").unwrap();
    &body[start..end]
}

#[test]
fn scanforpay_replies_report_the_raw_response_that_was_hashed() {
    let (partner_no, key) = scanforpay_creds();
    let creds = scanforpay::Credentials::new(&partner_no, key.as_bytes()).unwrap();
    for name in [
        "refund_response",
        "refund_response_pretty_printed",
        "refund_response_dealing",
        "refund_response_order_missing",
        "refund_response_signature_uppercase_hex",
    ] {
        let c = case("scanforpay", name);
        let body = s(&c, "body");
        let id = s(&c, "req_msg_id");
        let mut rec = Recorder::default();
        scanforpay::decode_refund_traced(&creds, body.as_bytes(), id, &mut rec).unwrap();
        let signed = rec.signed("signature");
        assert_eq!(signed, raw_response(body).as_bytes(), "{name}");
        // The bytes and the key after them hash (by OpenSSL) to the signature sent.
        let received: Value = serde_json::from_str(body).unwrap();
        let received = received["signature"].as_str().unwrap();
        let with_key = [signed.as_slice(), key.as_bytes()].concat();
        assert_eq!(
            openssl_digest_hex("sha256", &with_key),
            received.to_lowercase()
        );
        assert!(rec.has(&Rec::Signature("signature", received.as_bytes().to_vec())));
        assert!(rec.has(&Rec::Digest(
            "SHA-256",
            "signature",
            unhex(&received.to_lowercase())
        )));
        assert!(rec.has(&Rec::Verified("signature")));
        assert!(rec.has(&Rec::Binding("reqMsgId", Some(id.into()), id.into(), true)));
    }
}

#[test]
fn a_tampered_scanforpay_reply_shows_the_signature_it_needed_as_a_fingerprint_only() {
    let (partner_no, key) = scanforpay_creds();
    let creds = scanforpay::Credentials::new(&partner_no, key.as_bytes()).unwrap();
    let c = case("scanforpay", "refund_response_tampered");
    let body = s(&c, "body");
    let mut rec = Recorder::default();
    assert!(scanforpay::decode_refund_traced(&creds, body.as_bytes(), "", &mut rec).is_err());
    // What these bytes would need, by OpenSSL: in full it would be a valid signature.
    let with_key = [raw_response(body).as_bytes(), key.as_bytes()].concat();
    let needed_hex = openssl_digest_hex("sha256", &with_key);
    let needed = unhex(&needed_hex);
    assert!(rec.has(&Rec::Mismatch("signature", Some(fingerprint(&needed)))));
    assert!(
        !rec.steps
            .iter()
            .any(|r| matches!(r, Rec::Digest(..) | Rec::Verified(..) | Rec::Binding(..)))
    );
    let hay = rec.haystack();
    for secret in [
        needed.as_slice(),
        needed_hex.as_bytes(),
        needed_hex.to_uppercase().as_bytes(),
        key.as_bytes(),
    ] {
        assert!(!contains(&hay, secret), "{secret:?} in the trace");
    }
}

// ---------------------------------------------------------------------------------------------
// PayerMax

struct PayerMaxKeys {
    app_id: String,
    merchant_no: String,
    merchant: RsaPrivateKey,
    platform: RsaPublicKey,
}

fn payermax_keys() -> PayerMaxKeys {
    let v = vectors("payermax");
    let c = &v["credentials"];
    let file = |k: &str| std::fs::read(vectors_dir().join(c[k].as_str().unwrap())).unwrap();
    PayerMaxKeys {
        app_id: c["app_id"].as_str().unwrap().to_owned(),
        merchant_no: c["merchant_no"].as_str().unwrap().to_owned(),
        merchant: RsaPrivateKey::from_any(&file("private_key_file")).unwrap(),
        platform: RsaPublicKey::from_any(&file("platform_public_key_file")).unwrap(),
    }
}

#[test]
fn payermax_requests_report_the_body_and_the_sign_header() {
    let k = payermax_keys();
    let creds = payermax::Credentials::new(&k.app_id, Some(&k.merchant_no)).unwrap();
    // 2024-03-05T07:01:23.737Z, the vectors' `requestTime`.
    let envelope = payermax::Envelope::new(Timestamp::utc(1_709_622_083_737).unwrap());
    let c = case("payermax", "refund_query_request");
    let query = payermax::RefundQuery {
        out_refund_no: Some("R1046563414839"),
        refund_trade_no: None,
    };
    let (mut body, mut sign) = ([0u8; 1024], [0u8; payermax::SIGN_MAX]);
    let mut rec = Recorder::default();
    payermax::encode_refund_query_traced(
        &creds,
        &envelope,
        &query,
        &k.merchant,
        &mut body,
        &mut sign,
        &mut rec,
    )
    .unwrap();
    assert_eq!(rec.signed("sign"), s(&c, "body").as_bytes());
    assert_eq!(
        rec.steps,
        [
            Rec::Signed("sign", s(&c, "body").as_bytes().to_vec()),
            Rec::Signature("sign", s(&c, "sign").as_bytes().to_vec()),
        ]
    );
}

#[test]
fn payermax_replies_report_verification_binding_and_unsigned_refusals() {
    let k = payermax_keys();
    let decode = |name: &str, expected: &str| {
        let c = case("payermax", name);
        let sign = c["sign"].as_str().map(str::as_bytes);
        let mut rec = Recorder::default();
        let ok = payermax::decode_refund_query_traced(
            &k.platform,
            sign,
            s(&c, "body").as_bytes(),
            expected,
            &mut rec,
        )
        .is_ok();
        (c, rec, ok)
    };
    let (c, rec, ok) = decode("refund_query_response", "R1642411016202");
    assert!(ok);
    assert_eq!(rec.signed("sign"), s(&c, "body").as_bytes());
    assert!(rec.has(&Rec::Signature("sign", s(&c, "sign").as_bytes().to_vec())));
    assert!(rec.has(&Rec::Verified("sign")));
    assert!(rec.has(&Rec::Binding(
        "outRefundNo",
        Some("R1642411016202".into()),
        "R1642411016202".into(),
        true
    )));

    let (_, rec, ok) = decode("refund_query_response_tampered", "R1642411016202");
    assert!(!ok);
    assert!(rec.has(&Rec::Mismatch("sign", None)));
    assert!(!rec.has(&Rec::Verified("sign")));

    let (_, rec, ok) = decode("refund_query_error_unsigned", "R1642411016202");
    assert!(ok);
    assert_eq!(rec.steps, [Rec::Unsigned("code")]);

    let c = case("payermax", "refund_notification");
    let creds = payermax::Credentials::new(&k.app_id, Some(&k.merchant_no)).unwrap();
    let mut rec = Recorder::default();
    payermax::decode_refund_notification_traced(
        &creds,
        &k.platform,
        c["sign"].as_str().map(str::as_bytes),
        s(&c, "body").as_bytes(),
        &mut rec,
    )
    .unwrap();
    assert!(rec.has(&Rec::Verified("sign")));
    for (member, ours) in [("appId", &k.app_id), ("merchantNo", &k.merchant_no)] {
        assert!(rec.has(&Rec::Binding(
            member,
            Some(ours.clone()),
            ours.clone(),
            true
        )));
    }
}

// ---------------------------------------------------------------------------------------------
// NewPay

struct NewPayKeys {
    app_id: String,
    merchant_id: String,
    merchant: RsaPrivateKey,
    platform: RsaPublicKey,
}

fn newpay_keys() -> NewPayKeys {
    let v = vectors("newpay");
    let c = &v["credentials"];
    let file = |k: &str| std::fs::read(vectors_dir().join(c[k].as_str().unwrap())).unwrap();
    NewPayKeys {
        app_id: c["app_id"].as_str().unwrap().to_owned(),
        merchant_id: c["merchant_id"].as_str().unwrap().to_owned(),
        merchant: RsaPrivateKey::from_any(&file("private_key_file")).unwrap(),
        platform: RsaPublicKey::from_any(&file("platform_public_key_file")).unwrap(),
    }
}

#[test]
fn newpay_requests_report_the_canonical_string_of_the_vectors() {
    let k = newpay_keys();
    let creds = newpay::Credentials::new(&k.app_id, &k.merchant_id).unwrap();
    for name in ["refund_request", "inquiry_refund_request"] {
        let c = case("newpay", name);
        let f = &c["fields"];
        let field = |n: &str| f[n].as_str().unwrap();
        let timestamp = f["timestamp"].as_u64().unwrap();
        let mut out = [0u8; 2048];
        let mut rec = Recorder::default();
        let body = if name == "refund_request" {
            let req = newpay::RefundRequest {
                refund_order_amt: field("refundOrderAmt").parse().unwrap(),
                order_no: field("orderNo"),
                refund_order_no: field("refundOrderNo"),
                refund_desc: field("refundDesc"),
                call_back_url: field("callBackUrl"),
            };
            newpay::encode_refund_traced(&creds, &k.merchant, &req, timestamp, &mut out, &mut rec)
        } else {
            let req = newpay::InquiryRefundRequest {
                refund_order_no: field("refundOrderNo"),
            };
            newpay::encode_inquiry_refund_traced(
                &creds,
                &k.merchant,
                &req,
                timestamp,
                &mut out,
                &mut rec,
            )
        }
        .unwrap();
        assert_eq!(body, s(&c, "body").as_bytes(), "{name}");
        assert_eq!(
            rec.steps,
            [
                Rec::Signed("sign", s(&c, "canonical").as_bytes().to_vec()),
                Rec::Signature("sign", s(&c, "sign").as_bytes().to_vec()),
            ],
            "{name}"
        );
    }
}

#[test]
fn newpay_replies_and_callbacks_report_members_string_and_verification() {
    let k = newpay_keys();
    let creds = newpay::Credentials::new(&k.app_id, &k.merchant_id).unwrap();
    for name in [
        "inquiry_refund_response",
        "inquiry_refund_response_unknown_fields",
        "refund_callback",
    ] {
        let c = case("newpay", name);
        let body = s(&c, "body");
        let parsed: Value = serde_json::from_str(body).unwrap();
        let mut scratch = vec![0u8; body.len()];
        let mut rec = Recorder::default();
        let (what, signed_obj, binding) = if name == "refund_callback" {
            newpay::decode_refund_callback_traced(
                &creds,
                &k.platform,
                body.as_bytes(),
                &mut scratch,
                &mut rec,
            )
            .unwrap();
            ("sign", &parsed, None)
        } else {
            let id = parsed["data"]["refundOrderNo"].as_str().unwrap();
            newpay::decode_inquiry_refund_traced(
                &creds,
                &k.platform,
                body.as_bytes(),
                id,
                &mut scratch,
                &mut rec,
            )
            .unwrap();
            ("data.sign", &parsed["data"], Some(id))
        };
        assert_eq!(
            rec.members(what),
            sorted_names(signed_obj, "sign"),
            "{name}"
        );
        assert_eq!(rec.signed(what), s(&c, "canonical").as_bytes(), "{name}");
        let sign = signed_obj["sign"].as_str().unwrap();
        assert!(rec.has(&Rec::Signature(what, sign.as_bytes().to_vec())));
        assert!(rec.has(&Rec::Verified(what)), "{name}");
        if let Some(id) = binding {
            assert!(rec.has(&Rec::Binding(
                "refundOrderNo",
                Some(id.into()),
                id.into(),
                true
            )));
        }
        assert!(rec.has(&Rec::Binding(
            "appId",
            Some(k.app_id.clone()),
            k.app_id.clone(),
            true
        )));
    }

    let c = case("newpay", "inquiry_refund_response_tampered");
    let mut scratch = vec![0u8; s(&c, "body").len()];
    let mut rec = Recorder::default();
    assert!(
        newpay::decode_inquiry_refund_traced(
            &creds,
            &k.platform,
            s(&c, "body").as_bytes(),
            "",
            &mut scratch,
            &mut rec
        )
        .is_err()
    );
    // The vector's `canonical` is the string that was signed; the body says 5000, not 50000.
    let tampered = s(&c, "canonical").replace("refundOrderAmt=50000", "refundOrderAmt=5000");
    assert_ne!(tampered, s(&c, "canonical"));
    assert_eq!(rec.signed("data.sign"), tampered.as_bytes());
    assert!(rec.has(&Rec::Mismatch("data.sign", None)));
    assert!(!rec.has(&Rec::Verified("data.sign")));

    let c = case("newpay", "inquiry_refund_error");
    let mut rec = Recorder::default();
    newpay::decode_inquiry_refund_traced(
        &creds,
        &k.platform,
        s(&c, "body").as_bytes(),
        "",
        &mut scratch,
        &mut rec,
    )
    .unwrap();
    assert_eq!(rec.steps, [Rec::Unsigned("code")]);
}

// ---------------------------------------------------------------------------------------------
// No heap, traced or not

/// Counts steps and fingerprints every secret, in fixed storage.
struct Tally {
    steps: usize,
    fingerprints: [u8; 4],
}

impl Trace for Tally {
    fn step(&mut self, step: Step<'_>) {
        self.steps += 1;
        if let Step::DerivedKey { key: secret, .. } | Step::SecretFollows { secret, .. } = step {
            for (acc, b) in self.fingerprints.iter_mut().zip(secret.fingerprint().0) {
                *acc ^= b;
            }
        }
    }
}

#[test]
fn tracing_itself_does_not_allocate() {
    let ott = case("ottpay", "refund_status_query_response");
    let mut ott_body = s(&ott, "body").as_bytes().to_vec();
    let sfp = case("scanforpay", "refund_response");
    let (partner_no, key) = scanforpay_creds();
    let (tally, allocations) = count_allocations(|| {
        let mut tally = Tally {
            steps: 0,
            fingerprints: [0; 4],
        };
        let creds = ottpay::Credentials::new(OTT_MERCHANT, OTT_KEY.as_bytes()).unwrap();
        ottpay::decode_refund_status_traced(&creds, &mut ott_body, OTT_ORDER, &mut tally).unwrap();
        let dynamic: &mut dyn Trace = &mut tally;
        let creds = scanforpay::Credentials::new(&partner_no, key.as_bytes()).unwrap();
        scanforpay::decode_refund_traced(
            &creds,
            s(&sfp, "body").as_bytes(),
            s(&sfp, "req_msg_id"),
            dynamic,
        )
        .unwrap();
        tally
    });
    assert_eq!(allocations, 0);
    assert!(tally.steps > 10);
    assert_ne!(tally.fingerprints, [0; 4]);
}
