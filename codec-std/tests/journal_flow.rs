//! The refund flow through the journal, against the simulator in process (`SimTransport`),
//! on SQLite and on PostgreSQL (when `REFUNDWIRE_TEST_POSTGRES` is set): intent before
//! sending, lost answers settled by query, a crash left in flight settled by query (never
//! resent), a reused number refused before sending, notifications applied once.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;
mod flow_support;
mod journal_support;

use flow_support::gateway;
use refundwire_std::codec::money::Money;
use refundwire_std::flow::Policy;
use refundwire_std::journal::driver::{Driven, Driver};
use refundwire_std::journal::{self, Applied, Journal, State, raw_request};
use refundwire_std::sandbox::{AnswerFault, Fault, GatewayId, SimError, SimTransport, Simulator};
use refundwire_std::transport::{Transport, TransportError};
use refundwire_std::{Context, Operation, RefundRequest};
use std::sync::Arc;
use std::time::Duration;

/// The simulator as a flow transport.
struct Sim(SimTransport);

impl Transport for Sim {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        self.0.send(request).map_err(|e| match e {
            SimError::NotSent => TransportError::not_sent(e),
            SimError::MaybeSent { .. } => TransportError::maybe_sent(e),
        })
    }
}

fn policy() -> Policy {
    Policy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        ..Policy::default()
    }
}

/// A simulator with a paid order per refund; the refunds (PayerMax, USD-free: IDR).
fn setup(n: usize) -> (Sim, Vec<RefundRequest>) {
    let sim = Arc::new(Simulator::builtin().unwrap());
    let now = journal::now_ms() as u64;
    let template = flow_support::refund("payermax");
    let refunds = (0..n)
        .map(|i| {
            let order = format!("JO{i}");
            sim.add_order(GatewayId::PayerMax, &order, 50_000, "IDR", now)
                .unwrap();
            let amount = Money::new(10_000 + 100 * i as u64, template.amount.currency);
            RefundRequest::new(order, format!("JR{i}"), amount)
        })
        .collect();
    (Sim(SimTransport::new(sim, now)), refunds)
}

/// Refund requests that reached the simulator for `refund`, and its recorded refunds.
fn at_gateway(sim: &Sim, refund: &RefundRequest) -> Vec<u64> {
    sim.0
        .simulator()
        .refunds(GatewayId::PayerMax, &refund.payment_id)
        .iter()
        .filter(|r| r.refund_no == refund.refund_id)
        .map(|r| r.amount)
        .collect()
}

fn sent_refunds(j: &dyn Journal, refund: &RefundRequest) -> usize {
    j.exchanges(&journal::Key::new("payermax", refund.refund_id.clone()))
        .unwrap()
        .iter()
        .filter(|x| x.operation == Operation::Refund)
        .count()
}

fn done(driven: Driven) -> journal::Record {
    match driven {
        Driven::Done(r) => r,
        other => panic!("expected a record, got {other:?}"),
    }
}

