//! The simulator over loopback HTTP (feature `sandbox-serve`): axum on tokio, notifications
//! POSTed with ureq.
//!
//! # Endpoints
//!
//! Every gateway on its production paths (its core module's `ENDPOINTS`):
//!
//! | gateway | refund | status |
//! |---|---|---|
//! | OTTPay | `POST /processV2` (`action` `REFUND`) | `POST /processV2` (`REFUND_STATUS_QUERY`) |
//! | ScanForPay | `POST /api/common/refund` | `POST /api/common/payQuery` |
//! | PayerMax | `POST /aggregate-pay/api/gateway/refund` | `POST /aggregate-pay/api/gateway/refundQuery` |
//! | NewPay | `POST /api/open/converge/pay/v1/refund` | `POST /api/open/converge/pay/v1/queryRefund` |
//!
//! And the sandbox's own (JSON in and out; `201` with the record made, `200` for a `GET`,
//! `400` with `{"error"}`):
//!
//! - `POST /sandbox/orders` `{"gateway":"payermax","order_no":"O1","amount":1050,"currency":"USD"}`
//!   records a paid order (`amount` in the unit the gateway's requests carry: minor units,
//!   but NewPay's own unit for NewPay — whole kip for LAK; `gateway` one of `ottpay`,
//!   `scanforpay`, `payermax`, `newpay`); answers the order with the gateway's own number for
//!   it.
//! - `POST /sandbox/faults` `{"gateway","key", "answer", "delay_ms", "times", "pending_ms",
//!   "fail", "notify":{"count","late_ms","bad_signature"}}` sets the faults of a refund number
//!   or order number (`key`), every member but `gateway` and `key` optional: `answer` is one
//!   of `lost_after_commit` (the refund is made, the connection is closed without an answer),
//!   `timeout` (nothing is made, no answer for 10 minutes), `reset` (nothing is made, the
//!   connection is closed; over HTTP the request had gone out, so a client cannot tell this
//!   from a lost answer), `slow` (answered after `delay_ms`, default 1000),
//!   `bad_signature` (signed or encrypted with a key that is not the gateway's), for the next
//!   `times` requests (default 1); `pending_ms` keeps refunds pending that long, `fail` makes
//!   them fail; `notify` shapes their notifications ([`super::NotifyFault`]).
//! - `GET /sandbox/orders/{gateway}/{order_no}` shows an order and its refunds (with their
//!   states; a refund with a notify URL also with `"notifications":{"sent","acknowledged"}`:
//!   how many were sent, and whether the merchant acknowledged one).
//!
//! Notifications (PayerMax) and callbacks (NewPay) are POSTed to the URL the refund named,
//! **loopback hosts only** (`127.0.0.1`, `[::1]`, `localhost`): the sandbox never sends
//! anything off the machine. An answer equal to the gateway's acknowledgement stops the
//! re-sends.

use super::{Config, Delivery, SimResponse, Simulator};
use crate::error::{Error, Result};
use axum::body::{Body, Bytes};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Largest request body read.
const BODY_LIMIT: usize = 64 * 1024;
/// How long a simulated timeout keeps the connection silent.
const TIMEOUT_SILENCE: Duration = Duration::from_secs(600);
/// How often due notifications are looked for.
const NOTIFY_TICK: Duration = Duration::from_millis(10);

/// Milliseconds since the epoch, now.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// A body that fails at once: hyper then closes the connection without a complete answer
/// (a lost answer, or a reset, as the client sees it).
struct Broken;

impl axum::body::HttpBody for Broken {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<http_body::Frame<Bytes>, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "simulated lost answer",
        ))))
    }
}

fn broken() -> http::Response<Body> {
    let mut response = http::Response::new(Body::new(Broken));
    // A length the body never delivers, so no client can take the head for an answer.
    response.headers_mut().insert(
        http::header::CONTENT_LENGTH,
        http::HeaderValue::from_static("64"),
    );
    response
}

async fn handle(sim: Arc<Simulator>, request: http::Request<Body>) -> http::Response<Body> {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        let mut response = http::Response::new(Body::from("request body too large"));
        *response.status_mut() = http::StatusCode::PAYLOAD_TOO_LARGE;
        return response;
    };
    let request = http::Request::from_parts(parts, bytes.to_vec());
    match sim.handle(now_ms(), request) {
        SimResponse::Answer(response) => response.map(Body::from),
        SimResponse::Slow { delay_ms, response } => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            response.map(Body::from)
        }
        SimResponse::LostAfterCommit | SimResponse::Reset => broken(),
        SimResponse::Timeout => {
            tokio::time::sleep(TIMEOUT_SILENCE).await;
            broken()
        }
    }
}

