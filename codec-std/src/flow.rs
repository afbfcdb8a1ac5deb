//! Sending a refund safely: a sans-IO state machine, [`RefundFlow`], that never refunds twice,
//! and two thin drivers over it ([`RefundFlow::run`] blocking, [`RefundFlow::run_async`]).
//!
//! The flow never touches a socket or a clock. It emits [`Action`]s (send the refund, send a
//! status query, wait until an instant, done) and takes [`Event`]s (the answer, a transport
//! error, the timer) with the current instant. Its rules:
//! - **one refund number** per logical refund, reused on every attempt (a fresh one is made
//!   only when the caller gives none);
//! - a [`TransportError::NotSent`] refund is sent again (it cannot have arrived);
//! - after [`TransportError::MaybeSent`], an answer that does not verify, or a status that is
//!   not definite (the trust rule of [`crate::Trust`]), the flow **asks** with the status
//!   query, with backoff — it never sends the refund blindly again;
//! - it sends the same refund again only where the gateway documents that it de-duplicates
//!   the number *and* a verified query proves that no such refund exists
//!   ([`RefundFacts`]); with proof of absence but no
//!   de-duplication it ends [`FlowOutcome::Unknown`] ("needs review");
//! - a reply whose status is never definite on its own (OTTPay's `REFUND`) is confirmed by a
//!   query, like any other indefinite answer;
//! - a pending refund stays pending: running out of attempts or time after a definite
//!   pending ends [`FlowOutcome::Accepted`] with [`Accepted::Pending`], never failed;
//! - attempts, backoff and an overall deadline are a [`Policy`] the caller sets.
//!
//! ```
//! use refundwire_std::flow::{FlowOutcome, Policy, RefundFlow};
//! use refundwire_std::registry::{self, Credentials};
//! use refundwire_std::transport::{Transport, TransportError};
//! use refundwire_std::codec::money::{Currency, Money};
//! use refundwire_std::{Context, RefundRequest};
//!
//! /// A network that is down: nothing ever leaves.
//! struct Down;
//! impl Transport for Down {
//!     fn send(&self, _: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
//!         Err(TransportError::not_sent("connection refused"))
//!     }
//! }
//!
//! let credentials = Credentials::parse(br#"{"merchant_id":"M1","sign_key":"4283FEFC63F0CD0E"}"#, ".")?;
//! let gateway = registry::build("ottpay", &credentials)?;
//! let refund = RefundRequest::new("ORDER-1", "RF-1", Money::new(1050, Currency::from_code("CAD")?));
//! let policy = Policy { max_attempts: 3, initial_backoff: std::time::Duration::from_millis(1), ..Policy::default() };
//! let mut flow = RefundFlow::refund(gateway.as_ref(), refund, Context::system(), policy)?;
//! // Nothing reached OTTPay: definitely not refunded, and safe to try again later.
//! assert!(matches!(flow.run(&Down), FlowOutcome::Rejected { .. }));
//! # Ok::<(), refundwire_std::Error>(())
//! ```

use crate::api::{Answer, Binding, Gateway, Operation, Prepared, RefundOutcome, RefundRequest};
use crate::api::{StatusRequest, fresh_refund_number};
use crate::fields::Fields;
use crate::transport::{AsyncTransport, Transport, TransportError};
use crate::{Context, Error, RefundStatus, Result};
use refundwire::gateway::RefundFacts;
use std::future::Future;
use std::time::{Duration, Instant};

/// Attempts, backoff and deadline: what the caller allows the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Most requests handed to the transport, refunds and queries together (at least one is
    /// always sent).
    pub max_attempts: u32,
    /// The wait before the first resend or query.
    pub initial_backoff: Duration,
    /// Each later wait is the previous one times this factor...
    pub backoff_factor: u32,
    /// ...up to this.
    pub max_backoff: Duration,
    /// The flow ends no later than this after it started (no request is sent after it).
    pub deadline: Duration,
    /// Keep querying a definite pending refund until it succeeds or fails (within attempts
    /// and deadline); otherwise the first definite pending ends the flow.
    pub settle_pending: bool,
}

