//! `refundwire … payermax …`: `refund`, `refund-query` (encode, decode, explain) and
//! `notification` (decode, explain).
//!
//! Credentials: `app_id`, optional `merchant_no`, the merchant key as `private_key_file` or
//! `private_key_pkcs8_b64`, PayerMax's key as `platform_public_key_file` or
//! `platform_public_key_b64`; optional `version` (`1.1`), `key_version` (`1`) and
//! `environment` (`production`, `uat`, or a base URL). Only the keys an operation needs are
//! loaded.
//!
//! `decode` and `explain --response` bind a reply to `--expect-req-msg-id`, the `outRefundNo`
//! it must be about (the core decoders do it; without the option a reply still decodes, with
//! `bound: false` and status `unknown`). A notification is bound to the merchant by its
//! `appId`/`merchantNo`; with the option, its `data.outRefundNo` must be that refund too.

use super::common::{self, CliError, Context, Decoded, Explanation};
use refundwire::encoding::hex_encode;
use refundwire::gateway::payermax::{self as wire, Credentials, Envelope, RefundRequest};
use refundwire::io::{Cursor, Sha256Sink, Sink as _};
use refundwire::json::JsonStr;
use refundwire::money::{Currency, Money};
use refundwire::time::Timestamp;
use refundwire::{RefundStatus, Reply, Verdict};
use refundwire_std::payermax as std_payermax;
use refundwire_std::rsa::{RsaPrivateKey, RsaPublicKey};
use refundwire_std::{Environment, HttpRequest, Outcome};
use serde_json::Value;

const OPERATIONS: &str = "refund, refund-query, notification";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Operation {
    Refund,
    RefundQuery,
    Notification,
}

fn operation(ctx: &Context) -> Result<Operation, CliError> {
    match ctx.operation.as_str() {
        "refund" => Ok(Operation::Refund),
        "refund-query" => Ok(Operation::RefundQuery),
        "notification" => Ok(Operation::Notification),
        _ => Err(ctx.unknown_operation(OPERATIONS)),
    }
}

/// The step a codec error belongs to, for the one-line message.
fn step(e: &refundwire::Error) -> &'static str {
    use refundwire::Error as E;
    match e {
        E::SignatureMismatch(_) | E::SignatureMissing(_) | E::Base64(_) | E::Signer => "verify",
        E::Json { .. } | E::JsonTooDeep | E::DuplicateMember | E::TooManyMembers => "parse",
        E::Amount(_) | E::UnknownCurrency => "amount",
        E::Time => "time",
        E::RequestIdMismatch => "--expect-req-msg-id",
        E::WrongMessage(_) => "kind",
        _ => "fields",
    }
}

fn codec(e: refundwire::Error) -> CliError {
    CliError::new(step(&e), e)
}

/// The ids and envelope settings of the credentials file.
struct Setup {
    app_id: String,
    merchant_no: Option<String>,
    version: String,
    key_version: String,
    environment: Environment,
}

impl Setup {
    fn load(ctx: &Context) -> Result<Self, CliError> {
        let c = &ctx.credentials;
        let environment = match c.opt_str("environment")? {
            None | Some("production") => Environment::Production,
            Some("uat" | "sandbox") => Environment::Sandbox,
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                Environment::Custom(url.to_owned())
            }
            Some(other) => {
                return Err(CliError::new(
                    "credentials",
                    format!("`environment` must be production, uat or a URL, not `{other}`"),
                ));
            }
        };
        let setup = Setup {
            app_id: c.str("app_id")?.to_owned(),
            merchant_no: c.opt_str("merchant_no")?.map(str::to_owned),
            version: c.opt_str("version")?.unwrap_or(wire::VERSION).to_owned(),
            key_version: c
                .opt_str("key_version")?
                .unwrap_or(wire::KEY_VERSION)
                .to_owned(),
            environment,
        };
        setup
            .credentials()
            .map_err(|e| CliError::new("credentials", e))?;
        Ok(setup)
    }

    fn credentials(&self) -> refundwire::Result<Credentials<'_>> {
        Credentials::new(&self.app_id, self.merchant_no.as_deref())
    }

    fn envelope(&self, request_time: Timestamp) -> Envelope<'_> {
        Envelope {
            version: &self.version,
            key_version: &self.key_version,
            request_time,
        }
    }
}

