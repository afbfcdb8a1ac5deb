//! PayerMax adapter. Credentials: `app_id`, optional `merchant_no`; the merchant key as
//! `private_key_file` or `private_key_pkcs8_b64` (to sign requests), PayerMax's key as
//! `platform_public_key_file` or `platform_public_key_b64` (to verify answers and
//! notifications); optional `version`, `key_version` and `environment`. A key an operation
//! does not need may be left out.
//!
//! Answers carry their signature in the `sign` header; a reply is bound by its signed
//! `data.outRefundNo`, a notification by `appId`/`merchantNo` (it names its refund).

use super::{carries, not_here, notification_is_no_answer, owned};
use crate::api::{self, Accepted, Binding, Notification, Operation, PinnedRefund, Prepared};
use crate::fields::Fields;
use crate::registry::{Credentials, Environment, need};
use crate::rsa::{RsaPrivateKey, RsaPublicKey};
use crate::{Context, Error, Gateway, RefundOutcome, RefundRequest, Result, StatusRequest};
use refundwire::gateway::RefundFacts;
use refundwire::gateway::payermax::{self as core, Code, Envelope};
use refundwire::trace::Trace;

const NAME: &str = "payermax";
const SIGNING: &str = "`private_key_file` or `private_key_pkcs8_b64`";
const VERIFYING: &str = "`platform_public_key_file` or `platform_public_key_b64`";

#[derive(Debug)]
struct PayerMax {
    app_id: String,
    merchant_no: Option<String>,
    version: String,
    key_version: String,
    environment: Environment,
    private_key: Option<RsaPrivateKey>,
    platform_key: Option<RsaPublicKey>,
}

pub(crate) fn build(c: &Credentials) -> Result<Box<dyn Gateway>> {
    let gateway = PayerMax {
        app_id: c.str("app_id")?.to_owned(),
        merchant_no: c.opt_str("merchant_no")?.map(str::to_owned),
        version: c.opt_str("version")?.unwrap_or(core::VERSION).to_owned(),
        key_version: c
            .opt_str("key_version")?
            .unwrap_or(core::KEY_VERSION)
            .to_owned(),
        environment: c.environment(&core::ENDPOINTS)?,
        private_key: c.private_key()?,
        platform_key: c.platform_public_key()?,
    };
    gateway.credentials()?;
    Ok(Box::new(gateway))
}

/// A refund's details as the neutral outcome reports them.
fn details(d: &core::RefundDetails<'_>, data: &refundwire::json::Object<'_>) -> Result<Accepted> {
    Ok(Accepted {
        amount: Some(d.refund_amount),
        refund_id: Some(d.out_refund_no.to_string()),
        gateway_refund_id: owned(d.refund_trade_no),
        code: Code::ApplySuccess.as_wire().to_owned(),
        message: owned(d.result_msg).unwrap_or_default(),
        fields: Fields::from_object(data)?,
    })
}

