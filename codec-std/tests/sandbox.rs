//! The simulator driven by the core's own client encoders and decoders, in process
//! (`SimTransport`), for every gateway. Expected codes come from the protocol pages.
#![cfg(feature = "sandbox")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use refundwire::crypto::RsaVerifier;
use refundwire::gateway::{newpay, ottpay, payermax, scanforpay};
use refundwire::money::{Currency, Money};
use refundwire::time::Timestamp;
use refundwire::{RefundStatus, Trust, Verdict};
use refundwire_std::rsa::{RsaPrivateKey, RsaPublicKey};
use refundwire_std::sandbox::{
    AnswerFault, Fault, GatewayId, NotifyFault, SimError, SimTransport, Simulator,
};
use std::sync::Arc;

const NOW: u64 = 1_709_622_083_737;
const BASE: &str = "http://sandbox.invalid";

fn key_file(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../tests/vectors/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn vectors(gateway: &str) -> serde_json::Value {
    let path = format!(
        "{}/../tests/vectors/{gateway}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn cred(gateway: &str, name: &str) -> String {
    vectors(gateway)["credentials"][name]
        .as_str()
        .unwrap()
        .to_owned()
}

/// What a client made of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    /// Accepted: the status claimed, and the trust the decoder established.
    Accepted(RefundStatus, Trust),
    /// The gateway's refusal code.
    Refused(String),
}

type Resp = http::Response<Vec<u8>>;

/// Sends a request to the simulator: in process, or over loopback HTTP.
trait Sender {
    fn send(&self, request: http::Request<Vec<u8>>) -> Result<Resp, SimError>;
    fn now_ms(&self) -> u64;
}

impl Sender for SimTransport {
    fn send(&self, request: http::Request<Vec<u8>>) -> Result<Resp, SimError> {
        SimTransport::send(self, request)
    }
    fn now_ms(&self) -> u64 {
        SimTransport::now_ms(self)
    }
}

trait Client {
    const G: GatewayId;
    fn refund(
        &self,
        t: &dyn Sender,
        order: &str,
        refund_no: &str,
        amount: u64,
    ) -> Result<Resp, SimError>;
    fn decode_refund(&self, r: &Resp, refund_no: &str) -> Result<Seen, refundwire::Error>;
    fn query(&self, t: &dyn Sender, order: &str, refund_no: &str) -> Result<Resp, SimError>;
    fn decode_query(&self, r: &Resp, refund_no: &str) -> Result<Seen, refundwire::Error>;
    /// The code each case is refused with (from the protocol page), in this order:
    /// over-refund, duplicate number with another amount, bad signature, order not found.
    const CODES: [&'static str; 4];
    /// Whether a repeated refund number with the same amount gets the same refund's answer
    /// (otherwise the duplicate code).
    const SAME_AMOUNT_IS_SAME_REFUND: bool;
}

fn post(path: &str, body: Vec<u8>) -> http::Request<Vec<u8>> {
    http::Request::post(format!("{BASE}{path}"))
        .header("content-type", "application/json")
        .body(body)
        .unwrap()
}

fn seen<V: Verdict, C: refundwire::Claim + std::fmt::Display>(
    reply: refundwire::Reply<'_, V, C>,
) -> Seen {
    match reply {
        refundwire::Reply::Accepted(v) => Seen::Accepted(v.claimed_status(), v.trust()),
        refundwire::Reply::Refused(r) => Seen::Refused(r.code.to_string()),
    }
}

// --- OTTPay -------------------------------------------------------------------------------

struct Ott {
    merchant: String,
    key: String,
}

impl Ott {
    fn new() -> Ott {
        Ott {
            merchant: cred("ottpay", "merchant_id"),
            key: cred("ottpay", "sign_key"),
        }
    }
    fn creds(&self) -> ottpay::Credentials<'_> {
        ottpay::Credentials::new(&self.merchant, self.key.as_bytes()).unwrap()
    }
}

impl Client for Ott {
    const G: GatewayId = GatewayId::OttPay;
    const CODES: [&'static str; 4] = ["FAIL", "ORDER_USED", "FAIL", "PARAM_INVALID"];
    const SAME_AMOUNT_IS_SAME_REFUND: bool = true;

    fn refund(&self, t: &dyn Sender, order: &str, no: &str, amount: u64) -> Result<Resp, SimError> {
        let mut buf = [0u8; ottpay::REFUND_BODY_MAX];
        let req = ottpay::RefundRequest {
            order_id: Some(no),
            ori_order_id: order,
            refund_amt: amount,
        };
        let body = ottpay::encode_refund(&self.creds(), &req, &mut buf).unwrap();
        t.send(post(ottpay::ENDPOINTS.refund_path, body.to_vec()))
    }
    fn decode_refund(&self, r: &Resp, no: &str) -> Result<Seen, refundwire::Error> {
        let mut body = r.body().clone();
        Ok(seen(ottpay::decode_refund(&self.creds(), &mut body, no)?))
    }
    fn query(&self, t: &dyn Sender, _order: &str, no: &str) -> Result<Resp, SimError> {
        let mut buf = [0u8; ottpay::REFUND_STATUS_QUERY_BODY_MAX];
        let q = ottpay::RefundStatusQuery { order_id: no };
        let body = ottpay::encode_refund_status_query(&self.creds(), &q, &mut buf).unwrap();
        t.send(post(ottpay::ENDPOINTS.status_path, body.to_vec()))
    }
    fn decode_query(&self, r: &Resp, no: &str) -> Result<Seen, refundwire::Error> {
        let mut body = r.body().clone();
        Ok(seen(ottpay::decode_refund_status(
            &self.creds(),
            &mut body,
            no,
        )?))
    }
}

// --- ScanForPay ---------------------------------------------------------------------------

struct Sfp {
    partner: String,
    key: String,
}

impl Sfp {
    fn new() -> Sfp {
        Sfp {
            partner: cred("scanforpay", "partner_no"),
            key: cred("scanforpay", "sign_key"),
        }
    }
    fn creds(&self) -> scanforpay::Credentials<'_> {
        scanforpay::Credentials::new(&self.partner, self.key.as_bytes()).unwrap()
    }
    /// The request id of a ScanForPay request: one per refund number and operation.
    fn id(op: &str, no: &str) -> String {
        format!("{op}-{no}")
    }
    fn header<'a>(t: &dyn Sender, id: &'a str) -> scanforpay::RequestHeader<'a> {
        let time = Timestamp::new(t.now_ms() as i64, 480).unwrap();
        scanforpay::RequestHeader::new(time, id)
    }
}