/// Whether `url` names a loopback host (the only place notifications go).
fn loopback(url: &str) -> bool {
    let Ok(uri) = url.parse::<http::Uri>() else {
        return false;
    };
    match uri.host() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

/// POSTs one delivery and reports the answer to the simulator.
fn deliver(sim: &Simulator, agent: &ureq::Agent, delivery: Delivery) {
    if !loopback(&delivery.url) {
        return;
    }
    let (parts, body) = delivery.request.into_parts();
    let request = http::Request::from_parts(parts.clone(), body.clone());
    let Ok(mut response) = agent.run(request) else {
        return;
    };
    let status = response.status();
    let Ok(answer) = response.body_mut().read_to_vec() else {
        return;
    };
    let mut answer = http::Response::new(answer);
    *answer.status_mut() = status;
    let delivery = Delivery {
        request: http::Request::from_parts(parts, body),
        ..delivery
    };
    sim.acknowledge(&delivery, &answer);
}

async fn notifier(sim: Arc<Simulator>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    loop {
        tokio::time::sleep(NOTIFY_TICK).await;
        let due = sim.poll_notifications(now_ms());
        if due.is_empty() {
            continue;
        }
        let (sim, agent) = (sim.clone(), agent.clone());
        // Blocking HTTP off the runtime's threads, one batch at a time, in due order.
        let _ = tokio::task::spawn_blocking(move || {
            for delivery in due {
                deliver(&sim, &agent, delivery);
            }
        })
        .await;
    }
}

/// Serves `sim` on `listener` until `shutdown` completes: the gateways' paths, the sandbox's
/// endpoints (module docs), and the notifier. Shutting down does not wait for answers still
/// held back (a simulated timeout holds one for 10 minutes): the accept loop stops at once,
/// and connections end with the runtime.
pub async fn serve(
    listener: tokio::net::TcpListener,
    sim: Arc<Simulator>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let notifier = tokio::spawn(notifier(sim.clone()));
    let app = axum::Router::new().fallback(move |request: http::Request<Body>| {
        let sim = sim.clone();
        async move { handle(sim, request).await }
    });
    let served = tokio::select! {
        served = axum::serve(listener, app).into_future() => served,
        () = shutdown => Ok(()),
    };
    notifier.abort();
    served
}

/// A simulator served on a background thread (its own tokio runtime), for tests and tools.
/// Dropping it stops the server.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    simulator: Arc<Simulator>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Binds `addr` (use port 0 for any free port) and serves `simulator` there.
    pub fn start(addr: SocketAddr, simulator: Arc<Simulator>) -> Result<Server> {
        // A simulator with test credentials is for this machine only.
        if !addr.ip().is_loopback() {
            return Err(Error::Input(format!(
                "{addr} is not a loopback address: the sandbox serves 127.0.0.1 or ::1 only"
            )));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Error::Input(format!("tokio runtime: {e}")))?;
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(addr))
            .map_err(|e| Error::Input(format!("bind {addr}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Input(format!("bind {addr}: {e}")))?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let sim = simulator.clone();
        let thread = std::thread::spawn(move || {
            let _ = runtime.block_on(serve(listener, sim, async move {
                let _ = stopped.await;
            }));
        });
        Ok(Server {
            addr,
            simulator,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The simulator it serves.
    pub fn simulator(&self) -> &Arc<Simulator> {
        &self.simulator
    }

    /// Stops the server and waits for its thread.
    pub fn stop(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shut();
    }
}

/// What `refundwire sandbox serve --addr ADDR [--config FILE]` runs: loads the configuration
/// (built-in test credentials without a file), prints where it listens and the credentials a
/// client needs ([`Config::describe`]: never a private key, and the shared sign keys only when
/// they are the built-in test ones), and serves until the process ends.
pub fn serve_blocking(addr: SocketAddr, config: Option<&std::path::Path>) -> Result<()> {
    let config = match config {
        Some(path) => Config::from_file(path)?,
        None => Config::builtin()?,
    };
    let describe = config.describe();
    let server = Server::start(addr, Arc::new(Simulator::new(config)))?;
    #[allow(clippy::print_stdout)]
    {
        println!("refundwire sandbox listening on http://{}", server.addr());
        println!("{describe}");
    }
    let mut server = server;
    if let Some(thread) = server.thread.take() {
        let _ = thread.join();
    }
    Ok(())
}
