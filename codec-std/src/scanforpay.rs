//! ScanForPay (std side): owned wrappers around [`refundwire::gateway::scanforpay`] and the
//! sans-IO HTTP descriptors of its refund and order query.
//!
//! ```
//! use refundwire_std::scanforpay::{self, Credentials, RefundRequest, RequestHeader};
//! use refundwire_std::codec::time::Timestamp;
//! use refundwire_std::Environment;
//!
//! let creds = Credentials::new("63012", b"c4pz0lx9xf26gk7zx5b4ctzkk6oam89o")?;
//! let id = scanforpay::new_req_msg_id()?;
//! let header = RequestHeader::new(Timestamp::parse_rfc3339("2024-03-05T18:06:05+08:00")?, &id);
//! let refund = RefundRequest {
//!     partner_order_no: "p95748906828836075983",
//!     refund_no: "892184011070434",
//!     order_amount: 1,
//!     operator_id: None,
//!     terminal_no: None,
//! };
//! let request = scanforpay::refund_request(&Environment::Sandbox, &creds, &header, &refund)?;
//! assert_eq!(request.url, "https://dev-pay.scan4pay.com/api/common/refund");
//! // Send `request` with any HTTP client, then:
//! // let reply = scanforpay::decode_refund(&creds, &response_body, Some(&id))?;
//! # Ok::<(), refundwire_std::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::http::{Environment, HttpRequest};
use refundwire::RefundStatus;
use refundwire::crypto::SecretKey;
use refundwire::gateway::scanforpay as codec;
use refundwire::json::JsonStr;
use refundwire::money::{Currency, Money};

pub use refundwire::gateway::scanforpay::{
    OrderQueryRequest, OrderState, RefundRequest, RefundState, RequestHeader, ResultCode, TimeField,
};

/// Production base URL.
pub const PRODUCTION: &str = "https://pay.scanforpay.com";
/// Sandbox (development) base URL.
pub const SANDBOX: &str = "https://dev-pay.scan4pay.com";
/// Path of the refund.
pub const REFUND_PATH: &str = "/api/common/refund";
/// Path of the order query.
pub const ORDER_QUERY_PATH: &str = "/api/common/payQuery";

/// A merchant's ScanForPay credentials, owned. `Debug` never shows the key.
#[derive(Debug, Clone)]
pub struct Credentials {
    partner_no: String,
    sign_key: SecretKey,
}

impl Credentials {
    /// The partner number and the sign key (checked as the codec checks them).
    pub fn new(partner_no: impl Into<String>, sign_key: &[u8]) -> Result<Self> {
        let partner_no = partner_no.into();
        codec::Credentials::new(&partner_no, sign_key)?;
        Ok(Credentials {
            partner_no,
            sign_key: SecretKey::new(sign_key)?,
        })
    }

    /// The partner number (`partnerNo`).
    pub fn partner_no(&self) -> &str {
        &self.partner_no
    }

    /// The codec's view of these credentials.
    pub fn codec(&self) -> Result<codec::Credentials<'_>> {
        Ok(codec::Credentials::new(
            &self.partner_no,
            self.sign_key.expose(),
        )?)
    }
}

/// A fresh random `reqMsgId`: a version-4 UUID (36 characters, as in ScanForPay's samples).
pub fn new_req_msg_id() -> Result<String> {
    let mut b = [0u8; 16];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| Error::Input("no system randomness".into()))?;
    // RFC 9562 version 4 (random) and variant bits.
    if let Some(v) = b.get_mut(6) {
        *v = (*v & 0x0f) | 0x40;
    }
    if let Some(v) = b.get_mut(8) {
        *v = (*v & 0x3f) | 0x80;
    }
    let mut id = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        id.push_str(&format!("{x:02x}"));
    }
    Ok(id)
}