/// `requestTime`: `--time` exactly as given (UTC written `+00:00`), or `--timestamp-ms` in
/// UTC, or now.
fn request_time(ctx: &Context) -> Result<Timestamp, CliError> {
    match ctx.request_time()? {
        Some(t) => Ok(t),
        None => std_payermax::request_time_now().map_err(|e| CliError::new("clock", e)),
    }
}

/// A request built from the command line: what was signed and how.
struct Built {
    api_name: &'static str,
    amount: Option<Money>,
    time: Timestamp,
    body: Vec<u8>,
    sign: String,
    url: String,
}

fn build(ctx: &Context, input: &[u8]) -> Result<(Built, RsaPrivateKey), CliError> {
    let op = operation(ctx)?;
    if op == Operation::Notification {
        return Err(CliError::new(
            "operation",
            "`notification` comes from PayerMax: it can be decoded or explained with --response, not encoded",
        ));
    }
    let setup = Setup::load(ctx)?;
    let fields_error = |e: refundwire_std::Error| CliError::new("fields", e);
    let time = request_time(ctx)?;
    let key = ctx.credentials.private_key()?;
    let creds = setup.credentials().map_err(codec)?;
    let envelope = setup.envelope(time);
    let mut body = vec![0u8; 256 + 6 * input.len() + 6 * setup.app_id.len()];
    let mut sign = [0u8; wire::SIGN_MAX];
    let (api_name, amount, signed) = match op {
        Operation::Refund => {
            let fields = std_payermax::refund_fields(input).map_err(fields_error)?;
            let request = fields.request();
            let signed =
                wire::encode_refund(&creds, &envelope, &request, &key, &mut body, &mut sign);
            (wire::API_REFUND, Some(fields.refund_amount), signed)
        }
        _ => {
            let fields = std_payermax::query_fields(input).map_err(fields_error)?;
            let signed = wire::encode_refund_query(
                &creds,
                &envelope,
                &fields.request(),
                &key,
                &mut body,
                &mut sign,
            );
            (wire::API_REFUND_QUERY, None, signed)
        }
    };
    let signed = signed.map_err(|e| match (e, amount) {
        (refundwire::Error::Signer, _) => CliError::new("sign", e),
        (refundwire::Error::Amount(_), Some(m)) => CliError::new(
            "encode",
            format!(
                "{e}: PayerMax takes {} decimals for {}",
                wire::amount_decimals(m.currency),
                m.currency.code()
            ),
        ),
        (refundwire::Error::MissingField("outRefundNo"), None) => CliError::new(
            "fields",
            "give `outRefundNo` or `refundTradeNo` (at least one)",
        ),
        (other, _) => CliError::new("encode", other),
    })?;
    let built = Built {
        api_name,
        amount,
        time,
        body: signed.body.to_vec(),
        sign: signed.sign.to_owned(),
        url: std_payermax::url(&setup.environment, api_name),
    };
    Ok((built, key))
}

pub fn encode(ctx: &Context, fields: &[u8]) -> Result<HttpRequest, CliError> {
    let (built, _) = build(ctx, fields)?;
    Ok(HttpRequest::post_json(built.url, built.body).with_header(wire::SIGN_HEADER, &built.sign))
}

/// What `explain` adds to the printed outcome: what the message claims, the verified amount
/// and the refund it names (accepted messages only).
struct Facts {
    claimed: RefundStatus,
    amount: Option<Money>,
    out_refund_no: Option<String>,
}

