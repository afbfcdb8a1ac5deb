//! ScanForPay adapter. Credentials: `partner_no`, `sign_key`; optional `time_field`
//! (`requestTime`, the default, or `reqTime`) and `environment`; `currency` (the account
//! currency) is required to send a neutral refund, because requests carry minor units without
//! one, and an answer in another currency is refused.
//!
//! Every request carries a fresh `reqMsgId` from the [`Context`]; a reply is bound to it.
//! Refunds are asked about with the order query (by the payment's `partnerOrderNo`): its order
//! state 3 means refunded.

use super::{carries, not_here, notification_is_no_answer, owned};
use crate::api::{self, Accepted, Binding, Operation, PinnedRefund, Prepared};
use crate::fields::Fields;
use crate::registry::{Credentials, Environment, in_account_currency, same_currency};
use crate::{Context, Error, Gateway, RefundOutcome, RefundRequest, Result, StatusRequest};
use refundwire::crypto::SecretKey;
use refundwire::gateway::RefundFacts;
use refundwire::gateway::scanforpay::{self as core, TimeField};
use refundwire::money::{Currency, Money};
use refundwire::trace::Trace;
use refundwire::{RefundStatus, Trust};

const NAME: &str = "scanforpay";
/// The extras a refund takes, under their wire names.
const OPERATOR_ID: &str = core::REFUND_OPTIONAL_MEMBERS[0];
const TERMINAL_NO: &str = core::REFUND_OPTIONAL_MEMBERS[1];

#[derive(Debug)]
struct ScanForPay {
    partner_no: String,
    sign_key: SecretKey,
    time_field: TimeField,
    environment: Environment,
    currency: Option<Currency>,
}

pub(crate) fn build(c: &Credentials) -> Result<Box<dyn Gateway>> {
    let time_field = match c.opt_str("time_field")? {
        None => TimeField::default(),
        Some(name) => [TimeField::RequestTime, TimeField::ReqTime]
            .into_iter()
            .find(|f| f.wire_name() == name)
            .ok_or_else(|| {
                Error::Credentials(format!(
                    "`time_field` must be `requestTime` or `reqTime`, not `{name}`"
                ))
            })?,
    };
    let gateway = ScanForPay {
        partner_no: c.str("partner_no")?.to_owned(),
        sign_key: SecretKey::new(c.str("sign_key")?.as_bytes())?,
        time_field,
        environment: c.environment(&core::ENDPOINTS)?,
        currency: c.currency()?,
    };
    gateway.credentials()?;
    Ok(Box::new(gateway))
}

impl ScanForPay {
    fn credentials(&self) -> Result<core::Credentials<'_>> {
        Ok(core::Credentials::new(
            &self.partner_no,
            self.sign_key.expose(),
        )?)
    }

    /// Encodes with a fresh header; the answer is bound to its `reqMsgId`.
    fn post(
        &self,
        operation: Operation,
        ctx: &Context,
        trace: &mut dyn Trace,
        encode: impl FnOnce(
            &core::Credentials<'_>,
            &core::RequestHeader<'_>,
            &mut [u8],
            &mut dyn Trace,
        ) -> refundwire::Result<usize>,
    ) -> Result<Prepared> {
        let req_msg_id = ctx.new_id()?;
        let header =
            core::RequestHeader::new(ctx.now()?, &req_msg_id).with_time_field(self.time_field);
        // The larger of the two documented worst cases: always enough.
        let mut out = vec![0u8; core::REQUEST_MAX];
        let n = encode(&self.credentials()?, &header, &mut out, trace)?;
        out.truncate(n);
        let path = match operation {
            Operation::Refund => core::ENDPOINTS.refund_path,
            _ => core::ENDPOINTS.status_path,
        };
        let url = self.environment.url(&core::ENDPOINTS, path)?;
        Ok(Prepared {
            request: api::post_json(&url, out, &[])?,
            binding: Binding {
                operation,
                expected: req_msg_id,
            },
        })
    }

    fn refund(
        &self,
        request: core::RefundRequest<'_>,
        ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        self.post(Operation::Refund, ctx, trace, |c, h, out, t| {
            core::encode_refund_traced(c, h, &request, out, t).map(<[u8]>::len)
        })
    }

    fn order_query(
        &self,
        query: core::OrderQueryRequest<'_>,
        ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        self.post(Operation::Status, ctx, trace, |c, h, out, t| {
            core::encode_order_query_traced(c, h, &query, out, t).map(<[u8]>::len)
        })
    }
}

