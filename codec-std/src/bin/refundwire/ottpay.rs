//! `refundwire … ottpay refund|refund-query`.

use super::common::{CliError, Context, Decoded, Explanation};
use refundwire::canonical::{self, NumberForm};
use refundwire::encoding;
use refundwire::gateway::ottpay as core;
use refundwire::io::Cursor;
use refundwire::json::Object;
use refundwire_std::ottpay::{OttPay, Refund, refund_fields};
use refundwire_std::{Environment, HttpRequest, Outcome};
use serde::Deserialize;

const OPERATIONS: &str = "refund, refund-query";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    order_id: String,
}

/// OTTPay has no request time: `--time`/`--timestamp-ms` are accepted and have no effect, so
/// that a script can pin the time for every gateway alike.
fn merchant(ctx: &Context) -> Result<OttPay, CliError> {
    let c = &ctx.credentials;
    Ok(OttPay::new(
        c.str("merchant_id")?,
        c.str("sign_key")?.as_bytes(),
        Environment::Production,
    )?)
}

fn query_fields(fields: &[u8]) -> Result<Query, CliError> {
    serde_json::from_slice(fields).map_err(|e| CliError::new("fields", e))
}

pub fn encode(ctx: &Context, fields: &[u8]) -> Result<HttpRequest, CliError> {
    let m = merchant(ctx)?;
    match ctx.operation.as_str() {
        "refund" => {
            Ok(m.refund_request(&refund_fields(fields).map_err(|e| CliError::new("fields", e))?)?)
        }
        "refund-query" => Ok(m.refund_status_request(&query_fields(fields)?.order_id)?),
        _ => Err(ctx.unknown_operation(OPERATIONS)),
    }
}

fn refused(r: refundwire_std::GatewayRefusal) -> Decoded {
    r.into()
}

pub fn decode(ctx: &Context, body: &[u8]) -> Result<Decoded, CliError> {
    let m = merchant(ctx)?;
    let step = |e| CliError::new("decode", e);
    match ctx.operation.as_str() {
        "refund" => Ok(match m.decode_refund(body).map_err(step)? {
            Outcome::Accepted(r) => Decoded::Ok {
                status: r.status,
                trust: refundwire::Trust::default(),
                fields: r.fields.into(),
            },
            Outcome::Refused(r) => refused(r),
        }),
        "refund-query" => Ok(match m.decode_refund_status(body).map_err(step)? {
            Outcome::Accepted(r) => Decoded::Ok {
                status: r.status,
                trust: refundwire::Trust::default(),
                fields: r.fields.into(),
            },
            Outcome::Refused(r) => refused(r),
        }),
        _ => Err(ctx.unknown_operation(OPERATIONS)),
    }
}

/// Runs `write` into a scratch buffer and returns what it wrote as text.
fn text_of(
    write: impl FnOnce(&mut Cursor<'_>) -> refundwire::Result<()>,
) -> Result<String, CliError> {
    let mut buf = vec![0u8; 1 << 16];
    let mut cursor = Cursor::new(&mut buf);
    write(&mut cursor).map_err(|e| CliError::new("explain", e))?;
    Ok(String::from_utf8_lossy(cursor.written()).into_owned())
}

fn md5_hex(bytes: &[u8]) -> String {
    let mut d = refundwire::io::Md5Sink::new();
    let _ = refundwire::io::Sink::write(&mut d, bytes);
    String::from_utf8_lossy(&encoding::hex_array::<16, 32>(&d.finish(), true)).into_owned()
}

fn explain_key(ex: &mut Explanation, md5: &str, sign_key: &str) {
    ex.step(
        "String hashed for the AES key: md5 followed by the sign key (key not shown)",
        format!("{md5} + <sign_key, {} bytes>", sign_key.len()),
    );
    let derived = md5_hex(format!("{md5}{sign_key}").as_bytes());
    ex.step("Upper-case hex MD5 of it", &derived);
    ex.step(
        "AES-128 key: characters 8..24 of that, used as ASCII bytes",
        &derived[8..24],
    );
}

pub fn explain(ctx: &Context, input: &[u8], response: bool) -> Result<String, CliError> {
    let sign_key = ctx.credentials.str("sign_key")?;
    let creds = core::Credentials::new(ctx.credentials.str("merchant_id")?, sign_key.as_bytes())
        .map_err(|e| CliError::new("credentials", e))?;
    let mut ex = Explanation::default();
    if response {
        return explain_response(&creds, sign_key, input, ex);
    }
    let refund;
    let query;
    let action = match ctx.operation.as_str() {
        "refund" => {
            let f: Refund = refund_fields(input).map_err(|e| CliError::new("fields", e))?;
            refund = (f.order_id, f.ori_order_id, f.refund_amt);
            core::Action::Refund(core::RefundRequest {
                order_id: refund.0.as_deref(),
                ori_order_id: &refund.1,
                refund_amt: refund.2,
            })
        }
        "refund-query" => {
            query = query_fields(input)?.order_id;
            core::Action::RefundStatusQuery(core::RefundStatusQuery { order_id: &query })
        }
        _ => return Err(ctx.unknown_operation(OPERATIONS)),
    };
    ex.step("Action", action.name());
    let plaintext = text_of(|c| action.write_json(c).map(|_| ()))?;
    ex.step(
        "Business JSON (the plaintext that is encrypted)",
        &plaintext,
    );
    let data = Object::parse(plaintext.as_bytes()).map_err(|e| CliError::new("explain", e))?;
    let sorted = text_of(|c| canonical::sorted_values(&data, NumberForm::Plain, c).map(|_| ()))?;
    ex.step(
        "Values sorted by member name, concatenated (the string that is hashed)",
        &sorted,
    );
    let md5 = md5_hex(sorted.as_bytes());
    ex.step("md5 = upper-case hex MD5 of it", &md5);
    explain_key(&mut ex, &md5, sign_key);
    let mut out = vec![0u8; 4096];
    let body = core::encode(&creds, action, &mut out).map_err(|e| CliError::new("encode", e))?;
    let body = String::from_utf8_lossy(body).into_owned();
    let envelope: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| CliError::new("explain", e))?;
    ex.step(
        "data = Base64(AES-128-ECB, PKCS#7)",
        envelope
            .get("data")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default(),
    );
    ex.step("Request body", body);
    Ok(ex.finish())
}

