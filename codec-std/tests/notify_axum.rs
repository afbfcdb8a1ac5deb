//! The axum webhook example (`examples/notifications.rs`) on a loopback port: vector
//! notifications of PayerMax and NewPay are verified from the raw bytes, recorded, then
//! acknowledged with the bodies the protocol pages give; a tampered one, or one that cannot
//! be recorded, gets no acknowledgement.

// Test code: a panic is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;
mod flow_support;

#[allow(dead_code)]
#[path = "../examples/notifications.rs"]
mod example;

use cli_support::case;
use example::Record;
use refundwire_std::RefundOutcome;
use refundwire_std::transport::{Transport, UreqTransport};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Memory {
    refunds: Mutex<Vec<(String, String)>>,
    fail: bool,
}

impl Record for Memory {
    fn record(&self, n: &RefundOutcome) -> Result<(), String> {
        if self.fail {
            return Err("database unavailable".into());
        }
        let id = n.refund_id.clone().unwrap_or_default();
        self.refunds
            .lock()
            .unwrap()
            .push((id, n.status.as_str().to_owned()));
        Ok(())
    }
}

/// Serves the example's router for `gateway` and POSTs `body` (with PayerMax's `sign`).
fn deliver(
    gateway: &str,
    records: Arc<Memory>,
    body: &str,
    sign: Option<&str>,
) -> http::Response<Vec<u8>> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    let gw: Arc<dyn refundwire_std::Gateway> = Arc::from(flow_support::gateway(gateway));
    let server =
        runtime.spawn(async move { axum::serve(listener, example::router(gw, records)).await });
    let mut request = http::Request::post(&url).header("content-type", "application/json");
    if let Some(sign) = sign {
        request = request.header("sign", sign);
    }
    let answer = UreqTransport::default()
        .send(request.body(body.as_bytes().to_vec()).unwrap())
        .unwrap();
    server.abort();
    answer
}

fn notification(gateway: &str) -> (String, Option<String>) {
    let c = match gateway {
        "payermax" => case("payermax", "refund_notification"),
        _ => case("newpay", "refund_callback"),
    };
    let sign = c.get("sign").and_then(|s| s.as_str()).map(str::to_owned);
    (c["body"].as_str().unwrap().to_owned(), sign)
}

#[test]
fn a_verified_notification_is_recorded_then_acknowledged() {
    // The acknowledgements of protocols/payermax.md and protocols/newpay.md.
    for (gateway, ack) in [
        ("payermax", r#"{"code":"SUCCESS","msg":"Success"}"#),
        ("newpay", r#"{"transResult":"SUCCESS"}"#),
    ] {
        let records = Arc::new(Memory::default());
        let (body, sign) = notification(gateway);
        let answer = deliver(gateway, records.clone(), &body, sign.as_deref());
        assert_eq!(answer.status(), 200, "{gateway}");
        assert_eq!(answer.body(), ack.as_bytes(), "{gateway}");
        let recorded = records.refunds.lock().unwrap().clone();
        assert_eq!(recorded.len(), 1, "{gateway}");
        assert!(
            body.contains(&format!("\"{}\"", recorded[0].0)),
            "{gateway}"
        );
        assert_eq!(recorded[0].1, "succeeded", "{gateway}");
    }
}

#[test]
fn a_tampered_notification_is_neither_recorded_nor_acknowledged() {
    for gateway in ["payermax", "newpay"] {
        let records = Arc::new(Memory::default());
        let (body, sign) = notification(gateway);
        let tampered = body
            .replacen(
                "\"refundOrderAmt\":\"50000\"",
                "\"refundOrderAmt\":\"90000\"",
                1,
            )
            .replacen("\"refundAmount\":10000", "\"refundAmount\":90000", 1);
        assert_ne!(tampered, body);
        let answer = deliver(gateway, records.clone(), &tampered, sign.as_deref());
        assert_eq!(answer.status(), 400, "{gateway}");
        assert!(records.refunds.lock().unwrap().is_empty());
    }
}

#[test]
fn a_notification_that_cannot_be_recorded_is_not_acknowledged() {
    let records = Arc::new(Memory {
        fail: true,
        ..Memory::default()
    });
    let (body, sign) = notification("payermax");
    let answer = deliver("payermax", records, &body, sign.as_deref());
    assert_eq!(answer.status(), 503);
    assert!(!String::from_utf8_lossy(answer.body()).contains("SUCCESS"));
}
