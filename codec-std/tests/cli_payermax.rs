//! The `refundwire` binary against `tests/vectors/payermax.json`: the CLI contract for
//! `encode|decode|explain payermax refund|refund-query` and `decode payermax notification`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;

use cli_support::{assert_rejected, json_out, run, vectors_dir};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const TIME: &str = "2024-03-05T07:01:23.737+00:00";

fn vectors() -> Value {
    let text = std::fs::read_to_string(vectors_dir().join("payermax.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn cases() -> Vec<Value> {
    vectors()["cases"].as_array().unwrap().clone()
}

fn case(name: &str) -> Value {
    cases().into_iter().find(|c| c["case"] == name).unwrap()
}

/// A scratch folder, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "refundwire-cli-payermax-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// Writes `credentials` as `creds.json` and returns its path.
    fn credentials(&self, credentials: &Value) -> String {
        let path = self.0.join("creds.json");
        std::fs::write(&path, credentials.to_string()).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn key_file(name: &str) -> String {
    vectors_dir()
        .join("keys")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

/// The vector's credentials with the key files as absolute paths.
fn file_credentials() -> Value {
    let mut c = vectors()["credentials"].clone();
    let o = c.as_object_mut().unwrap();
    o.remove("private_key_pkcs8_b64");
    o.remove("platform_public_key_b64");
    o.insert(
        "private_key_file".into(),
        key_file("payermax_merchant.pem").into(),
    );
    o.insert(
        "platform_public_key_file".into(),
        key_file("payermax_platform.pub.pem").into(),
    );
    c
}

/// The vector's credentials with the keys inline (bare Base64 DER), no files.
fn inline_credentials() -> Value {
    let mut c = vectors()["credentials"].clone();
    let o = c.as_object_mut().unwrap();
    o.remove("private_key_file");
    o.remove("platform_public_key_file");
    c
}

/// The `data` text of an expected request body, exactly as written (number text kept).
fn fields_of(body: &str) -> String {
    let start = body.find(r#""data":"#).unwrap() + r#""data":"#.len();
    body[start..body.len() - 1].to_owned()
}

fn operation_of(c: &Value) -> &'static str {
    let name = c["case"].as_str().unwrap();
    match c["kind"].as_str() {
        Some("refund") => "refund",
        Some("refund_query") => "refund-query",
        Some("notification") => "notification",
        Some(other) => panic!("unknown kind {other}"),
        None if c.get("expect").is_some() => "notification",
        None if name.starts_with("refund_query") => "refund-query",
        None => "refund",
    }
}

#[test]
fn encode_matches_every_request_vector() {
    let dir = Scratch::new();
    for credentials in [file_credentials(), inline_credentials()] {
        let creds = dir.credentials(&credentials);
        let mut seen = 0;
        for c in cases().iter().filter(|c| c.get("expect").is_none()) {
            let body = c["body"].as_str().unwrap();
            let op = operation_of(c);
            let out = run(
                &[
                    "encode",
                    "payermax",
                    op,
                    "--credentials",
                    &creds,
                    "--time",
                    TIME,
                ],
                fields_of(body).as_bytes(),
            );
            let v = json_out(&out);
            assert_eq!(v["method"], "POST");
            let api = if op == "refund" {
                "refund"
            } else {
                "refundQuery"
            };
            assert_eq!(
                v["url"],
                format!("https://pay-gate.payermax.com/aggregate-pay/api/gateway/{api}")
            );
            assert_eq!(v["headers"]["content-type"], "application/json");
            assert_eq!(v["headers"]["sign"], c["sign"], "case {}", c["case"]);
            assert_eq!(v["body"], body, "case {}", c["case"]);
            seen += 1;
        }
        assert_eq!(seen, 3);
    }
}

#[test]
fn the_vector_credentials_object_works_as_is() {
    // `*_file` paths are relative to the credentials file: lay out `keys/` beside it.
    let dir = Scratch::new();
    std::fs::create_dir_all(dir.0.join("keys")).unwrap();
    for name in ["payermax_merchant.pem", "payermax_platform.pub.pem"] {
        std::fs::copy(key_file(name), dir.0.join("keys").join(name)).unwrap();
    }
    let creds = dir.credentials(&vectors()["credentials"]);
    let c = case("refund_request_idr");
    let out = run(
        &[
            "encode",
            "payermax",
            "refund",
            "--credentials",
            &creds,
            "--time",
            TIME,
        ],
        fields_of(c["body"].as_str().unwrap()).as_bytes(),
    );
    assert_eq!(json_out(&out)["headers"]["sign"], c["sign"]);
    // A credentials file elsewhere does not find `keys/…` next to the vectors by accident.
    let elsewhere = Scratch::new();
    let creds = elsewhere.credentials(&vectors()["credentials"]);
    let out = run(
        &[
            "encode",
            "payermax",
            "refund",
            "--credentials",
            &creds,
            "--time",
            TIME,
        ],
        fields_of(c["body"].as_str().unwrap()).as_bytes(),
    );
    assert_rejected(&out, "credentials");
}

#[test]
fn encode_reads_amounts_exactly_and_echoes_time() {
    let dir = Scratch::new();
    let creds = dir.credentials(&file_credentials());
    let c = case("refund_request_usd");
    let expected = c["body"].as_str().unwrap();
    let fields = fields_of(expected);
    let encode = |fields: &str, time: &str| {
        run(
            &[
                "encode",
                "payermax",
                "refund",
                "--credentials",
                &creds,
                "--time",
                time,
            ],
            fields.as_bytes(),
        )
    };
    // 10.5, "10.50" and 10.500 are the same amount: the body says 10.50 each time.
    for amount in ["10.5", "\"10.50\"", "10.500", "1.05e1"] {
        let f = fields.replace("10.50", amount);
        assert_eq!(json_out(&encode(&f, TIME))["body"], expected, "{amount}");
    }
    // UTC given as Z is written +00:00; the instant is kept to the millisecond.
    let v = json_out(&encode(&fields, "2024-03-05T07:01:23.737Z"));
    assert_eq!(v["body"], expected);
    let v = json_out(&encode(&fields, "2024-03-05T15:01:23.7+08:00"));
    assert!(
        v["body"]
            .as_str()
            .unwrap()
            .contains(r#""requestTime":"2024-03-05T15:01:23.700+08:00""#)
    );
    // 10.001 USD and 12.345 KWD (PayerMax takes 2 decimals for KWD) are refused.
    assert_rejected(&encode(&fields.replace("10.50", "10.001"), TIME), "fields");
    let kwd = fields
        .replace("10.50", "12.345")
        .replace("\"USD\"", "\"KWD\"");
    assert_rejected(&encode(&kwd, TIME), "encode");
    let kwd = fields
        .replace("10.50", "12.340")
        .replace("\"USD\"", "\"KWD\"");
    assert!(
        json_out(&encode(&kwd, TIME))["body"]
            .as_str()
            .unwrap()
            .contains(r#""refundAmount":12.34,"refundCurrency":"KWD""#)
    );
    assert_rejected(
        &encode(&fields.replace("refundAmount", "refundAmout"), TIME),
        "fields",
    );
    assert_rejected(
        &encode(&fields.replace("\"USD\"", "\"XYZ\""), TIME),
        "fields",
    );
    assert_rejected(&encode(&fields, "2024-03-05 07:01:23"), "--time");
    assert_rejected(&encode("[]", TIME), "fields");
}

#[test]
fn decode_meets_every_reply_vector() {
    let dir = Scratch::new();
    let creds = dir.credentials(&file_credentials());
    let mut seen = 0;
    for c in cases().iter().filter(|c| c.get("expect").is_some()) {
        let name = c["case"].as_str().unwrap();
        let body = c["body"].as_str().unwrap();
        let sent: Value = serde_json::from_str(body).unwrap();
        let header = c["sign"].as_str().map(|s| format!("sign={s}"));
        let refund = sent["data"]["outRefundNo"]
            .as_str()
            .unwrap_or("R1")
            .to_owned();
        let op = operation_of(c);
        let decode = |bind: bool| {
            let mut args = vec!["decode", "payermax", op, "--credentials", &creds];
            if let Some(h) = &header {
                args.extend(["--header", h]);
            }
            if bind {
                args.extend(["--expect-req-msg-id", &refund]);
            }
            run(&args, body.as_bytes())
        };
        match c["expect"].as_str().unwrap() {
            "ok" => {
                // The page's mapping of refund statuses.
                let status = match sent["data"]["status"].as_str().unwrap() {
                    "REFUND_SUCCESS" => "succeeded",
                    "REFUND_PENDING" => "pending",
                    "REFUND_FAILED" => "failed",
                    _ => "unknown",
                };
                let out = decode(true);
                let v = json_out(&out);
                assert_eq!(v["outcome"], "ok", "{name}");
                assert_eq!(v["status"], status, "{name}");
                assert_eq!(v["authenticated"], true, "{name}");
                assert_eq!(v["bound"], true, "{name}");
                assert_eq!(v["fields"], sent["data"], "{name}");
                // Numbers are shown as sent (12.345 stays 12.345, 10000 stays 10000).
                if let Some(amount) = sent["data"].get("refundAmount") {
                    let text = String::from_utf8(out.stdout.clone()).unwrap();
                    assert!(
                        text.contains(&format!("\"refundAmount\":{amount}")),
                        "{text}"
                    );
                }
                // Without --expect-req-msg-id a reply is still decoded, but bound to nothing:
                // status unknown. A notification is bound to the merchant by its appId.
                let v = json_out(&decode(false));
                assert_eq!(v["authenticated"], true, "{name}");
                if op == "notification" {
                    assert_eq!(v["bound"], true, "{name}");
                    assert_eq!(v["status"], status, "{name}");
                } else {
                    assert_eq!(v["bound"], false, "{name}");
                    assert_eq!(v["status"], "unknown", "{name}");
                }
                assert_eq!(v["fields"], sent["data"], "{name}");
            }
            "gateway_error" => {
                for bind in [false, true] {
                    let v = json_out(&decode(bind));
                    assert_eq!(v["outcome"], "gateway_error", "{name}");
                    assert_eq!(v["code"], sent["code"], "{name}");
                    assert_eq!(v["message"], sent["msg"], "{name}");
                    // Unsigned: proves nothing about the refund.
                    assert_eq!(v["status"], "unknown", "{name}");
                    assert_eq!(v["authenticated"], false, "{name}");
                    assert_eq!(v["bound"], false, "{name}");
                }
            }
            "error" => {
                let step = if name.contains("tampered") {
                    "verify"
                } else {
                    "amount"
                };
                assert_rejected(&decode(true), step);
            }
            other => panic!("{name}: unknown expectation {other}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 8);
}

/// `openssl dgst -sha256 -sign` over `body` with a test key of `tests/vectors/keys`, Base64.
fn openssl_sign(key: &str, body: &str) -> String {
    let sign = |args: &[&str], input: &[u8]| {
        let mut child = Command::new("openssl")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the openssl command line is needed for these tests");
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let raw = sign(
        &["dgst", "-sha256", "-sign", &key_file(key)],
        body.as_bytes(),
    );
    String::from_utf8(sign(&["base64", "-A"], &raw))
        .unwrap()
        .trim()
        .to_owned()
}

#[test]
fn signed_refusals_and_other_kinds_are_never_definite() {
    let dir = Scratch::new();
    let creds = dir.credentials(&file_credentials());
    let decode = |op: &str, sign: &str, extra: &[&str], body: &str| {
        let header = format!("sign={sign}");
        let mut args = vec![
            "decode",
            "payermax",
            op,
            "--credentials",
            &creds,
            "--header",
            &header,
        ];
        args.extend(extra);
        run(&args, body.as_bytes())
    };
    // A signed REFUND_FAILED names no refund: replayed against any refund, it is decoded
    // as PayerMax's refusal, authenticated but not bound, status unknown.
    let failed = r#"{"code":"REFUND_FAILED","msg":"refund failed"}"#;
    let sign = openssl_sign("payermax_platform.pem", failed);
    for op in ["refund", "refund-query"] {
        for extra in [&[][..], &["--expect-req-msg-id", "R-any"][..]] {
            let v = json_out(&decode(op, &sign, extra, failed));
            assert_eq!(v["outcome"], "gateway_error");
            assert_eq!(v["code"], "REFUND_FAILED");
            assert_eq!(v["authenticated"], true);
            assert_eq!(v["bound"], false);
            assert_eq!(v["status"], "unknown");
        }
    }
    // A signed refundQuery reply posted to the notification endpoint.
    let q = case("refund_query_response");
    let q_body = q["body"].as_str().unwrap();
    let q_sign = q["sign"].as_str().unwrap();
    assert_rejected(&decode("notification", q_sign, &[], q_body), "kind");
    // …and as the answer to a refund.
    assert_rejected(&decode("refund", q_sign, &[], q_body), "kind");
    // A refund reply as a refundQuery reply.
    let r = case("refund_response");
    let (r_body, r_sign) = (r["body"].as_str().unwrap(), r["sign"].as_str().unwrap());
    assert_rejected(&decode("refund-query", r_sign, &[], r_body), "kind");
    // The notification as a reply.
    let n = case("refund_notification");
    let (n_body, n_sign) = (n["body"].as_str().unwrap(), n["sign"].as_str().unwrap());
    assert_rejected(&decode("refund-query", n_sign, &[], n_body), "kind");
    // With --expect-req-msg-id a notification must name that refund.
    let v = json_out(&decode(
        "notification",
        n_sign,
        &["--expect-req-msg-id", "R1642411016202"],
        n_body,
    ));
    assert_eq!(
        (v["bound"].clone(), v["status"].clone()),
        (true.into(), "succeeded".into())
    );
    assert_rejected(
        &decode(
            "notification",
            n_sign,
            &["--expect-req-msg-id", "R0"],
            n_body,
        ),
        "--expect-req-msg-id",
    );
    // The merchant's own request reflected back, signed with PayerMax's test key.
    let request = case("refund_query_request");
    let request_body = request["body"].as_str().unwrap();
    let forged = openssl_sign("payermax_platform.pem", request_body);
    assert_rejected(&decode("refund-query", &forged, &[], request_body), "kind");
    // …and with its own (merchant) signature: not PayerMax's.
    let own = request["sign"].as_str().unwrap();
    assert_rejected(&decode("refund-query", own, &[], request_body), "verify");
    // An empty `sign` header is no signature: an error reply with it is unsigned.
    let v = json_out(&decode("refund", "", &[], failed));
    assert_eq!(v["authenticated"], false);
    assert_eq!(v["status"], "unknown");
}

#[test]
fn decode_refuses_what_it_cannot_verify() {
    let dir = Scratch::new();
    let creds = dir.credentials(&inline_credentials());
    let decode = |op: &str, extra: &[&str], body: &str| {
        let mut args = vec!["decode", "payermax", op, "--credentials", &creds];
        args.extend(extra);
        run(&args, body.as_bytes())
    };
    let n = case("refund_notification");
    let n_body = n["body"].as_str().unwrap();
    // A notification is never accepted unsigned.
    assert_rejected(&decode("notification", &[], n_body), "verify");
    // A successful reply without its signature is refused.
    let q = case("refund_query_response");
    let q_body = q["body"].as_str().unwrap();
    assert_rejected(&decode("refund-query", &[], q_body), "verify");
    // The body is taken byte for byte: a trailing newline breaks the signature.
    let sign = format!("sign={}", q["sign"].as_str().unwrap());
    assert_rejected(
        &decode("refund-query", &["--header", &sign], &format!("{q_body}\n")),
        "verify",
    );
    // The header name is case-insensitive, as in HTTP.
    let upper = format!("Sign={}", q["sign"].as_str().unwrap());
    let v = json_out(&decode(
        "refund-query",
        &["--header", &upper, "--expect-req-msg-id", "R1642411016202"],
        q_body,
    ));
    assert_eq!(v["status"], "succeeded");
    // --expect-req-msg-id binds the reply to its outRefundNo: another refund is refused.
    assert_rejected(
        &decode(
            "refund-query",
            &["--header", &sign, "--expect-req-msg-id", "X"],
            q_body,
        ),
        "--expect-req-msg-id",
    );
    assert_rejected(
        &decode("refund-query", &["--header", &sign], "not json"),
        "verify",
    );
    let unsigned_garbage = decode("refund-query", &[], "<html>502 Bad Gateway</html>");
    assert_rejected(&unsigned_garbage, "parse");
    assert_rejected(&decode("refund-callback", &[], q_body), "operation");
}

#[test]
fn encode_options_payermax_has_no_use_for_are_refused() {
    let dir = Scratch::new();
    let creds = dir.credentials(&file_credentials());
    let fields = fields_of(case("refund_query_request")["body"].as_str().unwrap());
    let out = run(
        &[
            "encode",
            "payermax",
            "refund-query",
            "--credentials",
            &creds,
            "--req-msg-id",
            "X",
        ],
        fields.as_bytes(),
    );
    assert_rejected(&out, "--req-msg-id");
    // --timestamp-ms is the same instant in UTC.
    let out = run(
        &[
            "encode",
            "payermax",
            "refund-query",
            "--credentials",
            &creds,
            "--timestamp-ms",
            "1709622083737",
        ],
        fields.as_bytes(),
    );
    assert_eq!(json_out(&out)["body"], case("refund_query_request")["body"]);
    let out = run(
        &[
            "encode",
            "payermax",
            "notification",
            "--credentials",
            &creds,
        ],
        b"{}",
    );
    assert_rejected(&out, "operation");
    // Without --time the request is stamped now, with milliseconds and +00:00.
    let out = run(
        &[
            "encode",
            "payermax",
            "refund-query",
            "--credentials",
            &creds,
        ],
        fields.as_bytes(),
    );
    let body = json_out(&out)["body"].as_str().unwrap().to_owned();
    let time: Value = serde_json::from_str::<Value>(&body).unwrap()["requestTime"].clone();
    let time = time.as_str().unwrap();
    assert_eq!(time.len(), TIME.len(), "{time}");
    assert!(
        time.ends_with("+00:00") && time.as_bytes()[19] == b'.',
        "{time}"
    );
}
