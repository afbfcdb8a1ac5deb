//! `refundwire … scanforpay refund|order-query`.
//!
//! Credentials: `partner_no` and `sign_key`; optionally `time_field` (`requestTime`, the
//! default, or `reqTime`, for accounts that want the field table's name) and `environment`
//! (`production`, the default, `sandbox`, or a base URL).
//! Fields: refund `partnerOrderNo`, `refundNo`, `orderAmount`, optional `operatorId`,
//! `terminalNo`; order-query `partnerOrderNo` and/or `orderNo`, optional `storeNo`.

use super::common::{CliError, Context, Decoded, Explanation};
use refundwire::gateway::scanforpay as core;
use refundwire::json::Object;
use refundwire::time::Timestamp;
use refundwire_std::scanforpay::{
    self as sfp, Refund, ScanForPay, TimeField, order_query_fields, refund_fields,
};
use refundwire_std::{Environment, HttpRequest, Outcome};

const OPERATIONS: &str = "refund, order-query";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Operation {
    Refund,
    OrderQuery,
}

impl Operation {
    fn parse(ctx: &Context) -> Result<Self, CliError> {
        match ctx.operation.as_str() {
            "refund" => Ok(Operation::Refund),
            "order-query" => Ok(Operation::OrderQuery),
            _ => Err(ctx.unknown_operation(OPERATIONS)),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Operation::Refund => "refund",
            Operation::OrderQuery => "order query",
        }
    }
}

/// The merchant the credentials file describes.
fn merchant(ctx: &Context) -> Result<ScanForPay, CliError> {
    let c = &ctx.credentials;
    let time_field = match c.opt_str("time_field")? {
        None | Some("requestTime") => TimeField::RequestTime,
        Some("reqTime") => TimeField::ReqTime,
        Some(other) => {
            return Err(CliError::new(
                "credentials",
                format!("`time_field` must be `requestTime` or `reqTime`, not `{other}`"),
            ));
        }
    };
    let environment = match c.opt_str("environment")? {
        None | Some("production") => Environment::Production,
        Some("sandbox") => Environment::Sandbox,
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            Environment::Custom(url.to_string())
        }
        Some(other) => {
            return Err(CliError::new(
                "credentials",
                format!("`environment` must be production, sandbox or a URL, not `{other}`"),
            ));
        }
    };
    let m = ScanForPay::new(
        c.str("partner_no")?,
        c.str("sign_key")?.as_bytes(),
        environment,
    )
    .map_err(|e| CliError::new("credentials", e))?;
    Ok(m.with_time_field(time_field))
}

/// Names the step a codec error belongs to.
fn failed(step: &'static str, e: refundwire_std::Error) -> CliError {
    use refundwire::Error as E;
    let step = match &e {
        refundwire_std::Error::Codec(c) => match c {
            E::SignatureMismatch(_) | E::SignatureMissing(_) | E::Hex(_) => "verify signature",
            E::RequestIdMismatch => "check reqMsgId",
            E::WrongMessage(_) => "check message kind",
            E::Json { .. } | E::JsonTooDeep | E::DuplicateMember | E::TooManyMembers => {
                "parse JSON"
            }
            _ => step,
        },
        refundwire_std::Error::Input(_) => "fields",
        _ => step,
    };
    CliError::new(step, e)
}

fn request_time(ctx: &Context) -> Result<Timestamp, CliError> {
    if let Some(t) = ctx.request_time()? {
        return Ok(t);
    }
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| CliError::new("clock", e))?
        .as_millis();
    let ms = i64::try_from(ms).map_err(|e| CliError::new("clock", e))?;
    Timestamp::utc(ms).map_err(|e| CliError::new("clock", e))
}

/// Builds the HTTP request from the fields document.
fn build(ctx: &Context, m: &ScanForPay, fields: &[u8]) -> Result<HttpRequest, CliError> {
    let op = Operation::parse(ctx)?;
    let id = match &ctx.req_msg_id {
        Some(id) => id.clone(),
        None => sfp::new_req_msg_id().map_err(|e| CliError::new("reqMsgId", e))?,
    };
    let time = request_time(ctx)?;
    match op {
        Operation::Refund => {
            let refund = refund_fields(fields).map_err(|e| CliError::new("fields", e))?;
            m.refund_request(time, &id, &refund)
        }
        Operation::OrderQuery => {
            let query = order_query_fields(fields).map_err(|e| CliError::new("fields", e))?;
            m.order_query_request(time, &id, &query)
        }
    }
    .map_err(|e| failed("encode", e))
}