fn encode_with(f: impl FnOnce(&mut [u8]) -> refundwire::Result<usize>) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; codec::REQUEST_MAX];
    let n = f(&mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

/// The exact refund request body.
pub fn encode_refund(
    creds: &Credentials,
    header: &RequestHeader<'_>,
    refund: &RefundRequest<'_>,
) -> Result<Vec<u8>> {
    let c = creds.codec()?;
    encode_with(|buf| codec::encode_refund(&c, header, refund, buf).map(<[u8]>::len))
}

/// The exact order query request body.
pub fn encode_order_query(
    creds: &Credentials,
    header: &RequestHeader<'_>,
    query: &OrderQueryRequest<'_>,
) -> Result<Vec<u8>> {
    let c = creds.codec()?;
    encode_with(|buf| codec::encode_order_query(&c, header, query, buf).map(<[u8]>::len))
}

/// The refund as an HTTP request: `POST {base}/api/common/refund`, JSON body.
pub fn refund_request(
    env: &Environment,
    creds: &Credentials,
    header: &RequestHeader<'_>,
    refund: &RefundRequest<'_>,
) -> Result<HttpRequest> {
    let url = format!("{}{REFUND_PATH}", env.base(PRODUCTION, SANDBOX));
    Ok(HttpRequest::post_json(
        url,
        encode_refund(creds, header, refund)?,
    ))
}

/// The order query as an HTTP request: `POST {base}/api/common/payQuery`, JSON body.
pub fn order_query_request(
    env: &Environment,
    creds: &Credentials,
    header: &RequestHeader<'_>,
    query: &OrderQueryRequest<'_>,
) -> Result<HttpRequest> {
    let url = format!("{}{ORDER_QUERY_PATH}", env.base(PRODUCTION, SANDBOX));
    Ok(HttpRequest::post_json(
        url,
        encode_order_query(creds, header, query)?,
    ))
}

/// A decoded reply: accepted (verified and parsed) or ScanForPay's own refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply<T> {
    /// `code` 1.
    Accepted(T),
    /// Any other `code`.
    Refused(Refused),
}

/// ScanForPay's refusal of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// `code`, exactly as sent (`"30"`).
    pub code: String,
    /// `msg`, unescaped (may be absent).
    pub message: Option<String>,
}

impl Refused {
    /// The code, typed.
    pub fn result_code(&self) -> ResultCode<'_> {
        ResultCode::from_wire(&self.code)
    }
}

/// A verified, successful refund reply, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundReply {
    /// The refund's state in neutral terms.
    pub status: RefundStatus,
    /// `status` exactly as sent (`"0"`, `"1"`, `"2"`).
    pub state: String,
    /// `orderAmount` in the currency's smallest unit.
    pub order_amount: u64,
    /// `currency`.
    pub currency: Option<String>,
    /// `refundNo`, when echoed.
    pub refund_no: Option<String>,
    /// `msg`.
    pub message: Option<String>,
    /// `reqMsgId` of the reply's header.
    pub req_msg_id: Option<String>,
    /// The verified `body` object's text, exactly as received.
    pub body: String,
}

impl RefundReply {
    /// `status`, typed.
    pub fn refund_state(&self) -> RefundState<'_> {
        RefundState::from_wire(&self.state)
    }

    /// `orderAmount` with its currency.
    pub fn amount(&self) -> Result<Money> {
        money(self.order_amount, self.currency.as_deref())
    }
}

/// A verified, successful order query reply, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderQueryReply {
    /// What the order's state says about a refund (3 refunded → succeeded; see
    /// [`OrderState::refund_status`]).
    pub status: RefundStatus,
    /// `status` exactly as sent (`"0"` to `"3"`).
    pub state: String,
    /// `orderNo`.
    pub order_no: Option<String>,
    /// `partnerOrderNo`.
    pub partner_order_no: Option<String>,
    /// `orderAmount` in the currency's smallest unit.
    pub order_amount: u64,
    /// `wallet`.
    pub wallet: Option<String>,
    /// `payTime`.
    pub pay_time: Option<String>,
    /// `currency`.
    pub currency: Option<String>,
    /// `msg`.
    pub message: Option<String>,
    /// `reqMsgId` of the reply's header.
    pub req_msg_id: Option<String>,
    /// The verified `body` object's text, exactly as received.
    pub body: String,
}

