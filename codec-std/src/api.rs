//! The gateway-neutral API: one [`Gateway`] trait over the `http` crate's types, neutral
//! requests and one [`RefundOutcome`].
//!
//! A service writes one code path for every gateway: build a [`RefundRequest`], let the
//! gateway [`prepare`](Gateway::prepare_refund) the exact HTTP request, send it with any
//! client, and [`decode`](Gateway::decode) the answer into a [`RefundOutcome`] whose `status`
//! is definite only when the gateway signed it and it names the request (the trust rule of
//! [`refundwire::Trust`]).

use crate::context::Context;
use crate::fields::Fields;
use crate::{Error, Result};
use refundwire::gateway::RefundFacts;
use refundwire::money::Money;
use refundwire::trace::{NoTrace, Trace};
use refundwire::{Claim, RefundStatus, Reply, Trust, Verdict};
use std::collections::BTreeMap;
use std::fmt;

/// A refund, in neutral terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// The merchant's id of the original payment (OTTPay `ori_order_id`, ScanForPay
    /// `partnerOrderNo`, PayerMax `outTradeNo`, NewPay `orderNo`).
    pub payment_id: String,
    /// The merchant's id of this refund, new per logical refund and reused on every attempt
    /// (OTTPay `order_id`, ScanForPay `refundNo`, PayerMax `outRefundNo`, NewPay
    /// `refundOrderNo`).
    pub refund_id: String,
    /// The amount to refund.
    pub amount: Money,
    /// Why (PayerMax `comments`, NewPay `refundDesc`). A gateway that carries no reason
    /// (OTTPay, ScanForPay) refuses one rather than drop it.
    pub reason: Option<String>,
    /// Where the gateway should send its notification (PayerMax `refundNotifyUrl`, NewPay
    /// `callBackUrl`). A gateway that sends no notifications refuses one: nobody should wait
    /// for a callback that never comes.
    pub notify_url: Option<String>,
    /// Per-gateway extras under their wire names, only where a gateway needs them
    /// (ScanForPay `operatorId`, `terminalNo`). An extra the gateway does not take is an error.
    pub extras: BTreeMap<String, String>,
}

impl RefundRequest {
    /// A refund of `amount` of payment `payment_id`, under the merchant's `refund_id`.
    pub fn new(payment_id: impl Into<String>, refund_id: impl Into<String>, amount: Money) -> Self {
        RefundRequest {
            payment_id: payment_id.into(),
            refund_id: refund_id.into(),
            amount,
            reason: None,
            notify_url: None,
            extras: BTreeMap::new(),
        }
    }
}

/// A question about a refund's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRequest {
    /// The merchant's id of the refund.
    pub refund_id: String,
    /// The merchant's id of the original payment (ScanForPay asks by payment).
    pub payment_id: String,
}

/// A refund given under the protocol's own member names (what `refundwire encode` reads),
/// with the merchant refund number every attempt reuses and the query that asks about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedRefund {
    /// The refund's fields, with the refund number filled in when they left it out.
    pub fields: Fields,
    /// The status query that asks about this refund.
    pub status: StatusRequest,
}

/// What an exchange is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// A refund request and its reply.
    Refund,
    /// A status query and its reply.
    Status,
    /// A notification the gateway sends on its own.
    Notification,
}

impl Operation {
    /// `refund`, `status` or `notification`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Refund => "refund",
            Operation::Status => "status",
            Operation::Notification => "notification",
        }
    }
}

/// What an answer must be bound to: the operation it answers and the id it must name (the
/// refund number, or ScanForPay's `reqMsgId`). An empty `expected` binds nothing: the answer
/// still decodes, with status unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The operation the answer belongs to.
    pub operation: Operation,
    /// The id the answer must name.
    pub expected: String,
}

/// A prepared exchange: the exact request to send and what its answer must be bound to.
#[derive(Debug)]
pub struct Prepared {
    /// The request, byte for byte as signed: send it unchanged.
    pub request: http::Request<Vec<u8>>,
    /// What the answer must be bound to; give it to [`Gateway::decode`].
    pub binding: Binding,
}

