//! One adapter per gateway: buffers, keys and conversions between the neutral values and the
//! core codec. No protocol fact lives here; each is read from the core gateway module.

pub(crate) mod newpay;
pub(crate) mod ottpay;
pub(crate) mod payermax;
pub(crate) mod scanforpay;

use crate::api::Operation;
use crate::{Error, Result};

/// The error for `decode` asked to read a notification (notifications come as requests).
pub(crate) fn notification_is_no_answer(gateway: &str) -> Error {
    Error::Unsupported(format!(
        "a notification is a request: verify it with verify_notification ({gateway})"
    ))
}

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

/// Refuses what a gateway's refund cannot carry (it would otherwise silently drop it): a
/// reason or a notify URL where it has none, extras it does not take.
pub(crate) fn carries(
    gateway: &str,
    refund: &crate::RefundRequest,
    reason_and_notify_url: bool,
    takes: &[&str],
) -> Result<()> {
    if !reason_and_notify_url {
        if refund.reason.is_some() {
            return Err(Error::Input(format!("{gateway} refunds carry no reason")));
        }
        if refund.notify_url.is_some() {
            return Err(Error::Input(format!(
                "{gateway} sends no refund notifications: no notify URL"
            )));
        }
    }
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
