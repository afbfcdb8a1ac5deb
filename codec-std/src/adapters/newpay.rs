//! NewPay adapter. Credentials: `app_id`, `merchant_id`; the merchant key as
//! `private_key_file` or `private_key_pkcs8_b64` (to sign requests), NewPay's key as
//! `platform_public_key_file` or `platform_public_key_b64` (to verify answers and callbacks);
//! optional `environment` (NewPay publishes no test host: production or a base URL);
//! `currency` (the account currency, LAK or USD) is required to send a neutral refund, because
//! requests carry an amount without one, and an answer in another currency is refused.
//!
//! A reply is bound by its signed `refundOrderNo`; a callback by its `appId` (it names its
//! refund).

use super::{carries, not_here, notification_is_no_answer, owned};
use crate::api::{
    self, Accepted, Answer, Binding, Notification, Operation, PinnedRefund, Prepared,
};
use crate::fields::Fields;
use crate::registry::{Credentials, Environment, in_account_currency, need, same_currency};
use crate::rsa::{RsaPrivateKey, RsaPublicKey};
use crate::{Context, Error, Gateway, RefundOutcome, RefundRequest, Result, StatusRequest};
use refundwire::Verdict as _;
use refundwire::gateway::RefundFacts;
use refundwire::gateway::newpay as core;
use refundwire::json::JsonStr;
use refundwire::money::{Currency, Money};
use refundwire::trace::Trace;

const NAME: &str = "newpay";
const SIGNING: &str = "`private_key_file` or `private_key_pkcs8_b64`";
const VERIFYING: &str = "`platform_public_key_file` or `platform_public_key_b64`";

#[derive(Debug)]
struct NewPay {
    app_id: String,
    merchant_id: String,
    environment: Environment,
    currency: Option<Currency>,
    private_key: Option<RsaPrivateKey>,
    platform_key: Option<RsaPublicKey>,
}

pub(crate) fn build(c: &Credentials) -> Result<Box<dyn Gateway>> {
    let gateway = NewPay {
        app_id: c.str("app_id")?.to_owned(),
        merchant_id: c.str("merchant_id")?.to_owned(),
        environment: c.environment(&core::ENDPOINTS)?,
        currency: c.currency()?,
        private_key: c.private_key()?,
        platform_key: c.platform_public_key()?,
    };
    gateway.credentials()?;
    Ok(Box::new(gateway))
}

/// The reported amount, when the answer names a currency this codec knows.
fn amount(units: Result<u64>, currency: Option<JsonStr<'_>>) -> Option<Money> {
    let currency = Currency::from_code(currency?.as_str()?).ok()?;
    core::from_units(units.ok()?, currency).ok()
}

impl NewPay {
    fn credentials(&self) -> Result<core::Credentials<'_>> {
        Ok(core::Credentials::new(&self.app_id, &self.merchant_id)?)
    }

    /// `timestamp`: milliseconds since the epoch, from the context's clock.
    fn timestamp_ms(ctx: &Context) -> Result<u64> {
        u64::try_from(ctx.now()?.unix_ms()).map_err(|_| Error::Codec(refundwire::Error::Time))
    }

    fn send(
        &self,
        operation: Operation,
        expected: &str,
        body_max: usize,
        encode: impl FnOnce(
            &core::Credentials<'_>,
            &RsaPrivateKey,
            &mut [u8],
        ) -> refundwire::Result<usize>,
    ) -> Result<Prepared> {
        let key = need(&self.private_key, "signing a request", SIGNING)?;
        let mut body = vec![0u8; body_max];
        let n = encode(&self.credentials()?, key, &mut body)?;
        body.truncate(n);
        let path = match operation {
            Operation::Refund => core::ENDPOINTS.refund_path,
            _ => core::ENDPOINTS.status_path,
        };
        let url = self.environment.url(&core::ENDPOINTS, path)?;
        let (version_name, version) = core::VERSION_HEADER;
        Ok(Prepared {
            request: api::post_json(&url, body, &[(version_name, version)])?,
            binding: Binding {
                operation,
                expected: expected.to_owned(),
            },
        })
    }

    fn refund(
        &self,
        request: &core::RefundRequest<'_>,
        ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        let ts = Self::timestamp_ms(ctx)?;
        self.send(
            Operation::Refund,
            request.refund_order_no,
            core::REFUND_BODY_MAX,
            |c, k, out| core::encode_refund_traced(c, k, request, ts, out, trace).map(<[u8]>::len),
        )
    }

    fn inquiry(
        &self,
        request: &core::InquiryRefundRequest<'_>,
        ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        let ts = Self::timestamp_ms(ctx)?;
        self.send(
            Operation::Status,
            request.refund_order_no,
            core::INQUIRY_REFUND_BODY_MAX,
            |c, k, out| {
                core::encode_inquiry_refund_traced(c, k, request, ts, out, trace).map(<[u8]>::len)
            },
        )
    }
}