/// Whether the gateway accepted the request or refused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The gateway answered with its success shape; the status says what it means.
    Accepted,
    /// The gateway refused with one of its codes.
    Refused,
}

/// One decoded answer (or notification), the same shape for every gateway.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundOutcome {
    /// The operation answered.
    pub operation: Operation,
    /// Accepted or refused.
    pub answer: Answer,
    /// The refund's status under the trust rule: definite (pending, succeeded, failed) only
    /// when [`trust`](Self::trust) is authenticated and bound, [`RefundStatus::Unknown`]
    /// otherwise.
    pub status: RefundStatus,
    /// What the gateway's message claims, before the trust rule.
    pub claimed_status: RefundStatus,
    /// Whether the gateway signed it and whether it names the request asked about.
    pub trust: Trust,
    /// The gateway's code as sent (`""` when the accepted shape carries none).
    pub code: String,
    /// The gateway's message as sent (`""` when absent).
    pub message: String,
    /// The amount the answer reports, where it reports one in a known currency.
    pub amount: Option<Money>,
    /// The merchant's refund id the answer names, if it names one.
    pub refund_id: Option<String>,
    /// The gateway's own id of the refund, if sent.
    pub gateway_refund_id: Option<String>,
    /// The verified members, values exactly as sent (empty for a refusal).
    pub fields: Fields,
}

impl RefundOutcome {
    /// True when [`status`](Self::status) is definite.
    pub fn is_definite(&self) -> bool {
        self.status != RefundStatus::Unknown
    }
}

/// A verified notification and the exact acknowledgement to answer once it is recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// What the notification says (bound to this merchant; it names its refund in
    /// [`RefundOutcome::refund_id`]).
    pub outcome: RefundOutcome,
    /// The body to answer with, after the notification is durably recorded (answering
    /// earlier loses it if the process dies before recording).
    pub ack_body: &'static [u8],
}

impl Notification {
    /// The outcome, when the notification is about `refund_id`; a notification about another
    /// refund is [`refundwire::Error::RequestIdMismatch`]. A notification is bound to the
    /// merchant, not to the refund a handler has in mind: apply it to the refund it names
    /// ([`RefundOutcome::refund_id`]), or check with this when the handler is for one refund
    /// (a genuine notification about refund A replayed to refund B's URL must not settle B).
    pub fn for_refund(&self, refund_id: &str) -> Result<&RefundOutcome> {
        match &self.outcome.refund_id {
            Some(named) if named == refund_id => Ok(&self.outcome),
            _ => Err(Error::Codec(refundwire::Error::RequestIdMismatch)),
        }
    }

    /// The acknowledgement as an HTTP response (200, JSON).
    pub fn ack(&self) -> http::Response<Vec<u8>> {
        let mut response = http::Response::new(self.ack_body.to_vec());
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static(refundwire::gateway::CONTENT_TYPE),
        );
        response
    }
}

/// A gateway, the same for all four: prepare requests, decode answers, verify notifications.
///
/// Object-safe: a service holds a `Box<dyn Gateway>` built by
/// [`registry::build`](crate::registry::build) and never names a gateway in its code.
/// Every `*_traced` method reports each step the codec takes to `trace` (string to sign,
/// digests, fingerprints of derived keys, plaintext); the plain methods trace nothing.
pub trait Gateway: Send + Sync + fmt::Debug {
    /// The registry name (`ottpay`, `scanforpay`, `payermax`, `newpay`).
    fn name(&self) -> &'static str;

