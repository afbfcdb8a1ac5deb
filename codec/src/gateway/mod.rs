//! One module per gateway, each shaped like its protocol page: credentials, request values,
//! `encode_*`, response views, `decode_*`, codes and statuses.

pub mod newpay;
pub mod ottpay;
pub mod payermax;
pub mod scanforpay;

/// The media type of every request, reply and acknowledgement of these gateways: compact JSON.
pub const CONTENT_TYPE: &str = "application/json";

/// Where a gateway takes requests: its hosts and the path of each operation.
///
/// Each gateway module publishes one as `ENDPOINTS`; a URL is a base followed by a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoints {
    /// Production base URL (scheme, host, optional port; no trailing slash).
    pub production: &'static str,
    /// The gateway's public test base URL, where it publishes one.
    pub sandbox: Option<&'static str>,
    /// Path of the refund request.
    pub refund_path: &'static str,
    /// Path of the request that asks for a refund's status.
    pub status_path: &'static str,
}
