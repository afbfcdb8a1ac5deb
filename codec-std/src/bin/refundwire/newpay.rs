//! `refundwire … newpay …`: `refund`, `refund-query` (encode, decode, explain) and
//! `refund-callback` (decode, explain).
//!
//! Credentials: `app_id`, `merchant_id`, the merchant key (`private_key_file` or
//! `private_key_pkcs8_b64`) and NewPay's platform key (`platform_public_key_file` or
//! `platform_public_key_b64`). Fields: refund `refundOrderAmt` (digits, string or integer), `orderNo`,
//! `refundOrderNo`, `refundDesc`, `callBackUrl`; refund-query `refundOrderNo`. `appId`,
//! `merchantId` and `timestamp` may be present too (as in the vectors' `fields`): the ids must
//! then match the credentials, and `timestamp` is used when `--timestamp-ms` (or `--time`,
//! RFC 3339) is absent. With `decode` and `explain --response`, `--expect-req-msg-id` is the
//! `refundOrderNo` the reply must be about: without it a reply still decodes, with
//! `bound: false` and status `unknown`. A refund callback is bound to the merchant's `appId`
//! and takes no `--expect-req-msg-id`.

use super::common::{self, CliError, Context, Decoded, Explanation};
use refundwire::crypto::RsaVerifier;
use refundwire::gateway::newpay as core;
use refundwire::io::{Sha256Sink, Sink};
use refundwire::json::Object;
use refundwire_std::newpay::{self, InquiryRefund, NewPay, Refund};
use refundwire_std::rsa::{RsaPrivateKey, RsaPublicKey};
use refundwire_std::{Environment, HttpRequest, Outcome};
use serde_json::{Map, Value};

const OPERATIONS: &str = "refund, refund-query, refund-callback";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Refund,
    RefundQuery,
    RefundCallback,
}

fn operation(ctx: &Context) -> Result<Op, CliError> {
    match ctx.operation.as_str() {
        "refund" => Ok(Op::Refund),
        "refund-query" => Ok(Op::RefundQuery),
        "refund-callback" => Ok(Op::RefundCallback),
        _ => Err(ctx.unknown_operation(OPERATIONS)),
    }
}

/// The merchant of the credentials file, without keys yet.
fn merchant(ctx: &Context) -> Result<NewPay, CliError> {
    NewPay::new(
        ctx.credentials.str("app_id")?,
        ctx.credentials.str("merchant_id")?,
        Environment::Production,
    )
    .map_err(|e| CliError::new("credentials", e))
}

/// Names the step a codec error comes from.
fn failed(e: refundwire_std::Error) -> CliError {
    use refundwire::Error as E;
    let step = match &e {
        refundwire_std::Error::Codec(
            E::SignatureMismatch(_) | E::SignatureMissing(_) | E::Base64(_),
        ) => "verify",
        refundwire_std::Error::Codec(
            E::Json { .. } | E::JsonTooDeep | E::DuplicateMember | E::TooManyMembers,
        ) => "parse",
        refundwire_std::Error::Codec(E::BufferTooSmall { .. } | E::Signer) => "sign",
        refundwire_std::Error::Codec(E::RequestIdMismatch) => "--expect-req-msg-id",
        refundwire_std::Error::Codec(E::WrongMessage(_)) => "message",
        refundwire_std::Error::Codec(_) => "fields",
        refundwire_std::Error::Key(_) => "key",
        refundwire_std::Error::Input(_) => "input",
        _ => "codec",
    };
    CliError::new(step, e)
}

/// A request read from `fields.json`, with its timestamp.
enum Request {
    Refund(Refund),
    RefundQuery(InquiryRefund),
}

fn now_ms() -> Result<u64, CliError> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| CliError::new("timestamp", e))?;
    u64::try_from(since.as_millis()).map_err(|e| CliError::new("timestamp", e))
}

