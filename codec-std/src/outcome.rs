//! Owned decode results shared by the gateways' std wrappers.

use refundwire::json::JsonStr;
use refundwire::{RefundStatus, Reply};

/// A gateway's own refusal, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayRefusal {
    /// The gateway's code as sent.
    pub code: String,
    /// The gateway's message as sent (unescaped; empty when absent).
    pub message: String,
    /// What the refusal means for the refund: from the code when the refusal was signed,
    /// [`RefundStatus::Unknown`] when it was not (anyone on the path could have written it).
    pub status: RefundStatus,
    /// Whether the gateway signed the refusal.
    pub authenticated: bool,
}

/// An owned decode result: the verified view, or the gateway's refusal.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<T> {
    /// Verified and parsed.
    Accepted(T),
    /// The gateway refused the request.
    Refused(GatewayRefusal),
}

impl<T> Outcome<T> {
    /// The accepted value, if any.
    pub fn accepted(self) -> Option<T> {
        match self {
            Outcome::Accepted(t) => Some(t),
            Outcome::Refused(_) => None,
        }
    }

    /// Converts a core reply whose code is displayable and maps to a status.
    pub(crate) fn from_reply<'a, V, C: std::fmt::Display>(
        reply: Reply<'a, V, C>,
        accept: impl FnOnce(V) -> crate::Result<T>,
        status: impl FnOnce(&C) -> RefundStatus,
    ) -> crate::Result<Self> {
        Ok(match reply {
            Reply::Accepted(v) => Outcome::Accepted(accept(v)?),
            Reply::Refused(r) => Outcome::Refused(GatewayRefusal {
                code: r.code.to_string(),
                message: r
                    .message
                    .as_ref()
                    .map(JsonStr::to_string)
                    .unwrap_or_default(),
                status: if r.trust.authenticated {
                    status(&r.code)
                } else {
                    RefundStatus::Unknown
                },
                authenticated: r.trust.authenticated,
            }),
        })
    }
}

/// The members of a verified JSON object, numbers kept exactly as sent and in their order.
pub fn members(object_json: &str) -> crate::Result<serde_json::Map<String, serde_json::Value>> {
    serde_json::from_str(object_json)
        .map_err(|e| crate::Error::Input(format!("verified object: {e}")))
}
