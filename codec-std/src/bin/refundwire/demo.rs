//! `demo`: the same code path for every gateway, driven by data.
//!
//! Each row names a gateway, a refund, and a reply from the vectors in `tests/vectors/`
//! (computed with OpenSSL and Python `cryptography`, test keys only). The demo prepares the
//! refund through the neutral API, decodes the reply, then shows a tampered copy and the same
//! reply replayed against another refund being refused.

use crate::output::CliError;
use refundwire::money::{Currency, Money};
use refundwire::time::Timestamp;
use refundwire_std::context::{FixedClock, FixedId};
use refundwire_std::registry::{self, Credentials};
use refundwire_std::{Binding, Context, Operation, RefundRequest};
use std::fmt::Write as _;

/// One demo row: everything is data.
struct Row {
    gateway: &'static str,
    vectors: &'static str,
    /// Payment id, refund id, amount in major units, currency.
    refund: (&'static str, &'static str, &'static str, &'static str),
    /// Reason and extras of the refund, request time, and the message id the request carries
    /// where the gateway has one: together they make the vector's request, byte for byte.
    reason: Option<&'static str>,
    extras: &'static [(&'static str, &'static str)],
    time: &'static str,
    message_id: &'static str,
    /// The reply case, its `sign` header if the gateway has one, and the id it is bound to.
    reply_case: &'static str,
    reply_operation: Operation,
    bound_to: &'static str,
    /// A change an attacker would make to the reply's claim (text to find, replacement).
    tamper: (&'static str, &'static str),
}