/// Parses `fields.json`: the business fields, plus optional `appId`/`merchantId` (checked
/// against the credentials) and `timestamp`.
fn request(
    ctx: &Context,
    op: Op,
    merchant: &NewPay,
    fields: &[u8],
) -> Result<(Request, u64), CliError> {
    let mut fields: Map<String, Value> = common::fields_object(fields)?;
    for (name, expected) in [
        ("appId", merchant.app_id()),
        ("merchantId", merchant.merchant_id()),
    ] {
        match fields.shift_remove(name) {
            None => {}
            Some(Value::String(s)) if s == expected => {}
            Some(_) => {
                return Err(CliError::new(
                    "fields",
                    format!("`{name}` differs from the credentials"),
                ));
            }
        }
    }
    let from_fields = match fields.shift_remove("timestamp") {
        None => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| {
            CliError::new("fields", "`timestamp` must be milliseconds, a JSON integer")
        })?),
    };
    let from_option = match ctx.request_time()? {
        Some(t) => {
            Some(u64::try_from(t.unix_ms()).map_err(|_| CliError::new("--time", "before 1970"))?)
        }
        None => None,
    };
    let timestamp = match (from_option, from_fields) {
        (Some(a), Some(b)) if a != b => {
            return Err(CliError::new(
                "--timestamp-ms",
                format!("{a} differs from `timestamp` {b} in the fields"),
            ));
        }
        (Some(t), _) | (None, Some(t)) => t,
        (None, None) => now_ms()?,
    };
    let fields = Value::Object(fields);
    let req = match op {
        Op::Refund => {
            Request::Refund(serde_json::from_value(fields).map_err(|e| CliError::new("fields", e))?)
        }
        Op::RefundQuery => Request::RefundQuery(
            serde_json::from_value(fields).map_err(|e| CliError::new("fields", e))?,
        ),
        Op::RefundCallback => {
            return Err(CliError::new(
                "operation",
                "refund-callback is sent by NewPay: use `decode newpay refund-callback`",
            ));
        }
    };
    Ok((req, timestamp))
}

fn http_request(merchant: &NewPay, req: &Request, timestamp: u64) -> Result<HttpRequest, CliError> {
    match req {
        Request::Refund(r) => merchant.refund_request(timestamp, r),
        Request::RefundQuery(r) => merchant.inquiry_refund_request(timestamp, r),
    }
    .map_err(failed)
}

pub fn encode(ctx: &Context, fields: &[u8]) -> Result<HttpRequest, CliError> {
    let op = operation(ctx)?;
    let merchant = merchant(ctx)?;
    let (req, timestamp) = request(ctx, op, &merchant, fields)?;
    let merchant = merchant.with_private_key(ctx.credentials.private_key()?);
    http_request(&merchant, &req, timestamp)
}

fn decode_with(
    op: Op,
    merchant: &NewPay,
    body: &[u8],
    expected: &str,
) -> Result<Decoded, CliError> {
    let outcome = match op {
        Op::Refund => merchant.decode_refund(body, expected),
        Op::RefundQuery => merchant.decode_inquiry_refund(body, expected),
        Op::RefundCallback => {
            let cb = merchant.decode_refund_callback(body).map_err(failed)?;
            return Ok(Decoded::Ok {
                status: cb.status,
                trust: cb.trust,
                fields: Value::Object(cb.fields),
            });
        }
    };
    Ok(match outcome.map_err(failed)? {
        Outcome::Accepted(r) => Decoded::Ok {
            status: r.status,
            trust: r.trust,
            fields: Value::Object(r.fields),
        },
        Outcome::Refused(r) => r.into(),
    })
}

/// The refund number replies are bound to; a callback is bound to the merchant instead.
fn expected(ctx: &Context, op: Op) -> Result<&str, CliError> {
    ctx.refuse_if(
        op == Op::RefundCallback && ctx.expect_req_msg_id.is_some(),
        "--expect-req-msg-id",
        "a refund callback is bound to the merchant's appId (it names its refund in \
         refundOrderNo)",
    )?;
    Ok(ctx.expected_id())
}

pub fn decode(ctx: &Context, body: &[u8]) -> Result<Decoded, CliError> {
    let op = operation(ctx)?;
    let expected = expected(ctx, op)?;
    let merchant = merchant(ctx)?.with_platform_public_key(ctx.credentials.platform_public_key()?);
    decode_with(op, &merchant, body, expected)
}

fn sha256_hex(bytes: &[u8]) -> String {
    let mut digest = Sha256Sink::new();
    // A digest sink never fails.
    let _ = digest.write(bytes);
    digest.finish().iter().map(|b| format!("{b:02x}")).collect()
}

