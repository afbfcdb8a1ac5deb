//! An offline simulator of the four gateways (feature `sandbox`): stateful, with faults and
//! notifications, speaking each protocol from the gateway's side with the codec's own
//! building blocks (`refundwire`'s feature `server`).
//!
//! - [`Simulator`] is sans-IO: [`Simulator::handle`] takes the time (milliseconds since the
//!   epoch, supplied by the caller) and an [`http::Request`], and returns a [`SimResponse`]
//!   (an [`http::Response`], or a fault); [`Simulator::poll_notifications`] returns the
//!   PayerMax notifications and NewPay callbacks due by then ([`Delivery`]), and
//!   [`Simulator::acknowledge`] reports the merchant's answer to one.
//! - [`SimTransport`] sends requests to a simulator in process (no sockets).
//! - `serve`, `Server` and `serve_blocking` (feature `sandbox-serve`) put it on loopback
//!   HTTP; their module docs list the endpoints.
//!
//! # What it simulates
//!
//! Each gateway on its production paths (`ENDPOINTS` of its core module): it verifies the
//! merchant's request with the merchant's credentials (OTTPay's `md5` and AES, ScanForPay's
//! SHA-256, PayerMax's and NewPay's RSA with the merchant's public key), keeps paid orders
//! (recorded with [`Simulator::add_order`] or `POST /sandbox/orders`) and their refunds,
//! allows partial refunds while their total stays within the paid amount, and answers with the
//! gateway's own codes, signed or encrypted with the platform's credentials.
//!
//! | case | OTTPay `rsp_code` | ScanForPay `code` | PayerMax `code` | NewPay `code` |
//! |---|---|---|---|---|
//! | accepted | `SUCCESS` (settled) / `PROCESSING` (pending) | 1, `status` 0 dealing / 1 refunded | `APPLY_SUCCESS`, `REFUND_PENDING` | `0`, `tranStatus` absent (pending) / 1 |
//! | bad signature | `FAIL` | 8 | `SIGN_VERIFY_FAILED` | `Z00007` (`Z00005` when `sign` is missing or not Base64) |
//! | another merchant | `PARAM_INVALID` | 3 | `MERCHANT_APP_INVALID` / `MERCHANT_INVALID` | `Z00003` / `Z00044` |
//! | malformed request | `PARAM_ERROR` | 4 (missing) / 5 / 6 (JSON) / 7 (no order number) | `PARAMS_INVALID` | `B11095` (`Z00053` amount, `Z00049` refund number) |
//! | order not found | `PARAM_INVALID` | 30 | `ORDER_NOT_EXIST` | `E9008` (refund), `Z00051` (inquiry) |
//! | refund total over the paid amount | `FAIL` | 35 | `AMOUNT_INVALID` | `Z01020` |
//! | refund number reused, another amount | `ORDER_USED` | 31 | `REFUND_NO_INVALID` | `Z01026` |
//! | refund number reused, same amount | the same refund's answer | the same refund's answer | the same refund's answer | `Z01026` (NewPay refuses any reuse) |
//! | currency not the order's | — | — | `CURRENCY_INVALID` | — |
//! | `requestTime` over 2 minutes off | — | — | `REQ_TIME_OVER_TIME` | — |
//!
//! The codes come from each gateway's protocol page (and the core module's code table), and
//! live once, in the core's gateway side (`refundwire::gateway::<gateway>::server`:
//! `refusal_for` a request that does not open, `refusal` of a readable one, the state
//! mappings); the simulator keeps state, time, faults and buffers. Where the page names no
//! code for a case (OTTPay publishes no "not found" or "bad signature" code) the closest
//! public one is used. Status queries answer the refund's
//! current state: OTTPay `order_status` `init` / `success` / `failure`; ScanForPay's order
//! query the order's `status` (1 paid, 3 refunded once a refund of it succeeded); PayerMax
//! `REFUND_PENDING` / `REFUND_SUCCESS` / `REFUND_FAILED`; NewPay `tranStatus` 1 / 0 (absent
//! while pending). PayerMax's refund reply always says `REFUND_PENDING` (its page lists only
//! pending and failed there): the query and the notification tell the outcome.
//!
//! Refunds settle after [`Config::pending_ms`] (0 by default), or a fault's `pending_ms`.
//!
//! # Faults
//!
//! Set with [`Simulator::set_fault`] (or `POST /sandbox/faults`) for a refund number or an
//! order number (a refund number's fault wins). See [`Fault`]: an answer fault applies to the
//! next `times` requests naming that key ([`AnswerFault`]); `pending_ms` and `fail` shape
//! refunds made while the fault is set; `notify` shapes their notifications ([`NotifyFault`]).
//!
//! # Notifications
//!
//! A PayerMax refund with `refundNotifyUrl` and a NewPay refund with a non-empty
//! `callBackUrl` are notified once settled, signed with the platform key, and re-sent on the
//! gateway's own schedule (core: `payermax::server::NOTIFY_RETRY_SCHEDULE_MS`,
//! `newpay::server::CALLBACK_RETRY_SCHEDULE_MS`) divided by [`Config::retry_time_divisor`],
//! until [`Simulator::acknowledge`] sees the gateway's acknowledgement body. Out of order:
//! give one refund a `late_ms`, and a later refund's notification overtakes it.