    /// The gateway's own names of its operations (the CLI's vocabulary), e.g.
    /// `("refund-query", Operation::Status)`.
    fn operations(&self) -> &'static [(&'static str, Operation)];

    /// Reply headers the gateway's answers carry and [`decode`](Self::decode) reads.
    fn reply_headers(&self) -> &'static [&'static str] {
        &[]
    }

    /// Whether requests carry a message id from [`Context::new_id`] (and answers are bound
    /// to it rather than to the refund number).
    fn uses_message_id(&self) -> bool {
        false
    }

    /// What a sender that lost a refund's answer may rely on: whether the gateway
    /// de-duplicates a reused refund number and which refusal proves that a refund does not
    /// exist, with the source (the core gateway module's `REFUND_FACTS`). The default is the
    /// conservative one: neither.
    fn refund_facts(&self) -> &'static RefundFacts {
        &CONSERVATIVE
    }

    /// Pins a refund given under the protocol's member names for sending more than once: the
    /// refund number member (see [`refund_facts`](Self::refund_facts)) gets a fresh number
    /// from `ctx` when the fields leave it out, and the status query that asks about that
    /// refund comes with it.
    fn pin_refund_fields(&self, fields: &Fields, ctx: &Context) -> Result<PinnedRefund> {
        let _ = (fields, ctx);
        Err(Error::Unsupported(format!(
            "{} cannot pin a refund given as fields",
            self.name()
        )))
    }

    /// The refund request, traced.
    fn prepare_refund_traced(
        &self,
        refund: &RefundRequest,
        ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared>;

    /// The status query, traced.
    fn prepare_status_traced(
        &self,
        query: &StatusRequest,
        ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared>;

    /// A request built from a fields document under the protocol's own member names (what
    /// `refundwire encode` reads), traced.
    fn prepare_fields_traced(
        &self,
        operation: Operation,
        fields: &Fields,
        ctx: &Context,
        trace: &mut dyn Trace,
    ) -> Result<Prepared>;

    /// Verifies and decodes an answer, traced.
    fn decode_traced(
        &self,
        binding: &Binding,
        response: http::Response<&[u8]>,
        trace: &mut dyn Trace,
    ) -> Result<RefundOutcome>;

    /// Verifies a notification from its raw body and headers, traced. Gateways that send
    /// none answer [`Error::Unsupported`].
    fn verify_notification_traced(
        &self,
        request: http::Request<&[u8]>,
        trace: &mut dyn Trace,
    ) -> Result<Notification> {
        let _ = (request, trace);
        Err(Error::Unsupported(format!(
            "{} sends no refund notifications",
            self.name()
        )))
    }

    /// The refund request: exact bytes to send, and what the answer must be bound to.
    fn prepare_refund(&self, refund: &RefundRequest, ctx: &Context) -> Result<Prepared> {
        self.prepare_refund_traced(refund, ctx, &mut NoTrace)
    }

    /// The status query for a refund.
    fn prepare_status(&self, query: &StatusRequest, ctx: &Context) -> Result<Prepared> {
        self.prepare_status_traced(query, ctx, &mut NoTrace)
    }

    /// A request from a fields document under the protocol's member names.
    fn prepare_fields(
        &self,
        operation: Operation,
        fields: &Fields,
        ctx: &Context,
    ) -> Result<Prepared> {
        self.prepare_fields_traced(operation, fields, ctx, &mut NoTrace)
    }

    /// Verifies and decodes an answer (status line, headers and body) bound to `binding`.
    /// An HTTP error status whose body is not the gateway's answer is
    /// [`Error::HttpStatus`]: the request may or may not have taken effect.
    fn decode(&self, binding: &Binding, response: http::Response<&[u8]>) -> Result<RefundOutcome> {
        self.decode_traced(binding, response, &mut NoTrace)
    }

    /// Verifies a notification from its raw body and headers (never re-serialized JSON). It is
    /// bound to the merchant and names its refund: apply it to that refund (see
    /// [`Notification::for_refund`]), then answer [`Notification::ack`].
    fn verify_notification(&self, request: http::Request<&[u8]>) -> Result<Notification> {
        self.verify_notification_traced(request, &mut NoTrace)
    }
}

/// The facts of a gateway whose documentation says nothing: no de-duplication, no proof of
/// absence.
const CONSERVATIVE: RefundFacts = RefundFacts {
    refund_number_member: "",
    deduplicates_refund_number: false,
    absent_codes: &[],
    source: "not documented",
};

/// A fresh refund number from `ctx`: its id without dashes (a UUID gives 32 hex digits, which
/// fits every gateway's limit).
pub(crate) fn fresh_refund_number(ctx: &Context) -> Result<String> {
    Ok(ctx.new_id()?.replace('-', ""))
}

/// `fields` with member `name` set to a fresh refund number when it is absent; a member that
/// is there must be a non-empty string.
pub(crate) fn pin_number(fields: &Fields, name: &str, ctx: &Context) -> Result<Fields> {
    match fields.get(name) {
        Some(crate::FieldValue::String(s)) if !s.is_empty() => Ok(fields.clone()),
        Some(_) => Err(Error::Input(format!(
            "`{name}` (the refund number) must be a non-empty string, or left out to get a fresh one"
        ))),
        None => {
            let mut json = String::from("{");
            crate::fields::write_string(name, &mut json);
            json.push(':');
            crate::fields::write_string(&fresh_refund_number(ctx)?, &mut json);
            let rest = fields.to_json();
            match rest.strip_prefix('{') {
                Some(members) if members != "}" => {
                    json.push(',');
                    json.push_str(members);
                }
                _ => json.push('}'),
            }
            Fields::parse(json.as_bytes())
        }
    }
}

/// What an adapter reads off an accepted view for the neutral outcome.
pub(crate) struct Accepted {
    pub amount: Option<Money>,
    pub refund_id: Option<String>,
    pub gateway_refund_id: Option<String>,
    pub code: String,
    pub message: String,
    pub fields: Fields,
}

/// The neutral outcome of a core reply: the trust rule is the core's, applied to both shapes.
pub(crate) fn outcome<'a, V: Verdict, C: Claim + fmt::Display>(
    operation: Operation,
    reply: Reply<'a, V, C>,
    accept: impl FnOnce(&V) -> Result<Accepted>,
) -> Result<RefundOutcome> {
    Ok(match reply {
        Reply::Accepted(view) => {
            let a = accept(&view)?;
            RefundOutcome {
                operation,
                answer: Answer::Accepted,
                status: view.status(),
                claimed_status: view.claimed_status(),
                trust: view.trust(),
                code: a.code,
                message: a.message,
                amount: a.amount,
                refund_id: a.refund_id,
                gateway_refund_id: a.gateway_refund_id,
                fields: a.fields,
            }
        }
        Reply::Refused(refusal) => RefundOutcome {
            operation,
            answer: Answer::Refused,
            status: refusal.status(),
            claimed_status: refusal.claimed_status(),
            trust: refusal.trust,
            code: refusal.code.to_string(),
            message: refusal
                .message
                .as_ref()
                .map(|m| m.to_string())
                .unwrap_or_default(),
            amount: None,
            refund_id: None,
            gateway_refund_id: None,
            fields: Fields::default(),
        },
    })
}