/// A short fingerprint of a value (first 8 hex digits of its SHA-256), enough to compare.
fn fingerprint(bytes: &[u8]) -> String {
    sha256_hex(bytes).chars().take(8).collect()
}

const RULE: &str = "every member except `sign` whose value is not null, sorted by name (byte \
                    order), `name=value` joined by `&`; empty strings kept, nothing URL-encoded";

fn explain_request(
    ctx: &Context,
    op: Op,
    fields: &[u8],
    out: &mut Explanation,
) -> Result<(), CliError> {
    let merchant = merchant(ctx)?;
    let (req, timestamp) = request(ctx, op, &merchant, fields)?;
    let key = ctx.credentials.private_key()?;
    let key_bits = key.signature_len() * 8;
    let merchant = merchant.with_private_key(key);
    let core_creds = merchant.credentials().map_err(failed)?;
    let mut scratch = vec![0u8; 4096 + fields.len() * 6];
    let signed = match &req {
        Request::Refund(r) => {
            out.step(
                "Operation",
                "NewPay refund (RSA-SHA256 over sorted name=value pairs)",
            );
            core::refund_signed_string(&core_creds, &r.as_codec(), timestamp, &mut scratch)
        }
        Request::RefundQuery(r) => {
            out.step(
                "Operation",
                "NewPay inquiry refund (RSA-SHA256 over sorted name=value pairs)",
            );
            core::inquiry_refund_signed_string(&core_creds, &r.as_codec(), timestamp, &mut scratch)
        }
    }
    .map_err(|e| CliError::new("fields", e))?
    .to_string();
    out.step(
        "Members from the credentials and the clock",
        format!(
            "appId={} merchantId={} timestamp={timestamp} (milliseconds since the epoch)",
            merchant.app_id(),
            merchant.merchant_id()
        ),
    );
    out.step(&format!("String to sign — {RULE}"), &signed);
    out.step(
        "Its bytes (UTF-8)",
        format!(
            "{} bytes, SHA-256 {}",
            signed.len(),
            sha256_hex(signed.as_bytes())
        ),
    );
    let http = http_request(&merchant, &req, timestamp)?;
    let body = http.body_text().map_err(|e| CliError::new("body", e))?;
    let sent: Value = serde_json::from_str(body).map_err(|e| CliError::new("body", e))?;
    let sign = sent
        .get("sign")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    out.step(
        &format!(
            "sign = Base64(RSASSA-PKCS1-v1_5 SHA-256 of the string, merchant private key, \
             {} bits)",
            key_bits
        ),
        &sign,
    );
    out.step(
        "Body (page order: appId, merchantId, timestamp, sign, then the business fields)",
        body,
    );
    let headers: Vec<String> = http
        .headers
        .iter()
        .map(|(n, v)| format!("{n}: {v}"))
        .collect();
    out.step(
        "HTTP",
        format!("{} {}\n   {}", http.method, http.url, headers.join("\n   ")),
    );
    Ok(())
}