impl Default for Policy {
    /// 6 attempts, backoff 0.5 s doubling up to 30 s, deadline 2 minutes, pending accepted as
    /// it comes.
    fn default() -> Self {
        Policy {
            max_attempts: 6,
            initial_backoff: Duration::from_millis(500),
            backoff_factor: 2,
            max_backoff: Duration::from_secs(30),
            deadline: Duration::from_secs(120),
            settle_pending: false,
        }
    }
}

/// What the driver does next.
#[derive(Debug)]
pub enum Action {
    /// Send this refund request (the same refund number as every earlier attempt), then
    /// report what happened with [`RefundFlow::handle`].
    Send(Prepared),
    /// Send this status query, then report what happened.
    Query(Prepared),
    /// Nothing to do before this instant; then report [`Event::Timer`].
    WaitUntil(Instant),
    /// The flow is over.
    Done(FlowOutcome),
}

/// What happened, reported to [`RefundFlow::handle`].
#[derive(Debug)]
pub enum Event {
    /// The answer to the request last handed out, whatever its HTTP status.
    Answer(http::Response<Vec<u8>>),
    /// The request last handed out failed.
    TransportError(TransportError),
    /// Time passed (after [`Action::WaitUntil`]). Reported while a request is out, it means
    /// the driver gave up waiting for its answer: treated as
    /// [`TransportError::MaybeSent`].
    Timer,
}

/// How the refund ended up, when it was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// Accepted, not final yet: the money may still come back or the refund may still fail
    /// (query later, or wait for the notification).
    Pending,
    /// Done.
    Succeeded,
}

/// Why nothing was refunded.
#[derive(Debug, Clone, PartialEq)]
pub enum Rejection {
    /// The gateway said so, signed and bound: the answer.
    Gateway(RefundOutcome),
    /// The refund never reached the gateway (every attempt was not sent, or could not be
    /// prepared): the evidence. Trying again later under the same number is safe.
    NeverSent(Vec<Evidence>),
}

/// Why the outcome is unknown.
#[derive(Debug, Clone, PartialEq)]
pub enum UnknownReason {
    /// No definite answer before attempts or deadline ran out.
    NoDefiniteAnswer,
    /// A verified query says the refund does not exist, but the gateway is not known to
    /// de-duplicate refund numbers: sending it again could refund twice if the first
    /// request is still on its way.
    AbsentButNotDeduplicated,
    /// A request could not be prepared after the refund may have been sent.
    Local(Error),
}

impl UnknownReason {
    /// One line for a human.
    pub fn describe(&self) -> String {
        match self {
            UnknownReason::NoDefiniteAnswer => {
                "no signed, bound answer before the attempts or the deadline ran out".into()
            }
            UnknownReason::AbsentButNotDeduplicated => "the gateway says the refund does not \
                exist, but it is not known to de-duplicate refund numbers: not resent"
                .into(),
            UnknownReason::Local(e) => format!("a request could not be prepared: {e}"),
        }
    }
}

/// The flow's result.
#[derive(Debug, Clone, PartialEq)]
pub enum FlowOutcome {
    /// The gateway accepted the refund (signed and bound).
    Accepted {
        /// Pending or succeeded.
        status: Accepted,
        /// The answer that showed it.
        answer: RefundOutcome,
    },
    /// Definitely nothing was refunded.
    Rejected(Rejection),
    /// Nobody knows yet: needs review (query later; never refund again under a new number
    /// before the gateway says this one failed).
    Unknown {
        /// Why.
        reason: UnknownReason,
        /// Every exchange, in order.
        evidence: Vec<Evidence>,
    },
}

/// What one exchange showed.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// Refund or status query.
    pub operation: Operation,
    /// What came of it.
    pub observed: Observed,
}

