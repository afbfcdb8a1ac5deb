//! Owned decode results shared by the gateways' std wrappers.

use refundwire::json::JsonStr;
use refundwire::{Claim, RefundStatus, Reply, Trust, Verdict};

/// A gateway's own refusal, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayRefusal {
    /// The gateway's code as sent.
    pub code: String,
    /// The gateway's message as sent (unescaped; empty when absent).
    pub message: String,
    /// What the refusal means for the refund under the trust rule: from the code when the
    /// refusal was signed and bound to the request, [`RefundStatus::Unknown`] otherwise.
    pub status: RefundStatus,
    /// What the code claims before the trust rule.
    pub claimed_status: RefundStatus,
    /// Whether the gateway signed the refusal, and whether it names the refund asked about.
    pub trust: Trust,
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

    /// Converts a core reply whose code is displayable and claims a status.
    pub(crate) fn from_reply<'a, V, C: std::fmt::Display + Claim>(
        reply: Reply<'a, V, C>,
        accept: impl FnOnce(V) -> crate::Result<T>,
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
                status: r.status(),
                claimed_status: r.claimed_status(),
                trust: r.trust,
            }),
        })
    }
}

/// The members of a verified JSON object, numbers kept exactly as sent and in their order.
pub fn members(object_json: &str) -> crate::Result<serde_json::Map<String, serde_json::Value>> {
    serde_json::from_str(object_json)
        .map_err(|e| crate::Error::Input(format!("verified object: {e}")))
}