mod config;
mod ledger;
mod newpay;
mod ottpay;
mod payermax;
mod scanforpay;
#[cfg(feature = "sandbox-serve")]
pub mod serve;
mod transport;

pub use config::{BUILTIN_KEYS_DIR, Config, OttPayConfig, RsaGatewayConfig, ScanForPayConfig};
pub use ledger::{Order, Refund, RefundState};
#[cfg(feature = "sandbox-serve")]
pub use serve::{Server, serve, serve_blocking};
pub use transport::{SimError, SimTransport};

use crate::error::{Error, Result};
use crate::rsa::RsaPrivateKey;
use ledger::Ledger;
use serde::Deserialize;
use std::sync::{Mutex, MutexGuard, OnceLock};

/// One of the four simulated gateways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GatewayId {
    /// OTTPay.
    OttPay,
    /// ScanForPay.
    ScanForPay,
    /// PayerMax.
    PayerMax,
    /// NewPay.
    NewPay,
}

impl GatewayId {
    /// Every gateway.
    pub const ALL: [GatewayId; 4] = [
        GatewayId::OttPay,
        GatewayId::ScanForPay,
        GatewayId::PayerMax,
        GatewayId::NewPay,
    ];

    /// The lower-case name (`ottpay`, `scanforpay`, `payermax`, `newpay`).
    pub fn name(&self) -> &'static str {
        match self {
            GatewayId::OttPay => "ottpay",
            GatewayId::ScanForPay => "scanforpay",
            GatewayId::PayerMax => "payermax",
            GatewayId::NewPay => "newpay",
        }
    }

    /// The gateway of a lower-case name.
    pub fn from_name(name: &str) -> Result<GatewayId> {
        GatewayId::ALL
            .into_iter()
            .find(|g| g.name() == name)
            .ok_or_else(|| Error::Input(format!("unknown gateway `{name}`")))
    }

    /// The gateway's paths (its core module's `ENDPOINTS`).
    pub fn endpoints(&self) -> refundwire::gateway::Endpoints {
        use refundwire::gateway;
        match self {
            GatewayId::OttPay => gateway::ottpay::ENDPOINTS,
            GatewayId::ScanForPay => gateway::scanforpay::ENDPOINTS,
            GatewayId::PayerMax => gateway::payermax::ENDPOINTS,
            GatewayId::NewPay => gateway::newpay::ENDPOINTS,
        }
    }

    /// What the gateway documents about refund numbers (its core module's `REFUND_FACTS`).
    pub fn facts(&self) -> &'static refundwire::gateway::RefundFacts {
        use refundwire::gateway;
        match self {
            GatewayId::OttPay => &gateway::ottpay::REFUND_FACTS,
            GatewayId::ScanForPay => &gateway::scanforpay::REFUND_FACTS,
            GatewayId::PayerMax => &gateway::payermax::REFUND_FACTS,
            GatewayId::NewPay => &gateway::newpay::REFUND_FACTS,
        }
    }

    /// How the simulator's own numbers for the gateway's orders (`…O…`) and refunds
    /// (`…R…`) begin.
    fn prefix(&self) -> &'static str {
        match self {
            GatewayId::OttPay => "OTT",
            GatewayId::ScanForPay => "SFP",
            GatewayId::PayerMax => "PMX",
            GatewayId::NewPay => "NPY",
        }
    }
}