impl Client for Sfp {
    const G: GatewayId = GatewayId::ScanForPay;
    const CODES: [&'static str; 4] = ["35", "31", "8", "30"];
    const SAME_AMOUNT_IS_SAME_REFUND: bool = true;

    fn refund(&self, t: &dyn Sender, order: &str, no: &str, amount: u64) -> Result<Resp, SimError> {
        let id = Sfp::id("refund", no);
        let r = scanforpay::RefundRequest {
            partner_order_no: order,
            refund_no: no,
            order_amount: amount,
            operator_id: None,
            terminal_no: None,
        };
        let mut buf = [0u8; scanforpay::REQUEST_MAX];
        let body =
            scanforpay::encode_refund(&self.creds(), &Sfp::header(t, &id), &r, &mut buf).unwrap();
        t.send(post(scanforpay::ENDPOINTS.refund_path, body.to_vec()))
    }
    fn decode_refund(&self, r: &Resp, no: &str) -> Result<Seen, refundwire::Error> {
        Ok(seen(scanforpay::decode_refund(
            &self.creds(),
            r.body(),
            &Sfp::id("refund", no),
        )?))
    }
    fn query(&self, t: &dyn Sender, order: &str, no: &str) -> Result<Resp, SimError> {
        let id = Sfp::id("query", no);
        let q = scanforpay::OrderQueryRequest {
            store_no: None,
            partner_order_no: Some(order),
            order_no: None,
        };
        let mut buf = [0u8; scanforpay::REQUEST_MAX];
        let body =
            scanforpay::encode_order_query(&self.creds(), &Sfp::header(t, &id), &q, &mut buf)
                .unwrap();
        t.send(post(scanforpay::ENDPOINTS.status_path, body.to_vec()))
    }
    fn decode_query(&self, r: &Resp, no: &str) -> Result<Seen, refundwire::Error> {
        Ok(seen(scanforpay::decode_order_query(
            &self.creds(),
            r.body(),
            &Sfp::id("query", no),
        )?))
    }
}

// --- PayerMax -----------------------------------------------------------------------------

struct Pmx {
    app: String,
    merchant: String,
    key: RsaPrivateKey,
    platform: RsaPublicKey,
    notify_url: Option<String>,
}

impl Pmx {
    fn new() -> Pmx {
        Pmx {
            app: cred("payermax", "app_id"),
            merchant: cred("payermax", "merchant_no"),
            key: RsaPrivateKey::from_any(&key_file("payermax_merchant.pem")).unwrap(),
            platform: RsaPublicKey::from_any(&key_file("payermax_platform.pub.pem")).unwrap(),
            notify_url: Some("http://merchant.invalid/payermax/notify".into()),
        }
    }
    fn creds(&self) -> payermax::Credentials<'_> {
        payermax::Credentials::new(&self.app, Some(&self.merchant)).unwrap()
    }
    fn send(
        t: &dyn Sender,
        path: &str,
        s: payermax::SignedRequest<'_, '_>,
    ) -> Result<Resp, SimError> {
        let mut req = post(path, s.body.to_vec());
        req.headers_mut()
            .insert(payermax::SIGN_HEADER, s.sign.parse().unwrap());
        t.send(req)
    }
    fn sign_of(r: &Resp) -> Option<&[u8]> {
        r.headers().get(payermax::SIGN_HEADER).map(|v| v.as_bytes())
    }
}

impl Client for Pmx {
    const G: GatewayId = GatewayId::PayerMax;
    const CODES: [&'static str; 4] = [
        "AMOUNT_INVALID",
        "REFUND_NO_INVALID",
        "SIGN_VERIFY_FAILED",
        "ORDER_NOT_EXIST",
    ];
    const SAME_AMOUNT_IS_SAME_REFUND: bool = true;

    fn refund(&self, t: &dyn Sender, order: &str, no: &str, amount: u64) -> Result<Resp, SimError> {
        let env = payermax::Envelope::new(Timestamp::utc(t.now_ms() as i64).unwrap());
        let req = payermax::RefundRequest {
            out_refund_no: no,
            out_trade_no: order,
            refund_amount: Money::new(amount, Currency::from_code("USD").unwrap()),
            comments: None,
            refund_notify_url: self.notify_url.as_deref(),
        };
        let (mut body, mut sign) = ([0u8; 4096], [0u8; payermax::SIGN_MAX]);
        let s = payermax::encode_refund(&self.creds(), &env, &req, &self.key, &mut body, &mut sign)
            .unwrap();
        Pmx::send(t, payermax::ENDPOINTS.refund_path, s)
    }
    fn decode_refund(&self, r: &Resp, no: &str) -> Result<Seen, refundwire::Error> {
        Ok(seen(payermax::decode_refund(
            &self.platform,
            Pmx::sign_of(r),
            r.body(),
            no,
        )?))
    }
    fn query(&self, t: &dyn Sender, _order: &str, no: &str) -> Result<Resp, SimError> {
        let env = payermax::Envelope::new(Timestamp::utc(t.now_ms() as i64).unwrap());
        let q = payermax::RefundQuery {
            out_refund_no: Some(no),
            refund_trade_no: None,
        };
        let (mut body, mut sign) = ([0u8; 4096], [0u8; payermax::SIGN_MAX]);
        let s =
            payermax::encode_refund_query(&self.creds(), &env, &q, &self.key, &mut body, &mut sign)
                .unwrap();
        Pmx::send(t, payermax::ENDPOINTS.status_path, s)
    }
    fn decode_query(&self, r: &Resp, no: &str) -> Result<Seen, refundwire::Error> {
        Ok(seen(payermax::decode_refund_query(
            &self.platform,
            Pmx::sign_of(r),
            r.body(),
            no,
        )?))
    }
}

// --- NewPay -------------------------------------------------------------------------------

struct Npy {
    app: String,
    merchant: String,
    key: RsaPrivateKey,
    platform: RsaPublicKey,
    callback: String,
}

impl Npy {
    fn new() -> Npy {
        Npy {
            app: cred("newpay", "app_id"),
            merchant: cred("newpay", "merchant_id"),
            key: RsaPrivateKey::from_any(&key_file("newpay_merchant.pem")).unwrap(),
            platform: RsaPublicKey::from_any(&key_file("newpay_platform.pub.pem")).unwrap(),
            callback: "http://merchant.invalid/newpay/callback?shop=1&x=2".into(),
        }
    }
    fn creds(&self) -> newpay::Credentials<'_> {
        newpay::Credentials::new(&self.app, &self.merchant).unwrap()
    }
}

