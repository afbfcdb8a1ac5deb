//! The refund flow ([`crate::flow`]) written through a journal: commit the intent, send,
//! record the answer, decide — and, for a record a crash left in flight, ask first.

use super::{
    Journal, Key, NewRefund, Record, Registration, Reply, Settlement, State, new_refund, now_ms,
    raw_request, raw_response,
};
use crate::flow::{Accepted, Action, Event, FlowOutcome, Policy, RefundFlow, Rejection};
use crate::transport::Transport;
use crate::{Context, Error, FieldValue, Fields, Gateway, RefundRequest, Result};
use refundwire::money::{Currency, Money};
use std::time::{Duration, Instant};

/// What a journaled run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Driven {
    /// The record as this run left it (settled, or still unknown: needs review).
    Done(Record),
    /// Another worker holds the record: this run did nothing.
    Busy,
    /// The refund number is in the journal with other content: nothing was sent.
    Conflict(Record),
}

/// Sends refunds through the flow and the journal.
pub struct Driver<'a> {
    journal: &'a dyn Journal,
    gateway: &'a dyn Gateway,
    transport: &'a dyn Transport,
    ctx: Context,
    policy: Policy,
    /// How long after a pending or unknown result the record is due for another check.
    pub recheck: Duration,
}

impl std::fmt::Debug for Driver<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("journal", &self.journal)
            .field("gateway", &self.gateway.name())
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// The settlement a flow's outcome records.
fn settlement(outcome: &FlowOutcome, recheck_at: i64) -> Settlement {
    match outcome {
        FlowOutcome::Accepted { status, answer } => {
            let mut s = Settlement::from_outcome(answer);
            s.state = match status {
                Accepted::Succeeded => State::Succeeded,
                Accepted::Pending => State::Pending,
            };
            s.next_check_ms = (s.state == State::Pending).then_some(recheck_at);
            s
        }
        FlowOutcome::Rejected(Rejection::Gateway(answer)) => {
            let mut s = Settlement::from_outcome(answer);
            s.state = State::Rejected;
            s
        }
        // Nothing reached the gateway: the record may be sent again.
        FlowOutcome::Rejected(Rejection::NeverSent(evidence)) => Settlement {
            state: State::Planned,
            gateway_refund_id: None,
            code: "not_sent".into(),
            message: evidence
                .last()
                .map(|e| e.describe())
                .unwrap_or_else(|| "nothing reached the gateway".into()),
            next_check_ms: None,
        },
        FlowOutcome::Unknown { reason, .. } => Settlement {
            state: State::Unknown,
            gateway_refund_id: None,
            code: "needs_review".into(),
            message: reason.describe(),
            next_check_ms: Some(recheck_at),
        },
    }
}

impl<'a> Driver<'a> {
    /// A driver of `gateway`'s refunds over `transport`, recorded in `journal`.
    pub fn new(
        journal: &'a dyn Journal,
        gateway: &'a dyn Gateway,
        transport: &'a dyn Transport,
        ctx: Context,
        policy: Policy,
    ) -> Self {
        Driver {
            journal,
            gateway,
            transport,
            ctx,
            policy,
            recheck: Duration::from_secs(60),
        }
    }

    /// The journal's record of `refund` at this gateway.
    pub fn new_refund(&self, refund: &RefundRequest) -> NewRefund {
        new_refund(self.gateway.name(), refund)
    }

    /// Writes `refund` down (or finds it) and carries it as far as it goes: a planned refund
    /// is sent; one left in flight (or unknown, or pending and due) is asked about first; a
    /// final one is only read. A refund number already used for other content is refused
    /// before anything is sent.
    pub fn run(&self, refund: &RefundRequest) -> Result<Driven> {
        let new = self.new_refund(refund);
        let registered = self
            .journal
            .register(std::slice::from_ref(&new), now_ms())?;
        match registered.into_iter().next() {
            Some(Registration::Conflict(record)) => Ok(Driven::Conflict(record)),
            Some(_) => self.claimed(&new.key, refund),
            None => Err(Error::Journal(format!("{}: not registered", new.key))),
        }
    }

    /// Settles every record of this gateway a crash left in flight (or unknown, or pending
    /// and due): a status query first, never a blind resend. Records another worker holds
    /// are left to it. Returns the records as they now stand.
    pub fn resume(&self) -> Result<Vec<Record>> {
        let now = now_ms();
        let mut out = Vec::new();
        for record in self.journal.list(Some(self.gateway.name()))? {
            if !due(&record, now) || record.state == State::Planned {
                continue;
            }
            let refund = parse_canonical(&record.request)?;
            if let Driven::Done(record) = self.claimed(&record.key, &refund)? {
                out.push(record);
            }
        }
        Ok(out)
    }

