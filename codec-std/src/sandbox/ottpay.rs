//! OTTPay in the simulator: `/processV2`, both actions.

use super::ledger::{Ledger, RefundDecision, RefundState, Repeats};
use super::{AnswerFault, GatewayId, Handled, Simulator, answer_key, json_response, owned};
use refundwire::Error as CodecError;
use refundwire::gateway::ottpay::server::{self, ReplyData, Request};
use refundwire::gateway::ottpay::{Credentials, OrderStatus, RspCode};

const G: GatewayId = GatewayId::OttPay;

fn refusal(code: RspCode<'_>, msg: &str) -> Handled {
    let mut out = vec![0u8; server::REPLY_MAX];
    Handled::encoded(server::encode_refusal(code, msg, &mut out), None)
}

/// The code for a request that does not open (see the module docs' table).
fn refusal_for(e: CodecError) -> Handled {
    match e {
        CodecError::InvalidField("merchant_id") => {
            refusal(RspCode::ParamInvalid, "merchant_id is not valid")
        }
        CodecError::SignatureMismatch(_)
        | CodecError::SignatureMissing(_)
        | CodecError::Padding
        | CodecError::Plaintext
        | CodecError::CiphertextLength
        | CodecError::Base64(_)
        | CodecError::Hex(_) => refusal(RspCode::Fail, "md5 verification failed"),
        _ => refusal(RspCode::ParamError, "request parameters are wrong"),
    }
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

pub(super) fn handle(sim: &Simulator, ledger: &mut Ledger, now: u64, body: &[u8]) -> Handled {
    let cfg = &sim.config().ottpay;
    let Ok(creds) = Credentials::new(&cfg.merchant_id, cfg.sign_key.as_bytes()) else {
        return Handled::plain(json_response(500, Vec::new()));
    };
    let mut body = body.to_vec();
    let request = match server::decode_request(&creds, &mut body) {
        Ok(r) => r,
        Err(e) => return refusal_for(e),
    };
    match request {
        Request::Refund(r) => {
            let order_no = owned(&r.ori_order_id);
            let refund_no = match r.order_id {
                Some(id) => owned(&id),
                None => format!("OTTR{:08}", ledger.next()),
            };
            let fault = ledger.take_answer_fault(G, &[&refund_no, &order_no]);
            if let Some(f @ (AnswerFault::Timeout | AnswerFault::Reset)) = fault {
                return Handled::Dropped(f);
            }
            let decision = ledger.refund(
                G,
                &order_no,
                &refund_no,
                r.refund_amt,
                None,
                None,
                Repeats::SameAmountIsSameRefund,
                now,
                sim.config().pending_ms,
                "OTTR",
            );
            match decision {
                RefundDecision::Accepted(refund) => {
                    let code = match refund.state(now) {
                        RefundState::Pending => RspCode::Processing,
                        RefundState::Succeeded => RspCode::Success,
                        RefundState::Failed => return refusal(RspCode::Fail, "refund failed"),
                    };
                    let time = super::rfc3339(refund.created_ms, -300, false).unwrap_or_default();
                    let trade_time = time.get(..19).unwrap_or_default().replace('T', " ");
                    let data = ReplyData::Refund {
                        order_id: Some(&refund.refund_no),
                        trade_time: Some(&trade_time),
                        refund_amt: refund.amount,
                    };
                    reply(sim, code, &data, fault)
                }
                RefundDecision::NoOrder => {
                    refusal(RspCode::ParamInvalid, "ori_order_id does not exist")
                }
                RefundDecision::Duplicate => {
                    refusal(RspCode::OrderUsed, "order_id is already used")
                }
                RefundDecision::OverRefund => {
                    refusal(RspCode::Fail, "refund amount exceeds the refundable amount")
                }
                RefundDecision::WrongCurrency => {
                    refusal(RspCode::ParamInvalid, "currency does not match")
                }
            }
        }
        Request::RefundStatusQuery(q) => {
            let refund_no = owned(&q.order_id);
            let fault = ledger.take_answer_fault(G, &[&refund_no]);
            if let Some(f @ (AnswerFault::Timeout | AnswerFault::Reset)) = fault {
                return Handled::Dropped(f);
            }
            let Some(refund) = ledger.refunds.get(&(G, refund_no.clone())).cloned() else {
                return refusal(RspCode::ParamInvalid, "order_id does not exist");
            };
            let order_status = match refund.state(now) {
                RefundState::Pending => OrderStatus::Init,
                RefundState::Succeeded => OrderStatus::Success,
                RefundState::Failed => OrderStatus::Failure,
            };
            let data = ReplyData::Status {
                order_id: &refund.refund_no,
                order_status,
                refund_amt: refund.amount,
            };
            reply(sim, RspCode::Success, &data, fault)
        }
    }
}
