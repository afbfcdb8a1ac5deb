//! The `refundwire` CLI contract, on OTTPay's conformance vectors.

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
        assert_eq!(req["headers"]["Content-Type"], "application/json");
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
                let out = json_out(&out);
                assert_eq!(out["outcome"], "ok");
                assert_eq!(out["status"], "succeeded");
                assert_eq!(out["fields"], case["data"], "case {}", case["case"]);
            }
            "gateway_error" => {
                let out = json_out(&out);
                assert_eq!(out["outcome"], "gateway_error");
                assert_eq!(out["code"], case["rsp_code"]);
                assert_eq!(out["message"], "invalid parameter");
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
    assert!(text.contains("AFADA3D8C394C4A1"));
    assert!(!text.contains(key), "the sign key leaked:\n{text}");
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
    // The reply is about refund order RF12415868344978.
    assert_eq!(
        json_out(&decode(&["--expect-req-msg-id", "RF12415868344978"]))["outcome"],
        "ok"
    );
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
