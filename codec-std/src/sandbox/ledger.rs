//! What the simulated gateways remember: paid orders, their refunds, faults and pending
//! notifications. Gateway-neutral: the gateway modules turn its answers into their codes.

use super::{AnswerFault, Fault, GatewayId};
pub use refundwire::gateway::server::RefundState;
use refundwire::gateway::server::Refused;
use std::collections::BTreeMap;

/// A paid order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The merchant's order number.
    pub order_no: String,
    /// The gateway's own number for it.
    pub gateway_order_no: String,
    /// Amount paid, in the unit the gateway's requests carry (minor units; NewPay's unit).
    pub amount: u64,
    /// ISO 4217 code.
    pub currency: String,
    /// When it was recorded (ms since the epoch).
    pub paid_at_ms: u64,
}

/// A refund the simulator recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// The merchant's refund number.
    pub refund_no: String,
    /// The gateway's own number for it.
    pub gateway_refund_no: String,
    /// The order it refunds.
    pub order_no: String,
    /// Amount, in the order's unit.
    pub amount: u64,
    /// When it was accepted.
    pub created_ms: u64,
    /// When it settles.
    pub settles_ms: u64,
    /// Whether it settles as failed.
    pub fails: bool,
    /// Where to notify (PayerMax `refundNotifyUrl`, NewPay `callBackUrl`), if anywhere.
    pub notify_url: Option<String>,
}

impl Refund {
    /// The refund's state at `now`.
    pub fn state(&self, now: u64) -> RefundState {
        match (now >= self.settles_ms, self.fails) {
            (false, _) => RefundState::Pending,
            (true, false) => RefundState::Succeeded,
            (true, true) => RefundState::Failed,
        }
    }
}

/// The ledger's answer to a refund request.
#[derive(Debug)]
pub(crate) enum RefundDecision {
    /// A new refund was recorded (or the same refund asked again): this one.
    Accepted(Refund),
    /// Refused, and why.
    Refused(Refused),
}

/// A refund request, as the ledger needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ask<'a> {
    /// The merchant's order number.
    pub order_no: &'a str,
    /// The merchant's refund number.
    pub refund_no: &'a str,
    /// Amount, in the order's unit.
    pub amount: u64,
    /// The currency, where the request names one.
    pub currency: Option<&'a str>,
    /// Where to notify, if anywhere.
    pub notify_url: Option<&'a str>,
}

/// A notification waiting to go out.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub id: u64,
    pub gateway: GatewayId,
    pub refund_no: String,
    pub due_ms: u64,
    pub first_due_ms: u64,
    pub attempt: usize,
    pub bad_signature: bool,
    /// Deliveries left when the count is limited by a fault (None: until acknowledged, up to
    /// the gateway's schedule).
    pub left: Option<u32>,
}

/// What became of a refund's notifications so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Deliveries {
    /// How many were sent.
    pub sent: u32,
    /// Whether the merchant answered one with the gateway's acknowledgement.
    pub acknowledged: bool,
}

/// Everything remembered.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    pub orders: BTreeMap<(GatewayId, String), Order>,
    pub refunds: BTreeMap<(GatewayId, String), Refund>,
    pub faults: BTreeMap<(GatewayId, String), Fault>,
    pub notifications: Vec<Pending>,
    /// Per refund number with a notify URL.
    pub deliveries: BTreeMap<(GatewayId, String), Deliveries>,
    pub next_id: u64,
}

impl Ledger {
    pub fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Records a paid order; `false` when the number exists.
    pub fn add_order(&mut self, gateway: GatewayId, order: Order) -> bool {
        let key = (gateway, order.order_no.clone());
        if self.orders.contains_key(&key) {
            return false;
        }
        self.orders.insert(key, order);
        true
    }