fn explain_response(
    creds: &core::Credentials<'_>,
    sign_key: &str,
    input: &[u8],
    mut ex: Explanation,
) -> Result<String, CliError> {
    let envelope: serde_json::Value =
        serde_json::from_slice(input).map_err(|e| CliError::new("envelope", e))?;
    let member = |name: &str| envelope.get(name).cloned().unwrap_or_default();
    ex.step(
        "rsp_code / rsp_msg",
        format!("{} / {}", member("rsp_code"), member("rsp_msg")),
    );
    let Some(md5) = envelope.get("md5").and_then(serde_json::Value::as_str) else {
        ex.step(
            "No md5/data: the envelope is read as the gateway's answer",
            envelope,
        );
        return Ok(ex.finish());
    };
    ex.step("md5 (from the reply)", md5);
    let mut body = input.to_vec();
    let decoded = core::decode(creds, &mut body);
    match decoded {
        Ok(refundwire::Reply::Accepted(v)) => {
            // The AES key is shown only for a reply that verified: for bytes someone else
            // wrote, the key their md5 selects would let them encrypt a reply that passes.
            explain_key(&mut ex, md5, sign_key);
            ex.step("Decrypted business JSON", v.data.raw());
            for (form, name) in [
                (NumberForm::Plain, "plain numbers"),
                (NumberForm::JavaDouble, "Java double numbers"),
            ] {
                if let Ok(sorted) =
                    text_of(|c| canonical::sorted_values(&v.data, form, c).map(|_| ()))
                {
                    ex.step(&format!("Sorted values ({name})"), &sorted);
                    ex.step("Their MD5", md5_hex(sorted.as_bytes()));
                }
            }
            ex.step(
                "Verified: md5 matches, number form",
                format!("{:?}", v.md5_form),
            );
        }
        Ok(refundwire::Reply::Refused(r)) => ex.step("Gateway refusal", r.code),
        Err(e) => ex.step(
            "REJECTED (the AES key is withheld for replies that do not verify)",
            e,
        ),
    }
    Ok(ex.finish())
}

/// A refund built, explained and decoded with the conformance vectors' credentials.
pub fn demo() -> Result<String, CliError> {
    let merchant = OttPay::new("ON43915000", b"4283FEFC63F0CD0E", Environment::Production)?;
    let refund = Refund {
        order_id: Some("RF12415868344978".into()),
        ori_order_id: "202080636083778353374068".into(),
        refund_amt: 51558,
    };
    let request = merchant.refund_request(&refund)?;
    let reply = br#"{"rsp_code":"SUCCESS","rsp_msg":"success","data":"E7dJF8NES/AYvTvAyeC5R5bNen9JfOQXN7x4WvXs617yMuRWXPjZ9FrYSn5scda6tdMBfgJbsB/ErU6k1EoDujnLLDI/MEN6Jvb2O9hrgXSKEtf+ZaZ2q8yCk7b01Ref","md5":"D110A36076C121F25E65BFB66410550F"}"#;
    let outcome = merchant.decode_refund(reply)?;
    let fields = match &outcome {
        Outcome::Accepted(r) => format!(
            "{} — {}",
            r.status.as_str(),
            serde_json::Value::from(r.fields.clone())
        ),
        Outcome::Refused(r) => format!("refused: {} {}", r.code, r.message),
    };
    Ok(format!(
        "== OTTPay refund ==\nPOST {}\n{}\nreply decoded: {fields}\n",
        request.url,
        request.body_text().unwrap_or_default(),
    ))
}
