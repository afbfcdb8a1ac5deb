//! All four gateways through one code path: `&dyn Gateway` built by the registry, neutral
//! requests prepared byte for byte as the vectors, answers decoded (success, refusal,
//! tampered), notifications verified. Expected bytes come from `tests/vectors/` (OpenSSL and
//! Python `cryptography`) and the protocol pages (acknowledgements).

// Test code: a panic is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;

use cli_support::{case, vectors, vectors_dir};
use refundwire::money::{Currency, Money};
use refundwire::time::Timestamp;
use refundwire_std::context::{FixedClock, FixedId};
use refundwire_std::registry::{self, Credentials};
use refundwire_std::{
    Answer, Binding, Context, Error, Gateway, Operation, RefundRequest, RefundStatus,
    StatusRequest, Trust,
};

/// What one gateway's vectors give the shared test.
struct Gateway4 {
    name: &'static str,
    time: &'static str,
    message_id: &'static str,
    refund: RefundRequest,
    /// The refund request vector (its `body`, and its `sign` header where the gateway has one).
    refund_case: &'static str,
    status: StatusRequest,
    /// The status request vector, where there is one.
    status_case: Option<&'static str>,
    /// A signed success answer: its operation, case and the id it is bound to.
    success: (Operation, &'static str, &'static str),
    /// A refusal: its operation, case, and the status it must read.
    refusal: (Operation, &'static str, RefundStatus),
    /// A tampered answer (operation, case).
    tampered: (Operation, &'static str),
    /// The notification case and the acknowledgement the protocol page gives.
    notification: Option<(&'static str, &'static str)>,
}

fn money(amount: &str, currency: &str) -> Money {
    Money::parse_decimal(amount, Currency::from_code(currency).unwrap()).unwrap()
}

fn gateways() -> Vec<Gateway4> {
    let mut sfp_refund = RefundRequest::new(
        "p95748906828836075983",
        "867565088995790",
        money("300.95", "HKD"),
    );
    sfp_refund
        .extras
        .insert("operatorId".into(), "766234".into());
    sfp_refund
        .extras
        .insert("terminalNo".into(), "285819".into());
    let mut pm_refund =
        RefundRequest::new("P8738069560423", "R6030620278683", money("10.50", "USD"));
    pm_refund.reason = Some("customer returned \"size M\" / wrong colour".into());
    let mut np_refund = RefundRequest::new(
        "ORDERNO9256341685878",
        "ORDERNORFD3101222834598",
        money("50000", "LAK"),
    );
    np_refund.reason = Some("reason: damaged & returned".into());
    let status = |refund_id: &str, payment_id: &str| StatusRequest {
        refund_id: refund_id.into(),
        payment_id: payment_id.into(),
    };
    vec![
        Gateway4 {
            name: "ottpay",
            time: "2024-03-05T07:01:23.737+00:00",
            message_id: "",
            refund: RefundRequest::new(
                "202080636083778353374068",
                "RF12415868344978",
                money("515.58", "CAD"),
            ),
            refund_case: "refund_request_with_order_id",
            status: status("RF12415868344978", "202080636083778353374068"),
            status_case: Some("refund_status_query_request"),
            success: (
                Operation::Status,
                "refund_status_query_response",
                "RF12415868344978",
            ),
            refusal: (
                Operation::Refund,
                "refund_response_error_code",
                RefundStatus::Unknown,
            ),
            tampered: (Operation::Refund, "refund_response_wrong_md5"),
            notification: None,
        },
        Gateway4 {
            name: "scanforpay",
            time: "2024-03-05T18:06:05+08:00",
            message_id: "fd03f269-3180-4575-8af0-580483868a29",
            refund: sfp_refund,
            refund_case: "refund_request",
            status: status("867565088995790", "p95748906828836075983"),
            status_case: None,
            success: (
                Operation::Refund,
                "refund_response",
                "fd03f269-3180-4575-8af0-580483868a29",
            ),
            // Code 30 (no such order), signed and bound: nothing was refunded.
            refusal: (
                Operation::Refund,
                "refund_response_order_missing",
                RefundStatus::Failed,
            ),
            tampered: (Operation::Refund, "refund_response_tampered"),
            notification: None,
        },
        Gateway4 {
            name: "payermax",
            time: "2024-03-05T07:01:23.737+00:00",
            message_id: "",
            refund: pm_refund,
            refund_case: "refund_request_usd",
            status: status("R1046563414839", "P1642410680681"),
            status_case: Some("refund_query_request"),
            success: (Operation::Status, "refund_query_response", "R1642411016202"),
            refusal: (
                Operation::Status,
                "refund_query_error_unsigned",
                RefundStatus::Unknown,
            ),
            tampered: (Operation::Status, "refund_query_response_tampered"),
            notification: Some((
                "refund_notification",
                r#"{"code":"SUCCESS","msg":"Success"}"#,
            )),
        },
        Gateway4 {
            name: "newpay",
            time: "2024-03-05T04:46:55.581+00:00",
            message_id: "",
            refund: np_refund,
            refund_case: "refund_request",
            status: status("ORDERNORFD6487059640235", "ORDERNO9256341685878"),
            status_case: Some("inquiry_refund_request"),
            success: (
                Operation::Status,
                "inquiry_refund_response",
                "ORDERNORFD000000000A104",
            ),
            refusal: (
                Operation::Status,
                "inquiry_refund_error",
                RefundStatus::Unknown,
            ),
            tampered: (Operation::Status, "inquiry_refund_response_tampered"),
            notification: Some(("refund_callback", r#"{"transResult":"SUCCESS"}"#)),
        },
    ]
}

/// The gateway, from the vector file's credentials object as it is.
fn build(name: &str) -> Box<dyn Gateway> {
    let credentials = vectors(name)["credentials"].to_string();
    let credentials = Credentials::parse(credentials.as_bytes(), vectors_dir()).unwrap();
    registry::build(name, &credentials).unwrap()
}

/// An HTTP answer carrying a vector case's body (and `sign` header, if the case has one).
fn answer(gateway: &str, name: &str) -> (Vec<u8>, Option<String>) {
    let c = case(gateway, name);
    let sign = c["sign"]
        .as_str()
        .filter(|s| *s != "None")
        .map(str::to_owned);
    (c["body"].as_str().unwrap().as_bytes().to_vec(), sign)
}

fn decode(
    g: &dyn Gateway,
    gateway: &str,
    (operation, name): (Operation, &str),
    expected: &str,
) -> refundwire_std::Result<refundwire_std::RefundOutcome> {
    let (body, sign) = answer(gateway, name);
    let mut response = http::Response::builder().status(200);
    if let Some(sign) = &sign {
        response = response.header("sign", sign.as_str());
    }
    let binding = Binding {
        operation,
        expected: expected.to_owned(),
    };
    g.decode(&binding, response.body(body.as_slice()).unwrap())
}

/// The one code path: nothing below names a gateway.
fn exercise(g: &dyn Gateway, t: &Gateway4) {
    let ctx = Context::system()
        .with_clock(FixedClock(Timestamp::parse_rfc3339(t.time).unwrap()))
        .with_ids(FixedId(t.message_id.into()));

    // Prepare: the exact bytes of the vectors.
    let prepared = g.prepare_refund(&t.refund, &ctx).unwrap();
    let vector = case(t.name, t.refund_case);
    assert_eq!(
        std::str::from_utf8(prepared.request.body()).unwrap(),
        vector["body"].as_str().unwrap(),
        "{}",
        t.name
    );
    assert_eq!(prepared.request.method(), http::Method::POST);
    assert_eq!(
        prepared.request.headers()["content-type"],
        "application/json"
    );
    // Where the signature travels in a header, it is the vector's.
    if g.reply_headers().contains(&"sign") {
        let sign = vector["sign"].as_str().unwrap();
        assert_eq!(prepared.request.headers()["sign"], sign, "{}", t.name);
    }
    assert_eq!(prepared.binding.operation, Operation::Refund);
    let binds_to = if t.message_id.is_empty() {
        t.refund.refund_id.as_str()
    } else {
        t.message_id
    };
    assert_eq!(prepared.binding.expected, binds_to, "{}", t.name);

    let prepared = g.prepare_status(&t.status, &ctx).unwrap();
    assert_eq!(prepared.binding.operation, Operation::Status);
    if let Some(status_case) = t.status_case {
        assert_eq!(
            std::str::from_utf8(prepared.request.body()).unwrap(),
            case(t.name, status_case)["body"].as_str().unwrap(),
            "{}",
            t.name
        );
    }

    // A signed, bound success is definite; the same answer bound to nothing is not.
    let (op, name, bound_to) = t.success;
    let ok = decode(g, t.name, (op, name), bound_to).unwrap();
    assert_eq!(ok.answer, Answer::Accepted, "{}", t.name);
    assert_eq!(ok.status, RefundStatus::Succeeded, "{}", t.name);
    assert_eq!(ok.trust, Trust::signed(true), "{}", t.name);
    assert!(!ok.fields.is_empty());
    let unbound = decode(g, t.name, (op, name), "").unwrap();
    assert_eq!(unbound.status, RefundStatus::Unknown, "{}", t.name);
    assert_eq!(
        unbound.claimed_status,
        RefundStatus::Succeeded,
        "{}",
        t.name
    );
    // Replayed as the answer about another request: refused.
    assert!(
        matches!(
            decode(g, t.name, (op, name), "SOME-OTHER-ID"),
            Err(Error::Codec(refundwire::Error::RequestIdMismatch))
        ),
        "{}",
        t.name
    );

    let (op, name, status) = t.refusal;
    let refusal = decode(g, t.name, (op, name), binds_to).unwrap();
    assert_eq!(refusal.answer, Answer::Refused, "{}", t.name);
    assert_eq!(refusal.status, status, "{}", t.name);
    assert!(!refusal.code.is_empty(), "{}", t.name);

    assert!(
        decode(g, t.name, t.tampered, bound_to).is_err(),
        "{}: a tampered answer decoded",
        t.name
    );

    // Notifications: verified from the raw body and headers, with the page's acknowledgement.
    let request = |name: &str| {
        let (body, sign) = answer(t.name, name);
        let mut request = http::Request::post("/notify");
        if let Some(sign) = sign {
            request = request.header("sign", sign);
        }
        (request, body)
    };
    match t.notification {
        Some((name, ack)) => {
            let (builder, body) = request(name);
            let n = g
                .verify_notification(builder.body(body.as_slice()).unwrap())
                .unwrap();
            assert_eq!(n.outcome.operation, Operation::Notification);
            assert_eq!(n.outcome.trust, Trust::signed(true), "{}", t.name);
            assert!(n.outcome.is_definite(), "{}", t.name);
            assert!(n.outcome.refund_id.is_some(), "{}", t.name);
            assert_eq!(n.ack().body().as_slice(), ack.as_bytes(), "{}", t.name);
            assert_eq!(n.ack().status(), 200);
            // One byte changed in the body: refused.
            let mut forged = body.clone();
            let at = forged.iter().position(|b| *b == b'5').unwrap();
            forged[at] = b'6';
            let (builder, _) = request(name);
            assert!(
                g.verify_notification(builder.body(forged.as_slice()).unwrap())
                    .is_err(),
                "{}",
                t.name
            );
        }
        None => {
            let (builder, body) = request(t.success.1);
            assert!(matches!(
                g.verify_notification(builder.body(body.as_slice()).unwrap()),
                Err(Error::Unsupported(_))
            ));
        }
    }
}

#[test]
fn every_gateway_through_the_same_dyn_gateway_code_path() {
    let all = gateways();
    let names: Vec<&str> = registry::GATEWAYS.iter().map(|e| e.name).collect();
    assert_eq!(names, ["ottpay", "scanforpay", "payermax", "newpay"]);
    for t in &all {
        let g = build(t.name);
        assert_eq!(g.name(), t.name);
        exercise(&*g, t);
    }
}

#[test]
fn a_gateway_object_is_shared_across_threads() {
    let g: std::sync::Arc<dyn Gateway> = build("payermax").into();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let g = g.clone();
            std::thread::spawn(move || {
                decode(
                    &*g,
                    "payermax",
                    (Operation::Status, "refund_query_response"),
                    "R1642411016202",
                )
                .unwrap()
                .status
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), RefundStatus::Succeeded);
    }
}

#[test]
fn bad_requests_are_typed_errors() {
    let ctx = Context::system();
    let ottpay = build("ottpay");
    // OTTPay sends cents: a currency without two decimals is refused, not rescaled.
    let jpy = RefundRequest::new("P", "R", money("100", "JPY"));
    assert!(matches!(
        ottpay.prepare_refund(&jpy, &ctx),
        Err(Error::Codec(refundwire::Error::Amount(_)))
    ));
    // An extra the gateway does not take is refused, not dropped.
    let mut extra = RefundRequest::new("P", "R", money("1.00", "CAD"));
    extra.extras.insert("operatorId".into(), "1".into());
    assert!(matches!(
        ottpay.prepare_refund(&extra, &ctx),
        Err(Error::Input(_))
    ));
    // NewPay takes whole kip: LAK with a fraction is refused.
    let newpay = build("newpay");
    let att = RefundRequest::new("P", "R", money("1.50", "LAK"));
    assert!(newpay.prepare_refund(&att, &ctx).is_err());
    // An account currency in the credentials is enforced.
    let credentials = Credentials::parse(
        br#"{"partner_no":"63012","sign_key":"k","currency":"JPY"}"#,
        ".",
    )
    .unwrap();
    let sfp = registry::build("scanforpay", &credentials).unwrap();
    let usd = RefundRequest::new("P", "R", money("1.00", "USD"));
    assert!(matches!(
        sfp.prepare_refund(&usd, &ctx),
        Err(Error::Input(_))
    ));
    // Unknown gateways and sandboxes a gateway does not have.
    assert!(registry::build("paypal", &credentials).is_err());
    let sandbox = Credentials::parse(
        br#"{"merchant_id":"ON1","sign_key":"4283FEFC63F0CD0E","environment":"sandbox"}"#,
        ".",
    )
    .unwrap();
    assert!(matches!(
        registry::build("ottpay", &sandbox),
        Err(Error::Credentials(_))
    ));
    // An HTTP error page is not an answer.
    let binding = Binding {
        operation: Operation::Status,
        expected: "R".into(),
    };
    let page = http::Response::builder()
        .status(502)
        .body(&b"<html>502 Bad Gateway</html>"[..])
        .unwrap();
    assert!(matches!(
        build("payermax").decode(&binding, page),
        Err(Error::HttpStatus { status: 502, .. })
    ));
}

#[test]
fn a_gateway_never_prints_its_secrets() {
    for name in ["ottpay", "scanforpay", "payermax", "newpay"] {
        let credentials = vectors(name)["credentials"].clone();
        let debug = format!("{:?}", build(name));
        for secret in ["sign_key", "private_key_pkcs8_b64"] {
            if let Some(value) = credentials[secret].as_str() {
                // Any 16-character run of the secret would be a leak.
                for window in value.as_bytes().chunks(16).filter(|c| c.len() == 16) {
                    let window = std::str::from_utf8(window).unwrap();
                    assert!(!debug.contains(window), "{name}: {secret} in {debug}");
                }
            }
        }
        let parsed = Credentials::parse(credentials.to_string().as_bytes(), vectors_dir()).unwrap();
        let debug = format!("{parsed:?}");
        assert!(
            debug.contains("sign_key") || debug.contains("private_key"),
            "{debug}"
        );
        assert!(
            !debug.contains("4283FEFC") && !debug.contains("MIIE"),
            "{debug}"
        );
    }
}
