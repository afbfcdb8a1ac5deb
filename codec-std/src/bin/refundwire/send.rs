//! `refund` and `refund-status`: the real HTTP exchange, through the refund flow.

use crate::output::{CliError, string};
use clap::Args;
use refundwire_std::flow::{Accepted, FlowOutcome, Observed, Policy, RefundFlow, Rejection};
use refundwire_std::registry::{self, Credentials};
use refundwire_std::transport::{Timeouts, UreqTransport};
use refundwire_std::{Answer, Context, Fields, RefundOutcome};
use std::path::{Path, PathBuf};
use std::time::Duration;
use zeroize::Zeroizing;

#[derive(Args)]
pub struct SendArgs {
    /// ottpay, scanforpay, payermax or newpay.
    gateway: String,
    /// Credentials: a JSON object (see `tests/vectors/<gateway>.json`, member `credentials`).
    #[arg(long)]
    credentials: PathBuf,
    /// Where to send, instead of the credentials' environment (e.g. a simulator's
    /// http://127.0.0.1:8080).
    #[arg(long)]
    base_url: Option<String>,
    /// Most requests sent, refunds and status queries together.
    #[arg(long, default_value_t = 6)]
    attempts: u32,
    /// The first wait before a resend or a query, in milliseconds (doubling, up to 30 s).
    #[arg(long, default_value_t = 500)]
    backoff_ms: u64,
    /// Give up asking after this many seconds.
    #[arg(long, default_value_t = 120)]
    deadline_secs: u64,
}

impl SendArgs {
    /// The gateway's registry name.
    pub fn gateway(&self) -> &str {
        &self.gateway
    }

    pub fn policy(&self) -> Result<Policy, CliError> {
        if self.attempts == 0 {
            return Err(CliError::new("--attempts", "at least 1"));
        }
        Ok(Policy {
            max_attempts: self.attempts,
            initial_backoff: Duration::from_millis(self.backoff_ms),
            deadline: Duration::from_secs(self.deadline_secs),
            ..Policy::default()
        })
    }

    /// The credentials file, its `environment` replaced by `--base-url` when given.
    pub fn credentials(&self) -> Result<Credentials, CliError> {
        let Some(url) = &self.base_url else {
            return Credentials::load(&self.credentials).map_err(CliError::setup);
        };
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(CliError::new(
                "--base-url",
                format!("expected an http:// or https:// URL, not `{url}`"),
            ));
        }
        let path = &self.credentials;
        let text = Zeroizing::new(
            std::fs::read(path)
                .map_err(|e| CliError::new("credentials", format!("{}: {e}", path.display())))?,
        );
        let members = Fields::parse(&text)
            .map_err(|e| CliError::new("credentials", format!("{e} (expected a JSON object)")))?;
        let mut json = Zeroizing::new(String::from("{"));
        for (name, value) in members.iter().filter(|(n, _)| *n != "environment") {
            json.push_str(&string(name));
            json.push(':');
            json.push_str(&value.to_json());
            json.push(',');
        }
        json.push_str("\"environment\":");
        json.push_str(&string(url));
        json.push('}');
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Credentials::parse(json.as_bytes(), dir).map_err(CliError::setup)
    }
}

/// Sends the refund on `input` (or, with `status_only`, asks about it) and prints the outcome.
pub fn send(args: &SendArgs, input: &[u8], status_only: bool) -> Result<String, CliError> {
    let policy = args.policy()?;
    let credentials = args.credentials()?;
    let gateway = registry::build(&args.gateway, &credentials).map_err(CliError::setup)?;
    let fields = Fields::parse(input).map_err(|e| CliError::new("fields", e))?;
    let ctx = Context::system();
    let mut flow = if status_only {
        RefundFlow::status_fields(gateway.as_ref(), fields, ctx, policy)
    } else {
        RefundFlow::refund_fields(gateway.as_ref(), &fields, ctx, policy)
            .map_err(CliError::encode)?
    };
    let refund_id = flow.refund_id().map(str::to_owned);
    let outcome = flow.run(&UreqTransport::new(Timeouts::default()));
    flow_json(&outcome, refund_id.as_deref())
}

/// `"refund_id":…` from the flow's number, else the answer's.
fn refund_id_json(pinned: Option<&str>, answer: Option<&RefundOutcome>) -> String {
    match pinned.or_else(|| answer.and_then(|a| a.refund_id.as_deref())) {
        Some(id) => string(id),
        None => "null".into(),
    }
}

/// The printed outcome: `{"outcome","status","refund_id","fields"}`, with `code` and `message`
/// for a refusal and `reason` and `evidence` when the status stays unknown. A refund that
/// never left (or a request that could not be built) is an error.
fn flow_json(outcome: &FlowOutcome, pinned: Option<&str>) -> Result<String, CliError> {
    let head = |answer: &RefundOutcome| match answer.answer {
        Answer::Accepted => "\"outcome\":\"ok\"".to_owned(),
        Answer::Refused => format!(
            "\"outcome\":\"gateway_error\",\"code\":{},\"message\":{}",
            string(&answer.code),
            string(&answer.message)
        ),
    };
    match outcome {
        FlowOutcome::Accepted { status, answer } => {
            let status = match status {
                Accepted::Pending => "pending",
                Accepted::Succeeded => "succeeded",
            };
            Ok(format!(
                "{{{},\"status\":\"{status}\",\"refund_id\":{},\"fields\":{}}}",
                head(answer),
                refund_id_json(pinned, Some(answer)),
                answer.fields.to_json()
            ))
        }
        FlowOutcome::Rejected(Rejection::Gateway(answer)) => Ok(format!(
            "{{{},\"status\":\"failed\",\"refund_id\":{},\"fields\":{}}}",
            head(answer),
            refund_id_json(pinned, Some(answer)),
            answer.fields.to_json()
        )),
        FlowOutcome::Rejected(Rejection::NeverSent(evidence)) => {
            Err(match evidence.last().map(|e| &e.observed) {
                Some(Observed::NotPrepared(e)) => CliError::encode(e.clone()),
                Some(Observed::Transport { cause, .. }) => CliError::new(
                    "transport",
                    format!("nothing reached the gateway (last: {cause}); safe to retry"),
                ),
                _ => CliError::new("transport", "nothing reached the gateway"),
            })
        }
        FlowOutcome::Unknown { reason, evidence } => {
            let sent_any = evidence
                .iter()
                .any(|e| !matches!(e.observed, Observed::NotPrepared(_)));
            if let (false, Some(Observed::NotPrepared(e))) =
                (sent_any, evidence.last().map(|e| &e.observed))
            {
                return Err(CliError::encode(e.clone()));
            }
            let last = evidence.iter().rev().find_map(|e| match &e.observed {
                Observed::Answer(a) => Some(a),
                _ => None,
            });
            let lines: Vec<String> = evidence.iter().map(|e| string(&e.describe())).collect();
            Ok(format!(
                "{{{},\"status\":\"unknown\",\"refund_id\":{},\"needs_review\":true,\"reason\":{},\"evidence\":[{}],\"fields\":{}}}",
                last.map(head)
                    .unwrap_or_else(|| "\"outcome\":\"ok\"".into()),
                refund_id_json(pinned, last),
                string(&reason.describe()),
                lines.join(","),
                last.map(|a| a.fields.to_json())
                    .unwrap_or_else(|| "{}".into())
            ))
        }
    }
}