/// A reply as `decode` prints it: the gated status and the trust it rests on, for
/// acceptances and refusals alike, with the facts `explain` shows.
fn decoded<'a, T: Verdict>(
    reply: Reply<'a, T, wire::Code<'a>>,
    view: impl Fn(&T) -> (&'a str, Option<Money>, JsonStr<'a>),
) -> Result<(Decoded, Facts), CliError> {
    let claimed = reply.claimed_status();
    Ok(match reply {
        Reply::Accepted(v) => {
            let (data, amount, out_refund_no) = view(&v);
            (
                Decoded::Ok {
                    status: v.status(),
                    trust: v.trust(),
                    fields: common::raw_fields(data)?,
                },
                Facts {
                    claimed,
                    amount,
                    out_refund_no: Some(out_refund_no.to_string()),
                },
            )
        }
        Reply::Refused(r) => (
            Decoded::GatewayError {
                code: r.code.as_wire().to_owned(),
                message: r.message.map(|m| m.to_string()).unwrap_or_default(),
                status: r.status(),
                trust: r.trust,
            },
            Facts {
                claimed,
                amount: None,
                out_refund_no: None,
            },
        ),
    })
}

/// Decodes `body` as `op`'s message. `expected` (`--expect-req-msg-id`, or empty) is the
/// `outRefundNo` a reply is bound to; a notification is bound to the merchant by the codec,
/// and `expected`, when given, must be the refund it names.
fn decode_with(
    op: Operation,
    setup: &Setup,
    key: &RsaPublicKey,
    sign: Option<&str>,
    body: &[u8],
    expected: &str,
) -> Result<(Decoded, Facts), CliError> {
    let sign = sign.map(str::as_bytes);
    match op {
        Operation::Refund => decoded(
            wire::decode_refund(key, sign, body, expected).map_err(codec)?,
            |v| (v.verified.data.raw(), None, v.out_refund_no),
        ),
        Operation::RefundQuery => decoded(
            wire::decode_refund_query(key, sign, body, expected).map_err(codec)?,
            |v| {
                (
                    v.verified.data.raw(),
                    Some(v.refund.refund_amount),
                    v.refund.out_refund_no,
                )
            },
        ),
        Operation::Notification => {
            let creds = setup.credentials().map_err(codec)?;
            let reply = wire::decode_refund_notification(&creds, key, sign, body).map_err(codec)?;
            if let Reply::Accepted(n) = &reply {
                n.is_for(expected).map_err(codec)?;
            }
            decoded(reply, |v| {
                (
                    v.verified.data.raw(),
                    Some(v.refund.refund_amount),
                    v.refund.out_refund_no,
                )
            })
        }
    }
}

pub fn decode(ctx: &Context, body: &[u8]) -> Result<Decoded, CliError> {
    let op = operation(ctx)?;
    let setup = Setup::load(ctx)?;
    let key = ctx.credentials.platform_public_key()?;
    let sign = ctx.header(wire::SIGN_HEADER);
    decode_with(op, &setup, &key, sign, body, ctx.expected_id()).map(|(d, _)| d)
}

fn sha256_hex(bytes: &[u8]) -> String {
    let mut digest = Sha256Sink::new();
    // A digest sink never fails.
    let _ = digest.write(bytes);
    let mut hex = [0u8; 64];
    hex_encode(&digest.finish(), false, &mut hex)
        .unwrap_or_default()
        .to_owned()
}

fn key_line(spki: &[u8]) -> String {
    format!(
        "SHA-256 of its public key (DER SubjectPublicKeyInfo): {}\n   \
         compare: openssl pkey -pubin -in KEY.pub.pem -outform DER | sha256sum",
        sha256_hex(spki)
    )
}

fn amount_line(amount: Money) -> String {
    let mut buf = [0u8; refundwire::money::DECIMAL_TEXT_MAX];
    let decimals = wire::amount_decimals(amount.currency);
    let text = wire::format_amount(amount, &mut buf)
        .map(str::to_owned)
        .unwrap_or_else(|e| format!("(not expressible: {e})"));
    format!(
        "{} minor units of {} (ISO 4217 exponent {}); PayerMax takes {decimals} decimals for it: refundAmount {text}",
        amount.minor,
        amount.currency.code(),
        amount.currency.exponent(),
    )
}

