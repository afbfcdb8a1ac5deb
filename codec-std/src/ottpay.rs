//! OTTPay with owned values: HTTP request descriptors and owned decode results.
//!
//! See [`refundwire::gateway::ottpay`] for the protocol. OTTPay has no sandbox: every test
//! against it is a real transaction, which is why the codec's vector tests matter.

use crate::http::{Environment, HttpRequest};
use crate::outcome::{Outcome, members};
use crate::{Error, Result};
use refundwire::crypto::SecretKey;
use refundwire::gateway::ottpay::{self as core, Md5Form, RefundRequest, RefundStatusQuery};
use refundwire::{RefundStatus, Trust, Verdict};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Production endpoint (one endpoint for every action).
pub const PRODUCTION_URL: &str = "https://frontapi.ottpay.com:443/processV2";
/// The UAT endpoint seen in public samples.
pub const UAT_URL: &str = "http://uatapi.ottpay.com:8081/process";
/// Path appended to a custom base URL.
pub const PATH: &str = "/processV2";

/// Business fields of a refund, owned, under the protocol's names.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refund {
    /// `order_id`: the refund's own order id (optional).
    #[serde(default)]
    pub order_id: Option<String>,
    /// `ori_order_id`: the original payment's order id.
    pub ori_order_id: String,
    /// `refund_amt`: cents, as a string of digits (a JSON integer is accepted too).
    #[serde(deserialize_with = "cents")]
    pub refund_amt: u64,
}

fn cents<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<u64, D::Error> {
    use serde::de::Error as _;
    match Value::deserialize(d)? {
        Value::String(s) => refundwire::money::parse_minor_units(&s).map_err(D::Error::custom),
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| D::Error::custom("refund_amt must be whole cents")),
        _ => Err(D::Error::custom("refund_amt must be a string of cents")),
    }
}

/// An accepted refund reply, owned.
///
/// Its `status` is always [`RefundStatus::Unknown`]: OTTPay's `rsp_code` is outside `md5`,
/// so a `REFUND` reply never proves the refund's status (see
/// [`refundwire::gateway::ottpay`]). Confirm it with [`OttPay::decode_refund_status`].
#[derive(Debug, Clone, PartialEq)]
pub struct RefundResult {
    /// Neutral status under the trust rule: always [`RefundStatus::Unknown`].
    pub status: RefundStatus,
    /// What `rsp_code` claims (`SUCCESS` → succeeded, `PROCESSING` → pending).
    pub claimed_status: RefundStatus,
    /// Always [`Trust::UNSIGNED`] (the status is read from the uncovered `rsp_code`).
    pub trust: Trust,
    /// `rsp_code` as sent.
    pub rsp_code: String,
    /// `order_id`, if sent.
    pub order_id: Option<String>,
    /// `trade_time`, if sent.
    pub trade_time: Option<String>,
    /// `refund_amt` in cents.
    pub refund_amt: u64,
    /// Which number form the digest matched.
    pub md5_form: Md5Form,
    /// Every decrypted business member, values as sent.
    pub fields: Map<String, Value>,
}

/// An accepted refund status reply, owned.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundStatusResult {
    /// Neutral status under the trust rule: from `order_status` when the reply's `order_id`
    /// is the refund order id that was expected, [`RefundStatus::Unknown`] otherwise.
    pub status: RefundStatus,
    /// What `order_status` claims.
    pub claimed_status: RefundStatus,
    /// Authenticated (`order_status` is inside `md5`); bound when `order_id` is the expected one.
    pub trust: Trust,
    /// `rsp_code` as sent.
    pub rsp_code: String,
    /// `order_id`.
    pub order_id: String,
    /// `order_status` as sent.
    pub order_status: String,
    /// `refund_amt` in cents.
    pub refund_amt: u64,
    /// Which number form the digest matched.
    pub md5_form: Md5Form,
    /// Every decrypted business member, values as sent.
    pub fields: Map<String, Value>,
}

