//! `demo`: real refunds, end to end, against the built-in simulator (in process, test keys).
//!
//! For each gateway the same code: a paid order at the simulator; a refund sent through the
//! refund flow, showing the wire request, what was signed and the verified answer; a second
//! refund whose answer the simulator loses after refunding, settled without refunding twice;
//! a status query; and, where the gateway sends them, its notification verified and
//! acknowledged. Nothing here names a gateway's protocol: the rows are data.

use crate::output::CliError;
use refundwire::money::{Currency, Money};
use refundwire::trace::{Step, Trace};
use refundwire_std::flow::{Accepted, FlowOutcome, Observed, Policy, RefundFlow, Rejection};
use refundwire_std::registry::{self, Credentials};
use refundwire_std::sandbox::{AnswerFault, Fault, GatewayId, SimTransport, Simulator};
use refundwire_std::transport::{Transport, TransportError};
use refundwire_std::{Context, RefundOutcome, RefundRequest, StatusRequest};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

/// One gateway's demo: its built-in merchant (the vectors' credentials, which the simulator
/// uses too), the account currency and the amounts.
struct Row {
    gateway: &'static str,
    vectors: &'static str,
    currency: &'static str,
    order: &'static str,
    refunds: [&'static str; 2],
}

const ROWS: &[Row] = &[
    Row {
        gateway: "ottpay",
        vectors: include_str!("../../../../tests/vectors/ottpay.json"),
        currency: "CAD",
        order: "100.00",
        refunds: ["30.00", "20.00"],
    },
    Row {
        gateway: "scanforpay",
        vectors: include_str!("../../../../tests/vectors/scanforpay.json"),
        currency: "JPY",
        order: "10000",
        refunds: ["3000", "2000"],
    },
    Row {
        gateway: "payermax",
        vectors: include_str!("../../../../tests/vectors/payermax.json"),
        currency: "USD",
        order: "100.00",
        refunds: ["30.00", "20.00"],
    },
    Row {
        gateway: "newpay",
        vectors: include_str!("../../../../tests/vectors/newpay.json"),
        currency: "LAK",
        order: "100000",
        refunds: ["30000", "20000"],
    },
];

fn err(e: impl std::fmt::Display) -> CliError {
    CliError::new("demo", e)
}

/// The vector file's credentials with keys inline, in the account currency.
fn credentials(row: &Row) -> Result<Credentials, CliError> {
    let vectors: serde_json::Value = serde_json::from_str(row.vectors).map_err(err)?;
    let mut members = vectors
        .get("credentials")
        .and_then(serde_json::Value::as_object)
        .cloned()
        .ok_or_else(|| err("vectors without credentials"))?;
    // The `*_file` members name files next to the vectors; the inline forms are the same keys.
    members.retain(|name, _| !name.ends_with("_file"));
    members.insert("currency".into(), row.currency.into());
    Credentials::parse(
        serde_json::Value::Object(members).to_string().as_bytes(),
        ".",
    )
    .map_err(err)
}

/// What the codec signed, by the member that carries the signature.
#[derive(Default)]
struct Signed(Vec<(&'static str, String)>);

impl Trace for Signed {
    fn step(&mut self, step: Step<'_>) {
        if let Step::SignedBytes { what, bytes } = step {
            let text = String::from_utf8_lossy(bytes);
            match self.0.last_mut() {
                Some((w, acc)) if *w == what => acc.push_str(&text),
                _ => self.0.push((what, text.into_owned())),
            }
        }
    }
}

/// The simulator behind a transport that keeps a line per exchange, for the printout.
struct Shown<'s> {
    inner: &'s SimTransport,
    log: RefCell<Vec<String>>,
}

impl Transport for Shown<'_> {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let what = format!("{} {}", request.method(), request.uri().path());
        let result = Transport::send(self.inner, request);
        let line = match &result {
            Ok(answer) => format!(
                "{what} → {} {}",
                answer.status().as_u16(),
                clip(answer.body())
            ),
            Err(e) => format!("{what} → {e}"),
        };
        self.log.borrow_mut().push(line);
        result
    }
}