fn explain_request(ctx: &Context, input: &[u8]) -> Result<String, CliError> {
    let (built, key) = build(ctx, input)?;
    let mut x = Explanation::default();
    x.step(
        "operation",
        format!("PayerMax {} (POST {})", built.api_name, built.url),
    );
    let mut time = [0u8; 32];
    let mut time_out = Cursor::new(&mut time);
    built
        .time
        .write_rfc3339(true, &mut time_out)
        .map_err(codec)?;
    x.step(
        "requestTime (RFC 3339, three millisecond digits; PayerMax allows 2 minutes of skew)",
        String::from_utf8_lossy(time_out.finish()),
    );
    if let Some(amount) = built.amount {
        x.step("amount", amount_line(amount));
    }
    x.step(
        &format!(
            "body: the exact bytes that are signed and sent ({} bytes, UTF-8)",
            built.body.len()
        ),
        String::from_utf8_lossy(&built.body),
    );
    x.step("SHA-256 of the body (hex)", sha256_hex(&built.body));
    let public = key.public_key()?;
    x.step(
        &format!(
            "merchant private key (never shown): RSA-{}",
            key.signature_len() * 8
        ),
        key_line(&public.spki_der()?),
    );
    x.step(
        "signature: RSASSA-PKCS1-v1_5 with SHA-256 over the body, Base64 = header `sign`",
        &built.sign,
    );
    x.step(
        "check it yourself",
        "save the body without a trailing newline as body.json and the header as sign.b64, then\n   \
         base64 -d sign.b64 > sig.bin && openssl dgst -sha256 -verify merchant.pub.pem -signature sig.bin body.json",
    );
    x.step(
        "HTTP request",
        format!(
            "POST {}\n   Content-Type: application/json\n   sign: {}",
            built.url, built.sign
        ),
    );
    Ok(x.finish())
}

fn explain_reply(ctx: &Context, body: &[u8], op: Operation) -> Result<String, CliError> {
    let setup = Setup::load(ctx)?;
    let key = ctx.credentials.platform_public_key()?;
    let sign = ctx.header(wire::SIGN_HEADER);
    let signed = sign.is_some_and(|s| !s.trim().is_empty());
    let expected = ctx.expected_id();
    let mut x = Explanation::default();
    x.step(
        &format!(
            "received body ({} bytes; verified exactly as received, whitespace included)",
            body.len()
        ),
        String::from_utf8_lossy(body),
    );
    x.step("SHA-256 of the body (hex)", sha256_hex(body));
    x.step(
        "header `sign` (Base64 RSASSA-PKCS1-v1_5 SHA-256 by PayerMax, as received)",
        match sign {
            Some(s) if signed => s,
            Some(_) => "(empty: UNSIGNED)",
            None => "(absent: UNSIGNED)",
        },
    );
    x.step("PayerMax public key", key_line(&key.spki_der()?));
    let signature = match sign.filter(|_| signed) {
        None if op == Operation::Notification => {
            "absent: UNSIGNED, so it is refused (a notification must always be signed)".to_owned()
        }
        None => "absent: UNSIGNED — acceptable only for an error reply, which then proves \
                 nothing (never for a success)"
            .to_owned(),
        Some(s) => match refundwire::crypto::rsa_verify_base64(&key, body, s.as_bytes(), "sign") {
            Ok(()) => "valid".to_owned(),
            Err(e) => format!("FAILED: {e}"),
        },
    };
    x.step("signature check", signature);
    if let Ok(Value::Object(top)) = serde_json::from_slice::<Value>(body) {
        let show = |k: &str| {
            top.get(k)
                .map(Value::to_string)
                .unwrap_or("(absent)".into())
        };
        x.step(
            "code and msg",
            format!(
                "code {} (APPLY_SUCCESS: accepted, outcome in data.status), msg {}",
                show("code"),
                show("msg")
            ),
        );
    }
    x.step(
        "binding",
        match (op, expected) {
            (Operation::Notification, "") => {
                "a notification is bound to the merchant: appId (and merchantNo) must be this \
                 app's; it names its refund in data.outRefundNo, which you look up"
                    .to_owned()
            }
            (Operation::Notification, id) => format!(
                "a notification is bound to the merchant (appId, merchantNo); \
                 data.outRefundNo must also be {id} (--expect-req-msg-id)"
            ),
            (_, "") => "no --expect-req-msg-id given: the reply is decoded but bound to no \
                        refund, so its status is unknown"
                .to_owned(),
            (_, id) => format!("the signed data.outRefundNo must be {id} (--expect-req-msg-id)"),
        },
    );
    match decode_with(op, &setup, &key, sign, body, expected) {
        Ok((
            Decoded::Ok {
                status,
                trust,
                fields,
            },
            facts,
        )) => {
            if let Some(money) = facts.amount {
                x.step(
                    "amount (read exactly, by the currency's ISO 4217 exponent)",
                    format!(
                        "{} {} = {} minor units",
                        money.currency.code(),
                        money_text(money),
                        money.minor
                    ),
                );
            }
            let refund = facts.out_refund_no.unwrap_or_default();
            let bound = match (op, trust.bound) {
                (Operation::Notification, _) => {
                    format!("bound to this merchant app; about refund {refund}")
                }
                (_, true) => format!("bound: its outRefundNo {refund} is the one expected"),
                (_, false) => format!(
                    "NOT bound: it is about {refund}, and no --expect-req-msg-id named a refund"
                ),
            };
            x.step(
                "outcome",
                format!(
                    "accepted and verified (signed by PayerMax); {bound}; refund status {} \
                     (PayerMax claims {})",
                    status.as_str(),
                    facts.claimed.as_str()
                ),
            );
            x.step("data", fields);
            if op == Operation::Notification {
                x.step(
                    "answer PayerMax with (after handling it idempotently)",
                    String::from_utf8_lossy(wire::NOTIFICATION_ACK),
                );
            }
        }
        Ok((
            Decoded::GatewayError {
                code,
                message,
                status,
                trust,
            },
            facts,
        )) => x.step(
            "outcome",
            format!(
                "PayerMax refused the request: {code} ({message}); {}; refund status {} \
                 (the code claims {}): confirm with a signed refund-query",
                if trust.authenticated {
                    "signed, but an error reply names no refund (it could be replayed \
                     against any), so it is not bound"
                } else {
                    "UNSIGNED, so unauthenticated: anyone could have sent it"
                },
                status.as_str(),
                facts.claimed.as_str()
            ),
        ),
        Err(e) => x.step("outcome", format!("REJECTED at step {e}")),
    }
    Ok(x.finish())
}

