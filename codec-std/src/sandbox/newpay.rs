//! NewPay in the simulator: refund, inquiry refund, refund callbacks.

use super::ledger::{Ledger, Order, Refund, RefundDecision, RefundState, Repeats};
use super::{AnswerFault, GatewayId, Handled, Simulator, json_response, owned, post};
use crate::error::Result;
use crate::rsa::RsaPrivateKey;
use refundwire::Error as CodecError;
use refundwire::gateway::newpay::server::{self, CallbackOut, ResponseData};
use refundwire::gateway::newpay::{Code, Credentials, PayMethod, TranStatus};

const G: GatewayId = GatewayId::NewPay;

fn platform(sim: &Simulator, bad: bool) -> Option<&RsaPrivateKey> {
    if bad {
        sim.impostor()
    } else {
        Some(&sim.config().newpay.platform_private_key)
    }
}

fn creds(sim: &Simulator) -> std::result::Result<Credentials<'_>, CodecError> {
    let cfg = &sim.config().newpay;
    Credentials::new(&cfg.app_id, &cfg.merchant)
}

fn refused(code: Code<'_>, message: &str) -> Handled {
    let mut out = vec![0u8; server::MESSAGE_MAX];
    Handled::encoded(server::encode_refusal(code, message, &mut out), None)
}

/// NewPay's code for a request that does not verify or parse.
fn code_for(e: CodecError) -> (Code<'static>, &'static str) {
    match e {
        CodecError::SignatureMismatch(_) => {
            (Code::SignVerificationFailed, "sign verification failed")
        }
        CodecError::SignatureMissing(_) | CodecError::Base64(_) => {
            (Code::SignIllegal, "sign illegal")
        }
        CodecError::InvalidField("appId") => (Code::AppIdWrong, "appId wrong"),
        CodecError::InvalidField("merchantId") => (Code::MerchantIdWrong, "merchantId wrong"),
        CodecError::InvalidField("timestamp") | CodecError::MissingField("timestamp") => {
            (Code::TimestampIllegal, "timestamp illegal")
        }
        CodecError::Amount(_) | CodecError::MissingField("refundOrderAmt") => {
            (Code::RefundOrderAmtIllegal, "refundOrderAmt illegal")
        }
        CodecError::InvalidField("refundOrderNo") | CodecError::FieldTooLong("refundOrderNo") => {
            (Code::RefundOrderNoIllegal, "refundOrderNo illegal")
        }
        _ => (Code::IllegalRequest, "illegal request"),
    }
}

fn response_data<'r>(
    refund: &'r Refund,
    order: &'r Order,
    now: u64,
    inquiry: bool,
) -> ResponseData<'r> {
    let (tran_status, tran_info) = match refund.state(now) {
        RefundState::Pending => (None, "Processing"),
        RefundState::Succeeded => (Some(TranStatus::Success), "Transaction Success"),
        RefundState::Failed => (Some(TranStatus::Failure), "Refund failed"),
    };
    ResponseData {
        tran_abbr: inquiry.then_some("REFUND"),
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
    let (Some(signer), Ok(creds)) = (
        platform(sim, fault == Some(AnswerFault::BadSignature)),
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
) -> Handled {
    let Ok(creds) = creds(sim) else {
        return Handled::plain(json_response(500, Vec::new()));
    };
    let key = &sim.config().newpay.merchant_public_key;
    let mut scratch = vec![0u8; body.len()];
    if inquiry {
        let q = match server::decode_inquiry_request(&creds, key, body, &mut scratch) {
            Ok(q) => q,
            Err(e) => {
                let (code, msg) = code_for(e);
                return refused(code, msg);
            }
        };
        let refund_no = owned(&q.refund_order_no);
        let fault = ledger.take_answer_fault(G, &[&refund_no]);
        if let Some(f @ (AnswerFault::Timeout | AnswerFault::Reset)) = fault {
            return Handled::Dropped(f);
        }
        let refund = ledger.refunds.get(&(G, refund_no)).cloned();
        let order = refund
            .as_ref()
            .and_then(|r| ledger.orders.get(&(G, r.order_no.clone())).cloned());
        let (Some(refund), Some(order)) = (refund, order) else {
            return refused(Code::OrderInfoNotFound, "order information does not exist");
        };
        return answer(sim, &response_data(&refund, &order, now, true), now, fault);
    }
    let r = match server::decode_refund_request(&creds, key, body, &mut scratch) {
        Ok(r) => r,
        Err(e) => {
            let (code, msg) = code_for(e);
            return refused(code, msg);
        }
    };
    let (order_no, refund_no) = (owned(&r.order_no), owned(&r.refund_order_no));
    let fault = ledger.take_answer_fault(G, &[&refund_no, &order_no]);
    if let Some(f @ (AnswerFault::Timeout | AnswerFault::Reset)) = fault {
        return Handled::Dropped(f);
    }
    let url = r.call_back_url.map(|u| owned(&u));
    let decision = ledger.refund(
        G,
        &order_no,
        &refund_no,
        r.refund_order_amt,
        None,
        url.as_deref(),
        Repeats::AlwaysRefused,
        now,
        sim.config().pending_ms,
        "NPYR",
    );
    match decision {
        RefundDecision::Accepted(refund) => {
            let Some(order) = ledger.orders.get(&(G, order_no)).cloned() else {
                return refused(Code::OrderNotFound, "order does not exist");
            };
            answer(sim, &response_data(&refund, &order, now, false), now, fault)
        }
        RefundDecision::NoOrder => refused(Code::OrderNotFound, "order does not exist"),
        RefundDecision::Duplicate => refused(
            Code::RefundOrderNoExists,
            "refund order number already exists",
        ),
        RefundDecision::OverRefund => {
            refused(Code::RefundExceedsPaid, "refund exceeds paid amount")
        }
        RefundDecision::WrongCurrency => refused(Code::IllegalRequest, "illegal request"),
    }
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
    let signer = platform(sim, bad_signature)
        .ok_or_else(|| crate::error::Error::Key("no impostor key".into()))?;
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
