//! End to end, for every gateway: the refund client — the flow (`RefundFlow` over
//! `UreqTransport`) and the `refundwire refund` / `refund-status` CLI — over real loopback
//! HTTP against the served simulator (`sandbox::Server` on 127.0.0.1, a free port).
//!
//! Orders and faults are set up through the sandbox's own HTTP endpoints (`POST
//! /sandbox/orders`, `POST /sandbox/faults`) with ureq, and the gateway's side is read back
//! through `GET /sandbox/orders/{gateway}/{order_no}`: which refunds it made, for how much, and
//! what became of their notifications. The client speaks to the simulator's built-in test
//! merchants (the credentials of `tests/vectors/`), with the account currency of the gateways
//! whose requests carry none.
//!
//! What a client may conclude follows each gateway's recorded facts (`REFUND_FACTS` of its core
//! module): no gateway here signs a refusal that names the refund, so a refused refund is
//! never taken for a final "failed" and ends "needs review"; ScanForPay's order query speaks
//! for the order, not for one refund, so a ScanForPay refund whose own answer was lost or
//! forged ends "needs review" too — with exactly one refund at the gateway.

// Test code: a panic is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;
mod flow_support;

use cli_support::{TempFile, json_out, run, vectors, vectors_dir};
use refundwire::money::{Currency, Money};
use refundwire_std::flow::{
    Accepted, Evidence, FlowOutcome, Observed, Policy, RefundFlow, UnknownReason,
};
use refundwire_std::registry::{self, Credentials};
use refundwire_std::sandbox::{Server, Simulator};
use refundwire_std::transport::{Timeouts, UreqTransport};
use refundwire_std::{Answer, Context, Gateway, Operation, RefundRequest, RefundStatus};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The currency of each simulated merchant's orders: the account currency for OTTPay (CAD,
/// its default), ScanForPay and NewPay, whose requests carry none.
fn currency(gateway: &str) -> &'static str {
    match gateway {
        "ottpay" => "CAD",
        "scanforpay" => "HKD",
        "payermax" => "USD",
        "newpay" => "LAK",
        other => panic!("no gateway {other}"),
    }
}

/// The code each gateway refuses a refund over the paid amount with (protocol pages:
/// OTTPay `FAIL`, ScanForPay 35, PayerMax `AMOUNT_INVALID`, NewPay `Z01020`).
fn over_refund_code(gateway: &str) -> &'static str {
    match gateway {
        "ottpay" => "FAIL",
        "scanforpay" => "35",
        "payermax" => "AMOUNT_INVALID",
        "newpay" => "Z01020",
        other => panic!("no gateway {other}"),
    }
}

/// NewPay's code for a refund number it has seen (`Z01026`, protocol page): the only gateway
/// that documents refusing a reused number.
const NEWPAY_NUMBER_USED: &str = "Z01026";

/// Whether a verified status query names one refund (ScanForPay's order query does not).
fn query_names_the_refund(gateway: &str) -> bool {
    flow_support::query_proves_refund(gateway)
}

/// Minor units per unit of what the gateway's requests carry, in which the simulator keeps its
/// orders and refunds: NewPay carries LAK in whole kip (its page: `Z00055`, decimals not
/// allowed for LAK, although ISO 4217 gives LAK two); the others carry minor units.
fn minor_per_unit(gateway: &str) -> u64 {
    if gateway == "newpay" { 100 } else { 1 }
}

fn money(gateway: &str, minor: u64) -> Money {
    Money::new(minor, Currency::from_code(currency(gateway)).unwrap())
}

/// A refund as a merchant's service builds it.
fn refund(gateway: &str, order: &str, number: &str, minor: u64) -> RefundRequest {
    RefundRequest::new(order, number, money(gateway, minor))
}

/// Short waits, a deadline well inside the test's time, and a pending refund followed until
/// it settles.
fn policy(max_attempts: u32) -> Policy {
    Policy {
        max_attempts,
        initial_backoff: Duration::from_millis(25),
        backoff_factor: 2,
        max_backoff: Duration::from_millis(200),
        deadline: Duration::from_secs(10),
        settle_pending: true,
    }
}

/// A refund the gateway made, as `GET /sandbox/orders/…` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Made {
    number: String,
    amount: u64,
    state: String,
}