fn money_text(money: Money) -> String {
    let mut buf = [0u8; refundwire::money::DECIMAL_TEXT_MAX];
    money
        .format_decimal(money.currency.exponent(), &mut buf)
        .map(str::to_owned)
        .unwrap_or_default()
}

pub fn explain(ctx: &Context, input: &[u8], response: bool) -> Result<String, CliError> {
    let op = operation(ctx)?;
    if response || op == Operation::Notification {
        explain_reply(ctx, input, op)
    } else {
        explain_request(ctx, input)
    }
}

// The demo runs on the test keys and cases of `tests/vectors/payermax.json` (keys made for
// tests only, never for production).
const DEMO_APP_ID: &str = "2f429ce59ff3078fcc1b0c3e1c07724e";
const DEMO_MERCHANT_NO: &str = "054122482447577";
const DEMO_MERCHANT_KEY: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCsRXbHIDGLbsh+pgh5B/PwbZ2S44rC9dpv7rDQkrAtufFrYBqCqX++FKdNgvFC/qriVyipoKPRyjb0f6YkGBmIrjzrMzYzSHNB9LanPqVRigzRyKwysCRz3fDc/Ku7wpt/98gjM2To0dTGEDScbN83CE+fadxCp8nEV9DhXDDkCJXzbpV5oowJv9x4zQoMKQImzBON3BwWbG8972GlunYkhE+AYYL3AyGQspQjdbki3N59N/CvyAs2CtMCw3rp5RraYeGDmJcRQ/abZxkGvGnqebJKba76apPHVMK15QslmNxiqqWatWhH7V14IB/r49NuCflT9/Eul0L7T4hjoWEdAgMBAAECggEACUS7fT8oKz5MnzPDpO9emoLrRWnkn1Sm6frHnJEn1W35pTNIedswukNWNP9kh5w4CXFzCJ1R8wmUJ1du0uZRCV+Ge4kH036EZPoLkbf3IQnyYp8PVLLRY0J/oQQfITz5LMtiAzLSrQwNDJL2oavh3o4d6o/Bf/yTCHNJE7boEnylBd5c/oOZtmMphkHGEEFrQ9wQJLh77XKvkZRAfI1nBAH21BOrfrVxzrpEZwGNBrxH/URguXz1VqcZ0DcKUVTetcT3S83jYdHh/U0URzUbMrsqAoQJAuQDO0Gg5qcZn3xLtvcVMdTkz5EpaC3DlNy8UorCYKiDr+8NZ55OvDb7aQKBgQDrc9y87Yv99LU0COGPnqlQbsC98Uk3CeRZZttLUz9o7XG5EExyzQdbvBO3IUG8Fys1GJj9KeU5uFC3qTyKb6XfBKJpZlUAgyNk9531bM6R54mbLPw8VSdc04YtFfSrk1W4srE44G7wBArukL1BlXatDj6OGyG+Tqjkn+eMmYiNHwKBgQC7ThlC65dWUtYZc0+Aq2UCy/yF6J3iJlV6vWPNFFcSVxeb8+Tir8vRJOokyyxKRmhsurO3asFcVlgO6V2ERXNcK3GPlPlNGgPU7g3aQDxfENn3DCkGG9KGbwZ6Ti/0OIe8NVyW6p9vX8Qo0RWiwdtGqaBe6/UaTV0QejYBtHtOQwKBgGzsJpvIENElGYa+7QoxzgYFlmjIbKRnkRnCuYQ5OMZjwg5o+dTKALNxaHV5jx1iYnynqm7DqOVw3PZ59iXczJFFZZT44C3ifMdCvfJBqbZZtJDy2KVYh2Mr/5Bv7cZJ3IgbMl0rhmbGmAAROVxTtpkMU+gNqSiO3xcU2lty03blAoGAR70g5cWwIAr4H6VPpPuAY7LXVD6FAhImmS0ipXCN7ONYko22c7BbQw59c3wxyXzwD/zuSmjkCEa10XhGLhwflAS7qP+pAIPfRdWrjpUdyld89Cc/KyzK1Fx/waZirYpdSpOxk8fnKtQmIG/8dmsDXiwn1VNQfDN3WpFEUCDdPVsCgYEA37uJAoZugTFu8ayMrJzlCZbekDYy0mwlTv6Jo1V3p6VTpuexzBVBUQkQBT16D7d/w4VjsU8yNeOEC5P3CIKnck0xfXRt8TzRyO5ZJ1pK79ME657w0hp6atQ34/3W8PlIjEEfeieiSYaH8agiJE1vh0WJCe8ou7hKwY+vKST5Kt8=";
const DEMO_PLATFORM_KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAs4BX9Be3C0P4kxDI31qRyKCKy8SdVuQPJ1njlPR8d8pQK0tbJHBUw6kMcgUO6DYbIvkFpui3o2KFvhFTaGRQJzoi3KH3Bp/S4BJcjmZf7JtlKZhdiuD4/BRHW3a7xND/IP7c7+acuzs6SXAsVUad/VXSIJ0WprPRKpC0ER1IXpcjMdeMPMvTscUXpk1PbgPjpFDRy35thj7laTyeAuk/DZM/fISAVtR6dyv3ciSLiGfZHosJM2zCI5xNN9A8DwhHizsmm+yTK4PbAGs/GP7bRjaG59xoZBgb8M0JmHIqG//AETj8IBeEinAKSO+Y9/sZ5CGUtPLPNVeG93YO3EJSxQIDAQAB";
/// The refund the demo's reply is about.
const DEMO_QUERIED: &str = "R1642411016202";
/// Case `refund_query_response`.
const DEMO_REPLY: &str = r#"{"code":"APPLY_SUCCESS","msg":"Success.","data":{"outRefundNo":"R1642411016202","refundTradeNo":"20220117091657TI790000055087","refundAmount":10000,"refundCurrency":"IDR","outTradeNo":"P1642410680681","status":"REFUND_SUCCESS"}}"#;
const DEMO_REPLY_SIGN: &str = "egW6tQppQDh2TIoxNFMxr0YlXY0NMbNEvcxHwMCnsWL8R/+Vskk0yfzNqWWg2cCE6ABAkIj/89ctIW1PO+pwQe5VyY/U2A9jGQKZStXeMQ87GqDjPyNhoKGXMORtaPAu0ASSxG96XS2Ei5Rq1HZWCNYtNaukLe2fYVH/oULoaR5CfGo4L8onLOFHls21fVu0T+LNkKFbn4DTijQk1OjB2su8Tpf2iaDMDnUNpxphGMf2a8tbGg9+Bmj8nH1/9aOIO7Jvx7E93DJOG5Za0tD4vmOWRrVHuwtarTfVgKitNEl/uMo5bID9T2pVD2p/uPvaTRG8UBAqMYK8syDjTztmfA==";
/// 2024-03-05T07:01:23.737+00:00, the vectors' `requestTime`.
const DEMO_TIME_MS: i64 = 1_709_622_083_737;