/// A fault on the answer to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum AnswerFault {
    /// The request is carried out (a refund is recorded), but the answer is lost.
    LostAfterCommit,
    /// No answer: the request is dropped unprocessed and the client times out (it cannot
    /// tell that nothing happened).
    Timeout,
    /// The connection is reset before the request is read: nothing happened.
    Reset,
    /// The request is carried out and answered after `delay_ms`.
    Slow {
        /// The delay.
        delay_ms: u64,
    },
    /// The request is carried out and answered, signed (or encrypted) with a key that is not
    /// the gateway's: the client must refuse the answer.
    BadSignature,
}

/// How a refund's notifications (PayerMax) or callbacks (NewPay) go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyFault {
    /// Deliver exactly this many times (0: never), whatever the merchant answers; `None`:
    /// until acknowledged, on the gateway's schedule.
    pub count: Option<u32>,
    /// Delay of the first delivery after the refund settles, in milliseconds.
    pub late_ms: u64,
    /// Sign with a key that is not the platform's.
    pub bad_signature: bool,
}

/// Faults for one refund number or order number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fault {
    /// What happens to the answers.
    pub answer: Option<AnswerFault>,
    /// How many requests naming the key get `answer` (default 1 through the HTTP endpoint).
    pub times: u32,
    /// Refunds made under this fault stay pending this long (overrides [`Config::pending_ms`]).
    pub pending_ms: Option<u64>,
    /// Refunds made under this fault settle as failed.
    pub fail: bool,
    /// Their notifications.
    pub notify: NotifyFault,
}

/// What the simulator does with a request.
#[derive(Debug)]
pub enum SimResponse {
    /// The gateway's answer.
    Answer(http::Response<Vec<u8>>),
    /// The answer, after a delay (the request was carried out at once).
    Slow {
        /// How long the answer takes.
        delay_ms: u64,
        /// The answer.
        response: http::Response<Vec<u8>>,
    },
    /// The request was carried out, and its answer lost.
    LostAfterCommit,
    /// No answer; the request was not carried out.
    Timeout,
    /// The connection was reset before the request was read.
    Reset,
}

/// A notification or callback to POST.
#[derive(Debug)]
pub struct Delivery {
    /// Identifies the notification (the same across its re-sends).
    pub id: u64,
    /// Which gateway sends it.
    pub gateway: GatewayId,
    /// The merchant's refund number it is about.
    pub refund_no: String,
    /// Which attempt this is (0 first).
    pub attempt: usize,
    /// The notify URL.
    pub url: String,
    /// The request to POST there (its URI is `url`).
    pub request: http::Request<Vec<u8>>,
}

/// What a gateway module returns for one request: `Err` is an answer given early (a refusal,
/// or the request dropped), so that `?` can give it.
pub(crate) type Answered = std::result::Result<Handled, Box<Handled>>;

/// What a gateway module answers one request with.
pub(crate) enum Handled {
    Answer {
        response: http::Response<Vec<u8>>,
        fault: Option<AnswerFault>,
    },
    Dropped(AnswerFault),
}

impl Handled {
    /// An answer without fault.
    fn plain(response: http::Response<Vec<u8>>) -> Handled {
        Handled::Answer {
            response,
            fault: None,
        }
    }

    /// An encoder's body as a JSON answer carrying `fault` (500 if the encoder refused: the
    /// simulator's own values are always valid, so that is a bug, shown, not hidden).
    fn encoded(body: refundwire::Result<&[u8]>, fault: Option<AnswerFault>) -> Handled {
        match body {
            Ok(body) => Handled::Answer {
                response: json_response(200, body.to_vec()),
                fault,
            },
            Err(e) => Handled::plain(json_response(500, e.to_string().into_bytes())),
        }
    }
}