fn explain_reply(
    ctx: &Context,
    op: Op,
    body: &[u8],
    out: &mut Explanation,
) -> Result<(), CliError> {
    let expected = expected(ctx, op)?;
    let platform = ctx.credentials.platform_public_key()?;
    let merchant = merchant(ctx)?.with_platform_public_key(platform.clone());
    out.step(
        "Operation",
        match op {
            Op::Refund => "NewPay refund response",
            Op::RefundQuery => "NewPay inquiry-refund response",
            Op::RefundCallback => "NewPay refund callback (NewPay → merchant)",
        },
    );
    out.step(
        &format!("Body received ({} bytes)", body.len()),
        String::from_utf8_lossy(body),
    );
    let top = Object::parse(body).map_err(|e| CliError::new("parse", e))?;
    let (signed_object, sign_name) = if op == Op::RefundCallback {
        (top, "sign")
    } else {
        let success = top.get("success").map(|v| v.raw()).unwrap_or("(absent)");
        out.step(
            "success (top level; `success`, `message`, `code`, `timestamp` are not signed)",
            success,
        );
        if success != "true" {
            out.step(
                "UNSIGNED: a refusal carries no `data` and no signature",
                "anyone on the path could have written it: its code says what NewPay would \
                 claim, but its status is unknown (confirm with refund-query)",
            );
            return explain_result(op, &merchant, body, expected, out);
        }
        match top.object("data") {
            Ok(data) => (data, "data.sign"),
            Err(e) => {
                out.step("data", format!("unusable: {e}"));
                return explain_result(op, &merchant, body, expected, out);
            }
        }
    };
    let names: Vec<String> = signed_object
        .members()
        .filter_map(Result::ok)
        .map(|m| m.name.to_string())
        .filter(|name| name != "sign")
        .collect();
    out.step(
        &format!("Members covered by {sign_name} (all present, known or not; nulls skipped later)"),
        names.join(", "),
    );
    let sign = signed_object
        .get("sign")
        .and_then(|v| v.as_str())
        .map(|s| s.to_string())
        .filter(|s| !s.is_empty());
    out.step(
        &format!("{sign_name} (Base64, as received)"),
        match &sign {
            Some(sign) => format!(
                "{} characters, SHA-256 fingerprint {}",
                sign.len(),
                fingerprint(sign.as_bytes())
            ),
            None => "(absent) — UNSIGNED: nothing in it can be trusted".to_string(),
        },
    );
    let mut scratch = vec![0u8; body.len()];
    match core::signed_string(&signed_object, &mut scratch) {
        Ok(signed) => {
            out.step(&format!("String to verify — {RULE}"), signed);
            out.step(
                "Its bytes (UTF-8)",
                format!(
                    "{} bytes, SHA-256 {}",
                    signed.len(),
                    sha256_hex(signed.as_bytes())
                ),
            );
            let verdict = match sign {
                None => "FAILED: no signature (UNSIGNED)".to_string(),
                Some(sign) => {
                    let mut raw = sign.into_bytes();
                    match refundwire::encoding::base64_decode_lenient_in_place(&mut raw, sign_name)
                    {
                        Err(e) => format!("FAILED: {e}"),
                        Ok(sig) => match platform.verify_sha256(signed.as_bytes(), sig) {
                            Ok(()) => format!("OK ({}-bit signature)", sig.len() * 8),
                            Err(_) => "FAILED: the signature does not match this string \
                                       (tampered data, or another key)"
                                .to_string(),
                        },
                    }
                }
            };
            out.step(
                "RSASSA-PKCS1-v1_5 SHA-256 verification with NewPay's platform public key",
                verdict,
            );
        }
        Err(e) => out.step(
            "String to verify",
            format!(
                "refused: {e} — a name with `&` or `=`, or a value with an `=` after an `&`, \
                 would let the signed string be read as other members"
            ),
        ),
    }
    explain_result(op, &merchant, body, expected, out)
}

fn explain_result(
    op: Op,
    merchant: &NewPay,
    body: &[u8],
    expected: &str,
    out: &mut Explanation,
) -> Result<(), CliError> {
    match op {
        Op::RefundCallback => out.step(
            "Binding",
            format!(
                "to the merchant: the signed appId must be {}",
                merchant.app_id()
            ),
        ),
        _ if expected.is_empty() => out.step(
            "Binding",
            "none (no --expect-req-msg-id): the reply is not bound to a refund, so its status \
             is unknown",
        ),
        _ => out.step(
            "Binding",
            format!("the signed data.refundOrderNo must be {expected}"),
        ),
    }
    match decode_with(op, merchant, body, expected) {
        Ok(decoded) => out.step("Result (what `decode` prints)", decoded.to_json()),
        Err(e) => out.step("Result: rejected (`decode` exits 1)", e),
    }
    if op == Op::RefundCallback {
        out.step(
            "Status",
            "read from transStatus together with transInfo: NewPay's pages disagree on \
             transStatus (table 1 = success, example 0 with \"Transaction Success\"), so \
             only a transInfo saying success/fail decides; otherwise unknown — confirm with \
             refund-query",
        );
        out.step(
            "Answer NewPay once stored (else it retries every 5 minutes, 3 times)",
            String::from_utf8_lossy(newpay::CALLBACK_ACK),
        );
    }
    Ok(())
}

pub fn explain(ctx: &Context, input: &[u8], response: bool) -> Result<String, CliError> {
    let op = operation(ctx)?;
    let mut out = Explanation::default();
    if response || op == Op::RefundCallback {
        explain_reply(ctx, op, input, &mut out)?;
    } else {
        explain_request(ctx, op, input, &mut out)?;
    }
    Ok(out.finish())
}