pub fn demo() -> Result<String, CliError> {
    let gateway = std_payermax::PayerMax::new(
        DEMO_APP_ID,
        Some(DEMO_MERCHANT_NO),
        RsaPrivateKey::from_any(DEMO_MERCHANT_KEY.as_bytes())?,
        RsaPublicKey::from_any(DEMO_PLATFORM_KEY.as_bytes())?,
    )?;
    let usd = Currency::from_code("USD").map_err(codec)?;
    let refund = RefundRequest {
        out_refund_no: "R6030620278683",
        out_trade_no: "P8738069560423",
        refund_amount: Money::new(1050, usd),
        comments: Some("customer returned \"size M\" / wrong colour"),
        refund_notify_url: None,
    };
    let time = Timestamp::utc(DEMO_TIME_MS).map_err(codec)?;
    let request = gateway.refund(&refund, time)?;
    let mut out = String::from("== PayerMax (RSA-SHA256 in the `sign` header; test keys) ==\n");
    out.push_str(&format!(
        "refund request at 2024-03-05T07:01:23.737+00:00 (byte for byte the vector's):\n  amount: {}\n  POST {}\n  sign: {}\n  body: {}\n",
        amount_line(refund.refund_amount),
        request.url,
        request.header(wire::SIGN_HEADER).unwrap_or_default(),
        request.body_text().unwrap_or_default(),
    ));
    let reply =
        gateway.decode_refund_query(Some(DEMO_REPLY_SIGN), DEMO_REPLY.as_bytes(), DEMO_QUERIED)?;
    match reply {
        Outcome::Accepted(v) => out.push_str(&format!(
            "refundQuery reply for {DEMO_QUERIED}, signature verified and bound to it:\n  \
             body: {DEMO_REPLY}\n  {} is {}: {} {} = {} minor units\n",
            v.out_refund_no,
            v.status.as_str(),
            v.refund_amount.currency.code(),
            money_text(v.refund_amount),
            v.refund_amount.minor,
        )),
        Outcome::Refused(r) => out.push_str(&format!("refundQuery reply refused: {}\n", r.code)),
    }
    let tampered = DEMO_REPLY.replace("REFUND_SUCCESS", "REFUND_FAILED");
    let verdict =
        match gateway.decode_refund_query(Some(DEMO_REPLY_SIGN), tampered.as_bytes(), DEMO_QUERIED)
        {
            Ok(_) => "ACCEPTED (this would be a bug)".to_owned(),
            Err(e) => format!("rejected: {e}"),
        };
    out.push_str(&format!(
        "the same reply with status changed to REFUND_FAILED: {verdict}\n"
    ));
    let replayed = match gateway.decode_refund_query(
        Some(DEMO_REPLY_SIGN),
        DEMO_REPLY.as_bytes(),
        refund.out_refund_no,
    ) {
        Ok(_) => "ACCEPTED (this would be a bug)".to_owned(),
        Err(e) => format!("rejected: {e}"),
    };
    out.push_str(&format!(
        "the same reply replayed as the answer about {}: {replayed}\n",
        refund.out_refund_no
    ));
    Ok(out)
}
