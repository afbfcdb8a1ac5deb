//! ScanForPay in the simulator: refund and the order query.

use super::ledger::{Ledger, RefundDecision, RefundState, Repeats};
use super::{AnswerFault, GatewayId, Handled, Simulator, answer_key, json_response, owned};
use refundwire::Error as CodecError;
use refundwire::gateway::scanforpay::server::{self, ResponseBody, ResponseHeaderOut};
use refundwire::gateway::scanforpay::{Credentials, OrderState, RefundState as Wire, ResultCode};
use refundwire::json::Object;
use refundwire::time::Timestamp;

const G: GatewayId = GatewayId::ScanForPay;
/// ScanForPay's merchants are in Hong Kong and Japan: answers are stamped at +08:00.
const OFFSET_MINUTES: i16 = 8 * 60;

/// The `reqMsgId` of a request, read without verifying (to echo it on a refusal), or `-`.
fn req_msg_id(body: &[u8]) -> String {
    Object::parse(body)
        .and_then(|top| top.object("request"))
        .and_then(|r| r.object("header"))
        .and_then(|h| h.str("reqMsgId"))
        .map(|id| owned(&id))
        .ok()
        .filter(|id| !id.is_empty() && id.chars().count() <= 64)
        .unwrap_or_else(|| "-".to_owned())
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
            resp_time: Timestamp::new(i64::try_from(now).unwrap_or(0), OFFSET_MINUTES)?,
            req_msg_id: id,
        };
        server::encode_response(&creds, &header, body, &mut out)
    });
    Handled::encoded(encoded, fault)
}

fn refused(sim: &Simulator, now: u64, id: &str, code: ResultCode<'_>, msg: &str) -> Handled {
    answer(sim, now, id, &ResponseBody::Refused { code, msg }, None)
}

/// ScanForPay's code for a request that does not verify or parse.
fn code_for(e: CodecError) -> (ResultCode<'static>, &'static str) {
    match e {
        CodecError::SignatureMismatch(_) | CodecError::SignatureMissing(_) | CodecError::Hex(_) => {
            (ResultCode::SignatureInvalid, "signature invalid")
        }
        CodecError::InvalidField("partnerNo") => {
            (ResultCode::NotAuthorized, "illegal request, not authorized")
        }
        CodecError::Json { .. } | CodecError::JsonTooDeep | CodecError::DuplicateMember => {
            (ResultCode::InvalidJson, "invalid JSON")
        }
        CodecError::MissingField("partnerOrderNo") => (
            ResultCode::OrderNumbersEmpty,
            "merchant and payment order numbers both empty",
        ),
        CodecError::MissingField(_) => (ResultCode::ParameterEmpty, "parameter empty"),
        _ => (ResultCode::ParameterIllegal, "parameter illegal"),
    }
}

pub(super) fn handle(
    sim: &Simulator,
    ledger: &mut Ledger,
    now: u64,
    status: bool,
    body: &[u8],
) -> Handled {
    let cfg = &sim.config().scanforpay;
    let Ok(creds) = Credentials::new(&cfg.partner_no, cfg.sign_key.as_bytes()) else {
        return Handled::plain(json_response(500, Vec::new()));
    };
    let echo = req_msg_id(body);
    if status {
        let q = match server::decode_order_query_request(&creds, body) {
            Ok(q) => q,
            Err(e) => {
                let (code, msg) = code_for(e);
                return refused(sim, now, &echo, code, msg);
            }
        };
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
        let fault = ledger.take_answer_fault(G, &[&key]);
        if let Some(f @ (AnswerFault::Timeout | AnswerFault::Reset)) = fault {
            return Handled::Dropped(f);
        }
        let Some(order) = order else {
            return refused(sim, now, &id, ResultCode::OrderNotFound, "订单不存在");
        };
        let refunded = ledger
            .refunds_of(G, &order.order_no)
            .iter()
            .any(|r| r.state(now) == RefundState::Succeeded);
        let body = ResponseBody::OrderQuery {
            order_no: &order.gateway_order_no,
            partner_order_no: &order.order_no,
            order_amount: order.amount,
            wallet: "Alipay",
            state: if refunded {
                OrderState::Refunded
            } else {
                OrderState::Paid
            },
            pay_time: Timestamp::new(i64::try_from(order.paid_at_ms).unwrap_or(0), OFFSET_MINUTES)
                .ok(),
            currency: &order.currency,
        };
        return answer(sim, now, &id, &body, fault);
    }

    let r = match server::decode_refund_request(&creds, body) {
        Ok(r) => r,
        Err(e) => {
            let (code, msg) = code_for(e);
            return refused(sim, now, &echo, code, msg);
        }
    };
    let id = owned(&r.request.req_msg_id);
    let (order_no, refund_no) = (owned(&r.partner_order_no), owned(&r.refund_no));
    let fault = ledger.take_answer_fault(G, &[&refund_no, &order_no]);
    if let Some(f @ (AnswerFault::Timeout | AnswerFault::Reset)) = fault {
        return Handled::Dropped(f);
    }
    let decision = ledger.refund(
        G,
        &order_no,
        &refund_no,
        r.order_amount,
        None,
        None,
        Repeats::SameAmountIsSameRefund,
        now,
        sim.config().pending_ms,
        "SFPR",
    );
    match decision {
        RefundDecision::Accepted(refund) => {
            let currency = ledger
                .orders
                .get(&(G, order_no.clone()))
                .map(|o| o.currency.clone())
                .unwrap_or_default();
            let state = match refund.state(now) {
                RefundState::Pending => Wire::Dealing,
                RefundState::Succeeded => Wire::Refunded,
                RefundState::Failed => Wire::Failed,
            };
            let body = ResponseBody::Refund {
                order_amount: refund.amount,
                state,
                currency: &currency,
                refund_no: Some(&refund.refund_no),
            };
            answer(sim, now, &id, &body, fault)
        }
        RefundDecision::NoOrder => refused(sim, now, &id, ResultCode::OrderNotFound, "订单不存在"),
        RefundDecision::Duplicate => refused(
            sim,
            now,
            &id,
            ResultCode::OrderDuplicate,
            "order created twice",
        ),
        RefundDecision::OverRefund => refused(
            sim,
            now,
            &id,
            ResultCode::RefundExceedsRefundable,
            "refund exceeds the refundable amount",
        ),
        RefundDecision::WrongCurrency => refused(
            sim,
            now,
            &id,
            ResultCode::ParameterIllegal,
            "parameter illegal",
        ),
    }
}