// The demo's built-in inputs: `tests/vectors/newpay.json` (test keys made for the vectors).
const DEMO_APP_ID: &str = "e585552fac954ab592c9357d34accd78";
const DEMO_MERCHANT_ID: &str = "7e0ab2ed31b1c27e976699cc6ed5d1bf";
const DEMO_MERCHANT_KEY: &str = "MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQDFjYjj7dLCJsD/4gb/r0QczdidlkTWwXkvjmB5tRyI8dgCz4/I8scQyHblvLuGPZiPFhdL30wB2JaqvyLK7CrfaeUdj7JnQJ0jXfc/D4iFUMOrW9ps31FAjyP9LN/gGTLU/G+9l0m4JGsgsZZ6laRKGLpqQSua8n2ySDgzfZT1v9+CkLiRik1a8DY5pI5pCCbNjTopWZ8yqbCGtgIpxjpUjuRXrR34rnOSxBxU9ClHbEFGgsLTEPYOMcKbyBiHPOwR6jUbEJ1e8xlnr7qu9VpO5G8s+44aLnNbEJV1Ti+DpP7EAv816OBBvUJX6FC3+1c1HgW0FngJ5EhKnoCDj1dVAgMBAAECggEAEBhx6rIrLbGMdXyuryEnm++DN9mxAPdRSULg0OG6R10USVcBwxtRWpMeqXqjo7Jmjjfm94H5YR11Wcg0tz2f2O/kNdufQI2G5VqypOMThNskShSehVLPkwKRPyorZl3fN/Ow+KHiz3uQyos1ibDMqn3Scwryw3nWLGhObew22VZ0cv6TBs9kl+/VD1G0KGLlA5012AKcfwBkl/nFfk0KSqkAk/hjKBlsLZc8iZ6IUzLXpuFi4M/2tw2DuJiTVIwaynP9EBdvn/ZCR6FfSWnWQtxFVoHZB9Sa6HlL0XwGftSmfOIxghcBqpY2BUEFji39/nGVYQvnzCLslzrC0dX7cQKBgQD5E2ZBtt30fO0vzr/tvGclaUHeQxfBpa/oUtBENrdHsmE68UdsJhpYOU89dXa+miN05YPAEfJawgHrAgqbLicEqDSYa+MbGarkQBro70VPf1gnJIUDQKdkci1dfOVOwCdMtDtlZJYyvn6ktejzY3944AJl1LFzeKULuy9NloghcQKBgQDLC3YqoxYTa7ioCGt5hyNq2g24otzHkzSrIInhDoxuqqJku9jGDztOOqswVBcD8C2Nr4fABuvdYiRi75r3NAtJxVk/XaU21f+AUNuPdvmVazhSftXebV4ooby1sYxYaxdytdMMcyH0X4dA5CNS1i58oUlziMtfljHQOlVNi8miJQKBgQC1wrtffyQPs06fEaAry831lg80M//VF6T7w9spvEgZcQnVKpe1S0T0VrYFon+J7g+r0YVIl5AlPOiLZ8z3m0Fr+5eOF0T+1MdJk6JPk7QfpE1fGx5Z1keRXGTQkUEBK+ZB6lBh2HpnA26Foh4h5tzyB36YcxMfsc23dty5IP2scQKBgQCjO7io+GmT/WL7e6FjlxgLG/gx+oSB0b9i4ArYqsiNY5KgZ0ATokUsVBAyDzhdiyYkJPx+jVHrra3Q+A3eNLHqgcSJI7Dhz9LThq2svZpS3FrwP1WSttwe0EAU1gMdRiMYrkJYXOrsOixTJ9WaD+RZf5S8VDojw2ySmYLgj8PvHQKBgQCKSazIO4+yPnDeWrLKC+/ZWo+BVi21m13ixvz9juJEwUYhDVzAY0TZYr6B8lEpvDI/x7BL+8xI2wmmlhtoV/QFepd3AkCA25DsP0NcAs3zT8VV4sTjbedFnm1mEhxOg9rDBFvoQRIppDgSlw9mlseeTciQYn1WYPklHD2xa9sG7A==";
const DEMO_PLATFORM_KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwWVMXvEg3a/k8kNnQ5W7KMBg4GZKKRSCrk/aJiUPkqOMYUsUiMPr7J35o5K0Tmsf9Oww2PiyV/4/0VfBB63RfZ2CdV/kv7UccjIaoCC6klU09vgn6Bx09yIIvGZzTIz751h6hfpCaG8wvdTHB0Qj+yN1/EoNXSEkf1SVS3fB7rZc0yFzP7uGs8Xw0JU6gyj06S7kSu9aXiJ2T0yFbvDTkJIZ5Tez1fSVDXdnv//86lI9KQlWLCyRZxtOwMrgOkw9+TCPoJeq+h981j20oz0MUa8+P/HZK/Up9f3C7og/RWSOceK8fZUtJtLGnQWD4G2K3cETw4ouKCGsJy1McHCKYQIDAQAB";
/// `inquiry_refund_response_unknown_fields`: signed members the codec does not know.
const DEMO_INQUIRY_REPLY: &str = r#"{"success":true,"message":"success","data":{"appId":"e585552fac954ab592c9357d34accd78","tranAbbr":null,"tranNo":"00012022090700000037","tranStatus":1,"tranInfo":"success","refundOrderAmt":"50000","payMethod":1,"currency":"LAK","orderNo":"ORDERNO000000000A104","newpayOrderNo":"202209076000000321","refundOrderNo":"ORDERNORFD000000000A104","newpayRefundOrderNo":"202209078000000702","refundSuccess":true,"settleDate":"20240305","sign":"e0deNtWMUWtVTpwG0Hh0UCgIjZ3yJdmPSro9sunUHY2p16UAN3h44pQSf71DNW8SqLjIOvJYSYs/3tUHg9LfEVXgJuieDLgCPGNhAOqUhSHM0wmSgrWLiAIAU3S8IR2Z7pjerTMD0O/F/dWdD1q49idaQL5DzYp2Vz/5jutjkMs915b4L2ZUa7EKP75s9T214OP3Ort3SSNSWswdL5aGiMy1sWg0vOuQG3ikpg0S4saymeGYlGQIehJSYsiLzKyMzUOqhz+GNU2ODw6IAEbq5JJwm/y65NCm/uoBE1pYF7jAtR8/RVu82dy1wcHHfWCP67/WqZe3MsoZT+wg2N/tqw=="},"code":"0","timestamp":"1709614016081"}"#;
/// The refund number `DEMO_INQUIRY_REPLY` is about.
const DEMO_REFUND_ORDER_NO: &str = "ORDERNORFD000000000A104";
/// `inquiry_refund_error`.
const DEMO_REFUSAL: &str = r#"{"success":false,"message":"order information is not existed","code":"Z00051","timestamp":"1709614015581"}"#;
/// `refund_callback`.
const DEMO_CALLBACK: &str = r#"{"appId":"e585552fac954ab592c9357d34accd78","payMethod":1,"refundOrderAmt":"50000","currency":"LAK","newpayOrderNo":"202209076000000321","newpayRefundOrderNo":"202209078000000702","orderNo":"ORDERNO000000000A104","refundOrderNo":"ORDERNORFD000000000A104","transStatus":1,"transInfo":"Transaction Success","timestamp":1709614016481,"sign":"KwHuqqmZkGkRk46wXpO6vT+XJ32s8ASo/0edmcOzaVi0yYmfBQ64Mj+vih8XaEtis7yk8rV1iM7HR6J+rxaE+MsSpX47tFTPU1O1DIF/UTEGCAruegTvNkBYQOOGzolLyDJiAcP4VdsAFkRxvwZ6eM08uopExro+dSBLmLWRmJEbn3iOo0lmwrihEZVbDNh+wrbK8l7yRQuHE9xOimiE7ITrNBTZumrBETcUpqExHfXDA2UANqHramhLe/cdQ9ww+LpmXgg4QFniz3UKLfuzm2b6zYKqC1QkxuCtNfYmWv0BiPAw9VGDMCngn9ea+uNJY9la0r4ON4X8H6A3J24jgA=="}"#;