impl OrderQueryReply {
    /// `status`, typed.
    pub fn order_state(&self) -> OrderState<'_> {
        OrderState::from_wire(&self.state)
    }

    /// `orderAmount` with its currency.
    pub fn amount(&self) -> Result<Money> {
        money(self.order_amount, self.currency.as_deref())
    }
}

fn money(minor: u64, currency: Option<&str>) -> Result<Money> {
    let code = currency.ok_or(refundwire::Error::MissingField("currency"))?;
    Ok(Money::new(minor, Currency::from_code(code)?))
}

fn owned(s: Option<JsonStr<'_>>) -> Option<String> {
    s.map(|s| s.to_string())
}

fn refused(r: refundwire::Refusal<'_, ResultCode<'_>>) -> Refused {
    Refused {
        code: r.code.as_wire().to_string(),
        message: owned(r.message),
    }
}

/// Verifies and decodes a refund reply body (see
/// [`refundwire::gateway::scanforpay::decode_refund`]).
pub fn decode_refund(
    creds: &Credentials,
    body: &[u8],
    expect_req_msg_id: Option<&str>,
) -> Result<Reply<RefundReply>> {
    let c = creds.codec()?;
    Ok(match codec::decode_refund(&c, body, expect_req_msg_id)? {
        refundwire::Reply::Refused(r) => Reply::Refused(refused(r)),
        refundwire::Reply::Accepted(v) => Reply::Accepted(RefundReply {
            status: v.status(),
            state: v.state.as_wire().to_string(),
            order_amount: v.order_amount,
            currency: owned(v.currency),
            refund_no: owned(v.refund_no),
            message: owned(v.msg),
            req_msg_id: owned(v.header.req_msg_id),
            body: v.body.raw().to_string(),
        }),
    })
}

/// Verifies and decodes an order query reply body (see
/// [`refundwire::gateway::scanforpay::decode_order_query`]).
pub fn decode_order_query(
    creds: &Credentials,
    body: &[u8],
    expect_req_msg_id: Option<&str>,
) -> Result<Reply<OrderQueryReply>> {
    let c = creds.codec()?;
    Ok(
        match codec::decode_order_query(&c, body, expect_req_msg_id)? {
            refundwire::Reply::Refused(r) => Reply::Refused(refused(r)),
            refundwire::Reply::Accepted(v) => Reply::Accepted(OrderQueryReply {
                status: v.status(),
                state: v.state.as_wire().to_string(),
                order_no: owned(v.order_no),
                partner_order_no: owned(v.partner_order_no),
                order_amount: v.order_amount,
                wallet: owned(v.wallet),
                pay_time: owned(v.pay_time),
                currency: owned(v.currency),
                message: owned(v.msg),
                req_msg_id: owned(v.header.req_msg_id),
                body: v.body.raw().to_string(),
            }),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn req_msg_ids_are_uuid_v4() {
        let a = new_req_msg_id().unwrap();
        let b = new_req_msg_id().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
    }

    #[test]
    fn hosts_and_paths() {
        let creds = Credentials::new("63012", b"k").unwrap();
        let id = "x";
        let header = RequestHeader::new(
            refundwire::time::Timestamp::utc(1_709_622_443_000).unwrap(),
            id,
        );
        let q = OrderQueryRequest {
            partner_order_no: Some("p1"),
            ..Default::default()
        };
        let r = order_query_request(&Environment::Production, &creds, &header, &q).unwrap();
        assert_eq!(r.url, "https://pay.scanforpay.com/api/common/payQuery");
        assert_eq!(r.method, "POST");
        assert_eq!(r.header("content-type"), Some("application/json"));
        let custom = Environment::Custom("http://127.0.0.1:8080/".into());
        let r = order_query_request(&custom, &creds, &header, &q).unwrap();
        assert_eq!(r.url, "http://127.0.0.1:8080/api/common/payQuery");
        assert!(format!("{creds:?}").contains("***"));
    }
}