impl Client for Npy {
    const G: GatewayId = GatewayId::NewPay;
    const CODES: [&'static str; 4] = ["Z01020", "Z01026", "Z00007", "E9008"];
    const SAME_AMOUNT_IS_SAME_REFUND: bool = false;

    fn refund(&self, t: &dyn Sender, order: &str, no: &str, amount: u64) -> Result<Resp, SimError> {
        let req = newpay::RefundRequest {
            refund_order_amt: amount,
            order_no: order,
            refund_order_no: no,
            refund_desc: "customer return",
            call_back_url: &self.callback,
        };
        let mut buf = [0u8; newpay::REFUND_BODY_MAX];
        let body =
            newpay::encode_refund(&self.creds(), &self.key, &req, t.now_ms(), &mut buf).unwrap();
        t.send(post(newpay::ENDPOINTS.refund_path, body.to_vec()))
    }
    fn decode_refund(&self, r: &Resp, no: &str) -> Result<Seen, refundwire::Error> {
        let mut scratch = vec![0u8; r.body().len()];
        Ok(seen(newpay::decode_refund(
            &self.creds(),
            &self.platform,
            r.body(),
            no,
            &mut scratch,
        )?))
    }
    fn query(&self, t: &dyn Sender, _order: &str, no: &str) -> Result<Resp, SimError> {
        let q = newpay::InquiryRefundRequest {
            refund_order_no: no,
        };
        let mut buf = [0u8; newpay::INQUIRY_REFUND_BODY_MAX];
        let body =
            newpay::encode_inquiry_refund(&self.creds(), &self.key, &q, t.now_ms(), &mut buf)
                .unwrap();
        t.send(post(newpay::ENDPOINTS.status_path, body.to_vec()))
    }
    fn decode_query(&self, r: &Resp, no: &str) -> Result<Seen, refundwire::Error> {
        let mut scratch = vec![0u8; r.body().len()];
        Ok(seen(newpay::decode_inquiry_refund(
            &self.creds(),
            &self.platform,
            r.body(),
            no,
            &mut scratch,
        )?))
    }
}

// --- The scenarios, for every gateway -----------------------------------------------------

fn setup<C: Client>() -> SimTransport {
    let sim = Arc::new(Simulator::builtin().unwrap());
    for (order, amount) in [("ORD-1", 10_000), ("ORD-2", 10_000)] {
        sim.add_order(C::G, order, amount, currency(C::G), NOW)
            .unwrap();
    }
    SimTransport::new(sim, NOW)
}

fn currency(g: GatewayId) -> &'static str {
    match g {
        GatewayId::OttPay => "CAD",
        GatewayId::ScanForPay => "HKD",
        GatewayId::PayerMax => "USD",
        GatewayId::NewPay => "LAK",
    }
}

const SIGNED: Trust = Trust {
    authenticated: true,
    bound: true,
};

/// The definite status a client reads after the refund settled: OTTPay's refund reply is
/// never definite (its code is outside `md5`), so every case is confirmed with a query.
fn settled<C: Client>(c: &C, t: &dyn Sender, order: &str, no: &str) -> Seen {
    let r = c.query(t, order, no).unwrap();
    c.decode_query(&r, no).unwrap()
}

fn refunds<C: Client>(t: &SimTransport, order: &str) -> Vec<(String, u64)> {
    t.simulator()
        .refunds(C::G, order)
        .into_iter()
        .map(|r| (r.refund_no, r.amount))
        .collect()
}

fn full_refund<C: Client>(c: &C) {
    let t = setup::<C>();
    let r = c.refund(&t, "ORD-1", "RF-1", 10_000).unwrap();
    let got = c.decode_refund(&r, "RF-1").unwrap();
    assert!(matches!(got, Seen::Accepted(..)), "{got:?}");
    assert_eq!(
        settled(c, &t, "ORD-1", "RF-1"),
        Seen::Accepted(RefundStatus::Succeeded, SIGNED)
    );
    assert_eq!(refunds::<C>(&t, "ORD-1"), [("RF-1".to_owned(), 10_000)]);
}

fn two_partials_then_over_refund<C: Client>(c: &C) {
    let t = setup::<C>();
    for (no, amount) in [("RF-1", 4_000), ("RF-2", 6_000)] {
        let r = c.refund(&t, "ORD-1", no, amount).unwrap();
        assert!(matches!(
            c.decode_refund(&r, no).unwrap(),
            Seen::Accepted(..)
        ));
        t.advance(1);
    }
    let r = c.refund(&t, "ORD-1", "RF-3", 1).unwrap();
    assert_eq!(
        c.decode_refund(&r, "RF-3").unwrap(),
        Seen::Refused(C::CODES[0].into())
    );
    assert_eq!(refunds::<C>(&t, "ORD-1").len(), 2);
    // The other order is untouched, and one over its amount is refused at once.
    let r = c.refund(&t, "ORD-2", "RF-4", 10_001).unwrap();
    assert_eq!(
        c.decode_refund(&r, "RF-4").unwrap(),
        Seen::Refused(C::CODES[0].into())
    );
}

fn duplicate_number<C: Client>(c: &C) {
    let t = setup::<C>();
    let first = c.refund(&t, "ORD-1", "RF-1", 3_000).unwrap();
    let first = c.decode_refund(&first, "RF-1").unwrap();
    let again = c.refund(&t, "ORD-1", "RF-1", 3_000).unwrap();
    let again = c.decode_refund(&again, "RF-1").unwrap();
    if C::SAME_AMOUNT_IS_SAME_REFUND {
        assert_eq!(again, first);
    } else {
        assert_eq!(again, Seen::Refused(C::CODES[1].into()));
    }
    let other = c.refund(&t, "ORD-1", "RF-1", 2_000).unwrap();
    assert_eq!(
        c.decode_refund(&other, "RF-1").unwrap(),
        Seen::Refused(C::CODES[1].into())
    );
    assert_eq!(refunds::<C>(&t, "ORD-1"), [("RF-1".to_owned(), 3_000)]);
}

fn pending_then_succeeded<C: Client>(c: &C) {
    let t = setup::<C>();
    let fault = Fault {
        pending_ms: Some(5_000),
        ..Fault::default()
    };
    t.simulator().set_fault(C::G, "RF-1", fault);
    let r = c.refund(&t, "ORD-1", "RF-1", 10_000).unwrap();
    let got = c.decode_refund(&r, "RF-1").unwrap();
    assert!(
        matches!(got, Seen::Accepted(RefundStatus::Pending, _)),
        "{got:?}"
    );
    let pending = settled(c, &t, "ORD-1", "RF-1");
    assert!(
        !matches!(pending, Seen::Accepted(RefundStatus::Succeeded, _)),
        "{pending:?}"
    );
    t.advance(5_000);
    assert_eq!(
        settled(c, &t, "ORD-1", "RF-1"),
        Seen::Accepted(RefundStatus::Succeeded, SIGNED)
    );
}

fn bad_signatures<C: Client>(c: &C) {
    let t = setup::<C>();
    // An answer signed with another key is refused by the client.
    let fault = Fault {
        answer: Some(AnswerFault::BadSignature),
        times: 1,
        ..Fault::default()
    };
    t.simulator().set_fault(C::G, "RF-1", fault);
    let r = c.refund(&t, "ORD-1", "RF-1", 1_000).unwrap();
    assert!(c.decode_refund(&r, "RF-1").is_err());
    // The next answer is good again (the fault was for one answer).
    assert_eq!(
        settled(c, &t, "ORD-1", "RF-1"),
        Seen::Accepted(RefundStatus::Succeeded, SIGNED)
    );
}

