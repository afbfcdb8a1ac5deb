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
    /// Caller-supplied input (fields, credentials, options) is unusable; the text names it.
    Input(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Codec(e) => e.fmt(f),
            Error::Key(why) => write!(f, "key: {why}"),
            Error::Input(why) => write!(f, "input: {why}"),
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