fn sends_with_the_intent_first_and_refuses_a_reused_number(j: &dyn Journal) {
    let (sim, refunds) = setup(2);
    let g = gateway("payermax");
    let mut driver = Driver::new(j, g.as_ref(), &sim, Context::system(), policy());
    driver.recheck = Duration::from_secs(3600);
    let r = done(driver.run(&refunds[0]).unwrap());
    assert_eq!(
        r.state,
        State::Pending,
        "PayerMax's refund reply says pending"
    );
    assert!(r.next_check_ms.unwrap() > journal::now_ms() + 3_000_000);
    assert_eq!(r.attempts, 1);
    assert!(r.gateway_refund_id.as_deref().unwrap().starts_with("PMX"));
    assert_eq!(at_gateway(&sim, &refunds[0]), [10_000]);
    let xs = j.exchanges(&r.key).unwrap();
    assert_eq!(xs.len(), 1);
    assert!(
        xs[0].request.starts_with(b"POST https://"),
        "raw request line"
    );
    assert!(xs[0].answer.as_ref().unwrap().starts_with(b"HTTP/1.1 200"));

    // Running it again before its next check: nothing is sent, nothing asked.
    let r = done(driver.run(&refunds[0]).unwrap());
    assert_eq!(r.state, State::Pending);
    assert_eq!(j.exchanges(&r.key).unwrap().len(), 1);
    // A pending refund due for its check (another refund settles it first) is asked about.
    driver.recheck = Duration::ZERO;
    done(driver.run(&refunds[1]).unwrap());
    let claim = j.claim(&r.key).unwrap().unwrap();
    let due_now = journal::Settlement {
        state: State::Pending,
        gateway_refund_id: None,
        code: String::new(),
        message: String::new(),
        next_check_ms: Some(0),
    };
    j.settle(&claim, &due_now, journal::now_ms()).unwrap();
    j.release(claim).unwrap();
    let r = done(driver.run(&refunds[0]).unwrap());
    assert_eq!(r.state, State::Succeeded, "the query shows it settled");
    assert_eq!(sent_refunds(j, &refunds[0]), 1);

    // The same number for another amount: refused, nothing sent.
    let mut other = refunds[0].clone();
    other.amount.minor += 1;
    match driver.run(&other).unwrap() {
        Driven::Conflict(r) => assert_eq!(r.state, State::Succeeded),
        d => panic!("expected a conflict, got {d:?}"),
    }
    assert_eq!(at_gateway(&sim, &refunds[0]), [10_000]);
    assert_eq!(
        j.exchanges(&r.key).unwrap().len(),
        2,
        "no exchange for the reused number"
    );
}

fn a_lost_answer_is_settled_by_query(j: &dyn Journal) {
    let (sim, refunds) = setup(1);
    let fault = Fault {
        answer: Some(AnswerFault::LostAfterCommit),
        times: 1,
        ..Fault::default()
    };
    sim.0
        .simulator()
        .set_fault(GatewayId::PayerMax, &refunds[0].refund_id, fault);
    let g = gateway("payermax");
    let driver = Driver::new(j, g.as_ref(), &sim, Context::system(), policy());
    let r = done(driver.run(&refunds[0]).unwrap());
    assert_eq!(r.state, State::Succeeded);
    assert_eq!(at_gateway(&sim, &refunds[0]), [10_000]);
    let ops: Vec<(Operation, bool)> = j
        .exchanges(&r.key)
        .unwrap()
        .iter()
        .map(|x| (x.operation, x.answer.is_some()))
        .collect();
    assert_eq!(
        ops,
        [(Operation::Refund, false), (Operation::Status, true)],
        "lost answer, then the query"
    );
}

fn a_crash_in_flight_is_settled_by_query(location: &str) {
    let (sim, refunds) = setup(2);
    let first = journal::open(location).unwrap();
    let j = first.as_ref();
    let g = gateway("payermax");
    let ctx = Context::system();
    // Process 1: intent committed, request sent (refund 0) or not (refund 1), then it dies.
    for (i, refund) in refunds.iter().enumerate() {
        let new = journal::new_refund("payermax", refund);
        j.register(std::slice::from_ref(&new), journal::now_ms())
            .unwrap();
        let claim = j.claim(&new.key).unwrap().unwrap();
        let prepared = g.prepare_refund(refund, &ctx).unwrap();
        j.begin_exchange(
            &claim,
            Operation::Refund,
            &raw_request(&prepared.request),
            1,
        )
        .unwrap();
        if i == 0 {
            sim.send(prepared.request).unwrap();
        }
        // Dies: no answer recorded, the claim never released.
        let _ = claim;
    }
    drop(first);
    // Process 2, on the same journal.
    let second = journal::open(location).unwrap();
    let j = second.as_ref();
    let driver = Driver::new(j, g.as_ref(), &sim, ctx, policy());
    // PostgreSQL lets the dead session's row locks go once it sees the connection closed.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut settled = Vec::new();
    while settled.len() < 2 && std::time::Instant::now() < deadline {
        settled.extend(driver.resume().unwrap_or_else(|e| panic!("{e}")));
    }
    assert_eq!(settled.len(), 2);
    let sent = j
        .get(&journal::Key::new("payermax", "JR0"))
        .unwrap()
        .unwrap();
    assert_eq!(sent.state, State::Succeeded, "{sent:?}");
    let xs = j.exchanges(&sent.key).unwrap();
    assert_eq!(
        xs.last().unwrap().operation,
        Operation::Status,
        "asked, not resent"
    );
    assert_eq!(sent_refunds(j, &refunds[0]), 1);
    assert_eq!(at_gateway(&sim, &refunds[0]), [10_000]);
    // The one that never left: the gateway knows nothing of it, and PayerMax does not
    // document de-duplication, so it is not resent: needs review.
    let unsent = j
        .get(&journal::Key::new("payermax", "JR1"))
        .unwrap()
        .unwrap();
    assert_eq!(unsent.state, State::Unknown, "{unsent:?}");
    assert_eq!(unsent.code, "needs_review");
    assert_eq!(sent_refunds(j, &refunds[1]), 1);
    assert!(at_gateway(&sim, &refunds[1]).is_empty());
}

