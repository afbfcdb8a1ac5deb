//! What the CLI prints: its JSON shapes and its one-line errors.

use refundwire_std::{Answer, Error, RefundOutcome};
use std::fmt;

/// A failure, naming the step or input that failed. Printed as one line.
#[derive(Debug)]
pub struct CliError {
    step: String,
    detail: String,
}

impl CliError {
    pub fn new(step: impl Into<String>, detail: impl fmt::Display) -> Self {
        CliError {
            step: step.into(),
            detail: detail.to_string(),
        }
    }

    /// While building the gateway from its name and credentials.
    pub fn setup(e: Error) -> Self {
        match e {
            Error::Input(why) => CliError::new("gateway", why),
            Error::Credentials(why) | Error::Key(why) => CliError::new("credentials", why),
            other => CliError::new("credentials", other),
        }
    }

    /// While building a request.
    pub fn encode(e: Error) -> Self {
        match e {
            Error::Codec(refundwire::Error::Signer) => CliError::new("sign", e),
            Error::Codec(c) => CliError::new("encode", c),
            Error::Input(why) => CliError::new("fields", why),
            Error::Credentials(why) | Error::Key(why) => CliError::new("credentials", why),
            Error::Unsupported(why) => CliError::new("operation", why),
            other => CliError::new("encode", other),
        }
    }

    /// While verifying and decoding what the gateway sent.
    pub fn decode(e: Error) -> Self {
        use refundwire::Error as E;
        match e {
            Error::Codec(c) => {
                let step = match c {
                    E::SignatureMismatch(_) | E::SignatureMissing(_) | E::Base64(_) | E::Signer => {
                        "verify"
                    }
                    E::Json { .. } | E::JsonTooDeep | E::DuplicateMember | E::TooManyMembers => {
                        "parse"
                    }
                    E::Amount(_) | E::UnknownCurrency => "amount",
                    E::Time => "time",
                    E::RequestIdMismatch => "--expect-req-msg-id",
                    E::WrongMessage(_) => "kind",
                    E::InvalidField(_) | E::MissingField(_) | E::FieldTooLong(_) => "fields",
                    _ => "decode",
                };
                CliError::new(step, c)
            }
            Error::Credentials(why) | Error::Key(why) => CliError::new("credentials", why),
            Error::Unsupported(why) => CliError::new("operation", why),
            Error::HttpStatus { .. } => CliError::new("http", e),
            Error::Input(why) => CliError::new("decode", why),
            other => CliError::new("decode", other),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line, whatever the detail contains.
        write!(
            f,
            "{}: {}",
            self.step,
            self.detail.replace(['\n', '\r'], " ")
        )
    }
}

/// A JSON string literal.
pub fn string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// The `encode` output: `{"method","url","headers":{…},"body":"<exact body>"}`, members in that
/// order and headers in the order they are sent (written here, not by a map whose order would
/// depend on how serde_json happens to be built).
pub fn request_json(request: &http::Request<Vec<u8>>) -> Result<String, CliError> {
    let body = std::str::from_utf8(request.body()).map_err(|e| CliError::new("body", e))?;
    let mut headers = Vec::new();
    for (name, value) in request.headers() {
        let value = value.to_str().map_err(|e| CliError::new("headers", e))?;
        headers.push(format!("{}:{}", string(name.as_str()), string(value)));
    }
    Ok(format!(
        "{{\"method\":{},\"url\":{},\"headers\":{{{}}},\"body\":{}}}",
        string(request.method().as_str()),
        string(&request.uri().to_string()),
        headers.join(","),
        string(body)
    ))
}

/// What `decode` prints. Both shapes carry the neutral status under the trust rule and the
/// two facts it rests on (`authenticated`, `bound`); `fields` keeps numbers as sent.
pub fn outcome_json(outcome: &RefundOutcome) -> String {
    let trust = format!(
        "\"status\":{},\"authenticated\":{},\"bound\":{}",
        string(outcome.status.as_str()),
        outcome.trust.authenticated,
        outcome.trust.bound
    );
    match outcome.answer {
        Answer::Accepted => format!(
            "{{\"outcome\":\"ok\",{trust},\"fields\":{}}}",
            outcome.fields.to_json()
        ),
        Answer::Refused => format!(
            "{{\"outcome\":\"gateway_error\",\"code\":{},\"message\":{},{trust}}}",
            string(&outcome.code),
            string(&outcome.message)
        ),
    }
}