/// An OTTPay merchant: credentials plus the environment requests go to.
#[derive(Debug, Clone)]
pub struct OttPay {
    merchant_id: String,
    sign_key: SecretKey,
    environment: Environment,
}

impl OttPay {
    /// Credentials as issued by OTTPay; `sign_key` is kept zeroized and never printed.
    pub fn new(
        merchant_id: impl Into<String>,
        sign_key: &[u8],
        environment: Environment,
    ) -> Result<Self> {
        let merchant = OttPay {
            merchant_id: merchant_id.into(),
            sign_key: SecretKey::new(sign_key)?,
            environment,
        };
        merchant.credentials()?;
        Ok(merchant)
    }

    fn credentials(&self) -> Result<core::Credentials<'_>> {
        Ok(core::Credentials::new(
            &self.merchant_id,
            self.sign_key.expose(),
        )?)
    }

    /// The URL requests go to.
    pub fn url(&self) -> String {
        match &self.environment {
            Environment::Production => PRODUCTION_URL.into(),
            Environment::Sandbox => UAT_URL.into(),
            custom => format!("{}{PATH}", custom.base("", "")),
        }
    }

    fn request(&self, action: core::Action<'_>) -> Result<HttpRequest> {
        let mut out = vec![0u8; action.body_max()];
        let body = core::encode(&self.credentials()?, action, &mut out)?.to_vec();
        Ok(HttpRequest::post_json(self.url(), body))
    }

    /// The `REFUND` request.
    pub fn refund_request(&self, refund: &Refund) -> Result<HttpRequest> {
        let req = RefundRequest {
            order_id: refund.order_id.as_deref(),
            ori_order_id: &refund.ori_order_id,
            refund_amt: refund.refund_amt,
        };
        self.request(core::Action::Refund(req))
    }

    /// The `REFUND_STATUS_QUERY` request for refund order `order_id`.
    pub fn refund_status_request(&self, order_id: &str) -> Result<HttpRequest> {
        self.request(core::Action::RefundStatusQuery(RefundStatusQuery {
            order_id,
        }))
    }

    /// Verifies and decodes a `REFUND` reply body. `expected` is the `order_id` the request
    /// carried (`""` if it carried none); a reply naming another refund is an error. The
    /// status is never definite: query it with [`refund_status_request`](Self::refund_status_request).
    pub fn decode_refund(&self, body: &[u8], expected: &str) -> Result<Outcome<RefundResult>> {
        let mut body = body.to_vec();
        let reply = core::decode_refund(&self.credentials()?, &mut body, expected)?;
        Outcome::from_reply(reply, |r| {
            Ok(RefundResult {
                status: r.status(),
                claimed_status: r.claimed_status(),
                trust: r.trust,
                rsp_code: r.verified.rsp_code.to_string(),
                order_id: r.order_id.map(|s| s.to_string()),
                trade_time: r.trade_time.map(|s| s.to_string()),
                refund_amt: r.refund_amt,
                md5_form: r.verified.md5_form,
                fields: members(r.verified.data.raw())?,
            })
        })
    }

    /// Verifies and decodes a `REFUND_STATUS_QUERY` reply body, bound to `expected`, the
    /// refund order id that was queried (`""` binds nothing: the status is then unknown).
    pub fn decode_refund_status(
        &self,
        body: &[u8],
        expected: &str,
    ) -> Result<Outcome<RefundStatusResult>> {
        let mut body = body.to_vec();
        let reply = core::decode_refund_status(&self.credentials()?, &mut body, expected)?;
        Outcome::from_reply(reply, |r| {
            Ok(RefundStatusResult {
                status: r.status(),
                claimed_status: r.claimed_status(),
                trust: r.trust,
                rsp_code: r.verified.rsp_code.to_string(),
                order_id: r.order_id.to_string(),
                order_status: r.order_status.to_string(),
                refund_amt: r.refund_amt,
                md5_form: r.verified.md5_form,
                fields: members(r.verified.data.raw())?,
            })
        })
    }
}

