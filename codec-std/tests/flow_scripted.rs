//! The refund flow over a scripted transport, for every gateway, with both drivers: the
//! transport plays a script of answers and failures and records every request, and whether it
//! reached the "gateway". Answers come from `tests/vectors/` or are signed as the gateway
//! signs (`flow_support`).

// Test code: a panic is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;
mod flow_support;

use flow_support::{GATEWAYS, Kind, Script, Step, answer, gateway, refund, refund_reply_status};
use refundwire::RefundStatus;
use refundwire_std::flow::{
    Accepted, FlowOutcome, Observed, Policy, RefundFlow, Rejection, UnknownReason,
};
use refundwire_std::transport::{AsyncTransport, Transport, TransportError};
use refundwire_std::{Context, Operation, StatusRequest};
use std::time::Duration;

/// A transport that plays a [`Script`] in-process.
struct Scripted(Script);

impl std::ops::Deref for Scripted {
    type Target = Script;
    fn deref(&self) -> &Script {
        &self.0
    }
}

impl Scripted {
    fn new(gateway: &'static str, steps: &[Step]) -> Self {
        Scripted(Script::new(gateway, steps))
    }

    fn respond(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        match self.next(request.uri().path(), request.body()) {
            Step::Answer(kind) => Ok(answer(self.gateway(), kind, request.body())),
            Step::NotSent => Err(TransportError::not_sent("connection refused")),
            Step::LostAnswer | Step::LostRequest => Err(TransportError::maybe_sent(
                "connection reset after the request was written",
            )),
        }
    }
}

impl Transport for Scripted {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        self.respond(request)
    }
}

impl AsyncTransport for Scripted {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        self.respond(request)
    }
}

const ATTEMPTS: u32 = 4;

fn policy() -> Policy {
    Policy {
        max_attempts: ATTEMPTS,
        initial_backoff: Duration::from_millis(1),
        backoff_factor: 2,
        max_backoff: Duration::from_millis(4),
        deadline: Duration::from_secs(20),
        settle_pending: false,
    }
}

#[derive(Debug, Clone, Copy)]
enum Driver {
    Blocking,
    Async,
}

/// Runs the refund of `gateway` through `driver` against `steps`.
fn run(
    gateway_name: &'static str,
    driver: Driver,
    steps: &[Step],
    policy: Policy,
) -> (FlowOutcome, Scripted) {
    let gateway = gateway(gateway_name);
    let transport = Scripted::new(gateway_name, steps);
    let mut flow = RefundFlow::refund(
        gateway.as_ref(),
        refund(gateway_name),
        Context::system(),
        policy,
    )
    .unwrap();
    let outcome = match driver {
        Driver::Blocking => flow.run(&transport),
        Driver::Async => tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(flow.run_async(&transport, |at| tokio::time::sleep_until(at.into()))),
    };
    (outcome, transport)
}