pub fn encode(ctx: &Context, fields: &[u8]) -> Result<HttpRequest, CliError> {
    build(ctx, &merchant(ctx)?, fields)
}

fn refused(r: refundwire_std::GatewayRefusal) -> Decoded {
    r.into()
}

/// Decodes a reply bound to `expected` (`""`: not bound, status unknown). Status and trust
/// come from the library as they are, refusals included.
fn decode_with(
    m: &ScanForPay,
    op: Operation,
    body: &[u8],
    expected: &str,
) -> Result<Decoded, CliError> {
    let step = |e| failed("decode", e);
    Ok(match op {
        Operation::Refund => match m.decode_refund(body, expected).map_err(step)? {
            Outcome::Accepted(r) => Decoded::Ok {
                status: r.status,
                trust: r.trust,
                fields: r.fields.into(),
            },
            Outcome::Refused(r) => refused(r),
        },
        Operation::OrderQuery => match m.decode_order_query(body, expected).map_err(step)? {
            Outcome::Accepted(r) => Decoded::Ok {
                status: r.status,
                trust: r.trust,
                fields: r.fields.into(),
            },
            Outcome::Refused(r) => refused(r),
        },
    })
}

pub fn decode(ctx: &Context, body: &[u8]) -> Result<Decoded, CliError> {
    let op = Operation::parse(ctx)?;
    decode_with(&merchant(ctx)?, op, body, ctx.expected_id())
}

pub fn explain(ctx: &Context, input: &[u8], response: bool) -> Result<String, CliError> {
    let op = Operation::parse(ctx)?;
    let m = merchant(ctx)?;
    if response {
        explain_reply(&m, op, input, ctx.expected_id())
    } else {
        explain_request(ctx, &m, op, input)
    }
}

fn key_note(m: &ScanForPay) -> String {
    format!(
        "followed directly by the sign key ({} bytes, not shown): no separator, not HMAC",
        m.credentials()
            .map(|c| c.sign_key().expose().len())
            .unwrap_or(0)
    )
}

fn explain_request(
    ctx: &Context,
    m: &ScanForPay,
    op: Operation,
    fields: &[u8],
) -> Result<String, CliError> {
    let request = build(ctx, m, fields)?;
    let body = request.body_text().map_err(|e| CliError::new("body", e))?;
    let top = Object::parse_str(body).map_err(|e| CliError::new("body", e))?;
    let signed = top
        .get("request")
        .map(|v| v.raw())
        .ok_or_else(|| CliError::new("body", "no `request` member"))?;
    let signature = top
        .get("signature")
        .and_then(|v| v.as_str())
        .map(|s| s.raw())
        .unwrap_or_default();
    let header = Object::parse_str(signed).and_then(|r| r.object("header"));
    let member = |name: &'static str| {
        header
            .and_then(|h| h.str(name))
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    let (time_name, time) = match header.map(|h| h.get("reqTime").is_some()) {
        Ok(true) => ("reqTime", member("reqTime")),
        _ => ("requestTime", member("requestTime")),
    };
    let id = member("reqMsgId");

    let mut x = Explanation::default();
    x.step(
        &format!("ScanForPay {}: credentials", op.name()),
        format!("partnerNo = {}; sign key: never shown", m.partner_no()),
    );
    x.step(
        "Header values",
        format!(
            "{time_name} = {time} (RFC 3339 with offset, to the second); reqMsgId = {id}; signType = {}; version = {}",
            core::SIGN_TYPE,
            core::VERSION
        ),
    );
    x.step(
        &format!(
            "The `request` value, serialized once, exactly as sent ({} bytes)",
            signed.len()
        ),
        signed,
    );
    x.step(
        "String hashed",
        format!("the {} bytes above, {}", signed.len(), key_note(m)),
    );
    x.step("SHA-256 of it, lower-case hex = `signature`", signature);
    x.step(
        "Body: {\"request\":<the bytes above>,\"signature\":\"<hex>\"}",
        body,
    );
    x.step(
        "HTTP",
        format!(
            "{} {} (Content-Type: application/json)",
            request.method, request.url
        ),
    );
    Ok(x.finish())
}

/// A short fingerprint of a 32-byte digest: the first 8 hex digits of its SHA-256. Enough to
/// compare two values by eye; useless for rebuilding either.
fn fingerprint(bytes: &[u8; 32]) -> String {
    let mut sha = refundwire::io::Sha256Sink::new();
    // Writing into a digest cannot fail.
    let _ = refundwire::io::Sink::write(&mut sha, bytes);
    let hex: [u8; 64] = refundwire::encoding::hex_array(&sha.finish(), false);
    String::from_utf8_lossy(hex.get(..8).unwrap_or_default()).into_owned()
}

