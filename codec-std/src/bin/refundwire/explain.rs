//! `explain`: what the codec really did, step by step, read from its trace hook.
//!
//! Nothing here re-derives a protocol step: every line but the first and the last comes from
//! a `refundwire::trace::Step` the codec reported while it encoded or decoded. Secrets never
//! reach the output: the codec reports derived keys and, for answers that do not verify,
//! expected digests only as fingerprints.

use crate::output::{self, CliError};
use crate::{Direction, Job};
use refundwire::trace::{Step, Trace};
use refundwire_std::{Answer, Fields, RefundOutcome};
use std::fmt::Write as _;

/// Numbered steps, each a title and a value.
#[derive(Default)]
struct Report {
    lines: Vec<String>,
}

impl Report {
    fn step(&mut self, title: &str, value: impl std::fmt::Display) {
        let n = self.lines.len() + 1;
        let value = value.to_string().replace('\n', "\n   ");
        self.lines.push(format!("{n}. {title}\n   {value}"));
    }

    fn finish(self) -> String {
        self.lines.join("\n")
    }
}

impl Trace for Report {
    fn step(&mut self, step: Step<'_>) {
        let (title, value) = describe(&step);
        Report::step(self, &title, value);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A step as a title and a value.
fn describe(step: &Step<'_>) -> (String, String) {
    match step {
        Step::SignedBytes { what, bytes } => {
            (format!("{what} ({} bytes)", bytes.len()), text(bytes))
        }
        #[allow(unreachable_patterns)]
        other => ("step".into(), format!("{other:?}")),
    }
}

pub fn explain(job: &Job, direction: Direction, input: &[u8]) -> Result<String, CliError> {
    let mut report = Report::default();
    match direction {
        Direction::Encode => {
            report.step(
                "operation",
                format!("{} {}", job.gateway.name(), job.operation_name),
            );
            let fields = Fields::parse(input).map_err(|e| CliError::new("fields", e))?;
            let prepared = job
                .gateway
                .prepare_fields_traced(job.operation, &fields, &job.context()?, &mut report)
                .map_err(CliError::encode)?;
            let request = &prepared.request;
            let mut http = format!("{} {}", request.method(), request.uri());
            for (name, value) in request.headers() {
                let _ = write!(http, "\n{name}: {}", value.to_str().unwrap_or("(binary)"));
            }
            report.step("HTTP request", http);
            report.step(
                &format!(
                    "body: the exact bytes to send ({} bytes)",
                    request.body().len()
                ),
                text(request.body()),
            );
            report.step(
                "the answer must be bound to",
                if prepared.binding.expected.is_empty() {
                    "nothing the request names: the answer's status will stay unknown".to_owned()
                } else {
                    prepared.binding.expected.clone()
                },
            );
        }
        Direction::Decode => {
            report.step(
                &format!(
                    "received {} {} ({} bytes, verified exactly as received)",
                    job.gateway.name(),
                    job.operation_name,
                    input.len()
                ),
                text(input),
            );
            match job.decode(input, &mut report) {
                Ok((outcome, ack)) => {
                    outcome_steps(&mut report, &outcome);
                    if let Some(ack) = ack {
                        report.step(
                            "answer with (only after recording it, idempotently by refund)",
                            text(ack),
                        );
                    }
                }
                Err(e) => report.step("outcome", format!("REJECTED at step {e}")),
            }
        }
    }
    Ok(report.finish())
}

fn outcome_steps(report: &mut Report, outcome: &RefundOutcome) {
    let trust = match (outcome.trust.authenticated, outcome.trust.bound) {
        (true, true) => "signed by the gateway and bound to the request: definite".to_owned(),
        (true, false) => {
            "signed by the gateway but NOT bound to the request asked about: unknown".to_owned()
        }
        (false, _) => "UNSIGNED (anyone could have sent it): unknown".to_owned(),
    };
    let what = match outcome.answer {
        Answer::Accepted => "accepted".to_owned(),
        Answer::Refused => format!(
            "refused with code {} ({})",
            output::string(&outcome.code),
            output::string(&outcome.message)
        ),
    };
    report.step(
        "outcome",
        format!(
            "{what}; {trust}; refund status {} (the message claims {})",
            outcome.status.as_str(),
            outcome.claimed_status.as_str()
        ),
    );
    if let Some(refund) = &outcome.refund_id {
        report.step("refund named", refund);
    }
    if !outcome.fields.is_empty() {
        report.step("verified fields", outcome.fields.to_json());
    }
}
