//! A command line resolved against the registry: the gateway, the operation, the options
//! checked for the direction they are used in, and the exchange they describe.

use crate::output::CliError;
use clap::Args;
use refundwire::time::Timestamp;
use refundwire_std::context::{FixedClock, FixedId};
use refundwire_std::registry::{self, Credentials};
use refundwire_std::{Binding, Context, Gateway, Operation, RefundOutcome};
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct Target {
    /// ottpay, scanforpay, payermax or newpay.
    gateway: String,
    /// The gateway's operation, e.g. refund, refund-query, order-query, notification.
    operation: String,
    /// Credentials: a JSON object (see `tests/vectors/<gateway>.json`, member `credentials`).
    #[arg(long)]
    credentials: PathBuf,
    /// Request time, RFC 3339. Defaults to now.
    #[arg(long)]
    time: Option<String>,
    /// Request time in milliseconds since the epoch. Defaults to now.
    #[arg(long, allow_hyphen_values = true)]
    timestamp_ms: Option<i64>,
    /// Request message id, for gateways whose requests carry one (ScanForPay `reqMsgId`).
    #[arg(long)]
    req_msg_id: Option<String>,
    /// A header of the received reply, NAME=VALUE (PayerMax `sign`). Repeatable.
    #[arg(long = "header", value_name = "NAME=VALUE")]
    headers: Vec<String>,
    /// The id the reply must be bound to: the request's message id where the gateway has one,
    /// the refund number otherwise.
    #[arg(long)]
    expect_req_msg_id: Option<String>,
    /// With `explain`: explain decoding the reply on stdin instead of encoding fields.
    #[arg(long)]
    pub(crate) response: bool,
}

/// Which way a command goes: building a request, or reading what the gateway sent.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Encode,
    Decode,
}

/// A command line resolved against the registry.
pub(crate) struct Job {
    pub(crate) gateway: Box<dyn Gateway>,
    pub(crate) operation: Operation,
    pub(crate) operation_name: String,
    pub(crate) target: Target,
    headers: Vec<(String, String)>,
}