    /// Claims `key` and drives it (the record must exist and be `refund`'s).
    pub fn claimed(&self, key: &Key, refund: &RefundRequest) -> Result<Driven> {
        let Some(claim) = self.journal.claim(key)? else {
            return Ok(Driven::Busy);
        };
        let driven = self.drive(&claim, refund);
        let released = self.journal.release(claim);
        driven?;
        released?;
        let record = self
            .journal
            .get(key)?
            .ok_or_else(|| Error::Journal(format!("{key}: record vanished")))?;
        Ok(Driven::Done(record))
    }

    fn drive(&self, claim: &super::Claim, refund: &RefundRequest) -> Result<()> {
        let record = &claim.record;
        if !due(record, now_ms()) {
            return Ok(());
        }
        let (gateway, ctx, policy) = (self.gateway, self.ctx.clone(), self.policy);
        let mut flow = if record.state == State::Planned {
            RefundFlow::refund(gateway, refund.clone(), ctx, policy)?
        } else {
            RefundFlow::resume(gateway, refund.clone(), ctx, policy)?
        };
        let mut action = flow.start(Instant::now());
        loop {
            action = match action {
                Action::Send(prepared) | Action::Query(prepared) => {
                    let operation = prepared.binding.operation;
                    // The intent is on disk before the request leaves.
                    let exchange = self.journal.begin_exchange(
                        claim,
                        operation,
                        &raw_request(&prepared.request),
                        now_ms(),
                    )?;
                    let (event, reply) = match self.transport.send(prepared.request) {
                        Ok(answer) => {
                            let raw = raw_response(&answer);
                            (Event::Answer(answer), Ok(raw))
                        }
                        Err(error) => {
                            let why = error.to_string();
                            (Event::TransportError(error), Err(why))
                        }
                    };
                    let next = flow.handle(Instant::now(), event);
                    let now = now_ms();
                    let decided = match &next {
                        Action::Done(outcome) => Some(settlement(outcome, self.recheck_at(now))),
                        _ => None,
                    };
                    let reply = match &reply {
                        Ok(raw) => Reply::Answer(raw),
                        Err(why) => Reply::Failed(why),
                    };
                    self.journal
                        .finish_exchange(claim, exchange, reply, decided.as_ref(), now)?;
                    if decided.is_some() {
                        return Ok(());
                    }
                    next
                }
                Action::WaitUntil(at) => {
                    std::thread::sleep(at.saturating_duration_since(Instant::now()));
                    flow.handle(Instant::now(), Event::Timer)
                }
                // Decided without an exchange (a request that could not be prepared).
                Action::Done(outcome) => {
                    let now = now_ms();
                    let decided = settlement(&outcome, self.recheck_at(now));
                    return self.journal.settle(claim, &decided, now);
                }
            };
        }
    }

    fn recheck_at(&self, now: i64) -> i64 {
        now.saturating_add(i64::try_from(self.recheck.as_millis()).unwrap_or(i64::MAX))
    }
}

/// Whether a record has anything left to do at `now`.
fn due(record: &Record, now: i64) -> bool {
    match record.state {
        State::Succeeded | State::Rejected => false,
        State::Planned | State::InFlight => true,
        State::Pending | State::Unknown => record.next_check_ms.is_none_or(|at| at <= now),
    }
}

/// The neutral request back from its canonical form ([`super::canonical_request`]).
pub fn parse_canonical(bytes: &[u8]) -> Result<RefundRequest> {
    let fields = Fields::parse(bytes)?;
    let bad = |what: &str| Error::Journal(format!("canonical request: bad `{what}`"));
    let text = |name: &str| match fields.get(name) {
        Some(FieldValue::String(s)) => Ok(Some(s.clone())),
        Some(FieldValue::Null) => Ok(None),
        _ => Err(bad(name)),
    };
    let required = |name: &str| text(name)?.ok_or_else(|| bad(name));
    let currency = Currency::from_code(&required("currency")?).map_err(|_| bad("currency"))?;
    let minor = match fields.get("amount") {
        Some(FieldValue::Number(n)) => n.parse::<u64>().map_err(|_| bad("amount"))?,
        _ => return Err(bad("amount")),
    };
    let mut refund = RefundRequest::new(
        required("payment_id")?,
        required("refund_id")?,
        Money::new(minor, currency),
    );
    refund.reason = text("reason")?;
    refund.notify_url = text("notify_url")?;
    if let Some(FieldValue::Object(extras)) = fields.get("extras") {
        for (name, value) in extras.iter() {
            match value {
                FieldValue::String(v) => {
                    refund.extras.insert(name.to_owned(), v.clone());
                }
                _ => return Err(bad("extras")),
            }
        }
    }
    Ok(refund)
}
