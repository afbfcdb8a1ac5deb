//! The `refundwire` CLI contract, on OTTPay's conformance vectors.

// Test code: a panic is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;

use cli_support::{TempFile, json_out, run, vectors};

#[test]
fn encode_prints_the_exact_request() {
    let v = vectors("ottpay");
    let creds = TempFile::with(&v["credentials"].to_string());
    let creds = creds.path();
    for case in v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("action").is_some())
    {
        let op = if case["action"] == "REFUND" {
            "refund"
        } else {
            "refund-query"
        };
        let out = run(
            &["encode", "ottpay", op, "--credentials", creds],
            case["data"].to_string().as_bytes(),
        );
        let req = json_out(&out);
        assert_eq!(req["method"], "POST");
        assert_eq!(req["url"], "https://frontapi.ottpay.com:443/processV2");
        assert_eq!(req["headers"]["content-type"], "application/json");
        assert_eq!(req["body"], case["body"], "case {}", case["case"]);
    }
}

#[test]
fn a_pinned_time_is_accepted_and_changes_nothing() {
    // OTTPay has no request time; scripts that pin it for every gateway still work.
    let v = vectors("ottpay");
    let creds = TempFile::with(&v["credentials"].to_string());
    let case = &v["cases"][1];
    let args = [
        "encode",
        "ottpay",
        "refund",
        "--credentials",
        creds.path(),
        "--time",
        "2024-03-05T07:01:23.737+00:00",
    ];
    let req = json_out(&run(&args, case["data"].to_string().as_bytes()));
    assert_eq!(req["body"], case["body"]);
}