fn unknown_order<C: Client>(c: &C) {
    let t = setup::<C>();
    let r = c.refund(&t, "ORD-404", "RF-1", 1_000).unwrap();
    assert_eq!(
        c.decode_refund(&r, "RF-1").unwrap(),
        Seen::Refused(C::CODES[3].into())
    );
    assert!(refunds::<C>(&t, "ORD-404").is_empty());
}

fn lost_after_commit<C: Client>(c: &C) {
    let t = setup::<C>();
    let fault = Fault {
        answer: Some(AnswerFault::LostAfterCommit),
        times: 1,
        ..Fault::default()
    };
    t.simulator().set_fault(C::G, "RF-1", fault);
    assert_eq!(
        c.refund(&t, "ORD-1", "RF-1", 2_500).unwrap_err(),
        SimError::MaybeSent { committed: true }
    );
    // What a careful client does: query before resending. Exactly one refund exists.
    assert_eq!(
        settled(c, &t, "ORD-1", "RF-1"),
        Seen::Accepted(RefundStatus::Succeeded, SIGNED)
    );
    assert_eq!(refunds::<C>(&t, "ORD-1"), [("RF-1".to_owned(), 2_500)]);
    // A timeout and a reset carry nothing out.
    for (answer, error) in [
        (
            AnswerFault::Timeout,
            SimError::MaybeSent { committed: false },
        ),
        (AnswerFault::Reset, SimError::NotSent),
    ] {
        let fault = Fault {
            answer: Some(answer),
            times: 1,
            ..Fault::default()
        };
        t.simulator().set_fault(C::G, "RF-2", fault);
        assert_eq!(c.refund(&t, "ORD-1", "RF-2", 100).unwrap_err(), error);
        assert_eq!(refunds::<C>(&t, "ORD-1").len(), 1);
    }
    // A slow answer comes, late.
    let fault = Fault {
        answer: Some(AnswerFault::Slow { delay_ms: 7_000 }),
        times: 1,
        ..Fault::default()
    };
    t.simulator().set_fault(C::G, "RF-2", fault);
    let before = t.now_ms();
    let r = c.refund(&t, "ORD-1", "RF-2", 100).unwrap();
    assert!(matches!(
        c.decode_refund(&r, "RF-2").unwrap(),
        Seen::Accepted(..)
    ));
    assert_eq!(t.now_ms() - before, 7_000);
}

macro_rules! scenarios {
    ($module:ident, $client:expr) => {
        mod $module {
            use super::*;
            #[test]
            fn full_refund() {
                super::full_refund(&$client);
            }
            #[test]
            fn two_partial_refunds_then_over_refund_refused() {
                super::two_partials_then_over_refund(&$client);
            }
            #[test]
            fn duplicate_refund_number() {
                super::duplicate_number(&$client);
            }
            #[test]
            fn pending_then_succeeded() {
                super::pending_then_succeeded(&$client);
            }
            #[test]
            fn bad_signature_on_the_answer_is_refused() {
                super::bad_signatures(&$client);
            }
            #[test]
            fn unknown_order_is_refused() {
                super::unknown_order(&$client);
            }
            #[test]
            fn lost_answer_timeout_reset_slow() {
                super::lost_after_commit(&$client);
            }
        }
    };
}

scenarios!(ottpay_sim, Ott::new());
scenarios!(scanforpay_sim, Sfp::new());
scenarios!(payermax_sim, Pmx::new());
scenarios!(newpay_sim, Npy::new());

// --- Tampered requests --------------------------------------------------------------------

fn refuse_tampered(g: GatewayId, path: &str, mut request: http::Request<Vec<u8>>, code: &str) {
    let sim = Simulator::builtin().unwrap();
    sim.add_order(g, "ORD-1", 10_000, currency(g), NOW).unwrap();
    // Change one digit of the amount in the body: whatever signs it no longer matches.
    let body = request.body_mut();
    let at = body
        .windows(4)
        .position(|w| w == b"1234")
        .expect("the amount 1234 is in the body");
    body[at] = b'9';
    *request.uri_mut() = format!("{BASE}{path}").parse().unwrap();
    let t = SimTransport::new(Arc::new(sim), NOW);
    let response = t.send(request).unwrap();
    let text = String::from_utf8_lossy(response.body()).into_owned();
    assert!(text.contains(code), "{g:?}: {text}");
    assert!(t.simulator().refunds(g, "ORD-1").is_empty());
}

