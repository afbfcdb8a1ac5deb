//! The `refundwire` CLI contract, on ScanForPay's conformance vectors.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod cli_support;

use cli_support::{TempFile, assert_rejected, json_out, openssl_digest_hex, run, vectors};
use serde_json::{Value, json};

fn creds_file(extra: Value) -> TempFile {
    let mut creds = vectors("scanforpay")["credentials"].clone();
    if let (Some(c), Some(extra)) = (creds.as_object_mut(), extra.as_object()) {
        c.extend(extra.clone());
    }
    TempFile::with(&creds.to_string())
}

fn cases(pred: impl Fn(&Value) -> bool) -> Vec<Value> {
    vectors("scanforpay")["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| pred(c))
        .cloned()
        .collect()
}

#[test]
fn encode_prints_the_exact_request() {
    let creds = creds_file(json!({}));
    let requests = cases(|c| c.get("body_fields").is_some());
    assert_eq!(requests.len(), 2);
    for case in requests {
        let h = &case["header"];
        let out = run(
            &[
                "encode",
                "scanforpay",
                "refund",
                "--credentials",
                creds.path(),
                "--time",
                h["requestTime"].as_str().unwrap(),
                "--req-msg-id",
                h["reqMsgId"].as_str().unwrap(),
            ],
            case["body_fields"].to_string().as_bytes(),
        );
        let req = json_out(&out);
        assert_eq!(req["method"], "POST");
        assert_eq!(req["url"], "https://pay.scanforpay.com/api/common/refund");
        assert_eq!(req["headers"]["content-type"], "application/json");
        assert_eq!(req["body"], case["body"], "case {}", case["case"]);
    }
}

#[test]
fn encode_order_query_with_options() {
    let creds = creds_file(json!({"time_field": "reqTime", "environment": "sandbox"}));
    let out = run(
        &[
            "encode",
            "scanforpay",
            "order-query",
            "--credentials",
            creds.path(),
            "--time",
            "2024-03-05T18:06:05+08:00",
            "--req-msg-id",
            "q-1",
        ],
        br#"{"orderNo":"2018072518060757","partnerOrderNo":"p20180725180605466813"}"#,
    );
    let req = json_out(&out);
    assert_eq!(
        req["url"],
        "https://dev-pay.scan4pay.com/api/common/payQuery"
    );
    let body = req["body"].as_str().unwrap();
    let request = r#"{"header":{"reqTime":"2024-03-05T18:06:05+08:00","partnerNo":"63012","signType":"SHA256","version":"1.0","reqMsgId":"q-1"},"body":{"partnerOrderNo":"p20180725180605466813","orderNo":"2018072518060757"}}"#;
    let key = vectors("scanforpay")["credentials"]["sign_key"]
        .as_str()
        .unwrap()
        .to_string();
    let signature = openssl_digest_hex("sha256", format!("{request}{key}").as_bytes());
    assert_eq!(
        body,
        format!(r#"{{"request":{request},"signature":"{signature}"}}"#)
    );

    // Without --time and --req-msg-id: now, and a fresh UUID.
    let out = run(
        &[
            "encode",
            "scanforpay",
            "order-query",
            "--credentials",
            creds.path(),
        ],
        br#"{"partnerOrderNo":"p1"}"#,
    );
    let req = json_out(&out);
    let body: Value = serde_json::from_str(req["body"].as_str().unwrap()).unwrap();
    let id = body["request"]["header"]["reqMsgId"].as_str().unwrap();
    assert_eq!(id.len(), 36, "{id}");
    assert!(
        body["request"]["header"]["reqTime"]
            .as_str()
            .unwrap()
            .ends_with("+00:00")
    );
}

#[test]
fn decode_reports_each_outcome() {
    let creds = creds_file(json!({}));
    let replies = cases(|c| c.get("expect").is_some());
    assert_eq!(replies.len(), 6);
    for case in replies {
        let name = case["case"].as_str().unwrap();
        let out = run(
            &[
                "decode",
                "scanforpay",
                "refund",
                "--credentials",
                creds.path(),
                "--expect-req-msg-id",
                case["req_msg_id"].as_str().unwrap(),
            ],
            case["body"].as_str().unwrap().as_bytes(),
        );
        let body = &case["response_body"];
        match case["expect"].as_str().unwrap() {
            "ok" => {
                let out = json_out(&out);
                let status = match body["status"].as_u64().unwrap() {
                    0 => "pending",
                    1 => "succeeded",
                    _ => "failed",
                };
                assert_eq!(
                    out,
                    json!({"outcome": "ok", "status": status, "authenticated": true,
                           "bound": true, "fields": body}),
                    "{name}"
                );
                // Numbers exactly as sent, members in their order.
                assert!(
                    out.to_string()
                        .contains(r#""fields":{"code":1,"msg":"success""#)
                );
            }
            "gateway_error" => {
                let out = json_out(&out);
                // Code 30 (no such order): a signed, bound refusal is a definite failure.
                assert_eq!(
                    out,
                    json!({"outcome": "gateway_error", "code": body["code"].to_string(),
                           "message": body["msg"], "status": "failed",
                           "authenticated": true, "bound": true}),
                    "{name}"
                );
            }
            "error" => {
                assert_eq!(out.status.code(), Some(1), "{name}");
                assert!(out.stdout.is_empty());
                let err = String::from_utf8(out.stderr).unwrap();
                assert_eq!(err.lines().count(), 1, "{err}");
                assert!(err.starts_with("refundwire: verify: "), "{err}");
            }
            other => panic!("unknown expectation {other}"),
        }
    }
}

#[test]
fn decode_binds_the_request_id_and_the_operation() {
    let creds = creds_file(json!({}));
    let reply = cases(|c| c["case"] == "refund_response").remove(0);
    let body = reply["body"].as_str().unwrap().as_bytes();
    let out = run(
        &[
            "decode",
            "scanforpay",
            "refund",
            "--credentials",
            creds.path(),
            "--expect-req-msg-id",
            "another-request",
        ],
        body,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("refundwire: --expect-req-msg-id: "),
        "{err}"
    );

    // A refund reply is no order query reply (it lacks `partnerOrderNo`), bound or not.
    for expect in [
        &["--expect-req-msg-id", reply["req_msg_id"].as_str().unwrap()][..],
        &[],
    ] {
        let mut args = vec![
            "decode",
            "scanforpay",
            "order-query",
            "--credentials",
            creds.path(),
        ];
        args.extend_from_slice(expect);
        let out = run(&args, body);
        assert_rejected(&out, "kind");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("`partnerOrderNo`"),
            "{out:?}"
        );
    }
}

#[test]
fn without_an_expected_id_every_status_is_unknown() {
    // Still decoded and shown, but bound to nothing: refusals too.
    let creds = creds_file(json!({}));
    for (name, outcome) in [
        ("refund_response", "ok"),
        ("refund_response_dealing", "ok"),
        ("refund_response_order_missing", "gateway_error"),
    ] {
        let reply = cases(|c| c["case"] == name).remove(0);
        let out = run(
            &[
                "decode",
                "scanforpay",
                "refund",
                "--credentials",
                creds.path(),
            ],
            reply["body"].as_str().unwrap().as_bytes(),
        );
        let out = json_out(&out);
        assert_eq!(out["outcome"], outcome, "{name}");
        assert_eq!(out["status"], "unknown", "{name}");
        assert_eq!(out["authenticated"], true, "{name}");
        assert_eq!(out["bound"], false, "{name}");
    }
}

#[test]
fn a_request_sent_back_as_a_reply_is_refused() {
    // The merchant's own signed request, its `request` renamed `response`.
    let creds = creds_file(json!({}));
    let request = cases(|c| c["case"] == "refund_request").remove(0);
    let renamed = request["body"]
        .as_str()
        .unwrap()
        .replacen("{\"request\":", "{\"response\":", 1);
    for op in ["refund", "order-query"] {
        let out = run(
            &[
                "decode",
                "scanforpay",
                op,
                "--credentials",
                creds.path(),
                "--expect-req-msg-id",
                request["header"]["reqMsgId"].as_str().unwrap(),
            ],
            renamed.as_bytes(),
        );
        assert_rejected(&out, "kind");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("`requestTime`"),
            "{out:?}"
        );
    }
}

#[test]
fn bad_input_is_a_one_line_error_not_a_panic() {
    let creds = creds_file(json!({}));
    let creds = creds.path();
    let bad_time = creds_file(json!({"time_field": "time"}));
    for (args, stdin) in [
        (
            vec!["decode", "scanforpay", "refund", "--credentials", creds],
            &b"\xff\xfe"[..],
        ),
        (
            vec!["decode", "scanforpay", "refund", "--credentials", creds],
            b"{\"response\":{},\"signature\":\"zz\"}",
        ),
        (
            vec!["decode", "scanforpay", "refund", "--credentials", creds],
            b"{\"response\":{}}",
        ),
        (
            vec!["encode", "scanforpay", "refund", "--credentials", creds],
            b"{\"partnerOrderNo\":\"1\",\"refundNo\":\"2\"}",
        ),
        (
            vec!["encode", "scanforpay", "refund", "--credentials", creds],
            b"{\"partnerOrderNo\":\"1\",\"refundNo\":\"2\",\"orderAmount\":0}",
        ),
        (
            vec!["encode", "scanforpay", "refund", "--credentials", creds],
            b"{\"partnerOrderNo\":\"123456789012345678901234567890123\",\"refundNo\":\"2\",\"orderAmount\":1}",
        ),
        (
            vec!["encode", "scanforpay", "order-query", "--credentials", creds],
            b"{\"storeNo\":\"s\"}",
        ),
        (
            vec![
                "encode",
                "scanforpay",
                "refund",
                "--credentials",
                creds,
                "--time",
                "yesterday",
            ],
            b"{\"partnerOrderNo\":\"1\",\"refundNo\":\"2\",\"orderAmount\":1}",
        ),
        (
            vec!["encode", "scanforpay", "refund-query", "--credentials", creds],
            b"{}",
        ),
        (
            vec!["encode", "scanforpay", "order-query", "--credentials", bad_time.path()],
            b"{\"orderNo\":\"1\"}",
        ),
    ] {
        let out = run(&args, stdin);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