/// What came of one exchange.
#[derive(Debug, Clone, PartialEq)]
pub enum Observed {
    /// A decoded answer (its status under the trust rule).
    Answer(RefundOutcome),
    /// An answer that did not verify or decode.
    Unverified(Error),
    /// The transport failed; `maybe_sent` says whether the request can have arrived.
    Transport {
        /// Whether the request may have reached the gateway.
        maybe_sent: bool,
        /// What failed.
        cause: String,
    },
    /// The request could not be prepared (nothing was sent).
    NotPrepared(Error),
}

impl Evidence {
    /// One line for a human, e.g. `status: answered, status unknown (not signed)`.
    pub fn describe(&self) -> String {
        let what = match &self.observed {
            Observed::Answer(o) => {
                let why = match (o.trust.authenticated, o.trust.bound) {
                    (true, true) => String::new(),
                    (false, _) => " (not signed)".into(),
                    (true, false) => " (not bound to this refund)".into(),
                };
                let shape = match o.answer {
                    Answer::Accepted => "accepted".to_owned(),
                    Answer::Refused => format!("refused with {}", o.code),
                };
                format!("{shape}, status {}{why}", o.status.as_str())
            }
            Observed::Unverified(e) => format!("answer rejected: {e}"),
            Observed::Transport { maybe_sent, cause } => format!(
                "{}: {cause}",
                if *maybe_sent {
                    "may have been sent"
                } else {
                    "not sent"
                }
            ),
            Observed::NotPrepared(e) => format!("not prepared: {e}"),
        };
        format!("{}: {what}", self.operation.as_str())
    }
}

/// The refund, as the caller gave it.
#[derive(Debug, Clone)]
enum RefundSpec {
    Neutral(RefundRequest),
    Fields(Fields),
}

/// The status query, as the caller gave it (or derived from the refund).
#[derive(Debug, Clone)]
enum QuerySpec {
    Neutral(StatusRequest),
    Fields(Fields),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    Refund,
    Query,
}

#[derive(Debug)]
enum State {
    Start,
    InFlight(Binding),
    Waiting(Instant, Next),
    Done(FlowOutcome),
}

/// The sans-IO refund flow (module docs).
#[derive(Debug)]
pub struct RefundFlow<'g> {
    gateway: &'g dyn Gateway,
    ctx: Context,
    policy: Policy,
    facts: &'static RefundFacts,
    refund: Option<RefundSpec>,
    query: QuerySpec,
    refund_id: Option<String>,
    started: Option<Instant>,
    attempts: u32,
    backoff: Duration,
    state: State,
    /// Some refund attempt may have reached the gateway.
    refund_may_have_arrived: bool,
    /// Start with the status query even though there is a refund to send ([`Self::resume`]).
    query_first: bool,
    /// The last definite pending answer.
    pending: Option<RefundOutcome>,
    evidence: Vec<Evidence>,
}

impl<'g> RefundFlow<'g> {
    fn new(
        gateway: &'g dyn Gateway,
        ctx: Context,
        policy: Policy,
        refund: Option<RefundSpec>,
        query: QuerySpec,
        refund_id: Option<String>,
    ) -> Self {
        RefundFlow {
            gateway,
            ctx,
            policy,
            facts: gateway.refund_facts(),
            refund,
            query,
            refund_id,
            started: None,
            attempts: 0,
            backoff: policy.initial_backoff,
            state: State::Start,
            refund_may_have_arrived: false,
            query_first: false,
            pending: None,
            evidence: Vec::new(),
        }
    }

    /// A flow that sends `refund` (a fresh refund number from `ctx` when its `refund_id` is
    /// empty) and settles it.
    pub fn refund(
        gateway: &'g dyn Gateway,
        mut refund: RefundRequest,
        ctx: Context,
        policy: Policy,
    ) -> Result<Self> {
        if refund.refund_id.is_empty() {
            refund.refund_id = fresh_refund_number(&ctx)?;
        }
        let query = QuerySpec::Neutral(StatusRequest {
            refund_id: refund.refund_id.clone(),
            payment_id: refund.payment_id.clone(),
        });
        let id = Some(refund.refund_id.clone());
        let spec = Some(RefundSpec::Neutral(refund));
        Ok(Self::new(gateway, ctx, policy, spec, query, id))
    }