/// Parses refund fields (`fields.json` of the CLI) under the protocol's names.
pub fn refund_fields(json: &[u8]) -> Result<Refund> {
    serde_json::from_slice(json).map_err(|e| Error::Input(format!("OTTPay refund fields: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_pick_urls_and_keys_stay_hidden() {
        let m = OttPay::new("ON43915000", b"4283FEFC63F0CD0E", Environment::Sandbox).unwrap();
        assert_eq!(m.url(), UAT_URL);
        let m = OttPay::new(
            "ON43915000",
            b"4283FEFC63F0CD0E",
            Environment::Custom("http://127.0.0.1:9/".into()),
        )
        .unwrap();
        assert_eq!(m.url(), "http://127.0.0.1:9/processV2");
        let debug = format!("{m:?}");
        assert!(
            debug.contains("SecretKey(***)") && !debug.contains("52, 50, 56"),
            "{debug}"
        );
        assert!(refund_fields(br#"{"ori_order_id":"1","refund_amt":"1.5"}"#).is_err());
        assert!(refund_fields(br#"{"ori_order_id":"1","refund_amt":"15","x":1}"#).is_err());
        assert_eq!(
            refund_fields(br#"{"ori_order_id":"1","refund_amt":15}"#)
                .unwrap()
                .refund_amt,
            15
        );
    }

    fn merchant() -> OttPay {
        OttPay::new("ON43915000", b"4283FEFC63F0CD0E", Environment::Production).unwrap()
    }

    fn body(case: &str) -> Vec<u8> {
        crate::test_vectors::case("ottpay", case)["body"]
            .as_str()
            .unwrap()
            .as_bytes()
            .to_vec()
    }

    #[test]
    fn a_refund_reply_stays_unknown_and_carries_its_claim() {
        let m = merchant();
        for expected in ["RF12415868344978", ""] {
            let r = m
                .decode_refund(&body("refund_response"), expected)
                .unwrap()
                .accepted()
                .unwrap();
            assert_eq!(r.status, RefundStatus::Unknown);
            assert_eq!(r.claimed_status, RefundStatus::Succeeded);
            assert_eq!(r.trust, Trust::UNSIGNED);
            assert_eq!(r.order_id.as_deref(), Some("RF12415868344978"));
            assert_eq!(r.refund_amt, 51558);
        }
        assert!(
            m.decode_refund(&body("refund_response"), "RF-other")
                .is_err()
        );
    }

    #[test]
    fn a_status_reply_is_definite_when_bound() {
        let m = merchant();
        let bound = m
            .decode_refund_status(&body("refund_status_query_response"), "RF12415868344978")
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(bound.status, RefundStatus::Succeeded);
        assert_eq!(bound.trust, Trust::signed(true));
        assert_eq!(bound.order_status, "success");
        let unbound = m
            .decode_refund_status(&body("refund_status_query_response"), "")
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(unbound.status, RefundStatus::Unknown);
        assert_eq!(unbound.claimed_status, RefundStatus::Succeeded);
        assert_eq!(unbound.trust, Trust::signed(false));
        assert!(
            m.decode_refund_status(&body("refund_status_query_response"), "RF-other")
                .is_err()
        );
        // The other operation's reply is refused both ways.
        assert!(
            m.decode_refund_status(&body("refund_response"), "")
                .is_err()
        );
        assert!(
            m.decode_refund(&body("refund_status_query_response"), "")
                .is_err()
        );
    }

    #[test]
    fn refusals_are_unknown() {
        let m = merchant();
        let Outcome::Refused(r) = m
            .decode_refund(&body("refund_response_error_code"), "RF12415868344978")
            .unwrap()
        else {
            panic!("expected a refusal")
        };
        assert_eq!(r.code, "PARAM_INVALID");
        assert_eq!(r.status, RefundStatus::Unknown);
        assert_eq!(r.claimed_status, RefundStatus::Failed);
        assert_eq!(r.trust, Trust::UNSIGNED);
    }
}
