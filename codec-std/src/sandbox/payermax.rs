//! PayerMax in the simulator: `refund`, `refundQuery`, refund notifications.

use super::ledger::{Ledger, Order, Refund, RefundDecision, RefundState, Repeats};
use super::{AnswerFault, GatewayId, Handled, Simulator, json_response, owned, post};
use crate::error::Result;
use crate::rsa::RsaPrivateKey;
use refundwire::Error as CodecError;
use refundwire::gateway::payermax::server::{
    self, Api, RefundDetailsOut, RefundReplyData, ReplyBody, Request,
};
use refundwire::gateway::payermax::{Code, Credentials, SIGN_HEADER, SIGN_MAX, Status};
use refundwire::money::{Currency, Money};
use refundwire::time::Timestamp;

const G: GatewayId = GatewayId::PayerMax;

fn platform(sim: &Simulator, bad: bool) -> Option<&RsaPrivateKey> {
    if bad {
        sim.impostor()
    } else {
        Some(&sim.config().payermax.platform_private_key)
    }
}

fn answer(sim: &Simulator, reply: &ReplyBody<'_>, fault: Option<AnswerFault>) -> Handled {
    let Some(signer) = platform(sim, fault == Some(AnswerFault::BadSignature)) else {
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

fn refused(sim: &Simulator, code: Code<'_>, msg: &str) -> Handled {
    answer(sim, &ReplyBody::Refused { code, msg }, None)
}

/// PayerMax's code for a request that does not verify or parse.
fn code_for(e: CodecError) -> (Code<'static>, &'static str) {
    match e {
        CodecError::SignatureMismatch(_)
        | CodecError::SignatureMissing(_)
        | CodecError::Base64(_) => (Code::SignVerifyFailed, "sign verify failed"),
        CodecError::InvalidField("appId") => (Code::MerchantAppInvalid, "merchant app invalid"),
        CodecError::InvalidField("merchantNo") => (Code::MerchantInvalid, "merchant invalid"),
        CodecError::UnknownCurrency => (Code::CurrencyInvalid, "currency invalid"),
        CodecError::Amount(_) | CodecError::InvalidField("refundAmount") => {
            (Code::AmountInvalid, "amount invalid")
        }
        _ => (Code::ParamsInvalid, "params invalid"),
    }
}

fn details<'r>(refund: &'r Refund, order: &'r Order, now: u64) -> Option<RefundDetailsOut<'r>> {
    let currency = Currency::from_code(&order.currency).ok()?;
    let state = refund.state(now);
    Some(RefundDetailsOut {
        out_refund_no: &refund.refund_no,
        refund_trade_no: &refund.gateway_refund_no,
        out_trade_no: &refund.order_no,
        refund_amount: Money::new(refund.amount, currency),
        status: match state {
            RefundState::Pending => Status::RefundPending,
            RefundState::Succeeded => Status::RefundSuccess,
            RefundState::Failed => Status::RefundFailed,
        },
        result_msg: (state == RefundState::Failed).then_some("refund failed"),
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
) -> Handled {
    let cfg = &sim.config().payermax;
    let Ok(creds) = Credentials::new(&cfg.app_id, Some(&cfg.merchant)) else {
        return Handled::plain(json_response(500, Vec::new()));
    };
    let api = if status {
        Api::RefundQuery
    } else {
        Api::Refund
    };
    let sign = request.headers().get(SIGN_HEADER).map(|v| v.as_bytes());
    let decoded =
        server::decode_request(&creds, &cfg.merchant_public_key, api, sign, request.body());
    let decoded = match decoded {
        Ok(d) => d,
        Err(e) => {
            let (code, msg) = code_for(e);
            return refused(sim, code, msg);
        }
    };
    let sent_at = match &decoded {
        Request::Refund(r) => r.envelope.request_time.unix_ms(),
        Request::RefundQuery(q) => q.envelope.request_time.unix_ms(),
    };
    if sent_at.abs_diff(i64::try_from(now).unwrap_or(i64::MAX))
        > server::REQUEST_TIME_TOLERANCE_MS.unsigned_abs()
    {
        return refused(sim, Code::ReqTimeOverTime, "request time over time");
    }
    match decoded {
        Request::Refund(r) => {
            let (order_no, refund_no) = (owned(&r.out_trade_no), owned(&r.out_refund_no));
            let fault = ledger.take_answer_fault(G, &[&refund_no, &order_no]);
            if let Some(f @ (AnswerFault::Timeout | AnswerFault::Reset)) = fault {
                return Handled::Dropped(f);
            }
            let url = r.refund_notify_url.map(|u| owned(&u));
            let decision = ledger.refund(
                G,
                &order_no,
                &refund_no,
                r.refund_amount.minor,
                Some(r.refund_amount.currency.code()),
                url.as_deref(),
                Repeats::SameAmountIsSameRefund,
                now,
                sim.config().pending_ms,
                "PMXR",
            );
            match decision {
                RefundDecision::Accepted(refund) => {
                    let trade_order_no = ledger
                        .orders
                        .get(&(G, order_no.clone()))
                        .map(|o| o.gateway_order_no.clone())
                        .unwrap_or_default();
                    // The refund reply says pending or failed (the page); the query and the
                    // notification tell success.
                    let status = match refund.state(now) {
                        RefundState::Failed => Status::RefundFailed,
                        RefundState::Pending | RefundState::Succeeded => Status::RefundPending,
                    };
                    let reply = ReplyBody::Refund(RefundReplyData {
                        out_refund_no: &refund.refund_no,
                        trade_order_no: &trade_order_no,
                        refund_trade_no: &refund.gateway_refund_no,
                        status,
                    });
                    answer(sim, &reply, fault)
                }
                RefundDecision::NoOrder => refused(sim, Code::OrderNotExist, "order not exist"),
                RefundDecision::WrongCurrency => {
                    refused(sim, Code::CurrencyInvalid, "currency is not the order's")
                }
                RefundDecision::Duplicate => refused(
                    sim,
                    Code::RefundNoInvalid,
                    "outRefundNo is used by another refund",
                ),
                RefundDecision::OverRefund => refused(
                    sim,
                    Code::AmountInvalid,
                    "refund amount exceeds the refundable amount",
                ),
            }
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
            let fault = ledger.take_answer_fault(G, &[&key]);
            if let Some(f @ (AnswerFault::Timeout | AnswerFault::Reset)) = fault {
                return Handled::Dropped(f);
            }
            let Some(refund) = refund else {
                return refused(sim, Code::OrderNotExist, "refund not exist");
            };
            let Some(order) = ledger.orders.get(&(G, refund.order_no.clone())).cloned() else {
                return refused(sim, Code::OrderNotExist, "order not exist");
            };
            match details(&refund, &order, now) {
                Some(d) => answer(sim, &ReplyBody::RefundQuery(d), fault),
                None => refused(sim, Code::SystemError, "system error"),
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
    let signer = platform(sim, bad_signature)
        .ok_or_else(|| crate::error::Error::Key("no impostor key".into()))?;
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