/// A signature's 32 bytes, when `text` is 64 hex digits (either case).
fn hex_digest(text: &str) -> Option<[u8; 32]> {
    if text.len() != core::SIGNATURE_HEX_LEN {
        return None;
    }
    let mut bytes = [0u8; 32];
    refundwire::encoding::hex_decode(text.as_bytes(), &mut bytes, "signature").ok()?;
    Some(bytes)
}

fn explain_reply(
    m: &ScanForPay,
    op: Operation,
    input: &[u8],
    expected: &str,
) -> Result<String, CliError> {
    let top = Object::parse(input).map_err(|e| CliError::new("parse JSON", e))?;
    let response = top
        .get("response")
        .ok_or_else(|| CliError::new("locate response", "no `response` member"))?;
    let raw = response.raw();
    let span = response.span();
    let creds = m
        .credentials()
        .map_err(|e| CliError::new("credentials", e))?;
    let computed = core::digest(raw.as_bytes(), creds.sign_key());
    // What was received, decoded from hex when it is 64 hex digits (either case).
    // Absent, `null` or empty: unsigned.
    let received_text = top
        .get("signature")
        .filter(|v| !v.is_null())
        .map(|v| match v.as_str() {
            Some(s) => s.raw().to_string(),
            None => v.raw().to_string(),
        })
        .filter(|t| !t.is_empty());
    let received = received_text.as_deref().and_then(hex_digest);
    let unsigned = received_text.is_none();

    let mut x = Explanation::default();
    x.step(
        &format!(
            "ScanForPay {} reply: the raw `response` value, bytes {}..{} of {} (found by the JSON scanner, spacing and position as received)",
            op.name(),
            span.start,
            span.end,
            input.len()
        ),
        raw,
    );
    x.step(
        "`signature` received",
        match (&received_text, received) {
            (None, _) => {
                "UNSIGNED: no signature; nothing this reply says can be trusted".to_string()
            }
            (Some(text), Some(bytes)) => format!("{text} (fingerprint {})", fingerprint(&bytes)),
            (Some(text), None) => format!("{text} (not 64 hex digits)"),
        },
    );
    x.step(
        "String hashed",
        format!("the {} bytes above, {}", raw.len(), key_note(m)),
    );
    // Only a fingerprint of the expected signature is shown: in full, for a reply someone
    // else wrote, it would be a valid signature for them to use.
    x.step(
        "SHA-256 of it: the signature these bytes need (fingerprint only: first 8 hex digits of its SHA-256)",
        fingerprint(&computed),
    );
    let matches = received.is_some_and(|r| refundwire::crypto::ct_eq(&r, &computed));
    x.step(
        "Signature check (hex decoded, either case; bytes compared in constant time)",
        if matches {
            "match"
        } else if unsigned {
            "UNSIGNED: rejected"
        } else {
            "MISMATCH: the bytes are not what was signed, or the sign key is not the one ScanForPay used"
        },
    );
    let kind_and_binding = match core::verify_response(&creds, input, expected) {
        Ok(v) => {
            let answers = v
                .header
                .req_msg_id
                .map(|id| id.to_string())
                .unwrap_or_else(|| "(no reqMsgId)".to_string());
            if expected.is_empty() {
                format!(
                    "a response; it answers {answers}; NOT BOUND: pass --expect-req-msg-id to bind it to your request (until then its status is unknown)"
                )
            } else if v.trust.bound {
                format!("a response; it answers {answers}, as expected: bound")
            } else {
                format!(
                    "a response without a reqMsgId; expected {expected}: NOT BOUND (status unknown)"
                )
            }
        }
        Err(e) => format!("rejected: {}", failed("verify", e.into())),
    };
    x.step(
        "Kind of message and the request it answers (reqMsgId), as the library checks them",
        kind_and_binding,
    );
    let verdict = match decode_with(m, op, input, expected) {
        Ok(decoded) => format!(
            "{} (code 1 is success; refund status 0 → pending, 1 → succeeded, 2 → failed; order status 3 → refunded; definite only when authenticated and bound)",
            decoded.to_json()
        ),
        Err(e) => format!("rejected: {e}"),
    };
    x.step("Decoded (verified first, parsed second)", verdict);
    Ok(x.finish())
}