/// The answer fault for the first of `keys` that has one left, taken; a timeout or a reset
/// is the request dropped unprocessed (`Err`).
pub(crate) fn answer_fault(
    ledger: &mut Ledger,
    gateway: GatewayId,
    keys: &[&str],
) -> std::result::Result<Option<AnswerFault>, Box<Handled>> {
    match ledger.take_answer_fault(gateway, keys) {
        Some(f @ (AnswerFault::Timeout | AnswerFault::Reset)) => Err(Box::new(Handled::Dropped(f))),
        other => Ok(other),
    }
}

/// The shared sign key to answer with: the merchant's, or under
/// [`AnswerFault::BadSignature`] one that is not it.
pub(crate) fn answer_key(key: &str, fault: Option<AnswerFault>) -> Vec<u8> {
    if fault == Some(AnswerFault::BadSignature) {
        format!("{key}-not-the-key").into_bytes()
    } else {
        key.as_bytes().to_vec()
    }
}

/// The simulator. Shared by reference: its state sits behind a mutex.
pub struct Simulator {
    config: Config,
    ledger: Mutex<Ledger>,
    impostor: OnceLock<Option<RsaPrivateKey>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A JSON answer with `status`.
pub(crate) fn json_response(status: u16, body: Vec<u8>) -> http::Response<Vec<u8>> {
    let mut response = http::Response::new(body);
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or_default();
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(refundwire::gateway::CONTENT_TYPE),
    );
    response
}