    /// A flow for a refund that may already have reached the gateway (a journal record a
    /// crash left in flight): it **asks first** with the status query and treats the refund
    /// as possibly arrived, so it is sent again only where [`RefundFacts`] allow it after a
    /// verified proof of absence — never blindly. `refund.refund_id` must be the number the
    /// earlier attempt used.
    pub fn resume(
        gateway: &'g dyn Gateway,
        refund: RefundRequest,
        ctx: Context,
        policy: Policy,
    ) -> Result<Self> {
        if refund.refund_id.is_empty() {
            return Err(Error::Input(
                "resuming needs the refund number the earlier attempt used".into(),
            ));
        }
        let mut flow = Self::refund(gateway, refund, ctx, policy)?;
        flow.refund_may_have_arrived = true;
        flow.query_first = true;
        Ok(flow)
    }

    /// A flow that sends a refund given under the protocol's member names (what `refundwire
    /// encode` reads; a fresh refund number when they leave it out) and settles it.
    pub fn refund_fields(
        gateway: &'g dyn Gateway,
        fields: &Fields,
        ctx: Context,
        policy: Policy,
    ) -> Result<Self> {
        let pinned = gateway.pin_refund_fields(fields, &ctx)?;
        let id = Some(pinned.status.refund_id.clone());
        let query = QuerySpec::Neutral(pinned.status);
        let spec = Some(RefundSpec::Fields(pinned.fields));
        Ok(Self::new(gateway, ctx, policy, spec, query, id))
    }

    /// A flow that only asks about a refund until the answer is definite.
    pub fn status(
        gateway: &'g dyn Gateway,
        query: StatusRequest,
        ctx: Context,
        policy: Policy,
    ) -> Self {
        let id = Some(query.refund_id.clone());
        Self::new(gateway, ctx, policy, None, QuerySpec::Neutral(query), id)
    }

    /// A flow that only asks, with a status query given under the protocol's member names.
    pub fn status_fields(
        gateway: &'g dyn Gateway,
        fields: Fields,
        ctx: Context,
        policy: Policy,
    ) -> Self {
        Self::new(gateway, ctx, policy, None, QuerySpec::Fields(fields), None)
    }

    /// The merchant refund number every attempt uses (status flows given as fields: `None`).
    pub fn refund_id(&self) -> Option<&str> {
        self.refund_id.as_deref()
    }

    /// Every exchange so far, in order.
    pub fn evidence(&self) -> &[Evidence] {
        &self.evidence
    }

    /// The first action, at `now`.
    pub fn start(&mut self, now: Instant) -> Action {
        self.handle(now, Event::Timer)
    }

    /// Takes what happened at `now` and returns what to do next.
    pub fn handle(&mut self, now: Instant, event: Event) -> Action {
        let started = *self.started.get_or_insert(now);
        let state = std::mem::replace(&mut self.state, State::Start);
        match (state, event) {
            (State::Done(outcome), _) => self.finish(outcome),
            (State::Start, _) => {
                let first = if self.refund.is_some() && !self.query_first {
                    Next::Refund
                } else {
                    Next::Query
                };
                self.fire(first)
            }
            (State::Waiting(until, next), Event::Timer) => {
                if now < until {
                    self.state = State::Waiting(until, next);
                    Action::WaitUntil(until)
                } else if now > started + self.policy.deadline {
                    self.exhausted()
                } else {
                    self.fire(next)
                }
            }
            // An answer or error with nothing out: ignored.
            (State::Waiting(until, next), _) => {
                self.state = State::Waiting(until, next);
                Action::WaitUntil(until)
            }
            (State::InFlight(binding), Event::Answer(response)) => {
                self.on_answer(now, binding, response)
            }
            (State::InFlight(binding), Event::TransportError(error)) => {
                self.on_transport_error(now, binding.operation, error)
            }
            (State::InFlight(binding), Event::Timer) => {
                let error = TransportError::maybe_sent("no answer before the driver's timer");
                self.on_transport_error(now, binding.operation, error)
            }
        }
    }

