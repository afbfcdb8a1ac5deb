//! `explain`: what the codec really did, step by step, read from its trace hook.
//!
//! Nothing here re-derives a protocol step: every line but the first and the last comes from
//! a `refundwire::trace::Step` the codec reported while it encoded or decoded. Secrets never
//! reach the output: the codec reports derived keys and, for answers that do not verify,
//! expected digests only as fingerprints.

use crate::job::{Direction, Job};
use crate::output::{self, CliError};
use refundwire::trace::{Secret, Step, Trace};
use refundwire_std::{Answer, Fields, RefundOutcome};
use std::fmt::Write as _;

/// Numbered steps, each a title and a value.
#[derive(Default)]
struct Report {
    lines: Vec<(String, String)>,
    /// The codec streams some inputs in pieces (sorted values, canonical members): pieces of
    /// one kind for one `what` in a row are shown as one step.
    run: Option<(&'static str, &'static str)>,
}

impl Report {
    fn step(&mut self, title: &str, value: impl std::fmt::Display) {
        self.run = None;
        self.lines.push((title.to_owned(), value.to_string()));
    }

    /// Adds `piece` to the step of the same run, or starts one.
    fn piece(
        &mut self,
        run: (&'static str, &'static str),
        title: String,
        piece: &str,
        separator: &str,
    ) {
        match self.lines.last_mut() {
            Some((_, value)) if self.run == Some(run) => {
                value.push_str(separator);
                value.push_str(piece);
            }
            _ => {
                self.lines.push((title, piece.to_owned()));
                self.run = Some(run);
            }
        }
    }

    fn finish(self) -> String {
        self.lines
            .iter()
            .enumerate()
            .map(|(i, (title, value))| {
                format!("{}. {title}\n   {}", i + 1, value.replace('\n', "\n   "))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Trace for Report {
    fn step(&mut self, step: Step<'_>) {
        match step {
            Step::SignedBytes { what, bytes } => self.piece(
                ("bytes", what),
                format!("the bytes `{what}` covers, exactly as digested"),
                &text(bytes),
                "",
            ),
            Step::Member { what, name, value } => self.piece(
                ("member", what),
                format!("members of the string to sign for `{what}`, in order"),
                &format!("{name} = {}", value.raw()),
                "\n",
            ),
            other => {
                let (title, value) = describe(&other);
                Report::step(self, &title, value);
            }
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A secret as the report shows it: never its bytes.
fn secret(s: &Secret<'_>) -> String {
    format!(
        "never shown: {} bytes, SHA-256 fingerprint {} (first 4 bytes; compare with \
         `printf %s SECRET | sha256sum`)",
        s.len(),
        s.fingerprint()
    )
}

/// A step as a title and a value.
fn describe(step: &Step<'_>) -> (String, String) {
    match step {
        Step::SecretFollows { what, secret: key } => (
            format!(
                "then the sign key, appended to the bytes of `{what}` (SHA-256 over bytes + key, not HMAC)"
            ),
            secret(key),
        ),
        Step::Digest {
            algorithm,
            what,
            value,
        } => (
            format!("{} computed for `{what}` (hex)", algorithm.name()),
            hex(value),
        ),
        Step::Signature { what, text: t } => (format!("`{what}` as on the wire"), text(t)),
        Step::Plaintext { what, bytes } => (
            format!("plaintext of `{what}` ({} bytes)", bytes.len()),
            text(bytes),
        ),
        Step::Ciphertext { what, bytes } => (
            format!("ciphertext of `{what}` (before Base64)"),
            format!("{} bytes", bytes.len()),
        ),
        Step::DerivedKey { what, key } => {
            (format!("AES-128 key derived for `{what}`"), secret(key))
        }
        Step::Verified { what } => ("signature check".into(), format!("`{what}` valid")),
        Step::Mismatch { what, computed } => (
            "signature check".into(),
            match computed {
                Some(c) => format!(
                    "`{what}` MISMATCH: FAILED (what these bytes would need is {})",
                    secret(c)
                ),
                None => format!("`{what}` MISMATCH: FAILED"),
            },
        ),
        Step::Unsigned { what } => (
            "UNSIGNED".into(),
            format!("`{what}` is covered by no signature: what it says proves nothing"),
        ),
        Step::Binding {
            member,
            value,
            expected,
            bound,
        } => (
            "binding".into(),
            match (value, expected.is_empty(), bound) {
                (None, _, _) => format!("`{member}` absent: the answer names nothing, NOT BOUND"),
                (Some(v), true, _) => {
                    format!("`{member}` = {v}; none given (--expect-req-msg-id): NOT BOUND")
                }
                (Some(v), false, true) => {
                    format!("`{member}` = {v}, as expected: bound")
                }
                (Some(v), false, false) => {
                    format!("`{member}` = {v}, but {expected} was expected: NOT BOUND")
                }
            },
        ),
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
    report.step("outcome", format!("{what}; {trust}"));
    report.step(
        "status",
        format!(
            "{} (claimed: {}); authenticated: {}, bound: {}",
            outcome.status.as_str(),
            outcome.claimed_status.as_str(),
            outcome.trust.authenticated,
            outcome.trust.bound
        ),
    );
    report.step("decode prints", output::outcome_json(outcome));
    if let Some(refund) = &outcome.refund_id {
        report.step("refund named", refund);
    }
    if !outcome.fields.is_empty() {
        report.step("verified fields", outcome.fields.to_json());
    }
}