// The demo: the vector inputs of `tests/vectors/scanforpay.json`, built in.
const DEMO_PARTNER_NO: &str = "63012";
const DEMO_SIGN_KEY: &str = "c4pz0lx9xf26gk7zx5b4ctzkk6oam89o";
const DEMO_TIME: &str = "2024-03-05T18:06:05+08:00";
const DEMO_REQ_MSG_ID: &str = "fd03f269-3180-4575-8af0-580483868a29";
const DEMO_REPLY: &str = r#"{"response":{"header":{"partnerNo":"63012","respTime":"2024-03-05T18:06:12+08:00","signType":"SHA256","version":"1.0","reqMsgId":"fd03f269-3180-4575-8af0-580483868a29"},"body":{"code":1,"msg":"success","orderAmount":30095,"status":1,"currency":"JPY"}},"signature":"b70c824529701a85c4047194f5b232f14551962a3a21485c17b66a3b3932f52e"}"#;
const DEMO_REPLY_REFUSED: &str = r#"{"response":{"header":{"partnerNo":"63012","respTime":"2024-03-05T18:06:12+08:00","signType":"SHA256","version":"1.0","reqMsgId":"fd03f269-3180-4575-8af0-580483868a29"},"body":{"code":30,"msg":"订单不存在"}},"signature":"da82ed76ee89b245f667c6b4ac5465aa289ae2d9f0497354ca24673327aa9488"}"#;

/// Shows a refund built from the vector inputs and the vector replies decoded.
pub fn demo() -> Result<String, CliError> {
    let m = ScanForPay::new(
        DEMO_PARTNER_NO,
        DEMO_SIGN_KEY.as_bytes(),
        Environment::Production,
    )?;
    let time = Timestamp::parse_rfc3339(DEMO_TIME).map_err(|e| CliError::new("demo", e))?;
    let refund = Refund {
        partner_order_no: "p95748906828836075983".into(),
        refund_no: "867565088995790".into(),
        order_amount: 30095,
        operator_id: Some("766234".into()),
        terminal_no: Some("285819".into()),
    };
    let request = m
        .refund_request(time, DEMO_REQ_MSG_ID, &refund)
        .map_err(|e| failed("encode", e))?;
    let body = request.body_text().map_err(|e| CliError::new("body", e))?;
    let decode = |reply: &str| {
        decode_with(&m, Operation::Refund, reply.as_bytes(), DEMO_REQ_MSG_ID).map(|d| d.to_json())
    };
    let unbound = decode_with(&m, Operation::Refund, DEMO_REPLY.as_bytes(), "")?.to_json();
    let as_query = match decode_with(
        &m,
        Operation::OrderQuery,
        DEMO_REPLY.as_bytes(),
        DEMO_REQ_MSG_ID,
    ) {
        Ok(d) => format!("accepted?! {}", d.to_json()),
        Err(e) => format!("rejected: {e}"),
    };
    let tampered = DEMO_REPLY.replace("\"orderAmount\":30095", "\"orderAmount\":30096");
    let rejected = match decode(&tampered) {
        Ok(d) => format!("accepted?! {d}"),
        Err(e) => format!("rejected: {e}"),
    };
    Ok(format!(
        "== ScanForPay refund: signature = SHA-256(the `request` bytes as sent, then the sign key) ==\n\
         {} {}\n{body}\n\n\
         reply:\n{DEMO_REPLY}\n→ {}\n\n\
         refusal (code 30, order does not exist):\n→ {}\n\n\
         the same reply with orderAmount changed to 30096:\n→ {rejected}\n\n\
         the reply not bound to a request (no expected reqMsgId):\n→ {unbound}\n\n\
         the refund reply read as an order query reply:\n→ {as_query}\n",
        request.method,
        request.url,
        decode(DEMO_REPLY)?,
        decode(DEMO_REPLY_REFUSED)?,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_shows_the_vector_bytes_and_outcomes() {
        let text = super::demo().unwrap();
        assert!(text.contains(
            r#""signature":"2a9c033a844d03443c3af95dce5dcea7a71b4fb5e96919acd1a42f7f9426978d"}"#
        ));
        assert!(text.contains(r#"{"outcome":"ok","status":"succeeded","authenticated":true,"bound":true,"fields":{"code":1,"msg":"success","orderAmount":30095,"status":1,"currency":"JPY"}}"#));
        assert!(text.contains(r#"{"outcome":"gateway_error","code":"30","message":"订单不存在","status":"failed","authenticated":true,"bound":true}"#));
        assert!(text.contains("rejected: verify signature"));
        assert!(text.contains(r#"{"outcome":"ok","status":"unknown","authenticated":true,"bound":false,"fields":{"code":1"#));
        assert!(text.contains("rejected: check message kind: not the expected kind of message (given away by `partnerOrderNo`)"));
        assert!(!text.contains(super::DEMO_SIGN_KEY));
    }
}
