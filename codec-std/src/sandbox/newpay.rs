//! NewPay in the simulator: refund, inquiry refund, refund callbacks.

use super::ledger::{Ask, Ledger, Order, Refund, RefundDecision, RefundState};
use super::{AnswerFault, Answered, GatewayId, Handled, Simulator, answer_fault};
use super::{json_response, owned, post};
use crate::error::Result;
use refundwire::Error as CodecError;
use refundwire::gateway::newpay::server::{self, CallbackOut, ResponseData};
use refundwire::gateway::newpay::{Code, Credentials, PayMethod};
use refundwire::gateway::server::Refused;

const G: GatewayId = GatewayId::NewPay;

fn creds(sim: &Simulator) -> std::result::Result<Credentials<'_>, CodecError> {
    let cfg = &sim.config().newpay;
    Credentials::new(&cfg.app_id, &cfg.merchant)
}

/// A refusal (NewPay sends them unsigned).
fn refused((code, message): (Code<'_>, &str)) -> Handled {
    let mut out = vec![0u8; server::MESSAGE_MAX];
    Handled::encoded(server::encode_refusal(code, message, &mut out), None)
}

fn response_data<'r>(
    refund: &'r Refund,
    order: &'r Order,
    now: u64,
    inquiry: bool,
) -> ResponseData<'r> {
    let (tran_status, tran_info) = server::tran_status(refund.state(now));
    ResponseData {
        tran_abbr: inquiry.then_some(server::TRAN_ABBR_REFUND),
        tran_no: inquiry.then_some(refund.gateway_refund_no.as_str()),
        tran_status,
        tran_info,
        refund_order_amt: refund.amount,
        pay_method: PayMethod::NewPay,
        currency: &order.currency,
        order_no: &order.order_no,
        newpay_order_no: &order.gateway_order_no,
        refund_order_no: &refund.refund_no,
        newpay_refund_order_no: &refund.gateway_refund_no,
    }
}

fn answer(
    sim: &Simulator,
    data: &ResponseData<'_>,
    now: u64,
    fault: Option<AnswerFault>,
) -> Handled {
    let (Ok(signer), Ok(creds)) = (
        sim.signer(
            &sim.config().newpay.platform_private_key,
            fault == Some(AnswerFault::BadSignature),
        ),
        creds(sim),
    ) else {
        return Handled::plain(json_response(500, Vec::new()));
    };
    let mut out = vec![0u8; server::MESSAGE_MAX];
    Handled::encoded(
        server::encode_response(&creds, signer, data, now, &mut out),
        fault,
    )
}

pub(super) fn handle(
    sim: &Simulator,
    ledger: &mut Ledger,
    now: u64,
    inquiry: bool,
    body: &[u8],
) -> Answered {
    let creds = creds(sim).map_err(|_| Handled::plain(json_response(500, Vec::new())))?;
    let key = &sim.config().newpay.merchant_public_key;
    let mut scratch = vec![0u8; body.len()];
    let refuse = |e: CodecError| refused(server::refusal_for(&e));
    if inquiry {
        let q = server::decode_inquiry_request(&creds, key, body, &mut scratch).map_err(refuse)?;
        let refund_no = owned(&q.refund_order_no);
        let fault = answer_fault(ledger, G, &[&refund_no])?;
        let refund = ledger.refunds.get(&(G, refund_no)).cloned();
        let order = refund
            .as_ref()
            .and_then(|r| ledger.orders.get(&(G, r.order_no.clone())).cloned());
        let (Some(refund), Some(order)) = (refund, order) else {
            return Ok(refused(server::refusal(Refused::NoRefund)));
        };
        return Ok(answer(
            sim,
            &response_data(&refund, &order, now, true),
            now,
            fault,
        ));
    }
    let r = server::decode_refund_request(&creds, key, body, &mut scratch).map_err(refuse)?;
    let (order_no, refund_no) = (owned(&r.order_no), owned(&r.refund_order_no));
    let fault = answer_fault(ledger, G, &[&refund_no, &order_no])?;
    let url = r.call_back_url.map(|u| owned(&u));
    let ask = Ask {
        order_no: &order_no,
        refund_no: &refund_no,
        amount: r.refund_order_amt,
        currency: None,
        notify_url: url.as_deref(),
    };
    let refund = match ledger.refund(G, ask, now, sim.config().pending_ms) {
        RefundDecision::Accepted(refund) => refund,
        RefundDecision::Refused(why) => return Ok(refused(server::refusal(why))),
    };
    let Some(order) = ledger.orders.get(&(G, order_no)).cloned() else {
        return Ok(refused(server::refusal(Refused::NoOrder)));
    };
    Ok(answer(
        sim,
        &response_data(&refund, &order, now, false),
        now,
        fault,
    ))
}

/// The refund callback of a settled refund, POSTed to `url`.
pub(super) fn callback(
    sim: &Simulator,
    refund: &Refund,
    order: &Order,
    url: &str,
    now: u64,
    bad_signature: bool,
) -> Result<http::Request<Vec<u8>>> {
    let creds = creds(sim)?;
    let signer = sim.signer(&sim.config().newpay.platform_private_key, bad_signature)?;
    let cb = CallbackOut {
        pay_method: PayMethod::NewPay,
        refund_order_amt: refund.amount,
        currency: &order.currency,
        newpay_order_no: &order.gateway_order_no,
        newpay_refund_order_no: &refund.gateway_refund_no,
        order_no: &order.order_no,
        refund_order_no: &refund.refund_no,
        succeeded: refund.state(refund.settles_ms.max(now)) == RefundState::Succeeded,
    };
    let mut out = vec![0u8; server::MESSAGE_MAX];
    let body = server::encode_callback(&creds, signer, &cb, now, &mut out)?;
    post(url, body.to_vec())
}
