//! `refundwire … ottpay refund|refund-query`.
//!
//! Credentials: `merchant_id` and `sign_key`. Fields: refund `ori_order_id`, `refund_amt`,
//! optional `order_id`; refund-query `order_id`. `--expect-req-msg-id` is the refund order id
//! (`order_id`) a reply must name.
//!
//! An OTTPay `REFUND` reply's status is never definite (`rsp_code` is outside `md5`): `decode`
//! says so on stderr, `explain` in its steps; `refund-query` gives the definite status.

use super::common::{CliError, Context, Decoded, Explanation};
use refundwire::canonical::{self, NumberForm};
use refundwire::encoding;
use refundwire::gateway::ottpay as core;
use refundwire::io::{Cursor, Md5Sink, Sha256Sink, Sink as _};
use refundwire::json::Object;
use refundwire::{RefundStatus, Reply, Trust, Verdict};
use refundwire_std::ottpay::{OttPay, Refund, refund_fields};
use refundwire_std::{Environment, HttpRequest, Outcome};
use serde::Deserialize;

const OPERATIONS: &str = "refund, refund-query";

/// Said wherever a `REFUND` reply's status is shown.
const REFUND_NEVER_DEFINITE: &str = "an OTTPay REFUND reply's status is never definite \
     (rsp_code is outside md5); confirm it with refund-query";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Operation {
    Refund,
    RefundQuery,
}