impl Job {
    pub(crate) fn resolve(target: Target) -> Result<Self, CliError> {
        let credentials = Credentials::load(&target.credentials).map_err(CliError::setup)?;
        let gateway = registry::build(&target.gateway, &credentials).map_err(CliError::setup)?;
        let operation = gateway
            .operations()
            .iter()
            .find(|(name, _)| *name == target.operation)
            .map(|(_, op)| *op)
            .ok_or_else(|| {
                let known: Vec<&str> = gateway.operations().iter().map(|(n, _)| *n).collect();
                CliError::new(
                    "operation",
                    format!(
                        "unknown operation `{}` ({} has: {})",
                        target.operation,
                        gateway.name(),
                        known.join(", ")
                    ),
                )
            })?;
        let mut headers: Vec<(String, String)> = Vec::new();
        for h in &target.headers {
            let (name, value) = h.split_once('=').ok_or_else(|| {
                CliError::new("--header", format!("expected NAME=VALUE, got `{h}`"))
            })?;
            // Two values for one header: which one would be checked is anybody's guess.
            if headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                return Err(CliError::new(
                    "--header",
                    format!("header `{name}` given twice"),
                ));
            }
            headers.push((name.to_owned(), value.to_owned()));
        }
        if target.expect_req_msg_id.as_deref() == Some("") {
            return Err(CliError::new(
                "--expect-req-msg-id",
                "empty (leave the option out to decode without binding)",
            ));
        }
        Ok(Job {
            operation_name: target.operation.clone(),
            gateway,
            operation,
            target,
            headers,
        })
    }

    /// Options of one direction make no sense in the other: an option that would be ignored
    /// is refused, so nobody believes a check ran that did not.
    pub(crate) fn check_options(&self, direction: Direction) -> Result<(), CliError> {
        let t = &self.target;
        let refuse = |given: bool, option: &str, why: String| {
            if given {
                Err(CliError::new(option, why))
            } else {
                Ok(())
            }
        };
        match direction {
            Direction::Encode => {
                refuse(
                    self.operation == Operation::Notification,
                    "operation",
                    format!(
                        "`{}` is sent by {}: decode or explain it, it cannot be encoded",
                        self.operation_name,
                        self.gateway.name()
                    ),
                )?;
                refuse(
                    !self.headers.is_empty(),
                    "--header",
                    "reply headers are for decode".into(),
                )?;
                refuse(
                    t.expect_req_msg_id.is_some(),
                    "--expect-req-msg-id",
                    "binding a reply to its request is for decode".into(),
                )?;
                refuse(
                    t.req_msg_id.is_some() && !self.gateway.uses_message_id(),
                    "--req-msg-id",
                    format!(
                        "{} requests have no message id (the refund number is in the fields)",
                        self.gateway.name()
                    ),
                )?;
                self.request_time().map(|_| ())
            }
            Direction::Decode => {
                refuse(
                    t.req_msg_id.is_some(),
                    "--req-msg-id",
                    "that is for encode; to bind a reply to its request use --expect-req-msg-id"
                        .into(),
                )?;
                refuse(
                    t.time.is_some() || t.timestamp_ms.is_some(),
                    "--time",
                    "request times are for encode".into(),
                )?;
                for (name, _) in &self.headers {
                    let known = self
                        .gateway
                        .reply_headers()
                        .iter()
                        .any(|h| h.eq_ignore_ascii_case(name));
                    refuse(
                        !known,
                        "--header",
                        format!("{} reads no reply header `{name}`", self.gateway.name()),
                    )?;
                }
                Ok(())
            }
        }
    }

    /// The request time pinned on the command line: `--time` (RFC 3339, kept with its
    /// offset) or `--timestamp-ms` (UTC); both only when they name the same instant.
    fn request_time(&self) -> Result<Option<Timestamp>, CliError> {
        let t = &self.target;
        let from_text = t
            .time
            .as_deref()
            .map(|text| {
                Timestamp::parse_rfc3339(text).map_err(|e| {
                    CliError::new(
                        "--time",
                        format!("{e}: expected RFC 3339 such as 2024-03-05T07:01:23.737+00:00"),
                    )
                })
            })
            .transpose()?;
        let from_ms = t
            .timestamp_ms
            .map(|ms| Timestamp::utc(ms).map_err(|e| CliError::new("--timestamp-ms", e)))
            .transpose()?;
        match (from_text, from_ms) {
            (Some(a), Some(b)) if a.unix_ms() != b.unix_ms() => Err(CliError::new(
                "--time",
                "--time and --timestamp-ms name different instants",
            )),
            (Some(t), _) | (None, Some(t)) => Ok(Some(t)),
            (None, None) => Ok(None),
        }
    }

    /// Clock and ids: the system's, unless pinned on the command line.
    pub fn context(&self) -> Result<Context, CliError> {
        let mut ctx = Context::system();
        if let Some(time) = self.request_time()? {
            ctx = ctx.with_clock(FixedClock(time));
        }
        if let Some(id) = &self.target.req_msg_id {
            ctx = ctx.with_ids(FixedId(id.clone()));
        }
        Ok(ctx)
    }

    /// What a reply must be bound to (`--expect-req-msg-id`; empty binds nothing).
    pub fn binding(&self) -> Binding {
        Binding {
            operation: self.operation,
            expected: self.target.expect_req_msg_id.clone().unwrap_or_default(),
        }
    }

    /// The received reply as an HTTP response (status 200; headers from `--header`).
    pub fn response<'b>(&self, body: &'b [u8]) -> Result<http::Response<&'b [u8]>, CliError> {
        let mut builder = http::Response::builder().status(200);
        for (name, value) in &self.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder.body(body).map_err(|e| CliError::new("--header", e))
    }

    /// The received notification as an HTTP request.
    pub fn notification<'b>(&self, body: &'b [u8]) -> Result<http::Request<&'b [u8]>, CliError> {
        let mut builder = http::Request::post("/");
        for (name, value) in &self.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder.body(body).map_err(|e| CliError::new("--header", e))
    }

    /// A notification names its refund; with `--expect-req-msg-id` it must be that one.
    pub fn check_notification_refund(&self, outcome: &RefundOutcome) -> Result<(), CliError> {
        match (&self.target.expect_req_msg_id, &outcome.refund_id) {
            (Some(expected), Some(named)) if expected != named => Err(CliError::new(
                "--expect-req-msg-id",
                format!("the notification is about refund {named}, not {expected}"),
            )),
            _ => Ok(()),
        }
    }

    /// Decodes `body` as this job's reply or notification; a notification comes with the
    /// acknowledgement to answer.
    pub fn decode(
        &self,
        body: &[u8],
        trace: &mut dyn refundwire::trace::Trace,
    ) -> Result<(RefundOutcome, Option<&'static [u8]>), CliError> {
        if self.operation == Operation::Notification {
            let notification = self
                .gateway
                .verify_notification_traced(self.notification(body)?, trace)
                .map_err(CliError::decode)?;
            self.check_notification_refund(&notification.outcome)?;
            Ok((notification.outcome, Some(notification.ack_body)))
        } else {
            let outcome = self
                .gateway
                .decode_traced(&self.binding(), self.response(body)?, trace)
                .map_err(CliError::decode)?;
            Ok((outcome, None))
        }
    }
}
