//! `refundwire explain`, every gateway: it shows what the codec really did (the bytes the
//! vectors say are signed, the digests and signatures they give), never a secret, and for an
//! answer that does not verify nothing that would help forge one.

// Test code: a panic is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;

use cli_support::{case, openssl_digest_hex, run, vector_credentials, vectors};

fn explain(args: &[&str], stdin: &str) -> String {
    let gateway = args[0];
    let creds = vector_credentials(gateway);
    let mut all = vec!["explain"];
    all.extend_from_slice(args);
    all.extend(["--credentials", creds.path()]);
    let out = run(&all, stdin.as_bytes());
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Any 40-character run of a key's Base64 in `text` (a private key leak).
fn leaks_key(text: &str, key_b64: &str) -> bool {
    key_b64
        .as_bytes()
        .chunks(40)
        .filter(|c| c.len() == 40)
        .any(|c| text.contains(std::str::from_utf8(c).unwrap()))
}

fn s<'a>(v: &'a serde_json::Value, name: &str) -> &'a str {
    v[name].as_str().unwrap()
}

#[test]
fn ottpay_shows_sorted_values_and_digest_never_the_keys() {
    let c = case("ottpay", "refund_request");
    let text = explain(&["ottpay", "refund"], s(&c, "data_json"));
    assert!(text.contains(s(&c, "sorted_values")), "{text}");
    assert!(text.contains(s(&c, "md5")), "{text}");
    assert!(text.contains(s(&c, "body")), "{text}");
    let sign_key = s(&vectors("ottpay")["credentials"], "sign_key").to_owned();
    assert!(!text.contains(&sign_key), "the sign key leaked:\n{text}");
    // The AES key (from the vectors) only as the fingerprint OpenSSL computes.
    let aes = s(&c, "aes_key");
    assert!(!text.contains(aes), "the AES key leaked:\n{text}");
    assert!(
        !text.contains(&aes[..8]),
        "part of the AES key leaked:\n{text}"
    );
    assert!(text.contains(&openssl_digest_hex("sha256", aes.as_bytes())[..8]));
    // A refund without its own order id: nothing can bind its answers.
    let c = case("ottpay", "refund_request");
    assert!(text.contains("nothing the request names"), "{text}");
    let with_id = case("ottpay", "refund_request_with_order_id");
    let text = explain(&["ottpay", "refund"], s(&with_id, "data_json"));
    assert!(text.contains("RF12415868344978"), "{text}");
    assert!(text.contains(s(&with_id, "md5")), "{c}");
}

#[test]
fn ottpay_answers_say_what_they_prove() {
    let status = s(&case("ottpay", "refund_status_query_response"), "body").to_owned();
    let bound = explain(
        &[
            "ottpay",
            "refund-query",
            "--response",
            "--expect-req-msg-id",
            "RF12415868344978",
        ],
        &status,
    );
    assert!(
        bound.contains("authenticated: true, bound: true"),
        "{bound}"
    );
    assert!(bound.contains("succeeded (claimed: succeeded)"), "{bound}");
    let unbound = explain(&["ottpay", "refund-query", "--response"], &status);
    assert!(
        unbound.contains("authenticated: true, bound: false"),
        "{unbound}"
    );
    assert!(
        unbound.contains("unknown (claimed: succeeded)"),
        "{unbound}"
    );
    assert!(unbound.contains("none given"), "{unbound}");
    let other = explain(
        &[
            "ottpay",
            "refund-query",
            "--response",
            "--expect-req-msg-id",
            "RF0",
        ],
        &status,
    );
    assert!(other.contains("REJECTED"), "{other}");
    assert!(other.contains("but RF0 was expected"), "{other}");
    assert!(!other.contains("authenticated: true"), "{other}");
    // A REFUND reply's rsp_code is outside md5: unsigned, never definite.
    let refund = s(&case("ottpay", "refund_response"), "body").to_owned();
    let text = explain(
        &[
            "ottpay",
            "refund",
            "--response",
            "--expect-req-msg-id",
            "RF12415868344978",
        ],
        &refund,
    );
    assert!(text.contains("UNSIGNED"), "{text}");
    assert!(text.contains("unknown (claimed: succeeded)"), "{text}");
    // A refusal is unsigned.
    let refusal = s(&case("ottpay", "refund_response_error_code"), "body").to_owned();
    let text = explain(&["ottpay", "refund", "--response"], &refusal);
    assert!(text.contains("UNSIGNED"), "{text}");
    assert!(text.contains("unknown (claimed: failed)"), "{text}");
}