impl Operation {
    fn parse(ctx: &Context) -> Result<Self, CliError> {
        match ctx.operation.as_str() {
            "refund" => Ok(Operation::Refund),
            "refund-query" => Ok(Operation::RefundQuery),
            _ => Err(ctx.unknown_operation(OPERATIONS)),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    order_id: String,
}

/// OTTPay has no request time: `--time`/`--timestamp-ms` are accepted (and checked) and have
/// no effect, so that a script can pin the time for every gateway alike. OTTPay has no
/// sandbox either: an `environment` other than `production` is refused, not ignored (every
/// OTTPay call is a real transaction).
fn merchant(ctx: &Context) -> Result<OttPay, CliError> {
    let c = &ctx.credentials;
    ctx.request_time()?;
    match c.opt_str("environment")? {
        None | Some("production") => {}
        Some(other) => {
            return Err(CliError::new(
                "credentials",
                format!("OTTPay has no `{other}` environment: it has production only (no sandbox)"),
            ));
        }
    }
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
    match Operation::parse(ctx)? {
        Operation::Refund => {
            Ok(m.refund_request(&refund_fields(fields).map_err(|e| CliError::new("fields", e))?)?)
        }
        Operation::RefundQuery => Ok(m.refund_status_request(&query_fields(fields)?.order_id)?),
    }
}

/// Names the step a codec error belongs to: a reply naming another refund than
/// `--expect-req-msg-id` is that option's failure; everything else is decoding's.
fn failed(e: refundwire_std::Error) -> CliError {
    let step = match &e {
        refundwire_std::Error::Codec(refundwire::Error::RequestIdMismatch) => "--expect-req-msg-id",
        _ => "decode",
    };
    CliError::new(step, e)
}

pub fn decode(ctx: &Context, body: &[u8]) -> Result<Decoded, CliError> {
    let m = merchant(ctx)?;
    let expected = ctx.expected_id();
    Ok(match Operation::parse(ctx)? {
        Operation::Refund => match m.decode_refund(body, expected).map_err(failed)? {
            Outcome::Accepted(r) => {
                // The output shape has no room for it; a reader of stdout sees status unknown.
                eprintln!(
                    "refundwire: note: {REFUND_NEVER_DEFINITE} (it claims {})",
                    r.claimed_status.as_str()
                );
                Decoded::Ok {
                    status: r.status,
                    trust: r.trust,
                    fields: r.fields.into(),
                }
            }
            Outcome::Refused(r) => r.into(),
        },
        Operation::RefundQuery => match m.decode_refund_status(body, expected).map_err(failed)? {
            Outcome::Accepted(r) => Decoded::Ok {
                status: r.status,
                trust: r.trust,
                fields: r.fields.into(),
            },
            Outcome::Refused(r) => r.into(),
        },
    })
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
    let mut d = Md5Sink::new();
    let _ = d.write(bytes);
    String::from_utf8_lossy(&encoding::hex_array::<16, 32>(&d.finish(), true)).into_owned()
}

/// A short fingerprint of a value that is not shown: the first 8 hex digits of its SHA-256.
/// Enough to compare with one's own computation, not to recover or reuse the value.
fn fingerprint(bytes: &[u8]) -> String {
    let mut d = Sha256Sink::new();
    let _ = d.write(bytes);
    let hex = encoding::hex_array::<32, 64>(&d.finish(), false);
    String::from_utf8_lossy(hex.get(..8).unwrap_or_default()).into_owned()
}

/// The AES key step: how it is made, and only a fingerprint of it. With the key itself anyone
/// could encrypt another business object whose value digest is that md5.
fn explain_key(ex: &mut Explanation, creds: &core::Credentials<'_>, md5: &str) {
    let key = core::aes_key(md5.as_bytes(), creds.sign_key());
    ex.step(
        "AES-128 key: characters 8..24 of upper-case hex MD5(md5 + sign key), as ASCII bytes",
        format!(
            "{md5} + <sign_key, {} bytes>; the key is a secret and is not shown \
             (SHA-256 fingerprint {})",
            creds.sign_key().expose().len(),
            fingerprint(&key[..])
        ),
    );
}

pub fn explain(ctx: &Context, input: &[u8], response: bool) -> Result<String, CliError> {
    let sign_key = ctx.credentials.str("sign_key")?;
    let creds = core::Credentials::new(ctx.credentials.str("merchant_id")?, sign_key.as_bytes())
        .map_err(|e| CliError::new("credentials", e))?;
    let op = Operation::parse(ctx)?;
    if response {
        return explain_response(&creds, op, ctx.expected_id(), input);
    }
    let mut ex = Explanation::default();
    let refund;
    let query;
    let action = match op {
        Operation::Refund => {
            let f: Refund = refund_fields(input).map_err(|e| CliError::new("fields", e))?;
            refund = (f.order_id, f.ori_order_id, f.refund_amt);
            core::Action::Refund(core::RefundRequest {
                order_id: refund.0.as_deref(),
                ori_order_id: &refund.1,
                refund_amt: refund.2,
            })
        }
        Operation::RefundQuery => {
            query = query_fields(input)?.order_id;
            core::Action::RefundStatusQuery(core::RefundStatusQuery { order_id: &query })
        }
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
    ex.step("md5 = upper-case hex MD5 of it (sent in the body)", &md5);
    explain_key(&mut ex, &creds, &md5);
    let mut out = vec![0u8; action.body_max()];
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
    if let (core::Action::Refund(r), Operation::Refund) = (action, op) {
        ex.step(
            "What binds the reply",
            match r.order_id {
                Some(id) => format!("order_id {id}: decode with --expect-req-msg-id {id}"),
                None => "nothing: without order_id OTTPay makes one, and no reply can be \
                         bound to this request (send an order_id)"
                    .to_string(),
            },
        );
    }
    Ok(ex.finish())
}

/// What every explained reply shows last: the trust rule's two facts and the status.
fn explain_verdict(
    ex: &mut Explanation,
    trust: Trust,
    status: RefundStatus,
    claimed: RefundStatus,
) {
    ex.step(
        "Trust",
        format!(
            "authenticated: {}, bound: {}{}",
            trust.authenticated,
            trust.bound,
            if trust.authenticated {
                ""
            } else {
                " (UNSIGNED: what the status is read from is not covered by md5)"
            }
        ),
    );
    ex.step(
        "Status",
        format!("{} (claimed: {})", status.as_str(), claimed.as_str()),
    );
}

fn explain_response(
    creds: &core::Credentials<'_>,
    op: Operation,
    expected: &str,
    input: &[u8],
) -> Result<String, CliError> {
    let mut ex = Explanation::default();
    let envelope: serde_json::Value =
        serde_json::from_slice(input).map_err(|e| CliError::new("envelope", e))?;
    let member = |name: &str| envelope.get(name).cloned().unwrap_or_default();
    ex.step(
        "Reply to",
        match op {
            Operation::Refund => "REFUND",
            Operation::RefundQuery => "REFUND_STATUS_QUERY",
        },
    );
    ex.step(
        "rsp_code / rsp_msg (envelope: NOT covered by md5, anyone on the path can change them)",
        format!("{} / {}", member("rsp_code"), member("rsp_msg")),
    );
    ex.step(
        "Expected refund order id (--expect-req-msg-id)",
        if expected.is_empty() {
            "none given: nothing binds the reply, its status stays unknown".to_string()
        } else {
            expected.to_string()
        },
    );
    let mut body = input.to_vec();
    let (verified, trust, status, claimed) = match op {
        Operation::Refund => match core::decode_refund(creds, &mut body, expected) {
            Ok(Reply::Accepted(r)) => {
                explain_verified(&mut ex, creds, &r.verified);
                ex.step(
                    "Kind and binding",
                    format!(
                        "a REFUND reply (no ori_order_id, no order_status); order_id {}",
                        match (r.order_id, expected.is_empty()) {
                            (None, _) => "absent: nothing to bind".to_string(),
                            (Some(id), true) => format!("{id} (not compared: no expected id)"),
                            (Some(id), false) => format!(
                                "{id} equals the expected id (checked, but no binding makes \
                                 rsp_code definite)"
                            ),
                        }
                    ),
                );
                ex.step("Note", REFUND_NEVER_DEFINITE);
                (true, r.trust, r.status(), r.claimed_status())
            }
            Ok(Reply::Refused(r)) => (false, r.trust, r.status(), r.claimed_status()),
            Err(e) => return Ok(rejected(ex, e)),
        },
        Operation::RefundQuery => match core::decode_refund_status(creds, &mut body, expected) {
            Ok(Reply::Accepted(r)) => {
                explain_verified(&mut ex, creds, &r.verified);
                ex.step(
                    "Kind and binding",
                    format!(
                        "a REFUND_STATUS_QUERY reply (order_status {}, inside md5); order_id {} {}",
                        r.order_status,
                        r.order_id,
                        if r.trust.bound {
                            "equals the expected id"
                        } else {
                            "not compared: no expected id"
                        }
                    ),
                );
                (true, r.trust, r.status(), r.claimed_status())
            }
            Ok(Reply::Refused(r)) => (false, r.trust, r.status(), r.claimed_status()),
            Err(e) => return Ok(rejected(ex, e)),
        },
    };
    if !verified {
        ex.step(
            "Gateway refusal",
            format!(
                "{} — UNSIGNED: a refusal is read from the envelope only, which md5 does not \
                 cover{}",
                member("rsp_code"),
                if envelope.get("data").is_some_and(|d| !d.is_null()) {
                    " (its data is not even looked at)"
                } else {
                    " (it carries no data)"
                }
            ),
        );
    }
    explain_verdict(&mut ex, trust, status, claimed);
    Ok(ex.finish())
}

/// The steps of a reply that decrypted and verified: never the AES key, never a digest in
/// full that the code computed (fingerprints compare just as well).
fn explain_verified(ex: &mut Explanation, creds: &core::Credentials<'_>, v: &core::Verified<'_>) {
    let md5 = v.md5.to_string();
    ex.step(
        "md5 (from the reply)",
        format!(
            "{md5} (SHA-256 fingerprint {})",
            fingerprint(md5.as_bytes())
        ),
    );
    explain_key(ex, creds, &md5);
    ex.step("Decrypted business JSON", v.data.raw());
    let mut shown = Vec::new();
    for (form, name) in [
        (NumberForm::Plain, "plain numbers"),
        (NumberForm::JavaDouble, "Java double numbers"),
    ] {
        if let Ok(sorted) = text_of(|c| canonical::sorted_values(&v.data, form, c).map(|_| ())) {
            if shown.contains(&sorted) {
                continue; // no numbers: both forms are the same string
            }
            ex.step(&format!("Sorted values ({name})"), &sorted);
            ex.step(
                "Their MD5 (SHA-256 fingerprint of the upper-case hex)",
                fingerprint(md5_hex(sorted.as_bytes()).as_bytes()),
            );
            shown.push(sorted);
        }
    }
    ex.step(
        "Verified: md5 matches, number form",
        format!("{:?}", v.md5_form),
    );
}

fn rejected(mut ex: Explanation, e: refundwire::Error) -> String {
    use refundwire::Error as E;
    let why = match e {
        E::WrongMessage(_) => {
            " — not this operation's reply (a request copied back, or another \
                               operation's reply)"
        }
        E::RequestIdMismatch => " — the verified order_id names another refund",
        E::SignatureMismatch(_) | E::Padding | E::Plaintext => {
            " — the data does not decrypt to what md5 says (forged or damaged)"
        }
        _ => "",
    };
    ex.step(
        "REJECTED (nothing in it is shown: no key, no decrypted data)",
        format!("{e}{why}"),
    );
    ex.finish()
}

/// A refund built, explained and decoded with the conformance vectors' credentials.
pub fn demo() -> Result<String, CliError> {
    const ORDER_ID: &str = "RF12415868344978";
    let merchant = OttPay::new("ON43915000", b"4283FEFC63F0CD0E", Environment::Production)?;
    let refund = Refund {
        order_id: Some(ORDER_ID.into()),
        ori_order_id: "202080636083778353374068".into(),
        refund_amt: 51558,
    };
    let request = merchant.refund_request(&refund)?;
    let reply = br#"{"rsp_code":"SUCCESS","rsp_msg":"success","data":"E7dJF8NES/AYvTvAyeC5R5bNen9JfOQXN7x4WvXs617yMuRWXPjZ9FrYSn5scda6tdMBfgJbsB/ErU6k1EoDujnLLDI/MEN6Jvb2O9hrgXSKEtf+ZaZ2q8yCk7b01Ref","md5":"D110A36076C121F25E65BFB66410550F"}"#;
    let refund_reply = match merchant.decode_refund(reply, ORDER_ID)? {
        Outcome::Accepted(r) => format!(
            "{} (claims {}: {REFUND_NEVER_DEFINITE}) — {}",
            r.status.as_str(),
            r.claimed_status.as_str(),
            serde_json::Value::from(r.fields)
        ),
        Outcome::Refused(r) => format!("refused: {} {}", r.code, r.message),
    };
    let query = merchant.refund_status_request(ORDER_ID)?;
    let status_reply = br#"{"rsp_code":"SUCCESS","rsp_msg":"success","data":"hdbR1e6lXGhklM6G7eQjc/qWOQHwutCg7id+Yi5R0A4nz5gwGb78joZfwW3ra2U6FjPlvp8DKlI4nm8OAChRtUJYD2JT8wozMoRaNfaWCLE=","md5":"E622B5CE54FEA9414F5E16D3C04A6D92"}"#;
    let status = match merchant.decode_refund_status(status_reply, ORDER_ID)? {
        Outcome::Accepted(r) => format!(
            "{} (order_status inside md5, order_id bound to {ORDER_ID}) — {}",
            r.status.as_str(),
            serde_json::Value::from(r.fields)
        ),
        Outcome::Refused(r) => format!("refused: {} {}", r.code, r.message),
    };
    Ok(format!(
        "== OTTPay refund ==\nPOST {}\n{}\nreply decoded: {refund_reply}\n\
         POST {}\n{}\nstatus query reply decoded: {status}\n",
        request.url,
        request.body_text().unwrap_or_default(),
        query.url,
        query.body_text().unwrap_or_default(),
    ))
}