#[test]
fn tampered_refund_requests_are_refused() {
    // ScanForPay: the amount is a JSON number inside the signed `request`.
    let sfp = Sfp::new();
    let header = scanforpay::RequestHeader::new(Timestamp::new(NOW as i64, 480).unwrap(), "id-1");
    let r = scanforpay::RefundRequest {
        partner_order_no: "ORD-1",
        refund_no: "RF-1",
        order_amount: 1234,
        operator_id: None,
        terminal_no: None,
    };
    let mut buf = [0u8; scanforpay::REQUEST_MAX];
    let body = scanforpay::encode_refund(&sfp.creds(), &header, &r, &mut buf).unwrap();
    refuse_tampered(
        GatewayId::ScanForPay,
        scanforpay::ENDPOINTS.refund_path,
        post("/", body.to_vec()),
        r#""code":8"#,
    );
    // PayerMax: the body under the `sign` header.
    let pmx = Pmx::new();
    let env = payermax::Envelope::new(Timestamp::utc(NOW as i64).unwrap());
    let req = payermax::RefundRequest {
        out_refund_no: "RF-1",
        out_trade_no: "ORD-1",
        refund_amount: Money::new(123_400, Currency::from_code("USD").unwrap()),
        comments: None,
        refund_notify_url: None,
    };
    let (mut body, mut sign) = ([0u8; 4096], [0u8; payermax::SIGN_MAX]);
    let s =
        payermax::encode_refund(&pmx.creds(), &env, &req, &pmx.key, &mut body, &mut sign).unwrap();
    let mut request = post("/", s.body.to_vec());
    request
        .headers_mut()
        .insert(payermax::SIGN_HEADER, s.sign.parse().unwrap());
    refuse_tampered(
        GatewayId::PayerMax,
        payermax::ENDPOINTS.refund_path,
        request,
        "SIGN_VERIFY_FAILED",
    );
    // NewPay: the top-level `sign`.
    let npy = Npy::new();
    let req = newpay::RefundRequest {
        refund_order_amt: 1234,
        order_no: "ORD-1",
        refund_order_no: "RF-1",
        refund_desc: "",
        call_back_url: "",
    };
    let mut buf = [0u8; newpay::REFUND_BODY_MAX];
    let body = newpay::encode_refund(&npy.creds(), &npy.key, &req, NOW, &mut buf).unwrap();
    refuse_tampered(
        GatewayId::NewPay,
        newpay::ENDPOINTS.refund_path,
        post("/", body.to_vec()),
        r#""code":"Z00007""#,
    );
    // OTTPay: the amount is encrypted; a changed md5 digit derives another key.
    let ott = Ott::new();
    let req = ottpay::RefundRequest {
        order_id: Some("RF-1"),
        ori_order_id: "ORD-1",
        refund_amt: 1234,
    };
    let mut buf = [0u8; ottpay::REFUND_BODY_MAX];
    let mut body = ottpay::encode_refund(&ott.creds(), &req, &mut buf)
        .unwrap()
        .to_vec();
    let md5 = body.windows(7).position(|w| w == br#""md5":""#).unwrap() + 7;
    body[md5] = if body[md5] == b'0' { b'1' } else { b'0' };
    let sim = Simulator::builtin().unwrap();
    sim.add_order(GatewayId::OttPay, "ORD-1", 10_000, "CAD", NOW)
        .unwrap();
    let t = SimTransport::new(Arc::new(sim), NOW);
    let response = t.send(post(ottpay::ENDPOINTS.refund_path, body)).unwrap();
    let mut reply = response.body().clone();
    let got = ottpay::decode_refund(&ott.creds(), &mut reply, "RF-1").unwrap();
    assert_eq!(got.refused().unwrap().code, ottpay::RspCode::Fail);
    assert!(t.simulator().refunds(GatewayId::OttPay, "ORD-1").is_empty());
}

// --- Notifications and callbacks ----------------------------------------------------------

fn verify_payermax(
    d: &refundwire_std::sandbox::Delivery,
    platform: &dyn RsaVerifier,
) -> Result<(RefundStatus, bool), refundwire::Error> {
    let pmx = Pmx::new();
    let sign = d
        .request
        .headers()
        .get(payermax::SIGN_HEADER)
        .map(|v| v.as_bytes());
    let n = payermax::decode_refund_notification(&pmx.creds(), platform, sign, d.request.body())?
        .accepted()
        .unwrap();
    Ok((n.status(), n.is_for(&d.refund_no)?))
}

#[test]
fn payermax_notifications_are_delivered_verified_and_stop_when_acknowledged() {
    let pmx = Pmx::new();
    let t = setup::<Pmx>();
    let r = pmx.refund(&t, "ORD-1", "RF-1", 5_000).unwrap();
    assert!(matches!(
        pmx.decode_refund(&r, "RF-1").unwrap(),
        Seen::Accepted(..)
    ));
    let sim = t.simulator();
    let first = sim.poll_notifications(NOW);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].url, "http://merchant.invalid/payermax/notify");
    assert_eq!(first[0].request.method(), http::Method::POST);
    assert_eq!(
        verify_payermax(&first[0], &pmx.platform).unwrap(),
        (RefundStatus::Succeeded, true)
    );
    // Not acknowledged: re-sent 30 s / 1000 later.
    assert!(sim.poll_notifications(NOW + 29).is_empty());
    let again = sim.poll_notifications(NOW + 30);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempt, 1);
    assert_eq!(again[0].id, first[0].id);
    let ack = http::Response::new(payermax::NOTIFICATION_ACK.to_vec());
    assert!(sim.acknowledge(&again[0], &ack));
    assert!(sim.poll_notifications(NOW + 100_000_000).is_empty());
}

#[test]
fn payermax_notification_faults() {
    let pmx = Pmx::new();
    let t = setup::<Pmx>();
    let sim = t.simulator().clone();
    for (key, count, late_ms, bad_signature) in [
        ("RF-BAD", 1, 0, true),
        ("RF-LATE", 3, 500, false),
        ("RF-NONE", 0, 0, false),
    ] {
        let notify = NotifyFault {
            count: Some(count),
            late_ms,
            bad_signature,
        };
        let fault = Fault {
            notify,
            ..Fault::default()
        };
        sim.set_fault(GatewayId::PayerMax, key, fault);
    }
    for (no, amount) in [
        ("RF-LATE", 100),
        ("RF-BAD", 200),
        ("RF-NONE", 300),
        ("RF-ON-TIME", 400),
    ] {
        pmx.refund(&t, "ORD-1", no, amount).unwrap();
    }
    let now = sim.poll_notifications(NOW);
    let names: Vec<&str> = now.iter().map(|d| d.refund_no.as_str()).collect();
    assert_eq!(names, ["RF-BAD", "RF-ON-TIME"]);
    assert!(verify_payermax(&now[0], &pmx.platform).is_err());
    assert!(verify_payermax(&now[1], &pmx.platform).is_ok());
    // The late one overtakes nothing until its time, then comes three times whatever the
    // answer (duplicates), later than the one refunded after it: out of order.
    let late: Vec<_> = (0..200)
        .flat_map(|step| sim.poll_notifications(NOW + 500 + step * 1_000))
        .filter(|d| d.refund_no == "RF-LATE")
        .collect();
    assert_eq!(late.len(), 3);
    for d in &late {
        assert_eq!(
            verify_payermax(d, &pmx.platform).unwrap(),
            (RefundStatus::Succeeded, true)
        );
        let ack = http::Response::new(payermax::NOTIFICATION_ACK.to_vec());
        sim.acknowledge(d, &ack);
    }
}

#[test]
fn newpay_callbacks_are_delivered_and_verified() {
    let npy = Npy::new();
    let t = setup::<Npy>();
    t.simulator().set_fault(
        GatewayId::NewPay,
        "RF-1",
        Fault {
            pending_ms: Some(2_000),
            ..Fault::default()
        },
    );
    let r = npy.refund(&t, "ORD-1", "RF-1", 5_000).unwrap();
    assert_eq!(
        npy.decode_refund(&r, "RF-1").unwrap(),
        Seen::Accepted(RefundStatus::Pending, SIGNED)
    );
    let sim = t.simulator();
    assert!(sim.poll_notifications(NOW + 1_999).is_empty());
    let due = sim.poll_notifications(NOW + 2_000);
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].url, npy.callback);
    let mut scratch = vec![0u8; due[0].request.body().len()];
    let cb = newpay::decode_refund_callback(
        &npy.creds(),
        &npy.platform,
        due[0].request.body(),
        &mut scratch,
    )
    .unwrap();
    assert_eq!(cb.status(), RefundStatus::Succeeded);
    assert_eq!(cb.refund_order_no, "RF-1");
    assert_eq!(cb.amount_units().unwrap(), 5_000);
    // Unacknowledged, NewPay calls back every 5 minutes (here 300 ms), 3 more times.
    let later: usize = (1..=10)
        .map(|i| sim.poll_notifications(NOW + 2_000 + i * 300).len())
        .sum();
    assert_eq!(later, 3);
}

// --- Over loopback HTTP -------------------------------------------------------------------

#[cfg(feature = "sandbox-serve")]
mod loopback {
    use super::*;
    use refundwire_std::sandbox::Server;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    /// A client over real HTTP (ureq) to a served simulator.
    struct Http {
        base: String,
        agent: ureq::Agent,
    }