    fn log(&mut self, operation: Operation, observed: Observed) {
        self.evidence.push(Evidence {
            operation,
            observed,
        });
    }

    fn finish(&mut self, outcome: FlowOutcome) -> Action {
        self.state = State::Done(outcome.clone());
        Action::Done(outcome)
    }

    /// Prepares and hands out the next request.
    fn fire(&mut self, next: Next) -> Action {
        self.attempts += 1;
        let (operation, prepared) = match (next, &self.refund) {
            (Next::Refund, Some(RefundSpec::Neutral(r))) => {
                (Operation::Refund, self.gateway.prepare_refund(r, &self.ctx))
            }
            (Next::Refund, Some(RefundSpec::Fields(f))) => (
                Operation::Refund,
                self.gateway.prepare_fields(Operation::Refund, f, &self.ctx),
            ),
            (_, _) => (
                Operation::Status,
                match &self.query {
                    QuerySpec::Neutral(q) => self.gateway.prepare_status(q, &self.ctx),
                    QuerySpec::Fields(f) => {
                        self.gateway.prepare_fields(Operation::Status, f, &self.ctx)
                    }
                },
            ),
        };
        match prepared {
            Ok(prepared) => {
                self.state = State::InFlight(prepared.binding.clone());
                match operation {
                    Operation::Refund => Action::Send(prepared),
                    _ => Action::Query(prepared),
                }
            }
            Err(e) => {
                self.log(operation, Observed::NotPrepared(e.clone()));
                if self.refund_may_have_arrived || self.refund.is_none() {
                    let evidence = self.evidence.clone();
                    self.finish(FlowOutcome::Unknown {
                        reason: UnknownReason::Local(e),
                        evidence,
                    })
                } else {
                    self.finish(FlowOutcome::Rejected(Rejection::NeverSent(
                        self.evidence.clone(),
                    )))
                }
            }
        }
    }

    fn on_answer(
        &mut self,
        now: Instant,
        binding: Binding,
        response: http::Response<Vec<u8>>,
    ) -> Action {
        let operation = binding.operation;
        if operation == Operation::Refund {
            // An answer came: the request arrived, whatever the answer says.
            self.refund_may_have_arrived = true;
        }
        let (parts, body) = response.into_parts();
        let decoded = self
            .gateway
            .decode(&binding, http::Response::from_parts(parts, body.as_slice()));
        match decoded {
            Ok(outcome) => {
                self.log(operation, Observed::Answer(outcome.clone()));
                self.judge(now, operation, outcome)
            }
            Err(e) => {
                self.log(operation, Observed::Unverified(e));
                self.schedule(now, Next::Query)
            }
        }
    }

    fn judge(&mut self, now: Instant, operation: Operation, outcome: RefundOutcome) -> Action {
        if operation == Operation::Status
            && outcome.answer == Answer::Refused
            && self.facts.proves_absence(&outcome.code, outcome.trust)
            && self.refund.is_some()
        {
            return if self.facts.deduplicates_refund_number {
                self.schedule(now, Next::Refund)
            } else {
                let evidence = self.evidence.clone();
                self.finish(FlowOutcome::Unknown {
                    reason: UnknownReason::AbsentButNotDeduplicated,
                    evidence,
                })
            };
        }
        match outcome.status {
            RefundStatus::Succeeded => self.finish(FlowOutcome::Accepted {
                status: Accepted::Succeeded,
                answer: outcome,
            }),
            RefundStatus::Failed => self.finish(FlowOutcome::Rejected(Rejection::Gateway(outcome))),
            RefundStatus::Pending => {
                self.pending = Some(outcome.clone());
                if self.policy.settle_pending {
                    self.schedule(now, Next::Query)
                } else {
                    self.finish(FlowOutcome::Accepted {
                        status: Accepted::Pending,
                        answer: outcome,
                    })
                }
            }
            RefundStatus::Unknown => self.schedule(now, Next::Query),
        }
    }

