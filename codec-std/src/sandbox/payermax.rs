//! PayerMax in the simulator: `refund`, `refundQuery`, refund notifications.

use super::ledger::{Ask, Ledger, Order, Refund, RefundDecision, RefundState};
use super::{AnswerFault, Answered, GatewayId, Handled, Simulator, answer_fault};
use super::{json_response, owned, post};
use crate::error::Result;
use refundwire::Error as CodecError;
use refundwire::gateway::payermax::server::{self, Api, RefundDetailsOut, RefundReplyData};
use refundwire::gateway::payermax::server::{ReplyBody, Request};
use refundwire::gateway::payermax::{Code, Credentials, SIGN_HEADER, SIGN_MAX};
use refundwire::gateway::server::Refused;
use refundwire::money::{Currency, Money};
use refundwire::time::Timestamp;

const G: GatewayId = GatewayId::PayerMax;

fn answer(sim: &Simulator, reply: &ReplyBody<'_>, fault: Option<AnswerFault>) -> Handled {
    let platform = &sim.config().payermax.platform_private_key;
    let Ok(signer) = sim.signer(platform, fault == Some(AnswerFault::BadSignature)) else {
        return Handled::plain(json_response(500, Vec::new()));
    };
    let (mut body, mut sign) = (vec![0u8; server::MESSAGE_MAX], vec![0u8; SIGN_MAX]);
    match server::encode_reply(signer, reply, &mut body, &mut sign) {
        Ok(signed) => {
            let mut response = json_response(200, signed.body.to_vec());
            if let Ok(value) = http::HeaderValue::from_str(signed.sign) {
                response.headers_mut().insert(SIGN_HEADER, value);
            }
            Handled::Answer { response, fault }
        }
        Err(_) => Handled::plain(json_response(500, Vec::new())),
    }
}

/// A refusal (PayerMax signs them too).
fn refused(sim: &Simulator, (code, msg): (Code<'_>, &str)) -> Handled {
    answer(sim, &ReplyBody::Refused { code, msg }, None)
}

fn details<'r>(refund: &'r Refund, order: &'r Order, now: u64) -> Option<RefundDetailsOut<'r>> {
    let currency = Currency::from_code(&order.currency).ok()?;
    let state = refund.state(now);
    Some(RefundDetailsOut {
        out_refund_no: &refund.refund_no,
        refund_trade_no: &refund.gateway_refund_no,
        out_trade_no: &refund.order_no,
        refund_amount: Money::new(refund.amount, currency),
        status: server::status(state),
        result_msg: server::result_msg(state),
        refund_finish_time: (state != RefundState::Pending)
            .then(|| Timestamp::utc(i64::try_from(refund.settles_ms).unwrap_or(0)).ok())
            .flatten(),
    })
}

pub(super) fn handle(
    sim: &Simulator,
    ledger: &mut Ledger,
    now: u64,
    status: bool,
    request: &http::Request<Vec<u8>>,
) -> Answered {
    let cfg = &sim.config().payermax;
    let creds = Credentials::new(&cfg.app_id, Some(&cfg.merchant))
        .map_err(|_| Handled::plain(json_response(500, Vec::new())))?;
    let api = if status {
        Api::RefundQuery
    } else {
        Api::Refund
    };
    let sign = request.headers().get(SIGN_HEADER).map(|v| v.as_bytes());
    let decoded =
        server::decode_request(&creds, &cfg.merchant_public_key, api, sign, request.body())
            .map_err(|e| refused(sim, server::refusal_for(&e)))?;
    if !decoded.sent_in_time(now) {
        return Ok(refused(sim, server::REQUEST_TIME_REFUSAL));
    }
    match decoded {
        Request::Refund(r) => {
            let (order_no, refund_no) = (owned(&r.out_trade_no), owned(&r.out_refund_no));
            let fault = answer_fault(ledger, G, &[&refund_no, &order_no])?;
            let url = r.refund_notify_url.map(|u| owned(&u));
            let ask = Ask {
                order_no: &order_no,
                refund_no: &refund_no,
                amount: r.refund_amount.minor,
                currency: Some(r.refund_amount.currency.code()),
                notify_url: url.as_deref(),
            };
            let refund = match ledger.refund(G, ask, now, sim.config().pending_ms) {
                RefundDecision::Accepted(refund) => refund,
                RefundDecision::Refused(why) => return Ok(refused(sim, server::refusal(why))),
            };
            let trade_order_no = ledger
                .orders
                .get(&(G, order_no.clone()))
                .map(|o| o.gateway_order_no.clone())
                .unwrap_or_default();
            let reply = ReplyBody::Refund(RefundReplyData {
                out_refund_no: &refund.refund_no,
                trade_order_no: &trade_order_no,
                refund_trade_no: &refund.gateway_refund_no,
                status: server::refund_reply_status(refund.state(now)),
            });
            Ok(answer(sim, &reply, fault))
        }
        Request::RefundQuery(q) => {
            let refund = match (q.out_refund_no, q.refund_trade_no) {
                (Some(no), _) => ledger.refunds.get(&(G, owned(&no))).cloned(),
                (None, Some(no)) => {
                    let no = owned(&no);
                    ledger
                        .refunds
                        .iter()
                        .find(|((g, _), r)| *g == G && r.gateway_refund_no == no)
                        .map(|(_, r)| r.clone())
                }
                (None, None) => None,
            };
            let key = refund
                .as_ref()
                .map(|r| r.refund_no.clone())
                .unwrap_or_default();
            let fault = answer_fault(ledger, G, &[&key])?;
            let Some(refund) = refund else {
                return Ok(refused(sim, server::refusal(Refused::NoRefund)));
            };
            let Some(order) = ledger.orders.get(&(G, refund.order_no.clone())).cloned() else {
                return Ok(refused(sim, server::refusal(Refused::NoOrder)));
            };
            match details(&refund, &order, now) {
                Some(d) => Ok(answer(sim, &ReplyBody::RefundQuery(d), fault)),
                None => Ok(refused(sim, server::SYSTEM_ERROR)),
            }
        }
    }
}

/// The notification of a settled refund, POSTed to `url` with its `sign` header.
pub(super) fn notification(
    sim: &Simulator,
    refund: &Refund,
    order: &Order,
    url: &str,
    now: u64,
    bad_signature: bool,
) -> Result<http::Request<Vec<u8>>> {
    let cfg = &sim.config().payermax;
    let creds = Credentials::new(&cfg.app_id, Some(&cfg.merchant))?;
    let signer = sim.signer(&cfg.platform_private_key, bad_signature)?;
    let details = details(refund, order, refund.settles_ms.max(now))
        .ok_or(crate::error::Error::Codec(CodecError::UnknownCurrency))?;
    let (mut body, mut sign) = (vec![0u8; server::MESSAGE_MAX], vec![0u8; SIGN_MAX]);
    let signed = server::encode_notification(
        &creds,
        signer,
        Timestamp::utc(i64::try_from(now).unwrap_or(0))?,
        &details,
        &mut body,
        &mut sign,
    )?;
    let mut request = post(url, signed.body.to_vec())?;
    if let Ok(value) = http::HeaderValue::from_str(signed.sign) {
        request.headers_mut().insert(SIGN_HEADER, value);
    }
    Ok(request)
}