fn admin_error(status: u16, why: &str) -> http::Response<Vec<u8>> {
    json_response(
        status,
        serde_json::to_vec(&serde_json::json!({ "error": why })).unwrap_or_default(),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrder {
    gateway: String,
    order_no: String,
    amount: u64,
    currency: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewFault {
    gateway: String,
    key: String,
    #[serde(flatten)]
    fault: FaultBody,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultBody {
    answer: Option<String>,
    delay_ms: Option<u64>,
    times: Option<u32>,
    pending_ms: Option<u64>,
    #[serde(default)]
    fail: bool,
    #[serde(default)]
    notify: NotifyFault,
}

impl FaultBody {
    fn into_fault(self) -> Result<Fault> {
        let answer = match self.answer.as_deref() {
            None => None,
            Some("lost_after_commit") => Some(AnswerFault::LostAfterCommit),
            Some("timeout") => Some(AnswerFault::Timeout),
            Some("reset") => Some(AnswerFault::Reset),
            Some("slow") => Some(AnswerFault::Slow {
                delay_ms: self.delay_ms.unwrap_or(1000),
            }),
            Some("bad_signature") => Some(AnswerFault::BadSignature),
            Some(other) => return Err(Error::Input(format!("unknown answer fault `{other}`"))),
        };
        Ok(Fault {
            answer,
            times: self.times.unwrap_or(1),
            pending_ms: self.pending_ms,
            fail: self.fail,
            notify: self.notify,
        })
    }
}

fn order_json(gateway: GatewayId, order: &Order) -> serde_json::Value {
    serde_json::json!({
        "gateway": gateway.name(),
        "order_no": order.order_no,
        "gateway_order_no": order.gateway_order_no,
        "amount": order.amount,
        "currency": order.currency,
    })
}

fn refund_json(
    refund: &Refund,
    now: u64,
    deliveries: Option<ledger::Deliveries>,
) -> serde_json::Value {
    let mut value = serde_json::json!({
        "refund_no": refund.refund_no,
        "gateway_refund_no": refund.gateway_refund_no,
        "order_no": refund.order_no,
        "amount": refund.amount,
        "state": match refund.state(now) {
            RefundState::Pending => "pending",
            RefundState::Succeeded => "succeeded",
            RefundState::Failed => "failed",
        },
    });
    if let (Some(map), Some(_)) = (value.as_object_mut(), &refund.notify_url) {
        let d = deliveries.unwrap_or_default();
        map.insert(
            "notifications".to_owned(),
            serde_json::json!({ "sent": d.sent, "acknowledged": d.acknowledged }),
        );
    }
    value
}

impl Simulator {
    /// A simulator with `config` and nothing recorded.
    pub fn new(config: Config) -> Simulator {
        Simulator {
            config,
            ledger: Mutex::new(Ledger::default()),
            impostor: OnceLock::new(),
        }
    }

    /// A simulator with the built-in test credentials ([`Config::builtin`]).
    pub fn builtin() -> Result<Simulator> {
        Ok(Simulator::new(Config::builtin()?))
    }

    /// Its configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        // A panic while the lock was held leaves a ledger that is still consistent (every
        // change is one insert), so a poisoned lock is taken over.
        self.ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A key that is not the platform's, made on first use (for [`AnswerFault::BadSignature`]
    /// and badly signed notifications).
    pub(crate) fn impostor(&self) -> Option<&RsaPrivateKey> {
        self.impostor
            .get_or_init(|| {
                use aws_lc_rs::encoding::AsDer;
                let pair =
                    aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).ok()?;
                let der = pair.as_der().ok()?;
                RsaPrivateKey::from_any(der.as_ref()).ok()
            })
            .as_ref()
    }

    /// The key to sign as the platform with: `platform`, or when `bad` one that is not it.
    pub(crate) fn signer<'s>(
        &'s self,
        platform: &'s RsaPrivateKey,
        bad: bool,
    ) -> Result<&'s RsaPrivateKey> {
        if bad {
            self.impostor()
                .ok_or_else(|| Error::Key("no impostor key".into()))
        } else {
            Ok(platform)
        }
    }

    /// Records a paid order of `amount` of `currency` (an ISO 4217 code), in the unit the
    /// gateway's requests carry: minor units, except NewPay's own unit (whole kip for LAK,
    /// `refundwire::gateway::newpay::unit_decimals`), as the simulator compares amounts as
    /// sent. An order number already recorded for that gateway is an error.
    pub fn add_order(
        &self,
        gateway: GatewayId,
        order_no: &str,
        amount: u64,
        currency: &str,
        now: u64,
    ) -> Result<Order> {
        refundwire::money::Currency::from_code(currency)
            .map_err(|_| Error::Input(format!("unknown currency `{currency}`")))?;
        if order_no.is_empty() || order_no.len() > 32 || amount == 0 {
            return Err(Error::Input(
                "an order needs a number of 1 to 32 bytes and a positive amount".into(),
            ));
        }
        let mut ledger = self.ledger();
        let id = ledger.next();
        let order = Order {
            order_no: order_no.to_owned(),
            gateway_order_no: format!("{}O{id:08}", gateway.prefix()),
            amount,
            currency: currency.to_owned(),
            paid_at_ms: now,
        };
        if !ledger.add_order(gateway, order.clone()) {
            return Err(Error::Input(format!(
                "order `{order_no}` of {} exists",
                gateway.name()
            )));
        }
        Ok(order)
    }

    /// Sets (replaces) the fault for a refund number or order number of `gateway`.
    pub fn set_fault(&self, gateway: GatewayId, key: &str, fault: Fault) {
        self.ledger()
            .faults
            .insert((gateway, key.to_owned()), fault);
    }

    /// The refunds recorded for an order, oldest first.
    pub fn refunds(&self, gateway: GatewayId, order_no: &str) -> Vec<Refund> {
        self.ledger()
            .refunds_of(gateway, order_no)
            .into_iter()
            .cloned()
            .collect()
    }

    /// Answers one request at time `now` (milliseconds since the epoch): a gateway path of
    /// [`GatewayId::endpoints`], or an administration path (`POST /sandbox/orders`,
    /// `POST /sandbox/faults`, `GET /sandbox/orders/{gateway}/{order_no}`).
    pub fn handle(&self, now: u64, request: http::Request<Vec<u8>>) -> SimResponse {
        let path = request.uri().path().to_owned();
        if let Some(admin) = path.strip_prefix("/sandbox/") {
            return SimResponse::Answer(self.admin(now, request.method(), admin, request.body()));
        }
        let Some((gateway, status)) = GatewayId::ALL.into_iter().find_map(|g| {
            let e = g.endpoints();
            if path == e.refund_path {
                Some((g, false))
            } else if path == e.status_path {
                Some((g, true))
            } else {
                None
            }
        }) else {
            return SimResponse::Answer(admin_error(404, "no such path"));
        };
        if request.method() != http::Method::POST {
            return SimResponse::Answer(admin_error(405, "POST only"));
        }
        let mut ledger = self.ledger();
        let answered = match gateway {
            GatewayId::OttPay => ottpay::handle(self, &mut ledger, now, request.body()),
            GatewayId::ScanForPay => {
                scanforpay::handle(self, &mut ledger, now, status, request.body())
            }
            GatewayId::PayerMax => payermax::handle(self, &mut ledger, now, status, &request),
            GatewayId::NewPay => newpay::handle(self, &mut ledger, now, status, request.body()),
        };
        let handled = answered.unwrap_or_else(|early| *early);
        match handled {
            Handled::Dropped(AnswerFault::Reset) => SimResponse::Reset,
            Handled::Dropped(_) => SimResponse::Timeout,
            Handled::Answer { response, fault } => match fault {
                Some(AnswerFault::LostAfterCommit) => SimResponse::LostAfterCommit,
                Some(AnswerFault::Slow { delay_ms }) => SimResponse::Slow { delay_ms, response },
                _ => SimResponse::Answer(response),
            },
        }
    }

    fn admin(
        &self,
        now: u64,
        method: &http::Method,
        path: &str,
        body: &[u8],
    ) -> http::Response<Vec<u8>> {
        let result = match (method.as_str(), path) {
            ("POST", "orders") => serde_json::from_slice::<NewOrder>(body)
                .map_err(|e| Error::Input(e.to_string()))
                .and_then(|o| {
                    let gateway = GatewayId::from_name(&o.gateway)?;
                    let order = self.add_order(gateway, &o.order_no, o.amount, &o.currency, now)?;
                    Ok(order_json(gateway, &order))
                }),
            ("POST", "faults") => serde_json::from_slice::<NewFault>(body)
                .map_err(|e| Error::Input(e.to_string()))
                .and_then(|f| {
                    let gateway = GatewayId::from_name(&f.gateway)?;
                    let fault = f.fault.into_fault()?;
                    self.set_fault(gateway, &f.key, fault);
                    Ok(serde_json::json!({ "gateway": gateway.name(), "key": f.key }))
                }),
            ("GET", path) if path.starts_with("orders/") => {
                let mut parts = path.trim_start_matches("orders/").splitn(2, '/');
                let gateway = parts.next().map(GatewayId::from_name).transpose();
                match (gateway, parts.next()) {
                    (Ok(Some(gateway)), Some(order_no)) => {
                        let ledger = self.ledger();
                        match ledger.orders.get(&(gateway, order_no.to_owned())) {
                            None => return admin_error(404, "no such order"),
                            Some(order) => {
                                let mut value = order_json(gateway, order);
                                let refunds: serde_json::Value = ledger
                                    .refunds_of(gateway, order_no)
                                    .into_iter()
                                    .map(|r| {
                                        let key = (gateway, r.refund_no.clone());
                                        refund_json(r, now, ledger.deliveries.get(&key).copied())
                                    })
                                    .collect();
                                if let Some(map) = value.as_object_mut() {
                                    map.insert("refunds".to_owned(), refunds);
                                }
                                Ok(value)
                            }
                        }
                    }
                    _ => return admin_error(404, "GET /sandbox/orders/{gateway}/{order_no}"),
                }
            }
            _ => return admin_error(404, "no such sandbox path"),
        };
        match result {
            Ok(value) => {
                let status = if method == http::Method::GET {
                    200
                } else {
                    201
                };
                json_response(status, serde_json::to_vec(&value).unwrap_or_default())
            }
            Err(e) => admin_error(400, &e.to_string()),
        }
    }

    /// The notifications and callbacks due at `now`, earliest first. Each is scheduled again
    /// on its gateway's retry schedule until [`acknowledge`](Self::acknowledge)d (or, under a
    /// [`NotifyFault::count`], sent exactly that many times).
    pub fn poll_notifications(&self, now: u64) -> Vec<Delivery> {
        let mut ledger = self.ledger();
        let mut due: Vec<ledger::Pending> = Vec::new();
        let mut keep = Vec::new();
        for p in std::mem::take(&mut ledger.notifications) {
            if p.due_ms <= now && p.left != Some(0) {
                due.push(p);
            } else if p.left != Some(0) {
                keep.push(p);
            }
        }
        due.sort_by_key(|p| (p.due_ms, p.id));
        let divisor = self.config.retry_time_divisor.max(1);
        let mut out = Vec::new();
        for mut p in due {
            let Some(refund) = ledger
                .refunds
                .get(&(p.gateway, p.refund_no.clone()))
                .cloned()
            else {
                continue;
            };
            let order = ledger
                .orders
                .get(&(p.gateway, refund.order_no.clone()))
                .cloned();
            let (Some(order), Some(url)) = (order, refund.notify_url.clone()) else {
                continue;
            };
            let (request, schedule): (Result<http::Request<Vec<u8>>>, &[u64]) = match p.gateway {
                GatewayId::PayerMax => (
                    payermax::notification(self, &refund, &order, &url, now, p.bad_signature),
                    &refundwire::gateway::payermax::server::NOTIFY_RETRY_SCHEDULE_MS,
                ),
                GatewayId::NewPay => (
                    newpay::callback(self, &refund, &order, &url, now, p.bad_signature),
                    &refundwire::gateway::newpay::server::CALLBACK_RETRY_SCHEDULE_MS,
                ),
                GatewayId::OttPay | GatewayId::ScanForPay => continue,
            };
            let Ok(request) = request else { continue };
            ledger
                .deliveries
                .entry((p.gateway, p.refund_no.clone()))
                .or_default()
                .sent += 1;
            out.push(Delivery {
                id: p.id,
                gateway: p.gateway,
                refund_no: p.refund_no.clone(),
                attempt: p.attempt,
                url,
                request,
            });
            // Schedule the next attempt: the gateway's schedule from the first delivery; a
            // fixed count goes on at the schedule's last step once the schedule runs out.
            p.attempt += 1;
            let offset = match p.left.as_mut() {
                Some(left) => {
                    *left = left.saturating_sub(1);
                    (*left > 0).then(|| {
                        schedule
                            .get(p.attempt)
                            .or(schedule.last())
                            .copied()
                            .unwrap_or(0)
                    })
                }
                None => schedule.get(p.attempt).copied(),
            };
            if let Some(offset) = offset {
                p.due_ms = p
                    .first_due_ms
                    .saturating_add(offset / divisor)
                    .max(now.saturating_add(1));
                keep.push(p);
            }
        }
        ledger.notifications = keep;
        out
    }

    /// Reports the merchant's answer to a delivery: when its body is the gateway's
    /// acknowledgement (`payermax::NOTIFICATION_ACK`, `newpay::CALLBACK_ACK`) and the
    /// delivery was not under a fixed count, no more re-sends are made. Returns whether it
    /// was an acknowledgement.
    pub fn acknowledge(&self, delivery: &Delivery, response: &http::Response<Vec<u8>>) -> bool {
        let ack: &[u8] = match delivery.gateway {
            GatewayId::PayerMax => refundwire::gateway::payermax::NOTIFICATION_ACK,
            GatewayId::NewPay => refundwire::gateway::newpay::CALLBACK_ACK,
            GatewayId::OttPay | GatewayId::ScanForPay => return false,
        };
        let acked = response.status().is_success() && same_json(response.body(), ack);
        if acked {
            let mut ledger = self.ledger();
            ledger
                .notifications
                .retain(|p| p.id != delivery.id || p.left.is_some());
            ledger
                .deliveries
                .entry((delivery.gateway, delivery.refund_no.clone()))
                .or_default()
                .acknowledged = true;
        }
        acked
    }
}

/// Whether two JSON texts hold the same value (an acknowledgement may be spaced differently).
fn same_json(a: &[u8], b: &[u8]) -> bool {
    match (
        serde_json::from_slice::<serde_json::Value>(a),
        serde_json::from_slice::<serde_json::Value>(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The unescaped text of a JSON string member the codec handed out.
pub(crate) fn owned(text: &refundwire::json::JsonStr<'_>) -> String {
    text.chars().collect()
}

/// Builds a POST request of `body` to `uri` with `Content-Type: application/json`.
pub(crate) fn post(uri: &str, body: Vec<u8>) -> Result<http::Request<Vec<u8>>> {
    http::Request::post(uri)
        .header(
            http::header::CONTENT_TYPE,
            refundwire::gateway::CONTENT_TYPE,
        )
        .body(body)
        .map_err(|e| Error::Input(format!("notify URL `{uri}`: {e}")))
}
