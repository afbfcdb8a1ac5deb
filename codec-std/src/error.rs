//! The error type of the std wrapper.

use std::fmt;

/// Errors of `refundwire-std`: the codec's own, plus key loading and input handling.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The codec rejected the input or could not write the output.
    Codec(refundwire::Error),
    /// A key could not be loaded; the text says which form was tried and why.
    Key(String),
    /// Caller-supplied input (fields, options) is unusable; the text names it.
    Input(String),
    /// The credentials are incomplete or unusable for what was asked; the text names the
    /// member.
    Credentials(String),
    /// The gateway has no such operation (e.g. notifications from a gateway that sends none).
    Unsupported(String),
    /// The answer carried an HTTP error status and a body that is not the gateway's answer
    /// (a proxy's error page, an empty body): the request may or may not have taken effect.
    HttpStatus {
        /// The HTTP status code.
        status: u16,
        /// Why the body could not be read as the gateway's answer.
        detail: String,
    },
    /// The refund journal could not be read or written, or refused the change; the text says
    /// which record and why.
    Journal(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Codec(e) => e.fmt(f),
            Error::Key(why) => write!(f, "key: {why}"),
            Error::Input(why) => write!(f, "input: {why}"),
            Error::Credentials(why) => write!(f, "credentials: {why}"),
            Error::Unsupported(what) => write!(f, "unsupported: {what}"),
            Error::Journal(why) => write!(f, "journal: {why}"),
            Error::HttpStatus { status, detail } => {
                write!(
                    f,
                    "HTTP status {status} without the gateway's answer ({detail})"
                )
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Codec(e) => Some(e),
            _ => None,
        }
    }
}

impl From<refundwire::Error> for Error {
    fn from(e: refundwire::Error) -> Self {
        Error::Codec(e)
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