/// A served simulator and a plain HTTP client for its own endpoints.
struct Sandbox {
    server: Server,
    agent: ureq::Agent,
}

impl Sandbox {
    fn start() -> Sandbox {
        let server = Server::start(
            "127.0.0.1:0".parse().unwrap(),
            Arc::new(Simulator::builtin().unwrap()),
        )
        .unwrap();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .into();
        Sandbox { server, agent }
    }

    fn base(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    fn post(&self, path: &str, body: &Value) -> Value {
        let request = http::Request::post(format!("{}{path}", self.base()))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).unwrap())
            .unwrap();
        let mut response = self.agent.run(request).unwrap();
        let status = response.status();
        let answer: Value =
            serde_json::from_slice(&response.body_mut().read_to_vec().unwrap()).unwrap();
        assert_eq!(status, 201, "{path} {body}: {answer}");
        answer
    }

    /// Records a paid order of `minor` units of the merchant's currency.
    fn order(&self, gateway: &str, order: &str, minor: u64) {
        let amount = minor / minor_per_unit(gateway);
        let made = self.post(
            "/sandbox/orders",
            &json!({"gateway": gateway, "order_no": order, "amount": amount, "currency": currency(gateway)}),
        );
        assert_eq!(made["order_no"], order);
    }

    /// Sets the faults of a refund or order number (`fault` holds the members besides
    /// `gateway` and `key`).
    fn fault(&self, gateway: &str, key: &str, fault: Value) {
        let mut body = json!({"gateway": gateway, "key": key});
        for (name, value) in fault.as_object().unwrap() {
            body[name] = value.clone();
        }
        self.post("/sandbox/faults", &body);
    }

    /// The order as the gateway's side sees it.
    fn order_state(&self, gateway: &str, order: &str) -> Value {
        let mut response = self
            .agent
            .get(format!("{}/sandbox/orders/{gateway}/{order}", self.base()))
            .call()
            .unwrap();
        assert_eq!(response.status(), 200);
        serde_json::from_slice(&response.body_mut().read_to_vec().unwrap()).unwrap()
    }

    /// The refunds the gateway made of `order`, oldest first (amounts in minor units).
    fn made(&self, gateway: &str, order: &str) -> Vec<Made> {
        self.order_state(gateway, order)["refunds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| Made {
                number: r["refund_no"].as_str().unwrap().to_owned(),
                amount: r["amount"].as_u64().unwrap() * minor_per_unit(gateway),
                state: r["state"].as_str().unwrap().to_owned(),
            })
            .collect()
    }

    /// The refund numbered `number` of `order`, as the gateway shows it (`null` if none).
    fn refund_state(&self, gateway: &str, order: &str, number: &str) -> Value {
        self.order_state(gateway, order)["refunds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["refund_no"] == number)
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// The built-in test merchant's credentials (`tests/vectors/`), sending here, with the
    /// account currency; key files as absolute paths.
    fn credentials_json(&self, gateway: &str) -> String {
        let mut creds = vectors(gateway)["credentials"].clone();
        for (name, value) in creds.as_object_mut().unwrap() {
            if name.ends_with("_file") {
                let path = vectors_dir().join(value.as_str().unwrap());
                *value = Value::String(path.to_str().unwrap().to_owned());
            }
        }
        creds["environment"] = self.base().into();
        if gateway != "payermax" {
            creds["currency"] = currency(gateway).into();
        }
        creds.to_string()
    }

    fn gateway(&self, gateway: &str) -> Box<dyn Gateway> {
        let json = self.credentials_json(gateway);
        let creds = Credentials::parse(json.as_bytes(), vectors_dir()).unwrap();
        registry::build(gateway, &creds).unwrap()
    }

    /// Runs the refund flow for `refund` over real HTTP, with the flow's own blocking driver.
    fn flow(&self, gateway: &str, refund: RefundRequest, policy: Policy) -> FlowOutcome {
        let gw = self.gateway(gateway);
        RefundFlow::refund(gw.as_ref(), refund, Context::system(), policy)
            .unwrap()
            .run(&transport())
    }

    /// The same, with every exchange kept to be read afterwards.
    fn drive(
        &self,
        gateway: &str,
        refund: RefundRequest,
        policy: Policy,
    ) -> (FlowOutcome, Vec<Evidence>) {
        let gw = self.gateway(gateway);
        let mut flow = RefundFlow::refund(gw.as_ref(), refund, Context::system(), policy).unwrap();
        let outcome = flow.run(&transport());
        (outcome, flow.evidence().to_vec())
    }
}

/// The real HTTP transport, with timeouts that fit a test.
fn transport() -> UreqTransport {
    UreqTransport::new(Timeouts {
        connect: Duration::from_secs(2),
        exchange: Duration::from_secs(5),
    })
}

/// How many refund requests a flow handed to the transport.
fn refunds_sent(evidence: &[Evidence]) -> usize {
    evidence
        .iter()
        .filter(|e| e.operation == Operation::Refund)
        .count()
}

fn succeeded(outcome: &FlowOutcome) -> bool {
    matches!(
        outcome,
        FlowOutcome::Accepted {
            status: Accepted::Succeeded,
            ..
        }
    )
}

/// The outcome a flow must reach once a refund's own answer is lost or forged: a verified
/// query settles it where the query names the refund; otherwise it needs review.
fn assert_settled_by_query(gateway: &str, outcome: &FlowOutcome) {
    if query_names_the_refund(gateway) {
        assert!(succeeded(outcome), "{gateway}: {outcome:?}");
    } else {
        assert!(
            matches!(
                outcome,
                FlowOutcome::Unknown {
                    reason: UnknownReason::NoDefiniteAnswer,
                    ..
                }
            ),
            "{gateway}: {outcome:?}"
        );
    }
}

fn one(number: &str, amount: u64) -> Vec<Made> {
    vec![Made {
        number: number.to_owned(),
        amount,
        state: "succeeded".to_owned(),
    }]
}

// --- The scenarios, each on a simulator of its own -----------------------------------------

fn full_refund(g: &str) {
    let sb = Sandbox::start();
    sb.order(g, "F-1", 10_000);
    let outcome = sb.flow(g, refund(g, "F-1", "RF-F1", 10_000), policy(6));
    let FlowOutcome::Accepted {
        status: Accepted::Succeeded,
        answer,
    } = &outcome
    else {
        panic!("{g}: {outcome:?}")
    };
    assert_eq!(answer.status, RefundStatus::Succeeded, "{g}");
    assert_eq!(sb.made(g, "F-1"), one("RF-F1", 10_000), "{g}");
}

fn two_partial_refunds(g: &str) {
    let sb = Sandbox::start();
    sb.order(g, "P-1", 10_000);
    for (number, amount) in [("RF-P1", 4_000), ("RF-P2", 6_000)] {
        let outcome = sb.flow(g, refund(g, "P-1", number, amount), policy(6));
        assert!(succeeded(&outcome), "{g} {number}: {outcome:?}");
    }
    let made = sb.made(g, "P-1");
    let numbers: Vec<&str> = made.iter().map(|m| m.number.as_str()).collect();
    assert_eq!(numbers, ["RF-P1", "RF-P2"], "{g}");
    assert_eq!(made.iter().map(|m| m.amount).sum::<u64>(), 10_000, "{g}");
    assert!(made.iter().all(|m| m.state == "succeeded"), "{g}: {made:?}");
}

fn over_refund_refused(g: &str) {
    let sb = Sandbox::start();
    sb.order(g, "O-1", 10_000);
    assert!(succeeded(&sb.flow(
        g,
        refund(g, "O-1", "RF-O1", 7_000),
        policy(6)
    )));
    let (outcome, seen) = sb.drive(g, refund(g, "O-1", "RF-O2", 4_000), policy(3));
    // The gateway refused it with its over-refund code; no gateway signs a refusal that
    // names the refund, so the client does not take it for a final "failed": needs review.
    assert_eq!(refunds_sent(&seen), 1, "{g}");
    let Some(Observed::Answer(first)) = seen.first().map(|e| &e.observed) else {
        panic!("{g}: {outcome:?}")
    };
    assert_eq!(
        (first.operation, first.answer, first.code.as_str()),
        (Operation::Refund, Answer::Refused, over_refund_code(g)),
        "{g}"
    );
    assert_eq!(first.status, RefundStatus::Unknown, "{g}");
    assert!(
        matches!(
            outcome,
            FlowOutcome::Unknown {
                reason: UnknownReason::NoDefiniteAnswer,
                ..
            }
        ),
        "{g}: {outcome:?}"
    );
    // Exactly what was asked before: nothing more was refunded.
    assert_eq!(sb.made(g, "O-1"), one("RF-O1", 7_000), "{g}");
}

fn duplicate_number_is_idempotent(g: &str) {
    let sb = Sandbox::start();
    sb.order(g, "D-1", 10_000);
    let first = sb.flow(g, refund(g, "D-1", "RF-D1", 3_000), policy(6));
    assert!(succeeded(&first), "{g}: {first:?}");
    // The same refund again, under the same number: the gateway answers about the refund it
    // made (NewPay refuses the number it has seen, and its inquiry shows that refund).
    let (again, seen) = sb.drive(g, refund(g, "D-1", "RF-D1", 3_000), policy(6));
    assert!(succeeded(&again), "{g}: {again:?}");
    assert_eq!(refunds_sent(&seen), 1, "{g}");
    let Some(Observed::Answer(answer)) = seen.first().map(|e| &e.observed) else {
        panic!("{g}: {seen:?}")
    };
    if g == "newpay" {
        assert_eq!(
            (answer.answer, answer.code.as_str()),
            (Answer::Refused, NEWPAY_NUMBER_USED)
        );
    } else {
        assert_eq!(answer.answer, Answer::Accepted, "{g}: {answer:?}");
    }
    assert_eq!(sb.made(g, "D-1"), one("RF-D1", 3_000), "{g}");
}

fn pending_then_succeeded(g: &str) {
    let sb = Sandbox::start();
    sb.order(g, "W-1", 10_000);
    sb.fault(g, "RF-W1", json!({"pending_ms": 600}));
    let started = Instant::now();
    let (outcome, seen) = sb.drive(g, refund(g, "W-1", "RF-W1", 5_000), policy(10));
    // The refund was seen pending, signed and bound, before anything else was definite.
    let first_definite = seen.iter().find_map(|e| match &e.observed {
        Observed::Answer(a) if a.is_definite() => Some(a.status),
        _ => None,
    });
    assert_eq!(first_definite, Some(RefundStatus::Pending), "{g}: {seen:?}");
    assert_eq!(refunds_sent(&seen), 1, "{g}");
    if query_names_the_refund(g) {
        // Followed until it settled, no sooner.
        assert!(succeeded(&outcome), "{g}: {outcome:?}");
        assert!(started.elapsed() >= Duration::from_millis(600), "{g}");
    } else {
        // ScanForPay's order query cannot say which refund of the order went through: the
        // refund stays what its own signed answer said.
        assert!(
            matches!(
                outcome,
                FlowOutcome::Accepted {
                    status: Accepted::Pending,
                    ..
                }
            ),
            "{g}: {outcome:?}"
        );
    }
    std::thread::sleep(Duration::from_millis(600).saturating_sub(started.elapsed()));
    assert_eq!(sb.made(g, "W-1"), one("RF-W1", 5_000), "{g}");
}

fn bad_signature_refused(g: &str) {
    let sb = Sandbox::start();
    sb.order(g, "B-1", 10_000);
    // The refund's answer is signed (or encrypted) with a key that is not the gateway's.
    sb.fault(g, "RF-B1", json!({"answer": "bad_signature"}));
    let (outcome, seen) = sb.drive(g, refund(g, "B-1", "RF-B1", 1_000), policy(6));
    assert!(
        matches!(&seen[0].observed, Observed::Unverified(_)),
        "{g}: {seen:?}"
    );
    assert_eq!(refunds_sent(&seen), 1, "{g}");
    assert_settled_by_query(g, &outcome);
    assert_eq!(sb.made(g, "B-1"), one("RF-B1", 1_000), "{g}");

    // Every answer forged, the refund's and the queries' (keyed by the refund number, and
    // by the order for ScanForPay's order query): nothing definite comes of any of them.
    sb.order(g, "B-2", 10_000);
    for key in ["RF-B2", "B-2"] {
        sb.fault(g, key, json!({"answer": "bad_signature", "times": 50}));
    }
    let (outcome, seen) = sb.drive(g, refund(g, "B-2", "RF-B2", 1_000), policy(4));
    assert!(
        matches!(
            outcome,
            FlowOutcome::Unknown {
                reason: UnknownReason::NoDefiniteAnswer,
                ..
            }
        ),
        "{g}: {outcome:?}"
    );
    assert_eq!(seen.len(), 4, "{g}");
    assert!(
        seen.iter()
            .all(|e| matches!(e.observed, Observed::Unverified(_))),
        "{g}: {seen:?}"
    );
    assert_eq!(refunds_sent(&seen), 1, "{g}");
    assert_eq!(sb.made(g, "B-2"), one("RF-B2", 1_000), "{g}");
}

fn lost_after_commit(g: &str) {
    let sb = Sandbox::start();
    sb.order(g, "L-1", 10_000);
    sb.fault(g, "RF-L1", json!({"answer": "lost_after_commit"}));
    let (outcome, seen) = sb.drive(g, refund(g, "L-1", "RF-L1", 2_500), policy(6));
    assert!(
        matches!(
            seen[0].observed,
            Observed::Transport {
                maybe_sent: true,
                ..
            }
        ),
        "{g}: {seen:?}"
    );
    // Asked, never resent.
    assert_eq!(refunds_sent(&seen), 1, "{g}");
    assert_settled_by_query(g, &outcome);
    assert_eq!(sb.made(g, "L-1"), one("RF-L1", 2_500), "{g}");
}

fn reset_is_asked_about_not_resent(g: &str) {
    let sb = Sandbox::start();
    sb.order(g, "R-1", 10_000);
    // The simulator drops the request unprocessed and closes the connection. Over HTTP the
    // request had gone out, so the client cannot tell this from a lost answer: it asks, and
    // never sends the refund again (no gateway both de-duplicates refund numbers and proves
    // absence with a signed refusal that names the refund).
    sb.fault(g, "RF-R1", json!({"answer": "reset"}));
    let (outcome, seen) = sb.drive(g, refund(g, "R-1", "RF-R1", 2_500), policy(4));
    assert!(
        matches!(
            seen[0].observed,
            Observed::Transport {
                maybe_sent: true,
                ..
            }
        ),
        "{g}: {seen:?}"
    );
    assert_eq!(refunds_sent(&seen), 1, "{g}");
    assert!(
        matches!(
            outcome,
            FlowOutcome::Unknown {
                reason: UnknownReason::NoDefiniteAnswer,
                ..
            }
        ),
        "{g}: {outcome:?}"
    );
    assert_eq!(sb.made(g, "R-1"), [], "{g}");
}

// --- The CLI ------------------------------------------------------------------------------

/// The refund `number` of `order` for `minor` units, under the protocol's member names (what
/// `refundwire refund` reads), and the status query that asks about it.
fn cli_fields(g: &str, order: &str, number: &str, minor: u64) -> (String, String) {
    match g {
        "ottpay" => (
            format!(r#"{{"order_id":"{number}","ori_order_id":"{order}","refund_amt":"{minor}"}}"#),
            format!(r#"{{"order_id":"{number}"}}"#),
        ),
        "scanforpay" => (
            format!(
                r#"{{"partnerOrderNo":"{order}","refundNo":"{number}","orderAmount":{minor}}}"#
            ),
            format!(r#"{{"partnerOrderNo":"{order}"}}"#),
        ),
        "payermax" => (
            format!(
                r#"{{"outRefundNo":"{number}","outTradeNo":"{order}","refundAmount":"{}.{:02}","refundCurrency":"USD"}}"#,
                minor / 100,
                minor % 100
            ),
            format!(r#"{{"outRefundNo":"{number}"}}"#),
        ),
        "newpay" => (
            format!(
                r#"{{"refundOrderAmt":"{}","orderNo":"{order}","refundOrderNo":"{number}","refundDesc":"","callBackUrl":""}}"#,
                minor / minor_per_unit(g)
            ),
            format!(r#"{{"refundOrderNo":"{number}"}}"#),
        ),
        other => panic!("no gateway {other}"),
    }
}

fn cli(command: &str, g: &str, creds: &TempFile, sb: &Sandbox, input: &str) -> Value {
    let out = run(
        &[
            command,
            g,
            "--credentials",
            creds.path(),
            "--base-url",
            &sb.base(),
            "--attempts",
            "3",
            "--backoff-ms",
            "20",
        ],
        input.as_bytes(),
    );
    json_out(&out)
}

fn cli_refund_again_and_status(g: &str) {
    let sb = Sandbox::start();
    sb.order(g, "C-1", 10_000);
    // The credentials file names another environment: `--base-url` sends to the sandbox.
    let mut creds: Value = serde_json::from_str(&sb.credentials_json(g)).unwrap();
    creds["environment"] = "production".into();
    let creds = TempFile::with(&creds.to_string());
    let (refund, status) = cli_fields(g, "C-1", "RF-C1", 2_500);
    // PayerMax's refund reply says pending (its page): without following it, the CLI says so.
    let expect = if g == "payermax" {
        "pending"
    } else {
        "succeeded"
    };
    for _ in 0..2 {
        let out = cli("refund", g, &creds, &sb, &refund);
        assert_eq!(
            (&out["outcome"], &out["status"], &out["refund_id"]),
            (&json!("ok"), &json!(expect), &json!("RF-C1")),
            "{g}: {out}"
        );
        // Sent twice under one number: one refund.
        assert_eq!(sb.made(g, "C-1"), one("RF-C1", 2_500), "{g}");
    }
    let out = cli("refund-status", g, &creds, &sb, &status);
    if query_names_the_refund(g) {
        assert_eq!(
            (&out["outcome"], &out["status"], &out["refund_id"]),
            (&json!("ok"), &json!("succeeded"), &json!("RF-C1")),
            "{g}: {out}"
        );
    } else {
        assert_eq!(
            (&out["status"], &out["needs_review"]),
            (&json!("unknown"), &json!(true)),
            "{g}: {out}"
        );
    }
}

macro_rules! every_gateway {
    ($($gateway:ident),+) => {$(
        mod $gateway {
            const G: &str = stringify!($gateway);
            #[test]
            fn full_refund() {
                super::full_refund(G);
            }
            #[test]
            fn two_partial_refunds() {
                super::two_partial_refunds(G);
            }
            #[test]
            fn over_refund_refused() {
                super::over_refund_refused(G);
            }
            #[test]
            fn duplicate_refund_number_is_idempotent() {
                super::duplicate_number_is_idempotent(G);
            }
            #[test]
            fn pending_then_succeeded() {
                super::pending_then_succeeded(G);
            }
            #[test]
            fn bad_signature_refused() {
                super::bad_signature_refused(G);
            }
            #[test]
            fn answer_lost_after_commit_makes_one_refund() {
                super::lost_after_commit(G);
            }
            #[test]
            fn connection_reset_is_asked_about_not_resent() {
                super::reset_is_asked_about_not_resent(G);
            }
            #[test]
            fn cli_refund_twice_then_refund_status() {
                super::cli_refund_again_and_status(G);
            }
        }
    )+};
}

every_gateway!(ottpay, scanforpay, payermax, newpay);

// --- Notifications (PayerMax) and callbacks (NewPay) ----------------------------------------

/// One notification a merchant's endpoint received.
#[derive(Debug, Clone, PartialEq)]
struct Received {
    /// The refund it names and the status it tells, when it verified.
    verified: Option<(String, RefundStatus)>,
    /// Whether it was answered with the gateway's acknowledgement.
    acknowledged: bool,
}

/// A merchant's notification endpoint on axum (as in `examples/notifications.rs`): verifies
/// each notification from its raw bytes through `Gateway::verify_notification` and answers
/// `Notification::ack()`. The first time a refund is notified, recording "fails" (503, no
/// acknowledgement), so the gateway must send it again.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    _runtime: tokio::runtime::Runtime,
}

#[derive(Clone)]
struct Endpoint {
    gateway: Arc<dyn Gateway>,
    got: Arc<Mutex<Vec<Received>>>,
}

async fn notified(
    axum::extract::State(endpoint): axum::extract::State<Endpoint>,
    headers: http::HeaderMap,
    body: axum::body::Bytes,
) -> http::Response<axum::body::Body> {
    let mut request = http::Request::new(body.as_ref());
    *request.headers_mut() = headers;
    let mut got = endpoint.got.lock().unwrap();
    let notification = match endpoint.gateway.verify_notification(request) {
        Ok(notification) => notification,
        Err(e) => {
            got.push(Received {
                verified: None,
                acknowledged: false,
            });
            return http::Response::builder()
                .status(400)
                .body(e.to_string().into())
                .unwrap();
        }
    };
    let outcome = &notification.outcome;
    let refund_id = outcome.refund_id.clone().unwrap();
    assert_eq!(
        notification.for_refund(&refund_id).unwrap().status,
        outcome.status
    );
    let first = !got
        .iter()
        .any(|r| r.verified.as_ref().is_some_and(|(id, _)| *id == refund_id));
    got.push(Received {
        verified: Some((refund_id, outcome.status)),
        acknowledged: !first,
    });
    if first {
        return http::Response::builder()
            .status(503)
            .body("not recorded yet".into())
            .unwrap();
    }
    notification.ack().map(axum::body::Body::from)
}

impl Receiver {
    fn start(gateway: Box<dyn Gateway>) -> Receiver {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}/notify", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let endpoint = Endpoint {
            gateway: Arc::from(gateway),
            got: got.clone(),
        };
        let app = axum::Router::new()
            .route("/notify", axum::routing::post(notified))
            .with_state(endpoint);
        runtime.spawn(async move { axum::serve(listener, app).await });
        Receiver {
            url,
            got,
            _runtime: runtime,
        }
    }

    /// What was received so far, once `done` holds of it (at most 5 s).
    fn wait(&self, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let got = self.got.lock().unwrap().clone();
            if done(&got) || started.elapsed() > Duration::from_secs(5) {
                return got;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// The gateway's re-sends, on its schedule divided by the simulator's 1000: PayerMax 30 ms,
/// 300 ms, 600 ms …, NewPay 300, 600, 900 ms. A second more covers every one that matters here.
const RESEND_WINDOW: Duration = Duration::from_millis(1_200);

fn notifications_received_verified_and_acknowledged(g: &str) {
    let sb = Sandbox::start();
    let receiver = Receiver::start(sb.gateway(g));
    sb.order(g, "N-1", 10_000);
    let mut r = refund(g, "N-1", "RF-N1", 5_000);
    r.notify_url = Some(receiver.url.clone());
    assert!(succeeded(&sb.flow(g, r, policy(6))), "{g}");
    // Refused once (not recorded), sent again, acknowledged: then never again.
    let acked = |got: &[Received]| got.iter().any(|r| r.acknowledged);
    receiver.wait(acked);
    std::thread::sleep(RESEND_WINDOW);
    let got = receiver.got.lock().unwrap().clone();
    let told = Some(("RF-N1".to_owned(), RefundStatus::Succeeded));
    assert_eq!(
        got,
        [
            Received {
                verified: told.clone(),
                acknowledged: false
            },
            Received {
                verified: told,
                acknowledged: true
            }
        ],
        "{g}"
    );
    // The gateway's side saw the acknowledgement.
    assert_eq!(
        sb.refund_state(g, "N-1", "RF-N1")["notifications"],
        json!({"sent": 2, "acknowledged": true}),
        "{g}"
    );

    // Notifications signed with a key that is not the gateway's: refused every time, never
    // acknowledged; the gateway sends the two it was told to.
    sb.fault(
        g,
        "RF-N2",
        json!({"notify": {"count": 2, "bad_signature": true}}),
    );
    let mut r = refund(g, "N-1", "RF-N2", 1_000);
    r.notify_url = Some(receiver.url.clone());
    assert!(succeeded(&sb.flow(g, r, policy(6))), "{g}");
    receiver.wait(|got| got.len() >= 4);
    std::thread::sleep(RESEND_WINDOW);
    let got = receiver.got.lock().unwrap().clone();
    let forged = Received {
        verified: None,
        acknowledged: false,
    };
    assert_eq!(got[2..], [forged.clone(), forged], "{g}");
    assert_eq!(
        sb.refund_state(g, "N-1", "RF-N2")["notifications"],
        json!({"sent": 2, "acknowledged": false}),
        "{g}"
    );
    assert_eq!(sb.made(g, "N-1").len(), 2, "{g}");
}

#[test]
fn payermax_notifications_received_verified_and_acknowledged() {
    notifications_received_verified_and_acknowledged("payermax");
}

#[test]
fn newpay_callbacks_received_verified_and_acknowledged() {
    notifications_received_verified_and_acknowledged("newpay");
}
