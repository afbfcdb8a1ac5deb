//! The ureq and reqwest transports over real loopback sockets: a refused connection is
//! `NotSent`, a connection closed after the request is `MaybeSent`, an HTTP error status is an
//! answer; and the async flow over reqwest against a scripted loopback gateway.

// Test code: a panic is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;
mod flow_support;

use flow_support::{Kind, Loopback, Step, refund};
use refundwire_std::Context;
use refundwire_std::flow::{Accepted, FlowOutcome, Policy, RefundFlow};
use refundwire_std::transport::{
    AsyncTransport, ReqwestTransport, Timeouts, Transport, TransportError, UreqTransport,
};
use std::io::{Read, Write};
use std::time::Duration;

/// A one-connection server: reads the request head, then writes `reply` (or nothing) and
/// closes.
fn once(reply: Option<&'static [u8]>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/refund", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut data = Vec::new();
        let mut buf = [0u8; 1024];
        while !data.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => data.extend_from_slice(&buf[..n]),
            }
        }
        if let Some(reply) = reply {
            stream.write_all(reply).unwrap();
        }
    });
    url
}

fn refused_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}/refund")
}

fn post(url: &str) -> http::Request<Vec<u8>> {
    http::Request::post(url).body(b"{}".to_vec()).unwrap()
}

const ERROR_503: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy";

fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        exchange: Duration::from_secs(5),
    }
}

#[test]
fn ureq_tells_not_sent_from_maybe_sent_and_returns_error_statuses() {
    let t = UreqTransport::new(timeouts());
    let e = t.send(post(&refused_url())).unwrap_err();
    assert!(matches!(e, TransportError::NotSent(_)), "{e}");
    let e = t.send(post(&once(None))).unwrap_err();
    assert!(matches!(e, TransportError::MaybeSent(_)), "{e}");
    let answer = t.send(post(&once(Some(ERROR_503)))).unwrap();
    assert_eq!(answer.status(), 503);
    assert_eq!(answer.body(), b"busy");
}

#[tokio::test]
async fn reqwest_tells_not_sent_from_maybe_sent_and_returns_error_statuses() {
    let t = ReqwestTransport::new(timeouts()).unwrap();
    let e = t.send(post(&refused_url())).await.unwrap_err();
    assert!(matches!(e, TransportError::NotSent(_)), "{e}");
    let e = t.send(post(&once(None))).await.unwrap_err();
    assert!(matches!(e, TransportError::MaybeSent(_)), "{e}");
    let answer = t.send(post(&once(Some(ERROR_503)))).await.unwrap();
    assert_eq!(answer.status(), 503);
    assert_eq!(answer.body(), b"busy");
}

#[tokio::test]
async fn the_async_flow_over_reqwest_finds_a_lost_answer_by_query() {
    for g in flow_support::GATEWAYS {
        let server = Loopback::start(g, &[Step::LostAnswer, Step::Answer(Kind::QuerySucceeded)]);
        let gw = gateway_at(g, &server.url);
        let policy = Policy {
            initial_backoff: Duration::from_millis(5),
            ..Policy::default()
        };
        let mut flow =
            RefundFlow::refund(gw.as_ref(), refund(g), Context::system(), policy).unwrap();
        let transport = ReqwestTransport::new(timeouts()).unwrap();
        let outcome = flow
            .run_async(&transport, |at| tokio::time::sleep_until(at.into()))
            .await;
        let settled = if flow_support::query_proves_refund(g) {
            matches!(
                outcome,
                FlowOutcome::Accepted {
                    status: Accepted::Succeeded,
                    ..
                }
            )
        } else {
            matches!(outcome, FlowOutcome::Unknown { .. })
        };
        assert!(settled, "{g}: {outcome:?}");
        assert_eq!(server.script.refunds_sent(), 1, "{g}");
        if flow_support::query_proves_refund(g) {
            assert_eq!(server.script.sent(), flow_support::REFUND_THEN_QUERY, "{g}");
        }
    }
}

/// The gateway `name` with its vector credentials and `environment` = `url`.
fn gateway_at(name: &str, url: &str) -> Box<dyn refundwire_std::Gateway> {
    let mut creds = cli_support::vectors(name)["credentials"].clone();
    creds["environment"] = serde_json::Value::String(url.to_owned());
    if let Some(currency) = flow_support::account_currency(name) {
        creds["currency"] = currency.into();
    }
    let creds = refundwire_std::registry::Credentials::parse(
        creds.to_string().as_bytes(),
        cli_support::vectors_dir(),
    )
    .unwrap();
    refundwire_std::registry::build(name, &creds).unwrap()
}