    impl Http {
        fn new(server: &Server) -> Http {
            Http {
                base: format!("http://{}", server.addr()),
                agent: ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(5)))
                    .build()
                    .into(),
            }
        }

        fn admin(&self, path: &str, json: serde_json::Value) -> serde_json::Value {
            let request = http::Request::post(format!("{}{path}", self.base))
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&json).unwrap())
                .unwrap();
            let mut response = self.agent.run(request).unwrap();
            assert_eq!(response.status(), 201, "{path} {json}");
            serde_json::from_slice(&response.body_mut().read_to_vec().unwrap()).unwrap()
        }

        fn get(&self, path: &str) -> serde_json::Value {
            let mut response = self
                .agent
                .get(format!("{}{path}", self.base))
                .call()
                .unwrap();
            serde_json::from_slice(&response.body_mut().read_to_vec().unwrap()).unwrap()
        }
    }

    impl Sender for Http {
        fn send(&self, request: http::Request<Vec<u8>>) -> Result<Resp, SimError> {
            let (mut parts, body) = request.into_parts();
            parts.uri = format!("{}{}", self.base, parts.uri.path())
                .parse()
                .unwrap();
            let mut response = self
                .agent
                .run(http::Request::from_parts(parts, body))
                .map_err(|_| SimError::MaybeSent { committed: false })?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response
                .body_mut()
                .read_to_vec()
                .map_err(|_| SimError::MaybeSent { committed: false })?;
            let mut out = http::Response::new(body);
            *out.status_mut() = status;
            *out.headers_mut() = headers;
            Ok(out)
        }
        fn now_ms(&self) -> u64 {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as u64
        }
    }

    /// What a merchant's endpoint received: headers and body of each POST.
    type Received = Arc<Mutex<Vec<(http::HeaderMap, Vec<u8>)>>>;

    /// A merchant's notification endpoint: records every POST (headers, body) and answers
    /// with `ack`.
    struct Receiver {
        url: String,
        got: Received,
    }

    impl Receiver {
        fn start(ack: &'static [u8]) -> Receiver {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let url = format!(
                "http://{}/notify?shop=1&x=2",
                listener.local_addr().unwrap()
            );
            let got = Arc::new(Mutex::new(Vec::new()));
            let store = got.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    let Ok(mut stream) = stream else { continue };
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut headers = http::HeaderMap::new();
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    loop {
                        line.clear();
                        reader.read_line(&mut line).unwrap();
                        let Some((name, value)) = line.trim_end().split_once(':') else {
                            break;
                        };
                        headers.insert(
                            http::HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
                            value.trim().parse().unwrap(),
                        );
                    }
                    let len: usize = headers["content-length"].to_str().unwrap().parse().unwrap();
                    let mut body = vec![0u8; len];
                    reader.read_exact(&mut body).unwrap();
                    store.lock().unwrap().push((headers, body));
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        ack.len()
                    );
                    let _ = stream.write_all(ack);
                }
            });
            Receiver { url, got }
        }

        /// Waits up to 5 s for `n` deliveries, then lets 300 ms pass for any extra one.
        fn wait(&self, n: usize) -> Vec<(http::HeaderMap, Vec<u8>)> {
            let start = Instant::now();
            while self.got.lock().unwrap().len() < n && start.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(10));
            }
            std::thread::sleep(Duration::from_millis(300));
            self.got.lock().unwrap().clone()
        }
    }

    fn scenario<C: Client>(c: &C, h: &Http) {
        let g = C::G.name();
        for order in ["ORD-1", "ORD-2", "ORD-3"] {
            let made = h.admin(
                "/sandbox/orders",
                serde_json::json!({"gateway": g, "order_no": order, "amount": 10_000, "currency": currency(C::G)}),
            );
            assert_eq!(made["order_no"], order);
        }
        // Two partial refunds, then one over the paid amount.
        for (no, amount) in [("RF-1", 4_000), ("RF-2", 6_000)] {
            let r = c.refund(h, "ORD-1", no, amount).unwrap();
            assert!(
                matches!(c.decode_refund(&r, no).unwrap(), Seen::Accepted(..)),
                "{g}"
            );
            assert_eq!(
                settled(c, h, "ORD-1", no),
                Seen::Accepted(RefundStatus::Succeeded, SIGNED),
                "{g}"
            );
        }
        let r = c.refund(h, "ORD-1", "RF-3", 1).unwrap();
        assert_eq!(
            c.decode_refund(&r, "RF-3").unwrap(),
            Seen::Refused(C::CODES[0].into())
        );
        // A full refund, repeated: the same refund, or the duplicate code (NewPay).
        let first = c.refund(h, "ORD-2", "RF-4", 10_000).unwrap();
        let first = c.decode_refund(&first, "RF-4").unwrap();
        let again = c.refund(h, "ORD-2", "RF-4", 10_000).unwrap();
        let again = c.decode_refund(&again, "RF-4").unwrap();
        if C::SAME_AMOUNT_IS_SAME_REFUND {
            assert_eq!(again, first, "{g}");
        } else {
            assert_eq!(again, Seen::Refused(C::CODES[1].into()), "{g}");
        }
        let r = c.refund(h, "ORD-404", "RF-5", 1).unwrap();
        assert_eq!(
            c.decode_refund(&r, "RF-5").unwrap(),
            Seen::Refused(C::CODES[3].into())
        );
        // A bad signature on the answer is refused; the answer lost after commit leaves one
        // refund, which a query confirms.
        h.admin(
            "/sandbox/faults",
            serde_json::json!({"gateway": g, "key": "RF-6", "answer": "bad_signature"}),
        );
        let r = c.refund(h, "ORD-3", "RF-6", 1_000).unwrap();
        assert!(c.decode_refund(&r, "RF-6").is_err(), "{g}");
        h.admin(
            "/sandbox/faults",
            serde_json::json!({"gateway": g, "key": "RF-7", "answer": "lost_after_commit"}),
        );
        assert!(c.refund(h, "ORD-3", "RF-7", 2_000).is_err(), "{g}");
        assert_eq!(
            settled(c, h, "ORD-3", "RF-7"),
            Seen::Accepted(RefundStatus::Succeeded, SIGNED),
            "{g}"
        );
        // Pending, then succeeded.
        h.admin(
            "/sandbox/faults",
            serde_json::json!({"gateway": g, "key": "RF-8", "pending_ms": 400}),
        );
        let r = c.refund(h, "ORD-3", "RF-8", 3_000).unwrap();
        assert!(
            matches!(
                c.decode_refund(&r, "RF-8").unwrap(),
                Seen::Accepted(RefundStatus::Pending, _)
            ),
            "{g}"
        );
        std::thread::sleep(Duration::from_millis(450));
        assert_eq!(
            settled(c, h, "ORD-3", "RF-8"),
            Seen::Accepted(RefundStatus::Succeeded, SIGNED),
            "{g}"
        );
        let state = h.get(&format!("/sandbox/orders/{g}/ORD-3"));
        let refunds: Vec<_> = state["refunds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["refund_no"].as_str().unwrap().to_owned(),
                    r["state"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let expect: Vec<(String, String)> = ["RF-6", "RF-7", "RF-8"]
            .iter()
            .map(|n| ((*n).to_owned(), "succeeded".to_owned()))
            .collect();
        assert_eq!(refunds, expect, "{g}");
    }

    #[test]
    fn timeouts_and_resets_over_http_and_a_prompt_stop() {
        let server = Server::start(
            "127.0.0.1:0".parse().unwrap(),
            Arc::new(Simulator::builtin().unwrap()),
        )
        .unwrap();
        let mut h = Http::new(&server);
        h.agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_millis(300)))
            .build()
            .into();
        let c = Sfp::new();
        h.admin(
            "/sandbox/orders",
            serde_json::json!({"gateway": "scanforpay", "order_no": "ORD-1", "amount": 100, "currency": "HKD"}),
        );
        for (key, answer) in [("RF-T", "timeout"), ("RF-R", "reset")] {
            h.admin(
                "/sandbox/faults",
                serde_json::json!({"gateway": "scanforpay", "key": key, "answer": answer}),
            );
            let started = Instant::now();
            assert!(c.refund(&h, "ORD-1", key, 10).is_err(), "{answer}");
            assert!(started.elapsed() < Duration::from_secs(3), "{answer}");
        }
        let state = h.get("/sandbox/orders/scanforpay/ORD-1");
        assert_eq!(state["refunds"], serde_json::json!([]));
        let started = Instant::now();
        server.stop();
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn every_gateway_over_loopback_http() {
        let server = Server::start(
            "127.0.0.1:0".parse().unwrap(),
            Arc::new(Simulator::builtin().unwrap()),
        )
        .unwrap();
        let h = Http::new(&server);
        scenario(&Ott::new(), &h);
        scenario(&Sfp::new(), &h);

        let payermax_receiver = Receiver::start(payermax::NOTIFICATION_ACK);
        let mut pmx = Pmx::new();
        pmx.notify_url = Some(payermax_receiver.url.clone());
        scenario(&pmx, &h);
        let newpay_receiver = Receiver::start(newpay::CALLBACK_ACK);
        let mut npy = Npy::new();
        npy.callback = newpay_receiver.url.clone();
        scenario(&npy, &h);

        // Every refund that was made is notified once: verified, acknowledged, not re-sent.
        let made = ["RF-1", "RF-2", "RF-4", "RF-6", "RF-7", "RF-8"];
        let got = payermax_receiver.wait(made.len());
        let mut seen: Vec<String> = got
            .iter()
            .map(|(headers, body)| {
                let sign = headers.get(payermax::SIGN_HEADER).map(|v| v.as_bytes());
                let n =
                    payermax::decode_refund_notification(&pmx.creds(), &pmx.platform, sign, body)
                        .unwrap()
                        .accepted()
                        .unwrap();
                assert_eq!(n.status(), RefundStatus::Succeeded);
                n.refund.out_refund_no.to_string()
            })
            .collect();
        seen.sort();
        assert_eq!(seen, made);
        let got = newpay_receiver.wait(made.len());
        let mut seen: Vec<String> = got
            .iter()
            .map(|(_, body)| {
                let mut scratch = vec![0u8; body.len()];
                let cb =
                    newpay::decode_refund_callback(&npy.creds(), &npy.platform, body, &mut scratch)
                        .unwrap();
                assert_eq!(cb.status(), RefundStatus::Succeeded);
                cb.refund_order_no.to_string()
            })
            .collect();
        seen.sort();
        assert_eq!(seen, made);
        server.stop();
    }
}