fn a_notification_is_applied_once_then_acknowledged(j: &dyn Journal) {
    let (sim, mut refunds) = setup(1);
    let fault = Fault {
        pending_ms: Some(1_000),
        ..Fault::default()
    };
    sim.0
        .simulator()
        .set_fault(GatewayId::PayerMax, &refunds[0].refund_id, fault);
    refunds[0].notify_url = Some("http://127.0.0.1:9/notify".into());
    let g = gateway("payermax");
    let driver = Driver::new(j, g.as_ref(), &sim, Context::system(), policy());
    let r = done(driver.run(&refunds[0]).unwrap());
    assert_eq!(r.state, State::Pending);
    sim.0.advance(2_000);
    let deliveries = sim.0.simulator().poll_notifications(sim.0.now_ms());
    assert_eq!(deliveries.len(), 1);
    let (parts, body) = deliveries[0].request.clone().into_parts();
    let request = || http::Request::from_parts(parts.clone(), body.as_slice());
    let (applied, ack) = journal::notify(j, g.as_ref(), request(), 5).unwrap();
    assert_eq!(applied, Applied::Changed);
    assert!(sim.0.simulator().acknowledge(&deliveries[0], &ack));
    assert_eq!(j.get(&r.key).unwrap().unwrap().state, State::Succeeded);
    // Re-sent: nothing changes, acknowledged again.
    let (applied, _) = journal::notify(j, g.as_ref(), request(), 6).unwrap();
    assert_eq!(applied, Applied::Unchanged);
    // A forged one is refused before it touches the journal.
    let forged = http::Request::from_parts(parts.clone(), &b"{}"[..]);
    assert!(journal::notify(j, g.as_ref(), forged, 7).is_err());
    let notes = j
        .exchanges(&r.key)
        .unwrap()
        .into_iter()
        .filter(|x| x.operation == Operation::Notification)
        .count();
    assert_eq!(notes, 1);
}

/// Every case on a fresh journal at the location `fresh` gives.
fn suite(fresh: &mut dyn FnMut() -> String) {
    let open = |location: String| journal::open(&location).unwrap();
    sends_with_the_intent_first_and_refuses_a_reused_number(open(fresh()).as_ref());
    a_lost_answer_is_settled_by_query(open(fresh()).as_ref());
    a_crash_in_flight_is_settled_by_query(&fresh());
    a_notification_is_applied_once_then_acknowledged(open(fresh()).as_ref());
}

#[test]
fn journaled_flow_on_sqlite() {
    suite(&mut || journal_support::sqlite_path().to_str().unwrap().to_owned());
}

#[test]
fn journaled_flow_on_postgres() {
    if journal_support::postgres_url("journaled_flow_on_postgres").is_none() {
        return;
    }
    suite(&mut || journal_support::postgres_url("journaled_flow_on_postgres").unwrap());
}
