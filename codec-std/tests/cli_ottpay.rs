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
fn explain_shows_steps_but_never_the_key() {
    let v = vectors("ottpay");
    let creds = TempFile::with(&v["credentials"].to_string());
    let key = v["credentials"]["sign_key"].as_str().unwrap();
    let out = run(
        &["explain", "ottpay", "refund", "--credentials", creds.path()],
        br#"{"ori_order_id":"202080636083778353374068","refund_amt":"51558"}"#,
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    // The vector's intermediate values (case refund_request).
    assert!(text.contains("20208063608377835337406851558"));
    assert!(text.contains("1D44DE64595E0D8B1ED784D9F4847534"));
    assert!(!text.contains(key), "the sign key leaked:\n{text}");
    // The per-message AES key (vector: AFADA3D8C394C4A1) would let anyone encrypt another
    // object with that digest: only its fingerprint is shown (SHA-256 by sha256sum of the
    // 16 ASCII characters: echo -n AFADA3D8C394C4A1 | sha256sum).
    assert!(
        !text.contains("AFADA3D8C394C4A1"),
        "the AES key leaked:\n{text}"
    );
    assert!(
        !text.contains("AFADA3D8"),
        "part of the AES key shown:\n{text}"
    );
    assert!(text.contains(&sha256_prefix(b"AFADA3D8C394C4A1")), "{text}");
    // No order_id: nothing will bind the reply, and the explanation says so.
    assert!(text.contains("no reply can be bound"), "{text}");
}

/// The first 8 hex digits of SHA-256, by OpenSSL.
fn sha256_prefix(bytes: &[u8]) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-r"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..8].to_string()
}

