//! Options that would be ignored, repeated or empty are refused, for every gateway: nobody
//! may believe a check ran that did not (found by review).

// Test code: a panic is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;

use cli_support::{TempFile, assert_rejected, run, vector_credentials as credentials, vectors};

const GATEWAYS: [(&str, &str); 4] = [
    ("ottpay", "refund"),
    ("scanforpay", "refund"),
    ("payermax", "refund"),
    ("newpay", "refund"),
];

#[test]
fn response_is_for_explain_only() {
    for (gateway, op) in GATEWAYS {
        let creds = credentials(gateway);
        for command in ["encode", "decode"] {
            let out = run(
                &[
                    command,
                    gateway,
                    op,
                    "--credentials",
                    creds.path(),
                    "--response",
                ],
                b"{}",
            );
            assert_rejected(&out, "--response");
        }
    }
}

#[test]
fn a_header_given_twice_is_refused() {
    let creds = credentials("payermax");
    let out = run(
        &[
            "decode",
            "payermax",
            "refund",
            "--credentials",
            creds.path(),
            "--header",
            "sign=AAAA",
            "--header",
            "SIGN=BBBB",
        ],
        b"{}",
    );
    assert_rejected(&out, "--header");
}

#[test]
fn an_empty_expected_id_is_refused() {
    for (gateway, op) in GATEWAYS {
        let creds = credentials(gateway);
        let out = run(
            &[
                "decode",
                gateway,
                op,
                "--credentials",
                creds.path(),
                "--expect-req-msg-id",
                "",
            ],
            b"{}",
        );
        assert_rejected(&out, "--expect-req-msg-id");
    }
}

#[test]
fn ottpay_checks_the_time_it_does_not_use_and_has_no_sandbox() {
    let creds = credentials("ottpay");
    let query = br#"{"order_id":"RF12415868344978"}"#;
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "encode",
            "ottpay",
            "refund-query",
            "--credentials",
            creds.path(),
        ];
        a.extend_from_slice(extra);
        run(&a, query)
    };
    assert_rejected(&args(&["--time", "garbage"]), "--time");
    assert_rejected(
        &args(&["--time", "2024-01-01T00:00:00Z", "--timestamp-ms", "5"]),
        "--time",
    );
    assert!(args(&["--time", "2024-01-01T00:00:00Z"]).status.success());

    let mut sandbox = vectors("ottpay")["credentials"].clone();
    sandbox["environment"] = "sandbox".into();
    let sandbox = TempFile::with(&sandbox.to_string());
    let out = run(
        &[
            "encode",
            "ottpay",
            "refund-query",
            "--credentials",
            sandbox.path(),
        ],
        query,
    );
    assert_rejected(&out, "credentials");
}

/// The demo refunds for real against the built-in simulator: per gateway a refund through the
/// flow (wire request, what was signed, verified answer), a lost answer settled without a
/// second refund, a status query, and notifications verified and acknowledged.
#[test]
fn the_demo_refunds_against_the_simulator_for_every_gateway() {
    let out = run(&["demo"], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for gateway in ["ottpay", "scanforpay", "payermax", "newpay"] {
        let section = text
            .split("== ")
            .find(|s| s.starts_with(&format!("{gateway} against the built-in simulator")))
            .unwrap_or_else(|| panic!("no {gateway} section: {text}"));
        let upper = gateway.to_uppercase();
        // The refund went out signed, and its verified answer is definite.
        assert!(section.contains("   body: {"), "{gateway}: {section}");
        assert!(section.contains("   signed for `"), "{gateway}: {section}");
        assert!(
            section.contains("→ accepted, succeeded (signed: true, bound: true)")
                || section.contains("→ accepted, pending (signed: true, bound: true)"),
            "{gateway}: {section}"
        );
        // The lost answer: exactly one refund at the simulator, whatever the outcome.
        assert!(
            section.contains(&format!("the simulator holds 1 refund RF-{upper}-2")),
            "{gateway}: {section}"
        );
        assert!(section.contains("3. status query"), "{gateway}: {section}");
        assert!(!section.contains("ACCEPTED"), "{gateway}: {section}");
    }
    // The gateways that send notifications: verified, then acknowledged.
    for (gateway, ack) in [
        ("payermax", r#"{"code":"SUCCESS","msg":"Success"}"#),
        ("newpay", r#"{"transResult":"SUCCESS"}"#),
    ] {
        let section = text.split("== ").find(|s| s.starts_with(gateway)).unwrap();
        assert!(
            section.contains("→ verified (signed: true, for this merchant: true)"),
            "{gateway}: {section}"
        );
        assert!(section.contains(&format!("answered {ack} → the simulator stops re-sending")));
    }
}