/// The order query answers about the order; the neutral question is about one refund. A
/// "refunded" order (state 3) does not say which of several partial refunds went through
/// (the core module's docs), so it names no refund: claimed, not bound, status unknown. An
/// order never paid or whose payment failed had nothing to refund: that stays definite.
fn about_the_refund(mut outcome: RefundOutcome) -> RefundOutcome {
    if outcome.claimed_status == RefundStatus::Succeeded {
        outcome.trust = Trust::signed(false);
        outcome.status = RefundStatus::Unknown;
    }
    outcome
}

/// `orderAmount` in `currency`, when the reply names a currency this codec knows.
fn amount(minor: u64, currency: Option<refundwire::json::JsonStr<'_>>) -> Option<Money> {
    let code = currency?.as_str()?;
    Currency::from_code(code)
        .ok()
        .map(|currency| Money::new(minor, currency))
}

impl Gateway for ScanForPay {
    fn name(&self) -> &'static str {
        NAME
    }

    fn refund_facts(&self) -> &'static RefundFacts {
        &core::REFUND_FACTS
    }

    fn pin_refund_fields(&self, fields: &Fields, ctx: &Context) -> Result<PinnedRefund> {
        let fields = api::pin_number(fields, core::REFUND_FACTS.refund_number_member, ctx)?;
        let request: core::RefundRequest<'_> = fields.deserialize("ScanForPay refund")?;
        let status = StatusRequest {
            refund_id: request.refund_no.to_owned(),
            payment_id: request.partner_order_no.to_owned(),
        };
        Ok(PinnedRefund { fields, status })
    }

    fn operations(&self) -> &'static [(&'static str, Operation)] {
        &[
            ("refund", Operation::Refund),
            ("order-query", Operation::Status),
        ]
    }

    fn uses_message_id(&self) -> bool {
        true
    }

    fn prepare_refund_traced(
        &self,
        refund: &RefundRequest,
        ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        carries("ScanForPay", refund, false, &core::REFUND_OPTIONAL_MEMBERS)?;
        let request = core::RefundRequest {
            partner_order_no: &refund.payment_id,
            refund_no: &refund.refund_id,
            order_amount: in_account_currency(refund.amount, self.currency, "ScanForPay")?,
            operator_id: refund.extras.get(OPERATOR_ID).map(String::as_str),
            terminal_no: refund.extras.get(TERMINAL_NO).map(String::as_str),
        };
        self.refund(request, ctx, trace)
    }

    fn prepare_status_traced(
        &self,
        query: &StatusRequest,
        ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        let request = core::OrderQueryRequest {
            partner_order_no: Some(&query.payment_id),
            ..core::OrderQueryRequest::default()
        };
        self.order_query(request, ctx, trace)
    }

    fn prepare_fields_traced(
        &self,
        operation: Operation,
        fields: &Fields,
        ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        match operation {
            Operation::Refund => self.refund(fields.deserialize("ScanForPay refund")?, ctx, trace),
            Operation::Status => {
                self.order_query(fields.deserialize("ScanForPay order query")?, ctx, trace)
            }
            Operation::Notification => Err(not_here(NAME, operation)),
        }
    }

    fn decode_traced(
        &self,
        binding: &Binding,
        response: http::Response<&[u8]>,
        trace: &mut dyn Trace,
    ) -> Result<RefundOutcome> {
        let creds = self.credentials()?;
        let body = *response.body();
        let expected = binding.expected.as_str();
        let decoded = match binding.operation {
            Operation::Refund => core::decode_refund_traced(&creds, body, expected, trace)
                .map_err(Error::from)
                .and_then(|reply| {
                    api::outcome(Operation::Refund, reply, |r| {
                        same_currency(r.currency.and_then(|c| c.as_str()), self.currency)?;
                        let fields = Fields::from_object(&r.body)?;
                        Ok(Accepted {
                            amount: amount(r.order_amount, r.currency),
                            refund_id: owned(r.refund_no),
                            gateway_refund_id: None,
                            code: core::ResultCode::Success.as_wire().to_owned(),
                            message: owned(r.msg).unwrap_or_default(),
                            fields,
                        })
                    })
                }),
            Operation::Status => core::decode_order_query_traced(&creds, body, expected, trace)
                .map_err(Error::from)
                .and_then(|reply| {
                    let outcome = api::outcome(Operation::Status, reply, |r| {
                        same_currency(r.currency.and_then(|c| c.as_str()), self.currency)?;
                        let fields = Fields::from_object(&r.body)?;
                        Ok(Accepted {
                            // The order's amount, not a refund's: not reported as one.
                            amount: None,
                            refund_id: None,
                            gateway_refund_id: None,
                            code: core::ResultCode::Success.as_wire().to_owned(),
                            message: owned(r.msg).unwrap_or_default(),
                            fields,
                        })
                    })?;
                    Ok(about_the_refund(outcome))
                }),
            Operation::Notification => Err(notification_is_no_answer(NAME)),
        };
        api::on_status(response.status(), decoded)
    }
}