/// Every gateway, both drivers.
fn each(mut check: impl FnMut(&'static str, Driver)) {
    for gateway in GATEWAYS {
        for driver in [Driver::Blocking, Driver::Async] {
            check(gateway, driver);
        }
    }
}

/// Settled by a verified query: succeeded where a query can prove it, needs review otherwise.
fn settled_by_query(gateway: &str, outcome: &FlowOutcome) -> bool {
    if flow_support::query_proves_refund(gateway) {
        succeeded(outcome)
    } else {
        matches!(outcome, FlowOutcome::Unknown { .. })
    }
}

fn succeeded(outcome: &FlowOutcome) -> bool {
    matches!(
        outcome,
        FlowOutcome::Accepted {
            status: Accepted::Succeeded,
            answer,
        } if answer.status == RefundStatus::Succeeded
    )
}

#[test]
fn the_answer_lost_after_the_gateway_refunded_is_found_by_a_query() {
    each(|g, d| {
        let (outcome, t) = run(
            g,
            d,
            &[Step::LostAnswer, Step::Answer(Kind::QuerySucceeded)],
            policy(),
        );
        assert!(settled_by_query(g, &outcome), "{g} {d:?}: {outcome:?}");
        assert_eq!(t.refunds_reached(), 1, "{g} {d:?}");
        assert_eq!(t.refunds_sent(), 1, "{g} {d:?}");
        if flow_support::query_proves_refund(g) {
            assert_eq!(t.sent(), flow_support::REFUND_THEN_QUERY, "{g} {d:?}");
        }
    });
}

#[test]
fn a_refund_that_was_not_sent_is_sent_again_with_the_same_number() {
    each(|g, d| {
        let (outcome, t) = run(
            g,
            d,
            &[
                Step::NotSent,
                Step::Answer(Kind::RefundAccepted),
                Step::Answer(Kind::QuerySucceeded),
            ],
            policy(),
        );
        assert_eq!(t.refunds_sent(), 2, "{g} {d:?}");
        assert_eq!(t.refunds_reached(), 1, "{g} {d:?}");
        match refund_reply_status(g) {
            // The refund reply is definite: nothing else is sent.
            Some(status) => {
                assert_eq!(t.sent().len(), 2, "{g} {d:?}");
                let FlowOutcome::Accepted { status: s, answer } = &outcome else {
                    panic!("{g} {d:?}: {outcome:?}")
                };
                assert_eq!(answer.status, status, "{g} {d:?}");
                assert_eq!(answer.operation, Operation::Refund);
                let expected = match status {
                    RefundStatus::Pending => Accepted::Pending,
                    _ => Accepted::Succeeded,
                };
                assert_eq!(*s, expected);
            }
            // OTTPay: confirmed by the query.
            None => {
                assert!(settled_by_query(g, &outcome), "{g} {d:?}: {outcome:?}");
                assert_eq!(t.sent().len(), 3);
            }
        }
    });
}

#[test]
fn maybe_sent_is_queried_never_resent_and_ends_unknown_without_a_definite_answer() {
    // No gateway both de-duplicates and can prove a refund absent: none is ever resent.
    each(|g, d| {
        let (outcome, t) = run(
            g,
            d,
            &[Step::LostRequest, Step::Answer(Kind::QueryUnknown)],
            policy(),
        );
        let FlowOutcome::Unknown { reason, evidence } = &outcome else {
            panic!("{g} {d:?}: {outcome:?}")
        };
        assert_eq!(*reason, UnknownReason::NoDefiniteAnswer);
        assert_eq!(
            t.refunds_sent(),
            1,
            "{g} {d:?}: one refund, then queries only"
        );
        assert_eq!(t.refunds_reached(), 0);
        assert_eq!(t.sent().len(), ATTEMPTS as usize, "{g} {d:?}");
        assert!(matches!(
            evidence[0].observed,
            Observed::Transport {
                maybe_sent: true,
                ..
            }
        ));
        assert!(
            evidence[1..]
                .iter()
                .all(|e| e.operation == Operation::Status)
        );
    });
}

#[test]
fn a_reply_with_a_bad_signature_is_settled_by_a_verified_query() {
    each(|g, d| {
        let (outcome, t) = run(
            g,
            d,
            &[
                Step::Answer(Kind::RefundBadSignature),
                Step::Answer(Kind::QuerySucceeded),
            ],
            policy(),
        );
        assert!(settled_by_query(g, &outcome), "{g} {d:?}: {outcome:?}");
        assert_eq!(t.refunds_sent(), 1, "{g} {d:?}");
        if flow_support::query_proves_refund(g) {
            assert_eq!(t.sent().len(), 2, "{g} {d:?}");
        }
    });
}

#[test]
fn a_bad_signature_and_no_definite_query_ends_unknown_after_one_refund() {
    each(|g, d| {
        let (outcome, t) = run(
            g,
            d,
            &[
                Step::Answer(Kind::RefundBadSignature),
                Step::Answer(Kind::QueryUnknown),
            ],
            policy(),
        );
        assert!(
            matches!(outcome, FlowOutcome::Unknown { .. }),
            "{g} {d:?}: {outcome:?}"
        );
        assert_eq!(t.refunds_sent(), 1, "{g} {d:?}");
        assert_eq!(t.refunds_reached(), 1, "{g} {d:?}");
    });
}

#[test]
fn ottpay_success_is_taken_from_the_signed_query_never_from_the_refund_reply() {
    for d in [Driver::Blocking, Driver::Async] {
        let (outcome, t) = run(
            "ottpay",
            d,
            &[
                Step::Answer(Kind::RefundAccepted),
                Step::Answer(Kind::QuerySucceeded),
            ],
            policy(),
        );
        let FlowOutcome::Accepted { status, answer } = &outcome else {
            panic!("{d:?}: {outcome:?}")
        };
        assert_eq!(*status, Accepted::Succeeded);
        assert_eq!(answer.operation, Operation::Status);
        assert_eq!(t.sent().len(), 2);

        // Its refund reply says SUCCESS, outside the digest: without a signed query the
        // refund stays unknown.
        let (outcome, t) = run(
            "ottpay",
            d,
            &[
                Step::Answer(Kind::RefundAccepted),
                Step::Answer(Kind::QueryUnknown),
            ],
            policy(),
        );
        let FlowOutcome::Unknown { evidence, .. } = &outcome else {
            panic!("{d:?}: {outcome:?}")
        };
        let Observed::Answer(first) = &evidence[0].observed else {
            panic!("{evidence:?}")
        };
        assert_eq!(first.claimed_status, RefundStatus::Succeeded);
        assert_eq!(first.status, RefundStatus::Unknown);
        assert_eq!(t.refunds_sent(), 1);
    }
}

#[test]
fn a_stale_pending_stays_pending() {
    // PayerMax's refund reply is a signed, bound REFUND_PENDING; the queries after it never
    // settle it.
    for d in [Driver::Blocking, Driver::Async] {
        let settle = Policy {
            settle_pending: true,
            ..policy()
        };
        let (outcome, t) = run(
            "payermax",
            d,
            &[
                Step::Answer(Kind::RefundAccepted),
                Step::Answer(Kind::QueryUnknown),
            ],
            settle,
        );
        let FlowOutcome::Accepted { status, answer } = &outcome else {
            panic!("{d:?}: {outcome:?}")
        };
        assert_eq!(*status, Accepted::Pending);
        assert_eq!(answer.operation, Operation::Refund);
        assert_eq!(t.sent().len(), ATTEMPTS as usize);
        assert_eq!(t.refunds_sent(), 1);
    }
}

#[test]
fn a_refund_that_never_left_is_rejected_as_never_sent() {
    each(|g, d| {
        let (outcome, t) = run(g, d, &[Step::NotSent], policy());
        let FlowOutcome::Rejected(Rejection::NeverSent(evidence)) = &outcome else {
            panic!("{g} {d:?}: {outcome:?}")
        };
        assert_eq!(evidence.len(), ATTEMPTS as usize);
        assert_eq!(t.refunds_sent(), ATTEMPTS as usize);
        assert_eq!(t.refunds_reached(), 0);
    });
}

#[test]
fn a_status_flow_asks_until_the_answer_is_definite() {
    each(|g, d| {
        let gateway = gateway(g);
        let r = refund(g);
        let query = StatusRequest {
            refund_id: r.refund_id,
            payment_id: r.payment_id,
        };
        let transport = Scripted::new(g, &[Step::LostAnswer, Step::Answer(Kind::QuerySucceeded)]);
        let mut flow = RefundFlow::status(gateway.as_ref(), query, Context::system(), policy());
        let outcome = match d {
            Driver::Blocking => flow.run(&transport),
            Driver::Async => tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap()
                .block_on(flow.run_async(&transport, |at| tokio::time::sleep_until(at.into()))),
        };
        assert!(settled_by_query(g, &outcome), "{g} {d:?}: {outcome:?}");
        assert_eq!(transport.refunds_sent(), 0);
        if flow_support::query_proves_refund(g) {
            assert_eq!(transport.sent().len(), 2);
        }
    });
}