fn clip(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    match text.char_indices().nth(150) {
        Some((at, _)) => format!("{}…", text.get(..at).unwrap_or_default()),
        None => text.into_owned(),
    }
}

fn money(amount: &str, currency: &str) -> Result<Money, CliError> {
    Money::parse_decimal(amount, Currency::from_code(currency).map_err(err)?).map_err(err)
}

/// An amount in major units, as the currency writes it.
fn money_text(amount: Money) -> String {
    let mut buf = [0u8; refundwire::money::DECIMAL_TEXT_MAX];
    amount
        .format_decimal(amount.currency.exponent(), &mut buf)
        .map(str::to_owned)
        .unwrap_or_default()
}

fn outcome_line(outcome: &FlowOutcome) -> String {
    let answered = |a: &RefundOutcome| {
        format!(
            "(signed: {}, bound: {})",
            a.trust.authenticated, a.trust.bound
        )
    };
    match outcome {
        FlowOutcome::Accepted { status, answer } => {
            let status = match status {
                Accepted::Pending => "pending",
                Accepted::Succeeded => "succeeded",
            };
            format!("accepted, {status} {}", answered(answer))
        }
        FlowOutcome::Rejected(Rejection::Gateway(answer)) => format!(
            "rejected by the gateway: {} {} {}",
            answer.code,
            answer.message,
            answered(answer)
        ),
        FlowOutcome::Rejected(Rejection::NeverSent(_)) => "never sent (safe to retry)".into(),
        FlowOutcome::Unknown { reason, evidence } => {
            let last = evidence.iter().rev().find_map(|e| match &e.observed {
                Observed::Answer(a) => Some(a),
                _ => None,
            });
            let why = match last {
                Some(a) => format!(
                    "the last verified answer claims {} but proves nothing about this refund {}",
                    a.claimed_status.as_str(),
                    answered(a)
                ),
                None => reason.describe(),
            };
            format!("UNKNOWN, needs review: {why}; never refunded again under another number")
        }
    }
}

