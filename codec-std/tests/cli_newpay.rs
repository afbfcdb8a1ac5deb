//! The `refundwire` binary against `tests/vectors/newpay.json`: the CLI contract for NewPay.

// Test code: a panic is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;

use cli_support::{TempFile, vectors_dir};
use serde_json::{Map, Value};

fn vectors() -> Value {
    cli_support::vectors("newpay")
}

fn case(name: &str) -> Value {
    cli_support::case("newpay", name)
}

fn body(name: &str) -> String {
    case(name)["body"].as_str().unwrap().to_string()
}

/// A credentials file with the vector's credentials. `inline`: keys as the Base64 members
/// only; otherwise `*_file` members as absolute paths into `tests/vectors/keys`.
fn credentials(inline: bool) -> TempFile {
    let mut creds = vectors()["credentials"].as_object().unwrap().clone();
    for key in ["private_key_file", "platform_public_key_file"] {
        let relative = creds[key].as_str().unwrap().to_string();
        if inline {
            creds.shift_remove(key);
        } else {
            let absolute = vectors_dir().join(relative);
            creds.insert(key.into(), Value::String(absolute.display().to_string()));
        }
    }
    if !inline {
        creds.shift_remove("private_key_pkcs8_b64");
        creds.shift_remove("platform_public_key_b64");
    }
    TempFile::with(&Value::Object(creds).to_string())
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], stdin: &[u8]) -> Run {
    let out = cli_support::run(args, stdin);
    Run {
        code: out.status.code().expect("exited by a signal (panic?)"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn with_creds<'a>(args: &[&'a str], creds: &'a TempFile) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(["--credentials", creds.path()]);
    v
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The business fields of a request vector: its signed members without the envelope
/// (`appId`, `merchantId` come from the credentials, `timestamp` from the clock).
fn fields(name: &str) -> Map<String, Value> {
    let mut fields = case(name)["fields"].as_object().unwrap().clone();
    for envelope in ["appId", "merchantId", "timestamp"] {
        fields.shift_remove(envelope);
    }
    fields
}

/// The vector's `timestamp`, for `--timestamp-ms`.
fn timestamp(name: &str) -> String {
    case(name)["fields"]["timestamp"].to_string()
}

#[test]
fn encode_matches_the_vectors_byte_for_byte() {
    for inline in [false, true] {
        let creds = credentials(inline);
        for (name, op, path) in [
            (
                "refund_request",
                "refund",
                "/api/open/converge/pay/v1/refund",
            ),
            (
                "inquiry_refund_request",
                "refund-query",
                "/api/open/converge/pay/v1/queryRefund",
            ),
        ] {
            let c = case(name);
            // The business fields, the timestamp from --timestamp-ms.
            let business = Value::Object(fields(name)).to_string();
            let ts = timestamp(name);
            let r = run(
                &with_creds(&["encode", "newpay", op, "--timestamp-ms", &ts], &creds),
                business.as_bytes(),
            );
            assert_eq!(r.code, 0, "{name}: {}", r.stderr);
            let out = json(&r.stdout);
            assert_eq!(out["method"], "POST");
            assert_eq!(out["url"], format!("https://prod-openapi.newpay.la{path}"));
            assert_eq!(out["headers"]["content-type"], "application/json");
            assert_eq!(out["headers"]["version"], "1.0");
            assert_eq!(json(&r.stdout)["body"], c["body"], "{name}");
        }
    }
}

#[test]
fn encode_refuses_bad_input_with_one_line() {
    let creds = credentials(false);
    let ok = Value::Object(fields("refund_request")).to_string();
    for (args, stdin, step) in [
        // Envelope members come from the credentials and the clock, never from the fields.
        (
            vec!["encode", "newpay", "refund"],
            ok.replacen('{', r#"{"timestamp":1,"#, 1),
            "fields",
        ),
        (
            vec!["encode", "newpay", "refund"],
            ok.replace("\"50000\"", "\"500.00\""),
            "fields",
        ),
        (
            vec!["encode", "newpay", "refund"],
            ok.replace("refundDesc", "refundDescription"),
            "fields",
        ),
        (
            vec!["encode", "newpay", "refund"],
            ok.replacen('{', r#"{"appId":"other","#, 1),
            "fields",
        ),
        (vec!["encode", "newpay", "refund"], "[]".into(), "fields"),
        (
            vec!["encode", "newpay", "refund-callback"],
            ok.clone(),
            "operation",
        ),
        (vec!["encode", "newpay", "void"], ok.clone(), "operation"),
        (
            vec!["encode", "newpay", "refund", "--req-msg-id", "x"],
            ok.clone(),
            "--req-msg-id",
        ),
    ] {
        let r = run(&with_creds(&args, &creds), stdin.as_bytes());
        assert_eq!(r.code, 1, "{args:?}: {}", r.stdout);
        assert!(r.stdout.is_empty());
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(
            r.stderr.starts_with(&format!("refundwire: {step}: ")),
            "{args:?}: {}",
            r.stderr
        );
    }
}

/// `data` of a response body (or the callback itself), as serde_json sees it.
fn signed_members(body: &str, callback: bool) -> Value {
    let v = json(body);
    if callback { v } else { v["data"].clone() }
}

/// The `refundOrderNo` a vector body is about (read with serde_json).
fn refund_order_no(body: &str, callback: bool) -> String {
    signed_members(body, callback)["refundOrderNo"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn decode_every_response_case() {
    let creds = credentials(false);
    for c in vectors()["cases"].as_array().unwrap() {
        let Some(kind) = c["kind"].as_str() else {
            continue;
        };
        let name = c["case"].as_str().unwrap();
        let callback = kind == "refund_callback";
        let op = match kind {
            "inquiry_refund" => "refund-query",
            "refund_callback" => "refund-callback",
            other => panic!("unknown kind {other}"),
        };
        let body = c["body"].as_str().unwrap();
        let decode = |extra: &[&str]| {
            let mut args = vec!["decode", "newpay", op];
            args.extend_from_slice(extra);
            run(&with_creds(&args, &creds), body.as_bytes())
        };
        match c["expect"].as_str().unwrap() {
            "ok" => {
                // Bound: a callback to the merchant, a reply to --expect-req-msg-id.
                let id = refund_order_no(body, callback);
                let r = if callback {
                    decode(&[])
                } else {
                    decode(&["--expect-req-msg-id", &id])
                };
                assert_eq!(r.code, 0, "{name}: {}", r.stderr);
                let out = json(&r.stdout);
                assert_eq!(out["outcome"], "ok", "{name}");
                assert_eq!(out["status"], "succeeded", "{name}");
                assert_eq!(out["authenticated"], true, "{name}");
                assert_eq!(out["bound"], true, "{name}");
                assert_eq!(out["fields"], signed_members(body, callback), "{name}");
                // Numbers as sent: `tranStatus`/`payMethod` stay JSON numbers.
                assert!(r.stdout.contains("\"payMethod\":1"), "{name}");
                if !callback {
                    // Without a refund number to bind it to: decoded, status unknown.
                    let r = decode(&[]);
                    assert_eq!(r.code, 0, "{name}: {}", r.stderr);
                    let out = json(&r.stdout);
                    assert_eq!(out["status"], "unknown", "{name}");
                    assert_eq!(out["authenticated"], true, "{name}");
                    assert_eq!(out["bound"], false, "{name}");
                } else {
                    // A callback is bound to the merchant and names its refund: with
                    // --expect-req-msg-id, it must be that refund.
                    let r = decode(&["--expect-req-msg-id", &id]);
                    assert_eq!(r.code, 0, "{name}: {}", r.stderr);
                    let r = decode(&["--expect-req-msg-id", "ORDERNORFD-OTHER"]);
                    assert_eq!(r.code, 1, "{name}");
                    assert!(r.stderr.starts_with("refundwire: --expect-req-msg-id: "));
                }
            }
            "gateway_error" => {
                let sent = json(body);
                for extra in [&[][..], &["--expect-req-msg-id", "ORDERNORFD000000000A104"]] {
                    let r = decode(extra);
                    assert_eq!(r.code, 0, "{name}: {}", r.stderr);
                    // Unsigned: never definite, with or without a refund number.
                    assert_eq!(
                        json(&r.stdout),
                        serde_json::json!({
                            "outcome": "gateway_error",
                            "code": sent["code"],
                            "message": sent["message"],
                            "status": "unknown",
                            "authenticated": false,
                            "bound": false,
                        })
                    );
                }
            }
            "error" => {
                let r = decode(&[]);
                assert_eq!(r.code, 1, "{name}: {}", r.stdout);
                assert!(r.stdout.is_empty());
                assert_eq!(r.stderr.lines().count(), 1);
                assert!(r.stderr.starts_with("refundwire: verify: "), "{}", r.stderr);
            }
            other => panic!("unknown expect {other}"),
        }
    }
}

#[test]
fn decode_refund_refuses_an_inquiry_reply() {
    let creds = credentials(true);
    let r = run(
        &with_creds(
            &[
                "decode",
                "newpay",
                "refund",
                "--expect-req-msg-id",
                "ORDERNORFD000000000A104",
            ],
            &creds,
        ),
        body("inquiry_refund_response").as_bytes(),
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(
        r.stderr.trim_end(),
        "refundwire: kind: not the expected kind of message (given away by `tranNo`)"
    );
}

#[test]
fn decode_rejects_with_the_failing_step() {
    let creds = credentials(false);
    let good = body("inquiry_refund_response");
    let request = body("refund_request");
    for (args, stdin, step) in [
        (
            vec!["decode", "newpay", "refund-query"],
            "{".to_string(),
            "parse",
        ),
        (
            vec!["decode", "newpay", "refund-query"],
            good.replace(",\"sign\":", ",\"sig\":"),
            "verify",
        ),
        (
            vec!["decode", "newpay", "refund-query"],
            format!("{good}\n{{}}"),
            "parse",
        ),
        (
            vec!["decode", "newpay", "refund-callback"],
            body("refund_callback").replace("Transaction Success", "Transaction Failed"),
            "verify",
        ),
        (
            vec![
                "decode",
                "newpay",
                "refund-query",
                "--expect-req-msg-id",
                "ORDERNORFD-other",
            ],
            good.clone(),
            "--expect-req-msg-id",
        ),
        (
            vec![
                "decode",
                "newpay",
                "refund-callback",
                "--expect-req-msg-id",
                "ORDERNORFD-OTHER",
            ],
            body("refund_callback"),
            "--expect-req-msg-id",
        ),
        (
            vec!["decode", "newpay", "refund-query", "--header", "sign=abc"],
            good.clone(),
            "--header",
        ),
        // The merchant's own request reflected back, as a reply and as a callback.
        (vec!["decode", "newpay", "refund"], request.clone(), "kind"),
        (
            vec!["decode", "newpay", "refund-callback"],
            request.clone(),
            "verify",
        ),
        // tranStatus folded into tranNo: the string-to-sign is unchanged, and refused.
        (
            vec!["decode", "newpay", "refund-query"],
            good.replace(
                "\"tranNo\":\"00012022090700000037\",\"tranStatus\":1,",
                "\"tranNo\":\"00012022090700000037&tranStatus=1\",",
            ),
            "fields",
        ),
    ] {
        let r = run(&with_creds(&args, &creds), stdin.as_bytes());
        assert_eq!(r.code, 1, "{args:?}: {}", r.stdout);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(
            r.stderr.starts_with(&format!("refundwire: {step}: ")),
            "{args:?}: {}",
            r.stderr
        );
    }
}
