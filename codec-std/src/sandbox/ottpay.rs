//! OTTPay in the simulator: `/processV2`, both actions.

use super::ledger::{Ask, Ledger, RefundDecision};
use super::{AnswerFault, Answered, GatewayId, Handled, Simulator, answer_fault, answer_key};
use super::{json_response, owned};
use refundwire::gateway::ottpay::server::{self, ReplyData, Request};
use refundwire::gateway::ottpay::{Credentials, RspCode};
use refundwire::gateway::server::Refused;

const G: GatewayId = GatewayId::OttPay;

/// A refusal (OTTPay's carry no `data` and no `md5`).
fn refusal((code, msg): (RspCode<'_>, &str)) -> Handled {
    let mut out = vec![0u8; server::REPLY_MAX];
    Handled::encoded(server::encode_refusal(code, msg, &mut out), None)
}

/// Encodes an accepted reply; under [`AnswerFault::BadSignature`] with a key that is not the
/// merchant's (the client's decryption or digest check fails).
fn reply(
    sim: &Simulator,
    code: RspCode<'_>,
    data: &ReplyData<'_>,
    fault: Option<AnswerFault>,
) -> Handled {
    let cfg = &sim.config().ottpay;
    let key = answer_key(&cfg.sign_key, fault);
    let mut out = vec![0u8; server::REPLY_MAX];
    let encoded = Credentials::new(&cfg.merchant_id, &key)
        .and_then(|creds| server::encode_reply(&creds, code, code.as_wire(), data, &mut out));
    Handled::encoded(encoded, fault)
}

pub(super) fn handle(sim: &Simulator, ledger: &mut Ledger, now: u64, body: &[u8]) -> Answered {
    let cfg = &sim.config().ottpay;
    let creds = Credentials::new(&cfg.merchant_id, cfg.sign_key.as_bytes())
        .map_err(|_| Handled::plain(json_response(500, Vec::new())))?;
    let mut body = body.to_vec();
    let request =
        server::decode_request(&creds, &mut body).map_err(|e| refusal(server::refusal_for(&e)))?;
    match request {
        Request::Refund(r) => {
            let order_no = owned(&r.ori_order_id);
            let refund_no = match r.order_id {
                Some(id) => owned(&id),
                None => format!("{}R{:08}", G.prefix(), ledger.next()),
            };
            let fault = answer_fault(ledger, G, &[&refund_no, &order_no])?;
            let ask = Ask {
                order_no: &order_no,
                refund_no: &refund_no,
                amount: r.refund_amt,
                currency: None,
                notify_url: None,
            };
            let refund = match ledger.refund(G, ask, now, sim.config().pending_ms) {
                RefundDecision::Accepted(refund) => refund,
                RefundDecision::Refused(why) => return Ok(refusal(server::refusal(why))),
            };
            let code = server::refund_code(refund.state(now)).map_err(refusal)?;
            let mut time = [0u8; server::TRADE_TIME_MAX];
            let created = i64::try_from(refund.created_ms).unwrap_or(i64::MAX);
            let data = ReplyData::Refund {
                order_id: Some(&refund.refund_no),
                trade_time: Some(server::trade_time(created, &mut time).unwrap_or_default()),
                refund_amt: refund.amount,
            };
            Ok(reply(sim, code, &data, fault))
        }
        Request::RefundStatusQuery(q) => {
            let refund_no = owned(&q.order_id);
            let fault = answer_fault(ledger, G, &[&refund_no])?;
            let Some(refund) = ledger.refunds.get(&(G, refund_no.clone())).cloned() else {
                return Ok(refusal(server::refusal(Refused::NoRefund)));
            };
            let data = ReplyData::Status {
                order_id: &refund.refund_no,
                order_status: server::order_status(refund.state(now)),
                refund_amt: refund.amount,
            };
            Ok(reply(sim, RspCode::Success, &data, fault))
        }
    }
}