const ROWS: &[Row] = &[
    Row {
        gateway: "ottpay",
        vectors: include_str!("../../../../tests/vectors/ottpay.json"),
        refund: (
            "202080636083778353374068",
            "RF12415868344978",
            "515.58",
            "CAD",
        ),
        reason: None,
        extras: &[],
        time: "2024-03-05T07:01:23.737+00:00",
        message_id: "",
        reply_case: "refund_status_query_response",
        reply_operation: Operation::Status,
        bound_to: "RF12415868344978",
        tamper: ("hdbR1e6", "hdbR1e7"),
    },
    Row {
        gateway: "scanforpay",
        vectors: include_str!("../../../../tests/vectors/scanforpay.json"),
        refund: ("p95748906828836075983", "867565088995790", "30095", "JPY"),
        reason: None,
        extras: &[("operatorId", "766234"), ("terminalNo", "285819")],
        time: "2024-03-05T18:06:05+08:00",
        message_id: "fd03f269-3180-4575-8af0-580483868a29",
        reply_case: "refund_response",
        reply_operation: Operation::Refund,
        bound_to: "fd03f269-3180-4575-8af0-580483868a29",
        tamper: (r#""status":1"#, r#""status":2"#),
    },
    Row {
        gateway: "payermax",
        vectors: include_str!("../../../../tests/vectors/payermax.json"),
        refund: ("P8738069560423", "R6030620278683", "10.50", "USD"),
        reason: Some("customer returned \"size M\" / wrong colour"),
        extras: &[],
        time: "2024-03-05T07:01:23.737+00:00",
        message_id: "",
        reply_case: "refund_query_response",
        reply_operation: Operation::Status,
        bound_to: "R1642411016202",
        tamper: ("REFUND_SUCCESS", "REFUND_FAILED"),
    },
    Row {
        gateway: "newpay",
        vectors: include_str!("../../../../tests/vectors/newpay.json"),
        refund: (
            "ORDERNO9256341685878",
            "ORDERNORFD3101222834598",
            "50000",
            "LAK",
        ),
        reason: Some("reason: damaged & returned"),
        extras: &[],
        time: "2024-03-05T04:46:55.581+00:00",
        message_id: "",
        reply_case: "inquiry_refund_response",
        reply_operation: Operation::Status,
        bound_to: "ORDERNORFD000000000A104",
        tamper: (r#""tranStatus":1"#, r#""tranStatus":0"#),
    },
];

fn err(e: impl std::fmt::Display) -> CliError {
    CliError::new("demo", e)
}

/// The vector file's credentials, keys inline (the `*_file` members name files next to the
/// vectors, which an installed binary does not have), in the row's account currency.
fn credentials(vectors: &serde_json::Value, currency: &str) -> Result<Credentials, CliError> {
    let mut members = vectors["credentials"]
        .as_object()
        .cloned()
        .ok_or_else(|| err("vectors without credentials"))?;
    members.retain(|name, _| !name.ends_with("_file"));
    members.insert("currency".into(), currency.into());
    Credentials::parse(
        serde_json::Value::Object(members).to_string().as_bytes(),
        ".",
    )
    .map_err(err)
}

/// The vector case called `name`: its body and its `sign`, if any.
fn reply(vectors: &serde_json::Value, name: &str) -> Result<(String, Option<String>), CliError> {
    let case = vectors["cases"]
        .as_array()
        .and_then(|cases| cases.iter().find(|c| c["case"] == name))
        .ok_or_else(|| err(format!("no vector case {name}")))?;
    let body = case["body"]
        .as_str()
        .ok_or_else(|| err("case without body"))?;
    Ok((body.to_owned(), case["sign"].as_str().map(str::to_owned)))
}

fn response(body: &[u8], sign: Option<&str>) -> Result<http::Response<Vec<u8>>, CliError> {
    let mut builder = http::Response::builder().status(200);
    if let Some(sign) = sign {
        builder = builder.header("sign", sign);
    }
    builder.body(body.to_vec()).map_err(err)
}

fn show(row: &Row, out: &mut String) -> Result<(), CliError> {
    let vectors: serde_json::Value = serde_json::from_str(row.vectors).map_err(err)?;
    let gateway =
        registry::build(row.gateway, &credentials(&vectors, row.refund.3)?).map_err(err)?;
    let time = Timestamp::parse_rfc3339(row.time).map_err(err)?;
    let ctx = Context::system()
        .with_clock(FixedClock(time))
        .with_ids(FixedId(row.message_id.to_owned()));
    let (payment, refund_id, amount, currency) = row.refund;
    let currency = Currency::from_code(currency).map_err(err)?;
    let amount = Money::parse_decimal(amount, currency).map_err(err)?;
    let mut refund = RefundRequest::new(payment, refund_id, amount);
    refund.reason = row.reason.map(str::to_owned);
    for (name, value) in row.extras {
        refund
            .extras
            .insert((*name).to_owned(), (*value).to_owned());
    }
    let prepared = gateway.prepare_refund(&refund, &ctx).map_err(err)?;
    let _ = writeln!(out, "== {} ==", row.gateway);
    let _ = writeln!(
        out,
        "refund {refund_id} of {} {} (payment {payment}):\n  {} {}",
        currency.code(),
        row.refund.2,
        prepared.request.method(),
        prepared.request.uri()
    );
    for (name, value) in prepared.request.headers() {
        let _ = writeln!(out, "  {name}: {}", value.to_str().unwrap_or("(binary)"));
    }
    let _ = writeln!(
        out,
        "  body: {}\n  its answer must name: {}",
        String::from_utf8_lossy(prepared.request.body()),
        prepared.binding.expected
    );

    let (body, sign) = reply(&vectors, row.reply_case)?;
    let decode = |body: &[u8], expected: &str| {
        let response = response(body, sign.as_deref())?;
        let (parts, body) = response.into_parts();
        let binding = Binding {
            operation: row.reply_operation,
            expected: expected.to_owned(),
        };
        gateway
            .decode(&binding, http::Response::from_parts(parts, body.as_slice()))
            .map_err(err)
    };
    let outcome = decode(body.as_bytes(), row.bound_to)?;
    let _ = writeln!(
        out,
        "{} answer about {} (vector `{}`): status {} (signed: {}, bound: {}){}",
        row.reply_operation.as_str(),
        row.bound_to,
        row.reply_case,
        outcome.status.as_str(),
        outcome.trust.authenticated,
        outcome.trust.bound,
        outcome
            .amount
            .map(|m| format!(", {} minor units of {}", m.minor, m.currency.code()))
            .unwrap_or_default()
    );
    let tampered = body.replacen(row.tamper.0, row.tamper.1, 1);
    let verdict = match decode(tampered.as_bytes(), row.bound_to) {
        Ok(o) if o.is_definite() => "ACCEPTED (this would be a bug)".to_owned(),
        Ok(o) => format!("decoded, status {}", o.status.as_str()),
        Err(e) => format!("rejected ({e})"),
    };
    let _ = writeln!(
        out,
        "the same answer with `{}` changed to `{}`: {verdict}",
        row.tamper.0, row.tamper.1
    );
    let verdict = match decode(body.as_bytes(), "SOME-OTHER-REFUND") {
        Ok(o) if o.is_definite() => "ACCEPTED (this would be a bug)".to_owned(),
        Ok(o) => format!("decoded, status {}", o.status.as_str()),
        Err(e) => format!("rejected ({e})"),
    };
    let _ = writeln!(
        out,
        "the same answer replayed for another request: {verdict}"
    );
    Ok(())
}

pub fn demo() -> Result<String, CliError> {
    let mut out = String::new();
    for row in ROWS {
        show(row, &mut out)?;
        out.push('\n');
    }
    Ok(out.trim_end().to_owned())
}