impl PayerMax {
    fn credentials(&self) -> Result<core::Credentials<'_>> {
        Ok(core::Credentials::new(
            &self.app_id,
            self.merchant_no.as_deref(),
        )?)
    }

    fn envelope(&self, ctx: &Context) -> Result<Envelope<'_>> {
        Ok(Envelope {
            version: &self.version,
            key_version: &self.key_version,
            request_time: ctx.now()?,
        })
    }

    fn send(
        &self,
        operation: Operation,
        expected: &str,
        encode: impl FnOnce(&mut [u8], &mut [u8]) -> refundwire::Result<(usize, usize)>,
    ) -> Result<Prepared> {
        let mut body = vec![0u8; core::REFUND_BODY_MAX];
        let mut sign = [0u8; core::SIGN_MAX];
        let (body_len, sign_len) = encode(&mut body, &mut sign)?;
        body.truncate(body_len);
        let sign = std::str::from_utf8(sign.get(..sign_len).unwrap_or_default())
            .map_err(|_| Error::Codec(refundwire::Error::Signer))?;
        let path = match operation {
            Operation::Refund => core::ENDPOINTS.refund_path,
            _ => core::ENDPOINTS.status_path,
        };
        let url = self.environment.url(&core::ENDPOINTS, path)?;
        Ok(Prepared {
            request: api::post_json(&url, body, &[(core::SIGN_HEADER, sign)])?,
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
        let key = need(&self.private_key, "signing a request", SIGNING)?;
        let creds = self.credentials()?;
        let envelope = self.envelope(ctx)?;
        self.send(Operation::Refund, request.out_refund_no, |body, sign| {
            let signed =
                core::encode_refund_traced(&creds, &envelope, request, key, body, sign, trace)?;
            Ok((signed.body.len(), signed.sign.len()))
        })
    }

    fn query(
        &self,
        query: &core::RefundQuery<'_>,
        ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        let key = need(&self.private_key, "signing a request", SIGNING)?;
        let creds = self.credentials()?;
        let envelope = self.envelope(ctx)?;
        let expected = query.out_refund_no.unwrap_or_default();
        self.send(Operation::Status, expected, |body, sign| {
            let signed =
                core::encode_refund_query_traced(&creds, &envelope, query, key, body, sign, trace)?;
            Ok((signed.body.len(), signed.sign.len()))
        })
    }
}

impl Gateway for PayerMax {
    fn name(&self) -> &'static str {
        NAME
    }

    fn refund_facts(&self) -> &'static RefundFacts {
        &core::REFUND_FACTS
    }

    fn pin_refund_fields(&self, fields: &Fields, ctx: &Context) -> Result<PinnedRefund> {
        let fields = api::pin_number(fields, core::REFUND_FACTS.refund_number_member, ctx)?;
        let request: core::RefundFields<'_> = fields.deserialize("PayerMax refund")?;
        let status = StatusRequest {
            refund_id: request.out_refund_no.to_owned(),
            payment_id: request.out_trade_no.to_owned(),
        };
        Ok(PinnedRefund { fields, status })
    }

    fn operations(&self) -> &'static [(&'static str, Operation)] {
        &[
            ("refund", Operation::Refund),
            ("refund-query", Operation::Status),
            ("notification", Operation::Notification),
        ]
    }

    fn reply_headers(&self) -> &'static [&'static str] {
        &[core::SIGN_HEADER]
    }

    fn prepare_refund_traced(
        &self,
        refund: &RefundRequest,
        ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        carries("PayerMax", refund, true, &[])?;
        let request = core::RefundRequest {
            out_refund_no: &refund.refund_id,
            out_trade_no: &refund.payment_id,
            refund_amount: refund.amount,
            comments: refund.reason.as_deref(),
            refund_notify_url: refund.notify_url.as_deref(),
        };
        self.refund(&request, ctx, trace)
    }

    fn prepare_status_traced(
        &self,
        query: &StatusRequest,
        ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        let request = core::RefundQuery {
            out_refund_no: Some(&query.refund_id),
            refund_trade_no: None,
        };
        self.query(&request, ctx, trace)
    }

    fn prepare_fields_traced(
        &self,
        operation: Operation,
        fields: &Fields,
        ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared> {
        match operation {
            Operation::Refund => {
                let parsed: core::RefundFields<'_> = fields.deserialize("PayerMax refund")?;
                let request = parsed
                    .request()
                    .map_err(|e| Error::Input(format!("PayerMax refund fields: {e}")))?;
                self.refund(&request, ctx, trace)
            }
            Operation::Status => {
                self.query(&fields.deserialize("PayerMax refund query")?, ctx, trace)
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
        let sign = api::header(response.headers(), core::SIGN_HEADER)?;
        let body = *response.body();
        let expected = binding.expected.as_str();
        let decoded = match binding.operation {
            Operation::Refund => core::decode_refund_traced(key, sign, body, expected, trace)
                .map_err(Error::from)
                .and_then(|reply| {
                    api::outcome(Operation::Refund, reply, |r| {
                        Ok(Accepted {
                            amount: None,
                            refund_id: Some(r.out_refund_no.to_string()),
                            gateway_refund_id: owned(r.refund_trade_no),
                            code: Code::ApplySuccess.as_wire().to_owned(),
                            message: owned(r.verified.msg).unwrap_or_default(),
                            fields: Fields::from_object(&r.verified.data)?,
                        })
                    })
                }),
            Operation::Status => core::decode_refund_query_traced(key, sign, body, expected, trace)
                .map_err(Error::from)
                .and_then(|reply| {
                    api::outcome(Operation::Status, reply, |r| {
                        details(&r.refund, &r.verified.data)
                    })
                }),
            Operation::Notification => Err(notification_is_no_answer(NAME)),
        };
        api::on_status(response.status(), decoded)
    }

    fn verify_notification_traced(
        &self,
        request: http::Request<&[u8]>,
        trace: &mut dyn Trace,
    ) -> Result<Notification> {
        let key = need(&self.platform_key, "verifying a notification", VERIFYING)?;
        let creds = self.credentials()?;
        let sign = api::header(request.headers(), core::SIGN_HEADER)?;
        let reply =
            core::decode_refund_notification_traced(&creds, key, sign, request.body(), trace)?;
        let outcome = api::outcome(Operation::Notification, reply, |n| {
            details(&n.refund, &n.verified.data)
        })?;
        Ok(Notification {
            outcome,
            ack_body: core::NOTIFICATION_ACK,
        })
    }
}
