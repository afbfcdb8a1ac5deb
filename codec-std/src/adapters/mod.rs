//! One adapter per gateway: buffers, keys and conversions between the neutral values and the
//! core codec. No protocol fact lives here; each is read from the core gateway module.

pub(crate) mod newpay;
pub(crate) mod ottpay;
pub(crate) mod payermax;
pub(crate) mod scanforpay;

use crate::api::Operation;
use crate::{Error, Result};

/// The error for an operation a gateway does not have in that direction.
pub(crate) fn not_here(gateway: &str, operation: Operation) -> Error {
    Error::Unsupported(format!(
        "{gateway} has no {} request to prepare",
        operation.as_str()
    ))
}

/// A string member of a JSON view, unescaped.
pub(crate) fn owned(s: Option<refundwire::json::JsonStr<'_>>) -> Option<String> {
    s.map(|s| s.to_string())
}

/// Reads the body of `response` for a decoder that wants it mutable (decrypts in place).
pub(crate) fn body_copy(response: &http::Response<&[u8]>) -> Vec<u8> {
    response.body().to_vec()
}

/// Refuses extras a gateway does not take (it would otherwise silently drop them).
pub(crate) fn no_extras(
    gateway: &str,
    refund: &crate::RefundRequest,
    takes: &[&str],
) -> Result<()> {
    match refund.extras.keys().find(|k| !takes.contains(&k.as_str())) {
        Some(extra) => Err(Error::Input(format!(
            "{gateway} takes no extra `{extra}`{}",
            if takes.is_empty() {
                String::new()
            } else {
                format!(" (it takes: {})", takes.join(", "))
            }
        ))),
        None => Ok(()),
    }
}
