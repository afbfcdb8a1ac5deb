//! Shared by the flow tests: one refund per gateway, and the gateway's answers to it — from
//! `tests/vectors/` where a vector fits, otherwise signed here with the gateway-side pieces
//! (ScanForPay's digest over the raw `response` bytes, the test platform keys of PayerMax and
//! NewPay), as the gateway would.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::cli_support::{case, vectors, vectors_dir};
use refundwire::crypto::SecretKey;
use refundwire::gateway::{newpay, payermax, scanforpay};
use refundwire::json::Object;
use refundwire::money::{Currency, Money};
use refundwire_std::registry::{self, Credentials};
use refundwire_std::rsa::RsaPrivateKey;
use refundwire_std::{Gateway, RefundRequest};

/// The four gateways.
pub const GATEWAYS: [&str; 4] = ["ottpay", "scanforpay", "payermax", "newpay"];

/// What the gateway answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The refund reply, accepted (definite where the gateway signs it; OTTPay's never is).
    RefundAccepted,
    /// A refund reply whose signature (or digest) does not verify.
    RefundBadSignature,
    /// A signed, bound status answer: the refund succeeded.
    QuerySucceeded,
    /// A status answer that is never definite (an unsigned refusal, or ScanForPay's "paid").
    QueryUnknown,
}

/// The account currency of the gateways whose requests carry none (OTTPay's is CAD).
pub fn account_currency(gateway: &str) -> Option<&'static str> {
    match gateway {
        "scanforpay" => Some("HKD"),
        "newpay" => Some("LAK"),
        _ => None,
    }
}

/// The gateway's vector credentials, with the account currency where requests carry none.
pub fn credentials(gateway: &str) -> Credentials {
    let mut credentials = vectors(gateway)["credentials"].clone();
    if let Some(currency) = account_currency(gateway) {
        credentials["currency"] = currency.into();
    }
    let text = credentials.to_string();
    Credentials::parse(text.as_bytes(), vectors_dir()).unwrap()
}

/// The gateway built from its vector credentials.
pub fn gateway(name: &str) -> Box<dyn Gateway> {
    registry::build(name, &credentials(name)).unwrap()
}

fn money(amount: &str, currency: &str) -> Money {
    Money::parse_decimal(amount, Currency::from_code(currency).unwrap()).unwrap()
}

/// The refund whose answers the vectors (and the builders below) hold.
pub fn refund(gateway: &str) -> RefundRequest {
    match gateway {
        "ottpay" => RefundRequest::new(
            "202080636083778353374068",
            "RF12415868344978",
            money("515.58", "CAD"),
        ),
        "scanforpay" => RefundRequest::new(
            "p95748906828836075983",
            "867565088995790",
            money("300.95", "HKD"),
        ),
        "payermax" => RefundRequest::new("P1642410680681", "R1642411016202", money("10000", "IDR")),
        "newpay" => RefundRequest::new(
            "ORDERNO000000000A104",
            "ORDERNORFD000000000A104",
            money("50000", "LAK"),
        ),
        other => panic!("no gateway {other}"),
    }
}

/// The same refund as `refundwire encode` fields (protocol member names).
pub fn refund_fields(gateway: &str) -> String {
    let r = refund(gateway);
    match gateway {
        "ottpay" => format!(
            r#"{{"order_id":"{}","ori_order_id":"{}","refund_amt":"{}"}}"#,
            r.refund_id, r.payment_id, r.amount.minor
        ),
        "scanforpay" => format!(
            r#"{{"partnerOrderNo":"{}","refundNo":"{}","orderAmount":{}}}"#,
            r.payment_id, r.refund_id, r.amount.minor
        ),
        "payermax" => format!(
            r#"{{"outRefundNo":"{}","outTradeNo":"{}","refundAmount":10000,"refundCurrency":"IDR"}}"#,
            r.refund_id, r.payment_id
        ),
        "newpay" => format!(
            r#"{{"refundOrderAmt":"50000","orderNo":"{}","refundOrderNo":"{}","refundDesc":"","callBackUrl":""}}"#,
            r.payment_id, r.refund_id
        ),
        other => panic!("no gateway {other}"),
    }
}