pub fn demo() -> Result<String, CliError> {
    let demo = |e: refundwire_std::Error| CliError::new("demo", e);
    let merchant = NewPay::new(DEMO_APP_ID, DEMO_MERCHANT_ID, Environment::Production)
        .map_err(demo)?
        .with_private_key(RsaPrivateKey::from_any(DEMO_MERCHANT_KEY.as_bytes()).map_err(demo)?)
        .with_platform_public_key(
            RsaPublicKey::from_any(DEMO_PLATFORM_KEY.as_bytes()).map_err(demo)?,
        );
    let refund = Refund {
        refund_order_amt: 50000,
        order_no: "ORDERNO9256341685878".into(),
        refund_order_no: "ORDERNORFD3101222834598".into(),
        refund_desc: "reason: damaged & returned".into(),
        call_back_url: String::new(),
    };
    let timestamp = 1_709_614_015_581;
    let mut scratch = [0u8; 1024];
    let signed = core::refund_signed_string(
        &merchant.credentials().map_err(demo)?,
        &refund.as_codec(),
        timestamp,
        &mut scratch,
    )
    .map_err(|e| CliError::new("demo", e))?
    .to_string();
    let http = http_request(&merchant, &Request::Refund(refund), timestamp)?;
    let body = http.body_text().map_err(|e| CliError::new("demo", e))?;

    let mut out = String::from(
        "== NewPay refund: sign = Base64(SHA256WithRSA of the sorted name=value pairs, \
         merchant key) ==\n",
    );
    out.push_str(&format!("POST {}\n", http.url));
    out.push_str(&format!("string to sign: {signed}\n"));
    out.push_str(&format!("{body}\n"));
    let show =
        |title: &str, body: &str, decoded: String| format!("\n{title}:\n{body}\n→ {decoded}\n");
    let reply = decode_with(
        Op::RefundQuery,
        &merchant,
        DEMO_INQUIRY_REPLY.as_bytes(),
        DEMO_REFUND_ORDER_NO,
    )?;
    out.push_str(&show(
        &format!(
            "inquiry reply bound to {DEMO_REFUND_ORDER_NO} (signs refundSuccess and \
             settleDate, which no field table lists)"
        ),
        DEMO_INQUIRY_REPLY,
        reply.to_json(),
    ));
    let unbound = decode_with(
        Op::RefundQuery,
        &merchant,
        DEMO_INQUIRY_REPLY.as_bytes(),
        "",
    )?;
    out.push_str(&format!(
        "\nthe same reply without a refund number to bind it to:\n→ {}\n",
        unbound.to_json()
    ));
    let refusal = decode_with(
        Op::RefundQuery,
        &merchant,
        DEMO_REFUSAL.as_bytes(),
        DEMO_REFUND_ORDER_NO,
    )?;
    out.push_str(&show(
        "refusal (Z00051, order does not exist; refusals are not signed, so status unknown)",
        DEMO_REFUSAL,
        refusal.to_json(),
    ));
    let rejected = |body: &str| match decode_with(
        Op::RefundQuery,
        &merchant,
        body.as_bytes(),
        DEMO_REFUND_ORDER_NO,
    ) {
        Ok(_) => "ACCEPTED (this is a bug)".to_string(),
        Err(e) => format!("rejected: {e}"),
    };
    let tampered = DEMO_INQUIRY_REPLY.replace("\"50000\"", "\"5000\"");
    out.push_str(&format!(
        "\nthe same inquiry reply with refundOrderAmt changed to 5000:\n→ {}\n",
        rejected(&tampered)
    ));
    let folded = DEMO_INQUIRY_REPLY.replace(
        "\"tranNo\":\"00012022090700000037\",\"tranStatus\":1,",
        "\"tranNo\":\"00012022090700000037&tranStatus=1\",",
    );
    out.push_str(&format!(
        "\nthe same reply with tranStatus folded into tranNo (same string-to-sign):\n→ {}\n",
        rejected(&folded)
    ));
    let callback = decode_with(Op::RefundCallback, &merchant, DEMO_CALLBACK.as_bytes(), "")?;
    out.push_str(&show(
        &format!(
            "refund callback (answer {})",
            String::from_utf8_lossy(newpay::CALLBACK_ACK)
        ),
        DEMO_CALLBACK,
        callback.to_json(),
    ));
    Ok(out)
}