#[test]
fn ottpay_never_derives_a_key_for_a_reply_that_does_not_verify() {
    // A forger's bait: an md5 of their choice over junk data. Showing the AES key that md5
    // selects would let them encrypt a reply that decodes as a successful refund.
    let v = vectors("ottpay");
    let md5 = "51DCA9AA0E0F1A1B2C3D4E5F60718293";
    let bait =
        format!(r#"{{"rsp_code":"SUCCESS","data":"AAAAAAAAAAAAAAAAAAAAAA==","md5":"{md5}"}}"#);
    // OTTPay's key: characters 8..24 of upper-case hex MD5(md5 text + sign key).
    let mut input = md5.as_bytes().to_vec();
    input.extend_from_slice(s(&v["credentials"], "sign_key").as_bytes());
    let derived = openssl_digest_hex("md5", &input).to_uppercase()[8..24].to_owned();
    let text = explain(&["ottpay", "refund", "--response"], &bait);
    assert!(text.contains("REJECTED"), "{text}");
    assert!(!text.contains(&derived), "derived key shown:\n{text}");
    // A tampered reply: rejected, the expected md5 never shown, nothing decrypted shown.
    let tampered = s(&case("ottpay", "refund_response_wrong_md5"), "body").to_owned();
    let text = explain(&["ottpay", "refund", "--response"], &tampered);
    assert!(text.contains("MISMATCH"), "{text}");
    assert!(text.contains("REJECTED"), "{text}");
    assert!(!text.contains("trade_time"), "{text}");
    assert!(!text.contains("D110A36076C121F25E65BFB66410550F"), "{text}");
}

#[test]
fn scanforpay_shows_what_is_signed_and_keeps_the_key() {
    let c = case("scanforpay", "refund_request");
    let header = &c["header"];
    let text = explain(
        &[
            "scanforpay",
            "refund",
            "--time",
            s(header, "requestTime"),
            "--req-msg-id",
            s(header, "reqMsgId"),
        ],
        &c["body_fields"].to_string(),
    );
    assert!(text.contains(s(&c, "request_json")), "{text}");
    assert!(text.contains(s(&c, "signature")), "{text}");
    assert!(text.contains("not HMAC"), "{text}");
    let key = s(&vectors("scanforpay")["credentials"], "sign_key").to_owned();
    assert!(!text.contains(&key), "the sign key leaked:\n{text}");
}

#[test]
fn scanforpay_never_shows_the_signature_bytes_would_need() {
    let key = s(&vectors("scanforpay")["credentials"], "sign_key").to_owned();
    let c = case("scanforpay", "refund_response");
    let id = s(&c, "req_msg_id");
    let body = s(&c, "body");
    let bound = explain(
        &[
            "scanforpay",
            "refund",
            "--response",
            "--expect-req-msg-id",
            id,
        ],
        body,
    );
    assert!(bound.contains("as expected: bound"), "{bound}");
    assert!(bound.contains(r#""status":"succeeded","authenticated":true,"bound":true"#));
    let unbound = explain(&["scanforpay", "refund", "--response"], body);
    assert!(unbound.contains("NOT BOUND"), "{unbound}");
    assert!(unbound.contains(r#""status":"unknown","authenticated":true,"bound":false"#));
    // Bytes of an attacker's choice: the digest they would need is never printed.
    let forged = r#"{"response":{"header":{"reqMsgId":"victim"},"body":{"code":1,"msg":"ok","orderAmount":999999,"status":1}},"signature":"0000000000000000000000000000000000000000000000000000000000000000"}"#;
    let signed = &forged[r#"{"response":"#.len()..forged.find(r#","signature""#).unwrap()];
    let needed = openssl_digest_hex("sha256", format!("{signed}{key}").as_bytes());
    let text = explain(
        &[
            "scanforpay",
            "refund",
            "--response",
            "--expect-req-msg-id",
            "victim",
        ],
        forged,
    );
    assert!(text.contains("MISMATCH"), "{text}");
    assert!(text.contains("REJECTED"), "{text}");
    assert!(!text.contains(&needed), "{text}");
    assert!(!text.contains(&needed.to_uppercase()), "{text}");
    assert!(!text.contains(&key), "{text}");
}

#[test]
fn payermax_shows_the_signed_body_never_the_private_key() {
    let v = vectors("payermax");
    let c = case("payermax", "refund_request_usd");
    let fields = r#"{"outRefundNo":"R6030620278683","outTradeNo":"P8738069560423","refundAmount":10.50,"refundCurrency":"USD","comments":"customer returned \"size M\" / wrong colour"}"#;
    let text = explain(
        &[
            "payermax",
            "refund",
            "--time",
            "2024-03-05T07:01:23.737+00:00",
        ],
        fields,
    );
    assert!(text.contains(s(&c, "body")), "{text}");
    assert!(text.contains(s(&c, "sign")), "{text}");
    assert!(!leaks_key(
        &text,
        s(&v["credentials"], "private_key_pkcs8_b64")
    ));
}

#[test]
fn payermax_answers_and_notifications() {
    let q = case("payermax", "refund_query_response");
    let with_sign = |extra: &[&str], sign: &str, body: &str| {
        let header = format!("sign={sign}");
        let mut args = vec![
            "payermax",
            "refund-query",
            "--response",
            "--header",
            &header,
        ];
        args.extend_from_slice(extra);
        explain(&args, body)
    };
    let bound = with_sign(
        &["--expect-req-msg-id", "R1642411016202"],
        s(&q, "sign"),
        s(&q, "body"),
    );
    assert!(bound.contains("`sign` valid"), "{bound}");
    assert!(
        bound.contains("`outRefundNo` = R1642411016202, as expected: bound"),
        "{bound}"
    );
    assert!(bound.contains("succeeded (claimed: succeeded)"), "{bound}");
    let other = with_sign(&["--expect-req-msg-id", "R0"], s(&q, "sign"), s(&q, "body"));
    assert!(other.contains("REJECTED"), "{other}");
    let tampered = case("payermax", "refund_query_response_tampered");
    let text = with_sign(&[], s(&tampered, "sign"), s(&tampered, "body"));
    assert!(text.contains("FAILED"), "{text}");
    assert!(text.contains("REJECTED"), "{text}");
    // An unsigned refusal proves nothing.
    let refusal = s(&case("payermax", "refund_query_error_unsigned"), "body").to_owned();
    let text = explain(&["payermax", "refund-query", "--response"], &refusal);
    assert!(text.contains("UNSIGNED"), "{text}");
    assert!(text.contains("unknown (claimed: failed)"), "{text}");
    // A notification: verified, and the acknowledgement of the protocol page.
    let n = case("payermax", "refund_notification");
    let header = format!("sign={}", s(&n, "sign"));
    let text = explain(
        &["payermax", "notification", "--header", &header],
        s(&n, "body"),
    );
    assert!(text.contains("`sign` valid"), "{text}");
    assert!(
        text.contains(r#"{"code":"SUCCESS","msg":"Success"}"#),
        "{text}"
    );
}

#[test]
fn newpay_shows_the_canonical_string_and_the_callback_ack() {
    let v = vectors("newpay");
    let c = case("newpay", "refund_request");
    let mut fields = c["fields"].as_object().unwrap().clone();
    let timestamp = fields["timestamp"].to_string();
    for envelope in ["appId", "merchantId", "timestamp"] {
        fields.shift_remove(envelope);
    }
    let text = explain(
        &["newpay", "refund", "--timestamp-ms", &timestamp],
        &serde_json::Value::Object(fields).to_string(),
    );
    assert!(text.contains(s(&c, "canonical")), "{text}");
    assert!(text.contains(s(&c, "sign")), "{text}");
    assert!(text.contains(s(&c, "body")), "{text}");
    assert!(!leaks_key(
        &text,
        s(&v["credentials"], "private_key_pkcs8_b64")
    ));

    let ok = case("newpay", "inquiry_refund_response");
    let text = explain(&["newpay", "refund-query", "--response"], s(&ok, "body"));
    assert!(text.contains(s(&ok, "canonical")), "{text}");
    assert!(text.contains("`data.sign` valid"), "{text}");
    assert!(text.contains("none given"), "{text}");
    let tampered = case("newpay", "inquiry_refund_response_tampered");
    let text = explain(
        &["newpay", "refund-query", "--response"],
        s(&tampered, "body"),
    );
    assert!(text.contains("FAILED"), "{text}");
    assert!(text.contains("REJECTED"), "{text}");
    let cb = case("newpay", "refund_callback");
    let text = explain(&["newpay", "refund-callback"], s(&cb, "body"));
    assert!(text.contains(s(&cb, "canonical")), "{text}");
    assert!(text.contains(r#"{"transResult":"SUCCESS"}"#), "{text}");
}
