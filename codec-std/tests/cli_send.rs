//! `refundwire refund` and `refundwire refund-status` over real loopback HTTP, for every
//! gateway: a server started here (127.0.0.1, a free port) plays the gateway's answers and
//! faults (`flow_support`), and counts the refunds that reach it.

// Test code: a panic is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;
mod flow_support;

use cli_support::{assert_rejected, json_out, run, vector_credentials};
use flow_support::{
    GATEWAYS, Kind, Loopback, Step, refund, refund_fields, refund_reply_status, status_fields,
};
use serde_json::Value;

/// Runs `command` (`refund` or `refund-status`) for `gateway` against `server`.
fn cli(command: &str, gateway: &str, server: &Loopback, input: &str) -> std::process::Output {
    let creds = vector_credentials(gateway);
    run(
        &[
            command,
            gateway,
            "--credentials",
            creds.path(),
            "--base-url",
            &server.url,
            "--attempts",
            "3",
            "--backoff-ms",
            "5",
        ],
        input.as_bytes(),
    )
}

fn refund_cli(gateway: &'static str, steps: &[Step]) -> (Value, Loopback) {
    let server = Loopback::start(gateway, steps);
    let out = cli("refund", gateway, &server, &refund_fields(gateway));
    (json_out(&out), server)
}

#[test]
fn a_refund_is_sent_and_settled() {
    for g in GATEWAYS {
        let (out, server) = refund_cli(
            g,
            &[
                Step::Answer(Kind::RefundAccepted),
                Step::Answer(Kind::QuerySucceeded),
            ],
        );
        let status = match refund_reply_status(g) {
            Some(refundwire::RefundStatus::Pending) => "pending",
            _ => "succeeded",
        };
        assert_eq!(out["outcome"], "ok", "{g}: {out}");
        assert_eq!(out["status"], status, "{g}: {out}");
        assert_eq!(out["refund_id"], refund(g).refund_id.as_str(), "{g}");
        assert!(out["fields"].is_object());
        assert_eq!(server.script.refunds_reached(), 1, "{g}");
        // OTTPay's refund reply is confirmed by its status query.
        let requests = if g == "ottpay" { 2 } else { 1 };
        assert_eq!(server.script.sent().len(), requests, "{g}");
    }
}

/// Succeeded where a verified query can prove it; "unknown", needing review, where it cannot
/// (ScanForPay's order query speaks for the order, not for one refund).
fn assert_settled_by_query(g: &str, out: &serde_json::Value) {
    if flow_support::query_proves_refund(g) {
        assert_eq!(out["status"], "succeeded", "{g}: {out}");
    } else {
        assert_eq!(out["status"], "unknown", "{g}: {out}");
        assert_eq!(out["needs_review"], true, "{g}: {out}");
    }
}

#[test]
fn the_answer_lost_after_the_refund_is_found_by_a_query() {
    for g in GATEWAYS {
        let (out, server) = refund_cli(g, &[Step::LostAnswer, Step::Answer(Kind::QuerySucceeded)]);
        assert_eq!(out["outcome"], "ok", "{g}: {out}");
        assert_settled_by_query(g, &out);
        assert_eq!(server.script.refunds_sent(), 1, "{g}");
        if flow_support::query_proves_refund(g) {
            assert_eq!(server.script.sent(), flow_support::REFUND_THEN_QUERY, "{g}");
        }
    }
}

#[test]
fn a_reply_with_a_bad_signature_is_settled_by_a_query() {
    for g in GATEWAYS {
        let (out, server) = refund_cli(
            g,
            &[
                Step::Answer(Kind::RefundBadSignature),
                Step::Answer(Kind::QuerySucceeded),
            ],
        );
        assert_settled_by_query(g, &out);
        assert_eq!(server.script.refunds_sent(), 1, "{g}");
    }
}

#[test]
fn a_refund_that_stays_unknown_says_so_and_is_never_sent_twice() {
    for g in GATEWAYS {
        let (out, server) = refund_cli(g, &[Step::LostRequest, Step::Answer(Kind::QueryUnknown)]);
        assert_eq!(out["status"], "unknown", "{g}: {out}");
        assert_eq!(out["needs_review"], true, "{g}: {out}");
        assert!(
            out["reason"]
                .as_str()
                .unwrap()
                .contains("no signed, bound answer"),
            "{g}: {out}"
        );
        let evidence = out["evidence"].as_array().unwrap();
        assert_eq!(evidence.len(), 3, "{g}: {out}");
        assert!(
            evidence[0]
                .as_str()
                .unwrap()
                .starts_with("refund: may have been sent"),
            "{g}: {out}"
        );
        assert_eq!(out["refund_id"], refund(g).refund_id.as_str());
        assert_eq!(server.script.refunds_sent(), 1, "{g}");
        assert_eq!(server.script.sent().len(), 3, "{g}");
    }
}

#[test]
fn refund_status_asks_until_the_answer_is_definite() {
    for g in GATEWAYS {
        let server = Loopback::start(g, &[Step::LostAnswer, Step::Answer(Kind::QuerySucceeded)]);
        let out = json_out(&cli("refund-status", g, &server, &status_fields(g)));
        assert_eq!(out["outcome"], "ok", "{g}: {out}");
        assert_settled_by_query(g, &out);
        assert_eq!(server.script.refunds_sent(), 0, "{g}");
        if flow_support::query_proves_refund(g) {
            assert_eq!(server.script.sent().len(), 2, "{g}");
        }
    }
}

#[test]
fn refund_status_reports_an_unsigned_refusal_as_unknown() {
    let server = Loopback::start("payermax", &[Step::Answer(Kind::QueryUnknown)]);
    let out = json_out(&cli(
        "refund-status",
        "payermax",
        &server,
        &status_fields("payermax"),
    ));
    assert_eq!(out["outcome"], "gateway_error", "{out}");
    assert_eq!(out["code"], "ORDER_NOT_EXIST", "{out}");
    assert_eq!(out["status"], "unknown", "{out}");
}

#[test]
fn nothing_listening_is_an_error_saying_nothing_was_sent() {
    // A port that was free a moment ago: the connection is refused, nothing is sent.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let creds = vector_credentials("newpay");
    let url = format!("http://127.0.0.1:{port}");
    let out = run(
        &[
            "refund",
            "newpay",
            "--credentials",
            creds.path(),
            "--base-url",
            &url,
            "--attempts",
            "2",
            "--backoff-ms",
            "1",
        ],
        refund_fields("newpay").as_bytes(),
    );
    assert_rejected(&out, "transport: nothing reached the gateway");
}

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let server = Loopback::start("payermax", &[Step::Answer(Kind::QuerySucceeded)]);
    let out = cli("refund", "payermax", &server, r#"{"outTradeNo":"P1"}"#);
    assert_rejected(&out, "fields");
    let out = cli(
        "refund",
        "payermax",
        &server,
        r#"{"outRefundNo":"","outTradeNo":"P1","refundAmount":1,"refundCurrency":"USD"}"#,
    );
    assert_rejected(&out, "fields");
    let creds = vector_credentials("payermax");
    let out = run(
        &[
            "refund",
            "payermax",
            "--credentials",
            creds.path(),
            "--base-url",
            "ftp://x",
        ],
        b"{}",
    );
    assert_rejected(&out, "--base-url");
    assert!(server.script.sent().is_empty());
}
