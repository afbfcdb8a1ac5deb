//! Every codec call the images make, in one place, so that an API change of the core is
//! absorbed here (a few lines) and not in the harness.
//!
//! Reply decoders take the id the reply must be bound to (`expected`: the OTTPay refund order
//! id, the ScanForPay `reqMsgId`); statuses are the trust-gated ones ([`Verdict::status`]).

use refundwire::gateway::{ottpay, scanforpay};
use refundwire::{Claim, RefundStatus, Refusal, Reply, Result, Verdict};

/// An OTTPay `REFUND` request body.
pub fn ottpay_encode_refund<'o>(
    creds: &ottpay::Credentials<'_>,
    request: &ottpay::RefundRequest<'_>,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    ottpay::encode_refund(creds, request, out)
}

/// An OTTPay `REFUND_STATUS_QUERY` request body.
pub fn ottpay_encode_refund_status_query<'o>(
    creds: &ottpay::Credentials<'_>,
    query: &ottpay::RefundStatusQuery<'_>,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    ottpay::encode_refund_status_query(creds, query, out)
}

/// An OTTPay `REFUND` reply, decrypted in place in `body`.
pub fn ottpay_decode_refund<'a>(
    creds: &ottpay::Credentials<'_>,
    body: &'a mut [u8],
    expected: &str,
) -> Result<ottpay::RefundReply<'a>> {
    ottpay::decode_refund(creds, body, expected)
}

/// An OTTPay `REFUND_STATUS_QUERY` reply, decrypted in place in `body`.
pub fn ottpay_decode_refund_status<'a>(
    creds: &ottpay::Credentials<'_>,
    body: &'a mut [u8],
    expected: &str,
) -> Result<ottpay::RefundStatusReply<'a>> {
    ottpay::decode_refund_status(creds, body, expected)
}

/// A ScanForPay refund request body.
pub fn scanforpay_encode_refund<'o>(
    creds: &scanforpay::Credentials<'_>,
    header: &scanforpay::RequestHeader<'_>,
    refund: &scanforpay::RefundRequest<'_>,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    scanforpay::encode_refund(creds, header, refund, out)
}

/// A ScanForPay order query request body.
pub fn scanforpay_encode_order_query<'o>(
    creds: &scanforpay::Credentials<'_>,
    header: &scanforpay::RequestHeader<'_>,
    query: &scanforpay::OrderQueryRequest<'_>,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    scanforpay::encode_order_query(creds, header, query, out)
}

/// A decoded ScanForPay refund reply.
pub type ScanforpayRefundReply<'a> =
    Reply<'a, scanforpay::RefundResponse<'a>, scanforpay::ResultCode<'a>>;
/// A decoded ScanForPay order query reply.
pub type ScanforpayOrderQueryReply<'a> =
    Reply<'a, scanforpay::OrderQueryResponse<'a>, scanforpay::OrderQueryCode<'a>>;

/// A ScanForPay refund reply, bound to the request's `reqMsgId`.
pub fn scanforpay_decode_refund<'a>(
    creds: &scanforpay::Credentials<'_>,
    body: &'a [u8],
    expected: &str,
) -> Result<ScanforpayRefundReply<'a>> {
    scanforpay::decode_refund(creds, body, expected)
}

/// A ScanForPay order query reply, bound to the request's `reqMsgId`.
pub fn scanforpay_decode_order_query<'a>(
    creds: &scanforpay::Credentials<'_>,
    body: &'a [u8],
    expected: &str,
) -> Result<ScanforpayOrderQueryReply<'a>> {
    scanforpay::decode_order_query(creds, body, expected)
}

/// The neutral status of an accepted OTTPay `REFUND` reply.
pub fn ottpay_refund_status(r: &ottpay::RefundResponse<'_>) -> RefundStatus {
    r.status()
}

/// The neutral status of an accepted OTTPay `REFUND_STATUS_QUERY` reply.
pub fn ottpay_refund_status_query_status(r: &ottpay::RefundStatusResponse<'_>) -> RefundStatus {
    r.status()
}

/// The neutral status of an accepted ScanForPay refund reply.
pub fn scanforpay_refund_status(r: &scanforpay::RefundResponse<'_>) -> RefundStatus {
    r.status()
}

/// The neutral status of an accepted ScanForPay order query reply.
pub fn scanforpay_order_query_status(r: &scanforpay::OrderQueryResponse<'_>) -> RefundStatus {
    r.status()
}

/// The neutral status of a gateway's refusal (unsigned or unbound ones are `Unknown`).
pub fn refusal_status<C: Claim>(r: &Refusal<'_, C>) -> RefundStatus {
    r.status()
}