#[test]
fn decode_reports_each_outcome() {
    let v = vectors("ottpay");
    let creds = TempFile::with(&v["credentials"].to_string());
    let creds = creds.path();
    let mut seen = 0;
    for case in v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("expect").is_some())
    {
        let op = if case["kind"] == "refund" {
            "refund"
        } else {
            "refund-query"
        };
        let out = run(
            &["decode", "ottpay", op, "--credentials", creds],
            case["body"].as_str().unwrap().as_bytes(),
        );
        match case["expect"].as_str().unwrap() {
            "ok" => {
                let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
                let out = json_out(&out);
                assert_eq!(out["outcome"], "ok");
                // No --expect-req-msg-id: nothing binds the reply, so nothing is definite.
                assert_eq!(out["status"], "unknown", "case {}", case["case"]);
                assert_eq!(out["bound"], false);
                // Only the status query's order_status is covered by md5.
                assert_eq!(out["authenticated"], op == "refund-query");
                assert_eq!(out["fields"], case["data"], "case {}", case["case"]);
                if op == "refund" {
                    assert!(stderr.contains("never definite"), "{stderr}");
                } else {
                    assert!(stderr.is_empty(), "{stderr}");
                }
            }
            "gateway_error" => {
                let out = json_out(&out);
                assert_eq!(out["outcome"], "gateway_error");
                assert_eq!(out["code"], case["rsp_code"]);
                assert_eq!(out["message"], "invalid parameter");
                assert_eq!(out["status"], "unknown");
                assert_eq!(out["authenticated"], false);
                assert_eq!(out["bound"], false);
            }
            "error" => {
                assert_eq!(out.status.code(), Some(1), "case {}", case["case"]);
                assert!(out.stdout.is_empty());
                let err = String::from_utf8(out.stderr).unwrap();
                assert_eq!(err.lines().count(), 1, "{err}");
                assert!(err.starts_with("refundwire: decode: "), "{err}");
            }
            other => panic!("unknown expectation {other}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 7);
}

#[test]
fn bad_input_is_a_one_line_error_not_a_panic() {
    let v = vectors("ottpay");
    let creds = TempFile::with(&v["credentials"].to_string());
    let creds = creds.path();
    for (args, stdin) in [
        (
            vec!["decode", "ottpay", "refund", "--credentials", creds],
            &b"\xff\xfe"[..],
        ),
        (
            vec!["decode", "ottpay", "refund", "--credentials", creds],
            b"{\"rsp_code\":\"SUCCESS\",\"data\":\"!!\",\"md5\":\"00\"}",
        ),
        (
            vec!["encode", "ottpay", "refund", "--credentials", creds],
            b"{\"ori_order_id\":\"1\"}",
        ),
        (
            vec!["encode", "ottpay", "refund", "--credentials", creds],
            b"{\"ori_order_id\":\"1\",\"refund_amt\":\"-5\"}",
        ),
        (
            vec!["encode", "ottpay", "refund-now", "--credentials", creds],
            b"{}",
        ),
        (
            vec!["encode", "nopay", "refund", "--credentials", creds],
            b"{}",
        ),
        (vec!["encode", "ottpay", "refund"], b"{}"),
        (
            vec![
                "encode",
                "ottpay",
                "refund",
                "--credentials",
                creds,
                "--bogus",
            ],
            b"{}",
        ),
        (vec!["refund-all"], b"{}"),
        (
            vec![
                "encode",
                "newpay",
                "refund",
                "--credentials",
                creds,
                "--timestamp-ms",
                "-5",
            ],
            b"{}",
        ),
        (
            vec![
                "encode",
                "ottpay",
                "refund",
                "--credentials",
                "/nonexistent.json",
            ],
            b"{}",
        ),
    ] {
        let out = run(&args, stdin);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn options_bind_or_are_refused_never_ignored() {
    let v = vectors("ottpay");
    let creds = TempFile::with(&v["credentials"].to_string());
    let body = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == "refund_response")
        .unwrap()["body"]
        .as_str()
        .unwrap()
        .to_string();
    let decode = |extra: &[&str]| {
        let mut args = vec!["decode", "ottpay", "refund", "--credentials", creds.path()];
        args.extend_from_slice(extra);
        run(&args, body.as_bytes())
    };
    // The reply is about refund order RF12415868344978: bound, but a REFUND reply's status
    // is read from rsp_code, outside md5, so it stays unknown and unauthenticated.
    let out = json_out(&decode(&["--expect-req-msg-id", "RF12415868344978"]));
    assert_eq!(out["outcome"], "ok");
    assert_eq!(out["status"], "unknown");
    assert_eq!(out["authenticated"], false);
    assert_eq!(out["bound"], false);
    for (extra, step) in [
        (
            &["--expect-req-msg-id", "RF-other"][..],
            "--expect-req-msg-id",
        ),
        (&["--req-msg-id", "RF12415868344978"][..], "--req-msg-id"),
        (&["--header", "sign=abc"][..], "--header"),
        (&["--time", "2024-03-05T07:01:23+00:00"][..], "--time"),
    ] {
        let out = decode(extra);
        assert_eq!(out.status.code(), Some(1), "{extra:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.starts_with(&format!("refundwire: {step}: ")),
            "{extra:?}: {err}"
        );
    }
    let out = run(
        &[
            "encode",
            "ottpay",
            "refund",
            "--credentials",
            creds.path(),
            "--req-msg-id",
            "x",
        ],
        br#"{"ori_order_id":"1","refund_amt":"5"}"#,
    );
    assert_eq!(out.status.code(), Some(1));
}

/// The body of a vector case.
fn body_of(case: &str) -> String {
    cli_support::case("ottpay", case)["body"]
        .as_str()
        .unwrap()
        .to_string()
}

fn run_with(args: &[&str], creds: &TempFile, extra: &[&str], stdin: &str) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--credentials", creds.path()]);
    all.extend_from_slice(extra);
    run(&all, stdin.as_bytes())
}

#[test]
fn a_bound_status_query_reply_is_definite() {
    let v = vectors("ottpay");
    let creds = TempFile::with(&v["credentials"].to_string());
    let query = body_of("refund_status_query_response");
    let decode = ["decode", "ottpay", "refund-query"];
    let out = json_out(&run_with(
        &decode,
        &creds,
        &["--expect-req-msg-id", "RF12415868344978"],
        &query,
    ));
    assert_eq!(out["status"], "succeeded");
    assert_eq!(out["authenticated"], true);
    assert_eq!(out["bound"], true);
    // The same reply expected for another refund is refused, naming the option.
    let out = run_with(
        &decode,
        &creds,
        &["--expect-req-msg-id", "RF12415868344979"],
        &query,
    );
    cli_support::assert_rejected(&out, "--expect-req-msg-id");
    // The Java-double variant binds the same way.
    let out = json_out(&run_with(
        &decode,
        &creds,
        &["--expect-req-msg-id", "RF12415868344978"],
        &body_of("refund_status_query_response_numeric_java_double"),
    ));
    assert_eq!(out["status"], "succeeded");
}

#[test]
fn decode_refuses_other_kinds_of_message() {
    let v = vectors("ottpay");
    let creds = TempFile::with(&v["credentials"].to_string());
    let request = body_of("refund_request_with_order_id");
    let reflected = request.replacen('{', r#"{"rsp_code":"SUCCESS","#, 1);
    let stripped = format!(
        r#"{{"rsp_code":"SUCCESS",{}"#,
        &request[request.find(r#""data""#).unwrap()..]
    );
    for (op, body, member) in [
        ("refund", reflected.as_str(), "action"),
        ("refund-query", reflected.as_str(), "action"),
        ("refund", stripped.as_str(), "ori_order_id"),
        ("refund-query", stripped.as_str(), "ori_order_id"),
        (
            "refund",
            &body_of("refund_status_query_response"),
            "order_status",
        ),
        ("refund-query", &body_of("refund_response"), "order_status"),
    ] {
        let out = run_with(
            &["decode", "ottpay", op],
            &creds,
            &["--expect-req-msg-id", "RF12415868344978"],
            body,
        );
        cli_support::assert_rejected(&out, "kind");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(&format!("`{member}`")), "{op}: {err}");
    }
}
