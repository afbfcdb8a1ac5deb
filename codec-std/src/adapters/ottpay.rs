//! OTTPay adapter. Credentials: `merchant_id`, `sign_key`; optional `environment` (OTTPay
//! has no sandbox: production or a base URL) and `currency` (the account currency, CAD unless
//! given; amounts are sent in cents, so it must have two decimals).
//!
//! A `REFUND` reply is never definite (its `rsp_code` is outside `md5`): its outcome has
//! status unknown and is confirmed by the status query, whose `order_status` is signed and
//! bound to the refund's `order_id`.

use super::{body_copy, carries, not_here, notification_is_no_answer, owned};
use crate::api::{self, Accepted, Binding, Operation, PinnedRefund, Prepared};
use crate::fields::Fields;
use crate::registry::{Credentials, Environment, in_account_currency};
use crate::{Context, Error, Gateway, RefundOutcome, RefundRequest, Result, StatusRequest};
use refundwire::crypto::SecretKey;
use refundwire::gateway::RefundFacts;
use refundwire::gateway::ottpay as core;
use refundwire::money::{Currency, Money};
use refundwire::trace::Trace;

const NAME: &str = "ottpay";

#[derive(Debug)]
struct OttPay {
    merchant_id: String,
    sign_key: SecretKey,
    environment: Environment,
    currency: Option<Currency>,
}

pub(crate) fn build(c: &Credentials) -> Result<Box<dyn Gateway>> {
    let currency = match c.currency()? {
        Some(currency) => currency,
        None => Currency::from_code(core::DEFAULT_CURRENCY)?,
    };
    {
        if currency.exponent() != 2 {
            return Err(Error::Credentials(format!(
                "OTTPay amounts are cents; {} has {} decimals",
                currency.code(),
                currency.exponent()
            )));
        }
    }
    let gateway = OttPay {
        merchant_id: c.str("merchant_id")?.to_owned(),
        sign_key: SecretKey::new(c.str("sign_key")?.as_bytes())?,
        environment: c.environment(&core::ENDPOINTS)?,
        currency: Some(currency),
    };
    gateway.credentials()?;
    Ok(Box::new(gateway))
}

impl OttPay {
    fn credentials(&self) -> Result<core::Credentials<'_>> {
        Ok(core::Credentials::new(
            &self.merchant_id,
            self.sign_key.expose(),
        )?)
    }

    /// Cents of `amount` (the core's rule), in the account currency when the credentials name
    /// one.
    fn cents(&self, amount: Money) -> Result<u64> {
        in_account_currency(amount, self.currency, "OTTPay")?;
        Ok(core::to_cents(amount)?)
    }

    fn post(
        &self,
        action: core::Action<'_>,
        expected: &str,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        let mut out = vec![0u8; action.body_max()];
        let body = core::encode_traced(&self.credentials()?, action, &mut out, trace)?.to_vec();
        let operation = match action {
            core::Action::Refund(_) => Operation::Refund,
            core::Action::RefundStatusQuery(_) => Operation::Status,
        };
        let path = match operation {
            Operation::Refund => core::ENDPOINTS.refund_path,
            _ => core::ENDPOINTS.status_path,
        };
        let url = self.environment.url(&core::ENDPOINTS, path)?;
        Ok(Prepared {
            request: api::post_json(&url, body, &[])?,
            binding: Binding {
                operation,
                expected: expected.to_owned(),
            },
        })
    }

    fn amount(&self, cents: u64) -> Option<Money> {
        self.currency.map(|currency| Money::new(cents, currency))
    }
}

impl Gateway for OttPay {
    fn name(&self) -> &'static str {
        NAME
    }

    fn refund_facts(&self) -> &'static RefundFacts {
        &core::REFUND_FACTS
    }

    fn pin_refund_fields(&self, fields: &Fields, ctx: &Context) -> Result<PinnedRefund> {
        let fields = api::pin_number(fields, core::REFUND_FACTS.refund_number_member, ctx)?;
        let request: core::RefundRequest<'_> = fields.deserialize("OTTPay refund")?;
        let status = StatusRequest {
            refund_id: request.order_id.unwrap_or_default().to_owned(),
            payment_id: request.ori_order_id.to_owned(),
        };
        Ok(PinnedRefund { fields, status })
    }

    fn operations(&self) -> &'static [(&'static str, Operation)] {
        &[
            ("refund", Operation::Refund),
            ("refund-query", Operation::Status),
        ]
    }

    fn prepare_refund_traced(
        &self,
        refund: &RefundRequest,
        _ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        carries("OTTPay", refund, false, &[])?;
        let request = core::RefundRequest {
            order_id: Some(&refund.refund_id),
            ori_order_id: &refund.payment_id,
            refund_amt: self.cents(refund.amount)?,
        };
        self.post(core::Action::Refund(request), &refund.refund_id, trace)
    }

    fn prepare_status_traced(
        &self,
        query: &StatusRequest,
        _ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        let request = core::RefundStatusQuery {
            order_id: &query.refund_id,
        };
        self.post(
            core::Action::RefundStatusQuery(request),
            &query.refund_id,
            trace,
        )
    }

    fn prepare_fields_traced(
        &self,
        operation: Operation,
        fields: &Fields,
        _ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        match operation {
            Operation::Refund => {
                let request: core::RefundRequest<'_> = fields.deserialize("OTTPay refund")?;
                let expected = request.order_id.unwrap_or_default();
                self.post(core::Action::Refund(request), expected, trace)
            }
            Operation::Status => {
                let query: core::RefundStatusQuery<'_> =
                    fields.deserialize("OTTPay refund status query")?;
                self.post(
                    core::Action::RefundStatusQuery(query),
                    query.order_id,
                    trace,
                )
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
        let mut body = body_copy(&response);
        let expected = binding.expected.as_str();
        let decoded = match binding.operation {
            Operation::Refund => core::decode_refund_traced(&creds, &mut body, expected, trace)
                .map_err(Error::from)
                .and_then(|reply| {
                    api::outcome(Operation::Refund, reply, |r| {
                        Ok(Accepted {
                            amount: self.amount(r.refund_amt),
                            refund_id: owned(r.order_id),
                            gateway_refund_id: None,
                            code: r.verified.rsp_code.as_wire().to_owned(),
                            message: owned(r.verified.rsp_msg).unwrap_or_default(),
                            fields: Fields::from_object(&r.verified.data)?,
                        })
                    })
                }),
            Operation::Status => {
                core::decode_refund_status_traced(&creds, &mut body, expected, trace)
                    .map_err(Error::from)
                    .and_then(|reply| {
                        api::outcome(Operation::Status, reply, |r| {
                            Ok(Accepted {
                                amount: self.amount(r.refund_amt),
                                refund_id: Some(r.order_id.to_string()),
                                gateway_refund_id: None,
                                code: r.verified.rsp_code.as_wire().to_owned(),
                                message: owned(r.verified.rsp_msg).unwrap_or_default(),
                                fields: Fields::from_object(&r.verified.data)?,
                            })
                        })
                    })
            }
            Operation::Notification => Err(notification_is_no_answer(NAME)),
        };
        api::on_status(response.status(), decoded)
    }
}
