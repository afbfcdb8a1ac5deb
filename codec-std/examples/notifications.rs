//! A refund-notification webhook with axum, for PayerMax and NewPay.
//!
//! The notification is verified from the raw body and headers exactly as received (never from
//! re-serialized JSON) through `Gateway::verify_notification`, recorded, and only then
//! acknowledged with `Notification::ack()`. Anything that does not verify, or cannot be
//! recorded, gets no acknowledgement, so the gateway sends it again later (PayerMax up to 6
//! times, NewPay 3): recording must therefore be idempotent (key it by the refund number).
//!
//! ```text
//! cargo run -p refundwire-std --example notifications -- payermax credentials.json 127.0.0.1:3000
//! ```

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use refundwire_std::registry::{self, Credentials};
use refundwire_std::{Gateway, RefundOutcome};
use std::sync::Arc;

/// Where verified notifications go (a database table in a real service).
pub trait Record: Send + Sync {
    /// Stores the notification durably; called again with the same refund when the gateway
    /// retries, so it must be idempotent.
    fn record(&self, notification: &RefundOutcome) -> Result<(), String>;
}

#[derive(Clone)]
struct App {
    gateway: Arc<dyn Gateway>,
    records: Arc<dyn Record>,
}

/// The webhook: `POST /notify`.
pub fn router(gateway: Arc<dyn Gateway>, records: Arc<dyn Record>) -> axum::Router {
    axum::Router::new()
        .route("/notify", post(notify))
        .with_state(App { gateway, records })
}

async fn notify(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    // The raw bytes and headers as received: the signature covers exactly these.
    let mut request = http::Request::new(body.as_ref());
    *request.headers_mut() = headers;
    let notification = match app.gateway.verify_notification(request) {
        Ok(notification) => notification,
        // No acknowledgement: not from the gateway, or not for us.
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    // Record first: an acknowledgement for a notification that is then lost is lost for good.
    if let Err(e) = app.records.record(&notification.outcome) {
        return (StatusCode::SERVICE_UNAVAILABLE, e).into_response();
    }
    notification.ack().map(Body::from).into_response()
}

/// Prints what it records (a stand-in for a database).
struct Print;

impl Record for Print {
    fn record(&self, n: &RefundOutcome) -> Result<(), String> {
        let mut out = std::io::stdout().lock();
        std::io::Write::write_fmt(
            &mut out,
            format_args!(
                "refund {} is {}\n",
                n.refund_id.as_deref().unwrap_or("?"),
                n.status.as_str()
            ),
        )
        .map_err(|e| e.to_string())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(name), Some(path)) = (args.next(), args.next()) else {
        return Err("usage: notifications <payermax|newpay> <credentials.json> [address]".into());
    };
    let address = args.next().unwrap_or_else(|| "127.0.0.1:3000".into());
    let credentials = Credentials::load(std::path::Path::new(&path))?;
    let gateway: Arc<dyn Gateway> = Arc::from(registry::build(&name, &credentials)?);
    let listener = tokio::net::TcpListener::bind(&address).await?;
    axum::serve(listener, router(gateway, Arc::new(Print))).await?;
    Ok(())
}