#[test]
fn explain_never_derives_a_key_for_a_reply_that_does_not_verify() {
    // A forger's bait: an md5 of their choice over junk data. Showing the AES key that md5
    // selects would let them encrypt a reply that decodes as a successful refund.
    let v = vectors("ottpay");
    let creds = TempFile::with(&v["credentials"].to_string());
    let md5 = "51DCA9AA0E0F1A1B2C3D4E5F60718293";
    let bait =
        format!(r#"{{"rsp_code":"SUCCESS","data":"AAAAAAAAAAAAAAAAAAAAAA==","md5":"{md5}"}}"#);
    let key = refundwire::crypto::SecretKey::new(
        v["credentials"]["sign_key"].as_str().unwrap().as_bytes(),
    )
    .unwrap();
    let derived = refundwire::gateway::ottpay::aes_key(md5.as_bytes(), &key);
    let derived = std::str::from_utf8(&derived[..]).unwrap().to_string();
    let out = run(
        &[
            "explain",
            "ottpay",
            "refund",
            "--response",
            "--credentials",
            creds.path(),
        ],
        bait.as_bytes(),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("REJECTED"), "{text}");
    assert!(
        !text.contains(&derived),
        "derived key shown for an unverified reply:\n{text}"
    );
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

/// Upper-case hex MD5, by OpenSSL.
fn md5_upper(bytes: &[u8]) -> String {
    cli_support::openssl_digest_hex("md5", bytes).to_uppercase()
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

#[test]
fn explain_a_refund_reply_says_it_is_never_definite_and_keeps_the_key() {
    let v = vectors("ottpay");
    let creds = TempFile::with(&v["credentials"].to_string());
    let sign_key = v["credentials"]["sign_key"].as_str().unwrap();
    let explain = ["explain", "ottpay", "refund", "--response"];
    let reply = body_of("refund_response");
    let md5 = "D110A36076C121F25E65BFB66410550F";
    let key = md5_upper(format!("{md5}{sign_key}").as_bytes())[8..24].to_string();
    for extra in [&["--expect-req-msg-id", "RF12415868344978"][..], &[]] {
        let out = run_with(&explain, &creds, extra, &reply);
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("never definite"), "{text}");
        assert!(
            text.contains("Status\n   unknown (claimed: succeeded)"),
            "{text}"
        );
        assert!(text.contains("UNSIGNED"), "{text}");
        assert!(!text.contains(&key), "the AES key leaked:\n{text}");
        assert!(text.contains(&sha256_prefix(key.as_bytes())), "{text}");
        assert!(!text.contains(sign_key), "{text}");
        assert!(
            text.contains(r#""trade_time":"2024-03-05 10:11:12""#),
            "{text}"
        );
    }
    // Another refund's id: rejected, nothing decrypted shown.
    let out = run_with(
        &explain,
        &creds,
        &["--expect-req-msg-id", "RF-other"],
        &reply,
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("REJECTED"), "{text}");
    assert!(!text.contains("trade_time"), "{text}");
}

#[test]
fn explain_a_status_reply_honours_the_expected_id() {
    let v = vectors("ottpay");
    let creds = TempFile::with(&v["credentials"].to_string());
    let explain = ["explain", "ottpay", "refund-query", "--response"];
    let reply = body_of("refund_status_query_response");
    let text = |extra: &[&str]| {
        let out = run_with(&explain, &creds, extra, &reply);
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let bound = text(&["--expect-req-msg-id", "RF12415868344978"]);
    assert!(
        bound.contains("authenticated: true, bound: true"),
        "{bound}"
    );
    assert!(
        bound.contains("Status\n   succeeded (claimed: succeeded)"),
        "{bound}"
    );
    let unbound = text(&[]);
    assert!(
        unbound.contains("authenticated: true, bound: false"),
        "{unbound}"
    );
    assert!(
        unbound.contains("Status\n   unknown (claimed: succeeded)"),
        "{unbound}"
    );
    assert!(unbound.contains("none given"), "{unbound}");
    let other = text(&["--expect-req-msg-id", "RF-other"]);
    assert!(other.contains("REJECTED"), "{other}");
    assert!(!other.contains("order_status\":"), "{other}");
}

#[test]
fn explain_marks_refusals_and_never_shows_what_a_digest_should_have_been() {
    let v = vectors("ottpay");
    let creds = TempFile::with(&v["credentials"].to_string());
    let explain = ["explain", "ottpay", "refund", "--response"];
    let out = run_with(
        &explain,
        &creds,
        &[],
        &body_of("refund_response_error_code"),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("UNSIGNED"), "{text}");
    assert!(text.contains("it carries no data"), "{text}");
    assert!(
        text.contains("Status\n   unknown (claimed: failed)"),
        "{text}"
    );
    // A genuine reply edited to FAIL: a refusal, unsigned, its data not looked at.
    let edited = body_of("refund_response").replace("SUCCESS", "FAIL");
    let text = String::from_utf8(run_with(&explain, &creds, &[], &edited).stdout).unwrap();
    assert!(text.contains("UNSIGNED"), "{text}");
    assert!(!text.contains("trade_time"), "{text}");
    // A wrong md5: rejected; the digest the data really has is not shown, in full or in part.
    let out = run_with(&explain, &creds, &[], &body_of("refund_response_wrong_md5"));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("REJECTED"), "{text}");
    assert!(!text.contains("D110A36076C121F25E65BFB66410550F"), "{text}");
    assert!(!text.contains("trade_time"), "{text}");
    // A reflected request.
    let request =
        body_of("refund_request_with_order_id").replacen('{', r#"{"rsp_code":"SUCCESS","#, 1);
    let text = String::from_utf8(run_with(&explain, &creds, &[], &request).stdout).unwrap();
    assert!(text.contains("REJECTED"), "{text}");
    assert!(text.contains("`action`"), "{text}");
}

#[test]
fn explain_a_status_query_request_keeps_the_key() {
    let v = vectors("ottpay");
    let creds = TempFile::with(&v["credentials"].to_string());
    let out = run_with(
        &["explain", "ottpay", "refund-query"],
        &creds,
        &[],
        r#"{"order_id":"RF12415868344978"}"#,
    );
    let text = String::from_utf8(out.stdout).unwrap();
    // vectors/ottpay.json, case refund_status_query_request.
    assert!(text.contains("F8AA53A466A26655DC4EDFFADF0DB02F"), "{text}");
    assert!(
        !text.contains("D12BC969BE8626F5"),
        "the AES key leaked:\n{text}"
    );
    assert!(text.contains(&sha256_prefix(b"D12BC969BE8626F5")), "{text}");
}

#[test]
fn explain_names_what_binds_a_refund() {
    let v = vectors("ottpay");
    let creds = TempFile::with(&v["credentials"].to_string());
    let out = run_with(
        &["explain", "ottpay", "refund"],
        &creds,
        &[],
        &cli_support::case("ottpay", "refund_request_with_order_id")["data"].to_string(),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("--expect-req-msg-id RF12415868344978"),
        "{text}"
    );
    assert!(
        !text.contains("7830D179D600B5A0"),
        "the AES key leaked:\n{text}"
    );
}