fn show(row: &Row, out: &mut String) -> Result<(), CliError> {
    let gateway = registry::build(row.gateway, &credentials(row)?).map_err(err)?;
    let id = GatewayId::from_name(row.gateway).map_err(err)?;
    let simulator = Arc::new(Simulator::builtin().map_err(err)?);
    // The simulator's clock is the system's, like the requests' (PayerMax refuses a request
    // time two minutes off).
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(err)?
        .as_millis();
    let now_ms = u64::try_from(now_ms).map_err(err)?;
    let sim = SimTransport::new(simulator.clone(), now_ms);
    let transport = Shown {
        inner: &sim,
        log: RefCell::new(Vec::new()),
    };
    let ctx = Context::system();
    let policy = Policy {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(4),
        max_attempts: 3,
        ..Policy::default()
    };
    let upper = row.gateway.to_uppercase();
    let order_no = format!("ORDER-{upper}-1");
    let order = money(row.order, row.currency)?;
    simulator
        .add_order(id, &order_no, order.minor, row.currency, now_ms)
        .map_err(err)?;
    let _ = writeln!(
        out,
        "== {} against the built-in simulator (in process, test keys) ==\npaid order {order_no}: {} {}",
        row.gateway, row.currency, row.order
    );

    // 1. A refund: the wire request, what was signed, the verified answer.
    let refund_of = |n: usize| -> Result<RefundRequest, CliError> {
        let amount = row
            .refunds
            .get(n - 1)
            .ok_or_else(|| err("no such refund in the row"))?;
        let amount = money(amount, row.currency)?;
        let mut refund = RefundRequest::new(order_no.clone(), format!("RF-{upper}-{n}"), amount);
        if gateway
            .operations()
            .iter()
            .any(|(_, op)| *op == refundwire_std::Operation::Notification)
        {
            refund.notify_url = Some("http://127.0.0.1/refund-notifications".into());
        }
        Ok(refund)
    };
    let first = refund_of(1)?;
    let mut signed = Signed::default();
    let prepared = gateway
        .prepare_refund_traced(&first, &ctx, &mut signed)
        .map_err(err)?;
    let _ = writeln!(
        out,
        "1. refund {} of {} {}\n   {} {}\n   body: {}",
        first.refund_id,
        row.currency,
        money_text(first.amount),
        prepared.request.method(),
        prepared.request.uri(),
        String::from_utf8_lossy(prepared.request.body())
    );
    for (what, text) in &signed.0 {
        let _ = writeln!(out, "   signed for `{what}`: {text}");
    }
    let outcome = RefundFlow::refund(gateway.as_ref(), first.clone(), ctx.clone(), policy)
        .map_err(err)?
        .run(&transport);
    for line in transport.log.borrow_mut().drain(..) {
        let _ = writeln!(out, "   {line}");
    }
    let _ = writeln!(out, "   → {}", outcome_line(&outcome));

    // 2. The answer lost after the simulator refunded: settled without refunding twice.
    let second = refund_of(2)?;
    simulator.set_fault(
        id,
        &second.refund_id,
        Fault {
            answer: Some(AnswerFault::LostAfterCommit),
            times: 1,
            ..Fault::default()
        },
    );
    let outcome = RefundFlow::refund(gateway.as_ref(), second.clone(), ctx.clone(), policy)
        .map_err(err)?
        .run(&transport);
    let _ = writeln!(
        out,
        "2. refund {} of {} {}, its answer lost after the simulator refunded",
        second.refund_id,
        row.currency,
        money_text(second.amount)
    );
    for line in transport.log.borrow_mut().drain(..) {
        let _ = writeln!(out, "   {line}");
    }
    let recorded = simulator
        .refunds(id, &order_no)
        .iter()
        .filter(|r| r.refund_no == second.refund_id)
        .count();
    let _ = writeln!(
        out,
        "   → {}; the simulator holds {recorded} refund {}",
        outcome_line(&outcome),
        second.refund_id
    );

    // 3. A status query.
    let query = StatusRequest {
        refund_id: first.refund_id.clone(),
        payment_id: order_no.clone(),
    };
    let outcome = RefundFlow::status(gateway.as_ref(), query, ctx.clone(), policy).run(&transport);
    transport.log.borrow_mut().clear();
    let _ = writeln!(
        out,
        "3. status query for {} → {}",
        first.refund_id,
        outcome_line(&outcome)
    );

    // 4. Notifications, where the gateway sends them: verified from the raw request, then
    //    acknowledged (a real handler records it first).
    let deliveries = simulator.poll_notifications(sim.now_ms() + 60_000);
    match deliveries.iter().find(|d| d.refund_no == first.refund_id) {
        None => {
            let _ = writeln!(out, "4. notifications: {} sends none", row.gateway);
        }
        Some(delivery) => {
            let (parts, body) = clone_request(&delivery.request)?.into_parts();
            let request = http::Request::from_parts(parts, body.as_slice());
            let notification = gateway.verify_notification(request).map_err(err)?;
            let ack = notification.ack();
            let stopped = simulator.acknowledge(delivery, &ack);
            let _ = writeln!(
                out,
                "4. notification about {} → verified (signed: {}, for this merchant: {}), status {}\n   answered {} → the simulator {}",
                notification.outcome.refund_id.as_deref().unwrap_or("?"),
                notification.outcome.trust.authenticated,
                notification.outcome.trust.bound,
                notification.outcome.status.as_str(),
                String::from_utf8_lossy(ack.body()),
                if stopped {
                    "stops re-sending"
                } else {
                    "will send it again"
                }
            );
        }
    }
    Ok(())
}

/// A copy of a request the simulator hands out (its method, URI, headers and body).
fn clone_request(request: &http::Request<Vec<u8>>) -> Result<http::Request<Vec<u8>>, CliError> {
    let mut builder = http::Request::builder()
        .method(request.method())
        .uri(request.uri());
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    builder.body(request.body().clone()).map_err(err)
}

pub fn demo() -> Result<String, CliError> {
    let mut out = String::new();
    for row in ROWS {
        show(row, &mut out)?;
        out.push('\n');
    }
    out.push_str(
        "A status counts only when its answer was verified (signature or digest) and names the \
         request; anything else stays unknown and is never settled by refunding again.\n\
         Serve the same simulator over HTTP for any client: \
         refundwire sandbox serve --addr 127.0.0.1:8080",
    );
    Ok(out)
}
