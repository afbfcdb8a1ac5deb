//! ScanForPay in the simulator: refund and the order query.

use super::ledger::{Ask, Ledger, RefundDecision, RefundState};
use super::{AnswerFault, Answered, GatewayId, Handled, Simulator, answer_fault, answer_key};
use super::{json_response, owned};
use refundwire::gateway::scanforpay::server::{self, ResponseBody, ResponseHeaderOut};
use refundwire::gateway::scanforpay::{Credentials, ResultCode};
use refundwire::gateway::server::Refused;
use refundwire::time::Timestamp;

const G: GatewayId = GatewayId::ScanForPay;

/// `time` (ms since the epoch) as ScanForPay stamps it.
fn stamp(time: u64) -> refundwire::Result<Timestamp> {
    Timestamp::new(i64::try_from(time).unwrap_or(0), server::OFFSET_MINUTES)
}

fn answer(
    sim: &Simulator,
    now: u64,
    id: &str,
    body: &ResponseBody<'_>,
    fault: Option<AnswerFault>,
) -> Handled {
    let cfg = &sim.config().scanforpay;
    let key = answer_key(&cfg.sign_key, fault);
    let mut out = vec![0u8; server::RESPONSE_MAX];
    let encoded = Credentials::new(&cfg.partner_no, &key).and_then(|creds| {
        let header = ResponseHeaderOut {
            resp_time: stamp(now)?,
            req_msg_id: id,
        };
        server::encode_response(&creds, &header, body, &mut out)
    });
    Handled::encoded(encoded, fault)
}

/// A refusal (ScanForPay signs them too), echoing `id`.
fn refused(sim: &Simulator, now: u64, id: &str, (code, msg): (ResultCode<'_>, &str)) -> Handled {
    answer(sim, now, id, &ResponseBody::Refused { code, msg }, None)
}

pub(super) fn handle(
    sim: &Simulator,
    ledger: &mut Ledger,
    now: u64,
    status: bool,
    body: &[u8],
) -> Answered {
    let cfg = &sim.config().scanforpay;
    let creds = Credentials::new(&cfg.partner_no, cfg.sign_key.as_bytes())
        .map_err(|_| Handled::plain(json_response(500, Vec::new())))?;
    // A request that does not verify is refused echoing the id it names, unverified.
    let echo = server::peek_req_msg_id(body)
        .map(|id| owned(&id))
        .unwrap_or_else(|| server::NO_REQ_MSG_ID.to_owned());
    let refuse = |e: refundwire::Error| refused(sim, now, &echo, server::refusal_for(&e));
    if status {
        let q = server::decode_order_query_request(&creds, body).map_err(refuse)?;
        let id = owned(&q.request.req_msg_id);
        // By the merchant's number, or by ScanForPay's own (`orderNo` wins, as the page says).
        let order = match (q.order_no, q.partner_order_no) {
            (Some(no), _) => {
                let no = owned(&no);
                ledger
                    .orders
                    .iter()
                    .find(|((g, _), o)| *g == G && o.gateway_order_no == no)
                    .map(|(_, o)| o.clone())
            }
            (None, Some(no)) => ledger.orders.get(&(G, owned(&no))).cloned(),
            (None, None) => None,
        };
        let key = order
            .as_ref()
            .map(|o| o.order_no.clone())
            .unwrap_or_default();
        let fault = answer_fault(ledger, G, &[&key])?;
        let Some(order) = order else {
            return Ok(refused(sim, now, &id, server::refusal(Refused::NoOrder)));
        };
        let refunded = ledger
            .refunds_of(G, &order.order_no)
            .iter()
            .any(|r| r.state(now) == RefundState::Succeeded);
        let body = ResponseBody::OrderQuery {
            order_no: &order.gateway_order_no,
            partner_order_no: &order.order_no,
            order_amount: order.amount,
            wallet: server::WALLET_ALIPAY,
            state: server::order_state(refunded),
            pay_time: stamp(order.paid_at_ms).ok(),
            currency: &order.currency,
        };
        return Ok(answer(sim, now, &id, &body, fault));
    }

    let r = server::decode_refund_request(&creds, body).map_err(refuse)?;
    let id = owned(&r.request.req_msg_id);
    let (order_no, refund_no) = (owned(&r.partner_order_no), owned(&r.refund_no));
    let fault = answer_fault(ledger, G, &[&refund_no, &order_no])?;
    let ask = Ask {
        order_no: &order_no,
        refund_no: &refund_no,
        amount: r.order_amount,
        currency: None,
        notify_url: None,
    };
    let refund = match ledger.refund(G, ask, now, sim.config().pending_ms) {
        RefundDecision::Accepted(refund) => refund,
        RefundDecision::Refused(why) => return Ok(refused(sim, now, &id, server::refusal(why))),
    };
    let currency = ledger
        .orders
        .get(&(G, order_no.clone()))
        .map(|o| o.currency.clone())
        .unwrap_or_default();
    let body = ResponseBody::Refund {
        order_amount: refund.amount,
        state: server::refund_state(refund.state(now)),
        currency: &currency,
        refund_no: Some(&refund.refund_no),
    };
    Ok(answer(sim, now, &id, &body, fault))
}