// --- Configuration and the sandbox's own endpoints ----------------------------------------

#[test]
fn a_config_file_replaces_credentials_and_keys() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sandbox-config");
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    for name in ["newpay_merchant.pub.pem", "newpay_platform.pem"] {
        std::fs::write(dir.join("keys").join(name), key_file(name)).unwrap();
    }
    let file = dir.join("sandbox.json");
    std::fs::write(
        &file,
        r#"{"scanforpay": {"partner_no": "P-9", "sign_key": "k9"},
            "newpay": {"app_id": "A-9", "merchant_id": "M-9",
                       "merchant_public_key_file": "keys/newpay_merchant.pub.pem",
                       "platform_private_key_file": "keys/newpay_platform.pem"},
            "pending_ms": 250}"#,
    )
    .unwrap();
    let config = refundwire_std::sandbox::Config::from_file(&file).unwrap();
    assert_eq!(config.scanforpay.partner_no, "P-9");
    assert_eq!(config.newpay.app_id, "A-9");
    assert_eq!(config.pending_ms, 250);
    assert_eq!(config.ottpay.merchant_id, cred("ottpay", "merchant_id"));
    let shown = config.describe();
    assert!(!shown.contains("k9"), "{shown}");
    assert!(!shown.contains("PRIVATE"), "{shown}");
    // A refund under the file's credentials settles after its pending_ms.
    let sim = Arc::new(Simulator::new(config));
    sim.add_order(GatewayId::ScanForPay, "ORD-1", 100, "HKD", NOW)
        .unwrap();
    let t = SimTransport::new(sim, NOW);
    let c = Sfp {
        partner: "P-9".into(),
        key: "k9".into(),
    };
    let r = c.refund(&t, "ORD-1", "RF-1", 100).unwrap();
    assert_eq!(
        c.decode_refund(&r, "RF-1").unwrap(),
        Seen::Accepted(RefundStatus::Pending, SIGNED)
    );
    // The built-in key is no longer the sandbox's.
    let builtin = Sfp::new();
    let r = builtin.refund(&t, "ORD-1", "RF-2", 1).unwrap();
    assert!(builtin.decode_refund(&r, "RF-2").is_err());
    std::fs::write(&file, r#"{"ottpay": {"merchant_id": "x"}}"#).unwrap();
    assert!(refundwire_std::sandbox::Config::from_file(&file).is_err());
}