/// Decodes `body` with `decode`; when that fails on an HTTP error status, the failure is the
/// status (a proxy's error page is not the gateway's answer).
pub(crate) fn on_status<T>(status: http::StatusCode, decoded: Result<T>) -> Result<T> {
    match decoded {
        Err(e) if !status.is_success() => Err(Error::HttpStatus {
            status: status.as_u16(),
            detail: e.to_string(),
        }),
        other => other,
    }
}

/// `http::Request` `POST` of a JSON body to `url`, with extra headers.
pub(crate) fn post_json(
    url: &str,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> Result<http::Request<Vec<u8>>> {
    let mut builder = http::Request::post(url).header(
        http::header::CONTENT_TYPE,
        refundwire::gateway::CONTENT_TYPE,
    );
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(body)
        .map_err(|e| Error::Input(format!("HTTP request: {e}")))
}

/// The value of header `name`, as bytes. A header given twice is refused: which value would
/// be checked is anybody's guess (a valid signature next to junk must not pass).
pub(crate) fn header<'h>(headers: &'h http::HeaderMap, name: &str) -> Result<Option<&'h [u8]>> {
    let mut values = headers.get_all(name).iter();
    let first = values.next().map(http::HeaderValue::as_bytes);
    if values.next().is_some() {
        return Err(Error::Codec(refundwire::Error::DuplicateMember));
    }
    Ok(first)
}
