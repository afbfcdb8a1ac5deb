//! The refund flow against the gateway simulator (`SimTransport`), for every gateway: the
//! simulator's own ledger says how many refunds were made.

// Test code: a panic is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;
mod flow_support;

use flow_support::{GATEWAYS, gateway, refund};
use refundwire_std::Context;
use refundwire_std::flow::{Accepted, FlowOutcome, Policy, RefundFlow};
use refundwire_std::sandbox::{AnswerFault, Fault, GatewayId, SimTransport, Simulator};
use std::sync::Arc;
use std::time::Duration;

/// Runs the refund of `g` against a simulator where the refund number has `fault` once, and
/// returns the outcome and the refunds the simulator recorded for the order.
fn with_fault(g: &'static str, fault: Option<AnswerFault>) -> (FlowOutcome, usize) {
    let sim = Arc::new(Simulator::builtin().unwrap());
    let now = Context::system().now().unwrap().unix_ms() as u64;
    let id = GatewayId::from_name(g).unwrap();
    let r = refund(g);
    sim.add_order(
        id,
        &r.payment_id,
        r.amount.minor,
        r.amount.currency.code(),
        now,
    )
    .unwrap();
    if let Some(answer) = fault {
        let fault = Fault {
            answer: Some(answer),
            times: 1,
            ..Fault::default()
        };
        sim.set_fault(id, &r.refund_id, fault);
    }
    let transport = SimTransport::new(sim.clone(), now);
    let gw = gateway(g);
    // PayerMax's refund reply is always pending: keep asking until it settles.
    let policy = Policy {
        initial_backoff: Duration::from_millis(1),
        settle_pending: true,
        ..Policy::default()
    };
    let mut flow = RefundFlow::refund(gw.as_ref(), r.clone(), Context::system(), policy).unwrap();
    let outcome = flow.run(&transport);
    (outcome, sim.refunds(id, &r.payment_id).len())
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

#[test]
fn exactly_one_refund_whatever_happens_to_the_first_answer() {
    for g in GATEWAYS {
        for fault in [
            None,
            Some(AnswerFault::LostAfterCommit),
            Some(AnswerFault::BadSignature),
            Some(AnswerFault::Reset),
        ] {
            let (outcome, refunds) = with_fault(g, fault);
            // Where the refund's own answer is lost or forged, a query must settle it; one that
            // cannot name the refund (ScanForPay's order query) leaves it for review.
            let answer_lost_or_forged = matches!(
                fault,
                Some(AnswerFault::LostAfterCommit | AnswerFault::BadSignature)
            );
            if !answer_lost_or_forged || flow_support::query_proves_refund(g) {
                assert!(succeeded(&outcome), "{g} {fault:?}: {outcome:?}");
            } else {
                assert!(
                    matches!(outcome, FlowOutcome::Unknown { .. }),
                    "{g} {fault:?}: {outcome:?}"
                );
            }
            assert_eq!(refunds, 1, "{g} {fault:?}");
        }
    }
}

#[test]
fn a_request_that_timed_out_is_queried_not_resent() {
    for g in GATEWAYS {
        let (outcome, refunds) = with_fault(g, Some(AnswerFault::Timeout));
        // The simulator did not carry it out; no gateway may be resent to: needs review.
        assert_eq!(refunds, 0, "{g}");
        assert!(
            matches!(outcome, FlowOutcome::Unknown { .. }),
            "{g}: {outcome:?}"
        );
    }
}