    /// The refunds of an order, in the order they were made.
    pub fn refunds_of(&self, gateway: GatewayId, order_no: &str) -> Vec<&Refund> {
        let mut list: Vec<&Refund> = self
            .refunds
            .iter()
            .filter(|((g, _), r)| *g == gateway && r.order_no == order_no)
            .map(|(_, r)| r)
            .collect();
        list.sort_by_key(|r| (r.created_ms, r.gateway_refund_no.clone()));
        list
    }

    /// The fault for the first of `keys` that has one (a refund number before an order number).
    pub fn fault(&self, gateway: GatewayId, keys: &[&str]) -> Option<&Fault> {
        keys.iter()
            .find_map(|k| self.faults.get(&(gateway, (*k).to_owned())))
    }

    /// Takes one use of the answer fault for the first of `keys` that has one left.
    pub fn take_answer_fault(&mut self, gateway: GatewayId, keys: &[&str]) -> Option<AnswerFault> {
        for key in keys {
            if let Some(f) = self.faults.get_mut(&(gateway, (*key).to_owned())) {
                if f.answer.is_some() && f.times > 0 {
                    f.times -= 1;
                    return f.answer;
                }
            }
        }
        None
    }

    /// Decides a refund request and records a new refund. A refund number seen before with
    /// the same amount and order is the same refund, except where the gateway documents that
    /// it refuses any reuse (`REFUND_FACTS.deduplicates_refund_number`).
    pub fn refund(
        &mut self,
        gateway: GatewayId,
        ask: Ask<'_>,
        now: u64,
        default_pending_ms: u64,
    ) -> RefundDecision {
        let Ask {
            order_no,
            refund_no,
            amount,
            currency,
            notify_url,
        } = ask;
        let Some(order) = self.orders.get(&(gateway, order_no.to_owned())) else {
            return RefundDecision::Refused(Refused::NoOrder);
        };
        if currency.is_some_and(|c| c != order.currency) {
            return RefundDecision::Refused(Refused::WrongCurrency);
        }
        if let Some(existing) = self.refunds.get(&(gateway, refund_no.to_owned())) {
            let same = existing.amount == amount && existing.order_no == order_no;
            return if same && !gateway.facts().deduplicates_refund_number {
                RefundDecision::Accepted(existing.clone())
            } else {
                RefundDecision::Refused(Refused::NumberUsed)
            };
        }
        let paid = order.amount;
        let taken: u64 = self
            .refunds_of(gateway, order_no)
            .iter()
            .filter(|r| r.state(now) != RefundState::Failed)
            .map(|r| r.amount)
            .sum();
        if taken.saturating_add(amount) > paid {
            return RefundDecision::Refused(Refused::OverRefund);
        }
        let fault = self.fault(gateway, &[refund_no, order_no]).cloned();
        let pending_ms = fault
            .as_ref()
            .and_then(|f| f.pending_ms)
            .unwrap_or(default_pending_ms);
        let id = self.next();
        let refund = Refund {
            refund_no: refund_no.to_owned(),
            gateway_refund_no: format!("{}R{id:08}", gateway.prefix()),
            order_no: order_no.to_owned(),
            amount,
            created_ms: now,
            settles_ms: now.saturating_add(pending_ms),
            fails: fault.as_ref().is_some_and(|f| f.fail),
            notify_url: notify_url.filter(|u| !u.is_empty()).map(str::to_owned),
        };
        self.refunds
            .insert((gateway, refund_no.to_owned()), refund.clone());
        if refund.notify_url.is_some() {
            let notify = fault.map(|f| f.notify).unwrap_or_default();
            let id = self.next();
            let due_ms = refund.settles_ms.saturating_add(notify.late_ms);
            self.notifications.push(Pending {
                id,
                gateway,
                refund_no: refund_no.to_owned(),
                due_ms,
                first_due_ms: due_ms,
                attempt: 0,
                bad_signature: notify.bad_signature,
                left: notify.count,
            });
        }
        RefundDecision::Accepted(refund)
    }
}