#[test]
fn the_sandbox_endpoints_refuse_what_they_cannot_do() {
    let t = SimTransport::new(Arc::new(Simulator::builtin().unwrap()), NOW);
    let call = |method: &str, path: &str, body: &str| {
        let request = http::Request::builder()
            .method(method)
            .uri(format!("{BASE}{path}"))
            .body(body.as_bytes().to_vec())
            .unwrap();
        let response = t.send(request).unwrap();
        (
            response.status().as_u16(),
            String::from_utf8(response.into_body()).unwrap(),
        )
    };
    let order = r#"{"gateway":"newpay","order_no":"O1","amount":5,"currency":"LAK"}"#;
    let (status, body) = call("POST", "/sandbox/orders", order);
    assert_eq!(status, 201, "{body}");
    assert!(body.contains(r#""gateway_order_no":"NPYO"#), "{body}");
    assert_eq!(call("POST", "/sandbox/orders", order).0, 400);
    let wrong = [
        r#"{"gateway":"paypal","order_no":"O1","amount":5,"currency":"LAK"}"#,
        r#"{"gateway":"newpay","order_no":"O2","amount":5,"currency":"XXX"}"#,
        r#"{"gateway":"newpay","order_no":"O3","amount":0,"currency":"LAK"}"#,
        r#"{"gateway":"newpay","order_no":"O4","amount":5}"#,
    ];
    for body in wrong {
        assert_eq!(call("POST", "/sandbox/orders", body).0, 400, "{body}");
    }
    assert_eq!(
        call(
            "POST",
            "/sandbox/faults",
            r#"{"gateway":"newpay","key":"O1","answer":"explode"}"#
        )
        .0,
        400
    );
    assert_eq!(
        call(
            "POST",
            "/sandbox/faults",
            r#"{"gateway":"newpay","key":"O1","answer":"slow","delay_ms":5}"#
        )
        .0,
        201
    );
    assert_eq!(call("GET", "/sandbox/orders/newpay/O9", "").0, 404);
    let (status, body) = call("GET", "/sandbox/orders/newpay/O1", "");
    assert_eq!(
        (status, body.contains(r#""refunds":[]"#)),
        (200, true),
        "{body}"
    );
    assert_eq!(call("GET", newpay::ENDPOINTS.refund_path, "").0, 405);
    assert_eq!(call("POST", "/somewhere", "").0, 404);
    // Garbage on a gateway path is the gateway's own refusal, not a crash.
    let (status, body) = call("POST", newpay::ENDPOINTS.refund_path, "{");
    assert_eq!(status, 200);
    assert!(body.contains(r#""success":false"#), "{body}");
}

// --- The vectors' requests, read by the gateway side --------------------------------------

fn case(gateway: &str, name: &str) -> serde_json::Value {
    vectors(gateway)["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == name)
        .unwrap()
        .clone()
}

/// Every request of `tests/vectors/` (made with OpenSSL / Python, not with this code) is
/// accepted by the core's gateway side with the merchant's credentials, and names what the
/// vector says; a body changed by one byte is refused.
#[test]
fn vector_requests_are_accepted_by_the_gateway_side() {
    use refundwire::gateway::newpay::server as np;
    use refundwire::gateway::ottpay::server as ott;
    use refundwire::gateway::payermax::server as pmx;
    use refundwire::gateway::scanforpay::server as sfp;

    let o = Ott::new();
    for name in [
        "refund_request",
        "refund_request_with_order_id",
        "refund_status_query_request",
    ] {
        let c = case("ottpay", name);
        let mut body = c["body"].as_str().unwrap().as_bytes().to_vec();
        let got = ott::decode_request(&o.creds(), &mut body).unwrap();
        match (got, c["action"].as_str().unwrap()) {
            (ott::Request::Refund(r), "REFUND") => {
                assert_eq!(r.ori_order_id, c["data"]["ori_order_id"].as_str().unwrap());
                assert_eq!(
                    r.refund_amt.to_string(),
                    c["data"]["refund_amt"].as_str().unwrap()
                );
            }
            (ott::Request::RefundStatusQuery(q), "REFUND_STATUS_QUERY") => {
                assert_eq!(q.order_id, c["data"]["order_id"].as_str().unwrap());
            }
            (_, action) => panic!("{name}: not read as {action}"),
        }
    }

    let s = Sfp::new();
    for name in ["refund_request", "refund_request_minimal"] {
        let c = case("scanforpay", name);
        let body = c["body"].as_str().unwrap();
        let got = sfp::decode_refund_request(&s.creds(), body.as_bytes()).unwrap();
        assert_eq!(
            got.refund_no,
            c["body_fields"]["refundNo"].as_str().unwrap()
        );
        assert_eq!(
            got.order_amount,
            c["body_fields"]["orderAmount"].as_u64().unwrap()
        );
        let tampered = body.replacen("\"refundNo\":\"", "\"refundNo\":\"9", 1);
        assert!(sfp::decode_refund_request(&s.creds(), tampered.as_bytes()).is_err());
    }

    let p = Pmx::new();
    let merchant = RsaPublicKey::from_any(&key_file("payermax_merchant.pub.pem")).unwrap();
    for (name, api) in [
        ("refund_query_request", pmx::Api::RefundQuery),
        ("refund_request_usd", pmx::Api::Refund),
        ("refund_request_idr", pmx::Api::Refund),
    ] {
        let c = case("payermax", name);
        let (body, sign) = (c["body"].as_str().unwrap(), c["sign"].as_str().unwrap());
        let sent: serde_json::Value = serde_json::from_str(body).unwrap();
        let got = pmx::decode_request(
            &p.creds(),
            &merchant,
            api,
            Some(sign.as_bytes()),
            body.as_bytes(),
        )
        .unwrap();
        let out_refund_no = match got {
            pmx::Request::Refund(r) => r.out_refund_no.to_string(),
            pmx::Request::RefundQuery(q) => q.out_refund_no.unwrap().to_string(),
        };
        assert_eq!(out_refund_no, sent["data"]["outRefundNo"].as_str().unwrap());
        let tampered = body.replacen("\"outRefundNo\":\"", "\"outRefundNo\":\"9", 1);
        assert!(
            pmx::decode_request(
                &p.creds(),
                &merchant,
                api,
                Some(sign.as_bytes()),
                tampered.as_bytes()
            )
            .is_err()
        );
    }

    let n = Npy::new();
    let merchant = RsaPublicKey::from_any(&key_file("newpay_merchant.pub.pem")).unwrap();
    for name in ["inquiry_refund_request", "refund_request"] {
        let c = case("newpay", name);
        let body = c["body"].as_str().unwrap();
        let mut scratch = vec![0u8; body.len()];
        let no = if name == "refund_request" {
            let r = np::decode_refund_request(&n.creds(), &merchant, body.as_bytes(), &mut scratch)
                .unwrap();
            r.refund_order_no.to_string()
        } else {
            let q =
                np::decode_inquiry_request(&n.creds(), &merchant, body.as_bytes(), &mut scratch)
                    .unwrap();
            q.refund_order_no.to_string()
        };
        assert_eq!(no, c["fields"]["refundOrderNo"].as_str().unwrap());
        let tampered = body.replacen("\"refundOrderNo\":\"", "\"refundOrderNo\":\"9", 1);
        assert!(
            np::decode_inquiry_request(&n.creds(), &merchant, tampered.as_bytes(), &mut scratch)
                .is_err()
                && np::decode_refund_request(
                    &n.creds(),
                    &merchant,
                    tampered.as_bytes(),
                    &mut scratch
                )
                .is_err()
        );
    }
}