    fn on_transport_error(
        &mut self,
        now: Instant,
        operation: Operation,
        error: TransportError,
    ) -> Action {
        let maybe_sent = error.may_have_reached_gateway();
        self.log(
            operation,
            Observed::Transport {
                maybe_sent,
                cause: error.cause().to_string(),
            },
        );
        match operation {
            Operation::Refund if !maybe_sent && !self.refund_may_have_arrived => {
                self.schedule(now, Next::Refund)
            }
            Operation::Refund => {
                self.refund_may_have_arrived = true;
                self.schedule(now, Next::Query)
            }
            _ => self.schedule(now, Next::Query),
        }
    }

    /// Waits, then `next` — unless attempts or deadline are used up.
    fn schedule(&mut self, now: Instant, next: Next) -> Action {
        let started = self.started.unwrap_or(now);
        let at = now + self.backoff;
        if self.attempts >= self.policy.max_attempts || at > started + self.policy.deadline {
            return self.exhausted();
        }
        self.backoff = self
            .backoff
            .saturating_mul(self.policy.backoff_factor.max(1))
            .min(self.policy.max_backoff);
        self.state = State::Waiting(at, next);
        Action::WaitUntil(at)
    }

    fn exhausted(&mut self) -> Action {
        if let Some(pending) = self.pending.take() {
            return self.finish(FlowOutcome::Accepted {
                status: Accepted::Pending,
                answer: pending,
            });
        }
        let evidence = self.evidence.clone();
        if self.refund.is_some() && !self.refund_may_have_arrived {
            return self.finish(FlowOutcome::Rejected(Rejection::NeverSent(evidence)));
        }
        self.finish(FlowOutcome::Unknown {
            reason: UnknownReason::NoDefiniteAnswer,
            evidence,
        })
    }

    /// Drives the flow over a blocking transport, sleeping between attempts.
    pub fn run(&mut self, transport: &(impl Transport + ?Sized)) -> FlowOutcome {
        let mut action = self.start(Instant::now());
        loop {
            let event = match action {
                Action::Send(p) | Action::Query(p) => match transport.send(p.request) {
                    Ok(answer) => Event::Answer(answer),
                    Err(error) => Event::TransportError(error),
                },
                Action::WaitUntil(at) => {
                    std::thread::sleep(at.saturating_duration_since(Instant::now()));
                    Event::Timer
                }
                Action::Done(outcome) => return outcome,
            };
            action = self.handle(Instant::now(), event);
        }
    }