impl NewPay {
    /// What a refund or inquiry reply reports (in the account currency, when it names one).
    fn result(&self, r: &core::RefundResult<'_>) -> Result<Accepted> {
        same_currency(r.currency.and_then(|c| c.as_str()), self.currency)?;
        Ok(Accepted {
            amount: amount(r.amount_units().map_err(Error::from), r.currency),
            refund_id: Some(r.refund_order_no.to_string()),
            gateway_refund_id: owned(r.newpay_refund_order_no),
            code: r
                .tran_status
                .map(|s| s.as_wire().to_owned())
                .unwrap_or_default(),
            message: owned(r.tran_info).unwrap_or_default(),
            fields: Fields::from_object(&r.data)?,
        })
    }
}

impl Gateway for NewPay {
    fn name(&self) -> &'static str {
        NAME
    }

    fn refund_facts(&self) -> &'static RefundFacts {
        &core::REFUND_FACTS
    }

    fn pin_refund_fields(&self, fields: &Fields, ctx: &Context) -> Result<PinnedRefund> {
        let fields = api::pin_number(fields, core::REFUND_FACTS.refund_number_member, ctx)?;
        let request: core::RefundRequest<'_> = fields.deserialize("NewPay refund")?;
        let status = StatusRequest {
            refund_id: request.refund_order_no.to_owned(),
            payment_id: request.order_no.to_owned(),
        };
        Ok(PinnedRefund { fields, status })
    }

    fn operations(&self) -> &'static [(&'static str, Operation)] {
        &[
            ("refund", Operation::Refund),
            ("refund-query", Operation::Status),
            ("refund-callback", Operation::Notification),
        ]
    }

    fn prepare_refund_traced(
        &self,
        refund: &RefundRequest,
        ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        carries("NewPay", refund, true, &[])?;
        let request = core::RefundRequest {
            refund_order_amt: {
                in_account_currency(refund.amount, self.currency, "NewPay")?;
                core::to_units(refund.amount)?
            },
            order_no: &refund.payment_id,
            refund_order_no: &refund.refund_id,
            refund_desc: refund.reason.as_deref().unwrap_or_default(),
            call_back_url: refund.notify_url.as_deref().unwrap_or_default(),
        };
        self.refund(&request, ctx, trace)
    }

    fn prepare_status_traced(
        &self,
        query: &StatusRequest,
        ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        let request = core::InquiryRefundRequest {
            refund_order_no: &query.refund_id,
        };
        self.inquiry(&request, ctx, trace)
    }

    fn prepare_fields_traced(
        &self,
        operation: Operation,
        fields: &Fields,
        ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        match operation {
            Operation::Refund => self.refund(&fields.deserialize("NewPay refund")?, ctx, trace),
            Operation::Status => {
                self.inquiry(&fields.deserialize("NewPay inquiry refund")?, ctx, trace)
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
        let key = need(&self.platform_key, "verifying an answer", VERIFYING)?;
        let creds = self.credentials()?;
        let body = *response.body();
        let mut scratch = vec![0u8; body.len()];
        let expected = binding.expected.as_str();
        let decoded = match binding.operation {
            Operation::Refund => {
                core::decode_refund_traced(&creds, key, body, expected, &mut scratch, trace)
                    .map_err(Error::from)
                    .and_then(|reply| api::outcome(Operation::Refund, reply, |r| self.result(r)))
            }
            Operation::Status => {
                core::decode_inquiry_refund_traced(&creds, key, body, expected, &mut scratch, trace)
                    .map_err(Error::from)
                    .and_then(|reply| api::outcome(Operation::Status, reply, |r| self.result(r)))
            }
            Operation::Notification => Err(notification_is_no_answer(NAME)),
        };
        api::on_status(response.status(), decoded)
    }

    fn verify_notification_traced(
        &self,
        request: http::Request<&[u8]>,
        trace: &mut dyn Trace,
    ) -> Result<Notification> {
        let key = need(&self.platform_key, "verifying a callback", VERIFYING)?;
        let creds = self.credentials()?;
        let body = *request.body();
        let mut scratch = vec![0u8; body.len()];
        let callback = core::decode_refund_callback_traced(&creds, key, body, &mut scratch, trace)?;
        same_currency(callback.currency.and_then(|c| c.as_str()), self.currency)?;
        let outcome = RefundOutcome {
            operation: Operation::Notification,
            answer: Answer::Accepted,
            status: callback.status(),
            claimed_status: callback.claimed_status(),
            trust: callback.trust,
            code: callback.trans_status.to_owned(),
            message: owned(callback.trans_info).unwrap_or_default(),
            amount: amount(
                callback.amount_units().map_err(Error::from),
                callback.currency,
            ),
            refund_id: Some(callback.refund_order_no.to_string()),
            gateway_refund_id: owned(callback.newpay_refund_order_no),
            fields: Fields::from_object(&callback.object)?,
        };
        Ok(Notification {
            outcome,
            ack_body: core::CALLBACK_ACK,
        })
    }
}