/// The status query fields of `refundwire refund-status` for that refund.
pub fn status_fields(gateway: &str) -> String {
    let r = refund(gateway);
    match gateway {
        "ottpay" => format!(r#"{{"order_id":"{}"}}"#, r.refund_id),
        "scanforpay" => format!(r#"{{"partnerOrderNo":"{}"}}"#, r.payment_id),
        "payermax" => format!(r#"{{"outRefundNo":"{}"}}"#, r.refund_id),
        "newpay" => format!(r#"{{"refundOrderNo":"{}"}}"#, r.refund_id),
        other => panic!("no gateway {other}"),
    }
}

/// Whether `request` is a refund (rather than a status query).
pub fn is_refund(gateway: &str, method_path: &str, body: &[u8]) -> bool {
    match gateway {
        // One endpoint: the action names it.
        "ottpay" => body.starts_with(br#"{"action":"REFUND","#),
        "scanforpay" => method_path.ends_with(scanforpay::ENDPOINTS.refund_path),
        "payermax" => method_path.ends_with(payermax::ENDPOINTS.refund_path),
        "newpay" => method_path.ends_with(newpay::ENDPOINTS.refund_path),
        other => panic!("no gateway {other}"),
    }
}

/// A vector answer: its body and, for PayerMax, its `sign` header.
fn vector(gateway: &str, name: &str) -> (Vec<u8>, Option<String>) {
    let c = case(gateway, name);
    let body = c["body"].as_str().unwrap().as_bytes().to_vec();
    let sign = c.get("sign").and_then(|s| s.as_str()).map(str::to_owned);
    (body, sign)
}

fn platform_key(gateway: &str) -> RsaPrivateKey {
    let pem = std::fs::read(vectors_dir().join(format!("keys/{gateway}_platform.pem"))).unwrap();
    RsaPrivateKey::from_any(&pem).unwrap()
}

fn base64_signature(key: &RsaPrivateKey, message: &[u8]) -> String {
    let mut out = [0u8; refundwire::crypto::RSA_SIGNATURE_BASE64_MAX];
    refundwire::crypto::rsa_sign_base64(key, message, &mut out)
        .unwrap()
        .to_owned()
}

/// A PayerMax `refund` reply for the refund, signed with the test platform key.
fn payermax_refund_pending() -> (Vec<u8>, Option<String>) {
    let body = br#"{"code":"APPLY_SUCCESS","msg":"","data":{"outRefundNo":"R1642411016202","tradeOrderNo":"T1642410680681","refundTradeNo":"RT1642411016202","status":"REFUND_PENDING"}}"#;
    let sign = base64_signature(&platform_key("payermax"), body);
    (body.to_vec(), Some(sign))
}

/// A NewPay refund reply (`tranStatus` 1) for the refund, `data.sign` made with the test
/// platform key over NewPay's string-to-sign; `tamper` changes the amount after signing.
fn newpay_refund(tamper: bool) -> Vec<u8> {
    let data = r#"{"appId":"e585552fac954ab592c9357d34accd78","tranStatus":1,"tranInfo":"success","refundOrderAmt":"50000","payMethod":1,"currency":"LAK","orderNo":"ORDERNO000000000A104","newpayOrderNo":"202209076000000321","refundOrderNo":"ORDERNORFD000000000A104","newpayRefundOrderNo":"202209078000000702"}"#;
    let object = Object::parse(data.as_bytes()).unwrap();
    let mut scratch = vec![0u8; data.len()];
    let signed = newpay::signed_string(&object, &mut scratch).unwrap();
    let sign = base64_signature(&platform_key("newpay"), signed.as_bytes());
    let data = if tamper {
        data.replace("\"50000\"", "\"5000\"")
    } else {
        data.to_owned()
    };
    let data = format!(r#"{},"sign":"{sign}"}}"#, data.trim_end_matches('}'));
    format!(r#"{{"success":true,"message":"success","code":"0","timestamp":"1709614016081","data":{data}}}"#)
        .into_bytes()
}

/// A ScanForPay reply with `body`, bound to `req_msg_id`, signed as ScanForPay signs (its
/// digest over the raw `response` bytes followed by the key); `tamper` signs other bytes.
fn scanforpay_reply(req_msg_id: &str, body: &str, tamper: bool) -> Vec<u8> {
    let key = credentials("scanforpay");
    let key = SecretKey::new(key.str("sign_key").unwrap().as_bytes()).unwrap();
    let raw = format!(
        r#"{{"header":{{"partnerNo":"63012","respTime":"2024-03-05T18:06:12+08:00","signType":"SHA256","version":"1.0","reqMsgId":"{req_msg_id}"}},"body":{body}}}"#
    );
    let signed = if tamper {
        format!("{raw} ")
    } else {
        raw.clone()
    };
    let digest = scanforpay::digest(signed.as_bytes(), &key);
    let mut hex = [0u8; 64];
    let hex = refundwire::encoding::hex_encode(&digest, false, &mut hex).unwrap();
    format!(r#"{{"response":{raw},"signature":"{hex}"}}"#).into_bytes()
}

/// The `reqMsgId` of a ScanForPay request.
fn req_msg_id(body: &[u8]) -> String {
    let creds = credentials("scanforpay");
    let key = creds.str("sign_key").unwrap();
    let partner = creds.str("partner_no").unwrap();
    let core = scanforpay::Credentials::new(partner, key.as_bytes()).unwrap();
    let request = scanforpay::verify_request(&core, body).unwrap();
    request.req_msg_id.as_str().unwrap().to_owned()
}

/// The gateway's answer of `kind` to `request_body` (status 200).
pub fn answer(gateway: &str, kind: Kind, request_body: &[u8]) -> http::Response<Vec<u8>> {
    let (body, sign) = match (gateway, kind) {
        ("ottpay", Kind::RefundAccepted) => vector(gateway, "refund_response"),
        ("ottpay", Kind::RefundBadSignature) => vector(gateway, "refund_response_wrong_md5"),
        ("ottpay", Kind::QuerySucceeded) => vector(gateway, "refund_status_query_response"),
        ("ottpay", Kind::QueryUnknown) => vector(gateway, "refund_response_error_code"),
        ("scanforpay", _) => {
            let id = req_msg_id(request_body);
            let body = match kind {
                Kind::RefundAccepted | Kind::RefundBadSignature => {
                    r#"{"code":1,"msg":"success","orderAmount":30095,"status":1,"currency":"HKD"}"#
                }
                // Order state 3: refunded.
                Kind::QuerySucceeded => {
                    r#"{"code":1,"msg":"success","orderNo":"S20240305","partnerOrderNo":"p95748906828836075983","orderAmount":30095,"wallet":"Alipay","status":3,"currency":"HKD"}"#
                }
                // Order state 1: paid, a refund still being dealt with or never received.
                Kind::QueryUnknown => {
                    r#"{"code":1,"msg":"success","orderNo":"S20240305","partnerOrderNo":"p95748906828836075983","orderAmount":30095,"wallet":"Alipay","status":1,"currency":"HKD"}"#
                }
            };
            let tamper = kind == Kind::RefundBadSignature;
            (scanforpay_reply(&id, body, tamper), None)
        }
        ("payermax", Kind::RefundAccepted) => payermax_refund_pending(),
        ("payermax", Kind::RefundBadSignature) => {
            // The refund reply's body under another message's signature.
            let (body, _) = payermax_refund_pending();
            (body, vector(gateway, "refund_query_response").1)
        }
        ("payermax", Kind::QuerySucceeded) => vector(gateway, "refund_query_response"),
        ("payermax", Kind::QueryUnknown) => vector(gateway, "refund_query_error_unsigned"),
        ("newpay", Kind::RefundAccepted) => (newpay_refund(false), None),
        ("newpay", Kind::RefundBadSignature) => (newpay_refund(true), None),
        ("newpay", Kind::QuerySucceeded) => vector(gateway, "inquiry_refund_response"),
        ("newpay", Kind::QueryUnknown) => vector(gateway, "inquiry_refund_error"),
        (other, _) => panic!("no gateway {other}"),
    };
    let mut builder = http::Response::builder()
        .status(200)
        .header("content-type", "application/json");
    if let Some(sign) = sign {
        builder = builder.header(payermax::SIGN_HEADER, sign);
    }
    builder.body(body).unwrap()
}

/// Whether a verified status query can prove one refund's outcome. ScanForPay's order query
/// speaks for the order (its "refunded" does not say which partial refund went through), so a
/// ScanForPay refund whose own answer was lost or forged ends "needs review" — sent once.
pub fn query_proves_refund(gateway: &str) -> bool {
    gateway != "scanforpay"
}

/// What a definite refund reply of each gateway says on its own (OTTPay's never is).
pub fn refund_reply_status(gateway: &str) -> Option<refundwire::RefundStatus> {
    use refundwire::RefundStatus::{Pending, Succeeded};
    match gateway {
        "ottpay" => None,
        "scanforpay" | "newpay" => Some(Succeeded),
        "payermax" => Some(Pending),
        other => panic!("no gateway {other}"),
    }
}

/// One turn of a script: what happens to the next request.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    /// The gateway gets the request and answers.
    Answer(Kind),
    /// The connection fails before anything is sent.
    NotSent,
    /// The gateway gets the request and acts on it; the answer is lost.
    LostAnswer,
    /// The request is lost on its way; the sender cannot tell this from `LostAnswer`.
    LostRequest,
}

/// What the gateway's side saw of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    /// A refund (else a status query).
    pub refund: bool,
    /// It reached the gateway.
    pub reached: bool,
}

/// A refund that reached the gateway, then a status query that did: what a lost answer
/// should cost.
pub const REFUND_THEN_QUERY: [Sent; 2] = [
    Sent {
        refund: true,
        reached: true,
    },
    Sent {
        refund: false,
        reached: true,
    },
];

/// Steps in order, the last one again once they run out; and what was sent.
pub struct Script {
    gateway: &'static str,
    steps: std::sync::Mutex<(std::collections::VecDeque<Step>, Option<Step>)>,
    sent: std::sync::Mutex<Vec<Sent>>,
}

impl Script {
    /// A script for `gateway`.
    pub fn new(gateway: &'static str, steps: &[Step]) -> Self {
        Script {
            gateway,
            steps: std::sync::Mutex::new((steps.iter().copied().collect(), None)),
            sent: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The step for the request to `path` with `body`, recorded.
    pub fn next(&self, path: &str, body: &[u8]) -> Step {
        let mut steps = self.steps.lock().unwrap();
        let step = match steps.0.pop_front() {
            Some(step) => {
                steps.1 = Some(step);
                step
            }
            None => steps.1.expect("an empty script"),
        };
        let refund = is_refund(self.gateway, path, body);
        let reached = matches!(step, Step::Answer(_) | Step::LostAnswer);
        self.sent.lock().unwrap().push(Sent { refund, reached });
        step
    }

    /// The gateway this script plays.
    pub fn gateway(&self) -> &'static str {
        self.gateway
    }

    /// Every request, in order.
    pub fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }

    /// Refund requests that reached the gateway.
    pub fn refunds_reached(&self) -> usize {
        self.sent().iter().filter(|s| s.refund && s.reached).count()
    }

    /// Refund requests sent.
    pub fn refunds_sent(&self) -> usize {
        self.sent().iter().filter(|s| s.refund).count()
    }
}

/// A loopback HTTP/1.1 server (127.0.0.1, a free port) that plays a [`Script`]: one request
/// per connection, answered or dropped as the script says. It stops when dropped, and after
/// a minute in any case.
pub struct Loopback {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The script, shared with the server thread.
    pub script: std::sync::Arc<Script>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Loopback {
    /// Starts serving `steps` for `gateway`.
    pub fn start(gateway: &'static str, steps: &[Step]) -> Self {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let script = Arc::new(Script::new(gateway, steps));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (script.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let started = std::time::Instant::now();
            while !st.load(Ordering::Relaxed) && started.elapsed().as_secs() < 60 {
                match listener.accept() {
                    Ok((stream, _)) => serve_one(&s, stream),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(std::time::Duration::from_millis(2));
                    }
                    Err(_) => break,
                }
            }
        });
        Loopback {
            url,
            script,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request (head and `Content-Length` body) and plays the script's step.
fn serve_one(script: &Script, mut stream: std::net::TcpStream) {
    use std::io::{Read, Write};
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let path = head
        .lines()
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("")
        .to_owned();
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.trim().parse().unwrap())
        .unwrap_or(0);
    while data.len() < head_end + length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    let body = &data[head_end..head_end + length];
    match script.next(&path, body) {
        Step::Answer(kind) => {
            let response = answer(script.gateway(), kind, body);
            let mut out = format!(
                "HTTP/1.1 {}\r\nContent-Length: {}\r\nConnection: close\r\n",
                response.status(),
                response.body().len()
            );
            for (name, value) in response.headers() {
                out.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
            }
            out.push_str("\r\n");
            let _ = stream.write_all(out.as_bytes());
            let _ = stream.write_all(response.body());
        }
        // Dropped: the connection closes without an answer.
        Step::LostAnswer | Step::LostRequest | Step::NotSent => {}
    }
}