    /// Drives the flow over an async transport; `sleep_until` is the runtime's timer (with
    /// tokio: `|at| tokio::time::sleep_until(at.into())`).
    pub async fn run_async<T, S, F>(&mut self, transport: &T, mut sleep_until: S) -> FlowOutcome
    where
        T: AsyncTransport + ?Sized,
        S: FnMut(Instant) -> F,
        F: Future<Output = ()>,
    {
        let mut action = self.start(Instant::now());
        loop {
            let event = match action {
                Action::Send(p) | Action::Query(p) => match transport.send(p.request).await {
                    Ok(answer) => Event::Answer(answer),
                    Err(error) => Event::TransportError(error),
                },
                Action::WaitUntil(at) => {
                    sleep_until(at).await;
                    Event::Timer
                }
                Action::Done(outcome) => return outcome,
            };
            action = self.handle(Instant::now(), event);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

    use super::*;
    use crate::Trust;
    use refundwire::trace::Trace;

    /// A gateway whose answers are their bodies' words, with facts chosen by the test.
    #[derive(Debug)]
    struct Words(&'static RefundFacts);

    const DEDUP: RefundFacts = RefundFacts {
        refund_number_member: "n",
        deduplicates_refund_number: true,
        absent_codes: &["GONE"],
        source: "test",
    };
    const NO_DEDUP: RefundFacts = RefundFacts {
        deduplicates_refund_number: false,
        ..DEDUP
    };

    fn prepared(operation: Operation) -> Result<Prepared> {
        Ok(Prepared {
            request: http::Request::new(operation.as_str().as_bytes().to_vec()),
            binding: Binding {
                operation,
                expected: "R1".into(),
            },
        })
    }

    impl Gateway for Words {
        fn name(&self) -> &'static str {
            "words"
        }
        fn operations(&self) -> &'static [(&'static str, Operation)] {
            &[]
        }
        fn refund_facts(&self) -> &'static RefundFacts {
            self.0
        }
        fn prepare_refund_traced(
            &self,
            _: &RefundRequest,
            _: &Context,
            _: &mut dyn Trace,
        ) -> Result<Prepared> {
            prepared(Operation::Refund)
        }
        fn prepare_status_traced(
            &self,
            _: &StatusRequest,
            _: &Context,
            _: &mut dyn Trace,
        ) -> Result<Prepared> {
            prepared(Operation::Status)
        }
        fn prepare_fields_traced(
            &self,
            operation: Operation,
            _: &Fields,
            _: &Context,
            _: &mut dyn Trace,
        ) -> Result<Prepared> {
            prepared(operation)
        }
        /// `GONE`: a signed, bound refusal with an absence code; `pending`, `succeeded`: a
        /// signed, bound status; anything else does not verify.
        fn decode_traced(
            &self,
            binding: &Binding,
            response: http::Response<&[u8]>,
            _: &mut dyn Trace,
        ) -> Result<RefundOutcome> {
            let (answer, status, code) = match *response.body() {
                b"GONE" => (Answer::Refused, RefundStatus::Failed, "GONE"),
                b"pending" => (Answer::Accepted, RefundStatus::Pending, ""),
                b"succeeded" => (Answer::Accepted, RefundStatus::Succeeded, ""),
                _ => return Err(Error::Input("does not verify".into())),
            };
            Ok(RefundOutcome {
                operation: binding.operation,
                answer,
                status,
                claimed_status: status,
                trust: Trust::signed(true),
                code: code.into(),
                message: String::new(),
                amount: None,
                refund_id: Some("R1".into()),
                gateway_refund_id: None,
                fields: Fields::default(),
            })
        }
    }

    fn flow(gateway: &Words, policy: Policy) -> RefundFlow<'_> {
        let cad = refundwire::money::Currency::from_code("CAD").unwrap();
        let refund = RefundRequest::new("P1", "R1", refundwire::money::Money::new(1, cad));
        RefundFlow::refund(gateway, refund, Context::system(), policy).unwrap()
    }

    fn answer(word: &str) -> Event {
        Event::Answer(http::Response::new(word.as_bytes().to_vec()))
    }

    fn lost() -> Event {
        Event::TransportError(TransportError::maybe_sent("reset"))
    }

    /// Waits out every `WaitUntil`, returning the next request's operation (or the end).
    #[allow(clippy::result_large_err)]
    fn next(flow: &mut RefundFlow<'_>, mut action: Action) -> Result<Operation, FlowOutcome> {
        loop {
            action = match action {
                Action::Send(_) => return Ok(Operation::Refund),
                Action::Query(_) => return Ok(Operation::Status),
                Action::WaitUntil(at) => flow.handle(at, Event::Timer),
                Action::Done(outcome) => return Err(outcome),
            }
        }
    }

    #[test]
    fn absence_is_resent_only_where_the_gateway_de_duplicates() {
        let gateway = Words(&DEDUP);
        let mut f = flow(&gateway, Policy::default());
        let t0 = Instant::now();
        let first = f.start(t0);
        assert_eq!(next(&mut f, first), Ok(Operation::Refund));
        let a = f.handle(t0, lost());
        assert_eq!(next(&mut f, a), Ok(Operation::Status));
        let a = f.handle(t0, answer("GONE"));
        // De-duplicated number, proven absent: the same refund again.
        assert_eq!(next(&mut f, a), Ok(Operation::Refund));
        let a = f.handle(t0, answer("succeeded"));
        assert!(matches!(
            next(&mut f, a),
            Err(FlowOutcome::Accepted {
                status: Accepted::Succeeded,
                ..
            })
        ));

        let gateway = Words(&NO_DEDUP);
        let mut f = flow(&gateway, Policy::default());
        let first = f.start(t0);
        assert_eq!(next(&mut f, first), Ok(Operation::Refund));
        let a = f.handle(t0, lost());
        assert_eq!(next(&mut f, a), Ok(Operation::Status));
        let a = f.handle(t0, answer("GONE"));
        let Err(FlowOutcome::Unknown { reason, evidence }) = next(&mut f, a) else {
            panic!("expected unknown")
        };
        assert_eq!(reason, UnknownReason::AbsentButNotDeduplicated);
        assert_eq!(evidence.len(), 2);
    }

    #[test]
    fn waits_grow_and_the_deadline_ends_the_flow() {
        let gateway = Words(&NO_DEDUP);
        let policy = Policy {
            max_attempts: 100,
            initial_backoff: Duration::from_secs(1),
            backoff_factor: 3,
            max_backoff: Duration::from_secs(5),
            deadline: Duration::from_secs(12),
            settle_pending: false,
        };
        let mut f = flow(&gateway, policy);
        let t0 = Instant::now();
        assert!(matches!(f.start(t0), Action::Send(_)));
        let mut now = t0;
        let mut event = lost();
        let mut waits = Vec::new();
        let outcome = loop {
            match f.handle(now, event) {
                Action::WaitUntil(at) => {
                    waits.push(at - now);
                    // Early wake-up: told to wait again.
                    assert!(matches!(f.handle(now, Event::Timer), Action::WaitUntil(a) if a == at));
                    now = at;
                    event = Event::Timer;
                }
                Action::Query(_) => event = answer("garbled"),
                Action::Send(_) => panic!("resent after a maybe-sent refund"),
                Action::Done(outcome) => break outcome,
            }
        };
        let secs: Vec<u64> = waits.iter().map(Duration::as_secs).collect();
        // 1, 3, then capped at 5; the next wait would pass the 12 s deadline.
        assert_eq!(secs, [1, 3, 5]);
        assert!(matches!(
            outcome,
            FlowOutcome::Unknown {
                reason: UnknownReason::NoDefiniteAnswer,
                ..
            }
        ));
        // Done stays done.
        assert!(matches!(f.handle(now, Event::Timer), Action::Done(_)));
    }

    #[test]
    fn a_timer_while_a_refund_is_out_counts_as_maybe_sent() {
        let gateway = Words(&NO_DEDUP);
        let mut f = flow(&gateway, Policy::default());
        let t0 = Instant::now();
        assert!(matches!(f.start(t0), Action::Send(_)));
        let a = f.handle(t0, Event::Timer);
        assert_eq!(next(&mut f, a), Ok(Operation::Status));
        assert!(matches!(
            f.evidence()[0].observed,
            Observed::Transport {
                maybe_sent: true,
                ..
            }
        ));
    }

    #[test]
    fn a_pending_seen_before_running_out_is_reported_pending() {
        let gateway = Words(&NO_DEDUP);
        let policy = Policy {
            settle_pending: true,
            max_attempts: 3,
            ..Policy::default()
        };
        let mut f = flow(&gateway, policy);
        let t0 = Instant::now();
        let first = f.start(t0);
        assert_eq!(next(&mut f, first), Ok(Operation::Refund));
        let a = f.handle(t0, answer("pending"));
        assert_eq!(next(&mut f, a), Ok(Operation::Status));
        let a = f.handle(t0, lost());
        assert_eq!(next(&mut f, a), Ok(Operation::Status));
        let a = f.handle(t0, answer("garbled"));
        assert!(matches!(
            next(&mut f, a),
            Err(FlowOutcome::Accepted {
                status: Accepted::Pending,
                ..
            })
        ));
    }
}
