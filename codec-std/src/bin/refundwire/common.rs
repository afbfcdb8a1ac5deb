//! What every gateway's CLI module shares: credentials, options, output shapes, dispatch.

use refundwire::{RefundStatus, Trust};
use refundwire_std::HttpRequest;
use serde_json::{Map, Value};
use std::fmt;
use std::path::{Path, PathBuf};

/// A failure, naming the step or input that failed. Printed as one line.
#[derive(Debug)]
pub struct CliError {
    step: String,
    detail: String,
}

impl CliError {
    pub fn new(step: impl Into<String>, detail: impl fmt::Display) -> Self {
        CliError {
            step: step.into(),
            detail: detail.to_string(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line, whatever the detail contains.
        write!(
            f,
            "{}: {}",
            self.step,
            self.detail.replace(['\n', '\r'], " ")
        )
    }
}

impl From<refundwire_std::Error> for CliError {
    fn from(e: refundwire_std::Error) -> Self {
        CliError::new("codec", e)
    }
}

/// The gateways the CLI speaks.
#[derive(Debug, Clone, Copy)]
pub enum Gateway {
    OttPay,
    ScanForPay,
    PayerMax,
    NewPay,
}

impl Gateway {
    pub fn parse(name: &str) -> Result<Self, CliError> {
        match name {
            "ottpay" => Ok(Gateway::OttPay),
            "scanforpay" => Ok(Gateway::ScanForPay),
            "payermax" => Ok(Gateway::PayerMax),
            "newpay" => Ok(Gateway::NewPay),
            other => Err(CliError::new(
                "gateway",
                format!("unknown gateway `{other}` (ottpay, scanforpay, payermax, newpay)"),
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Gateway::OttPay => "ottpay",
            Gateway::ScanForPay => "scanforpay",
            Gateway::PayerMax => "payermax",
            Gateway::NewPay => "newpay",
        }
    }

    /// Reply headers this gateway reads (`--header NAME=VALUE`).
    fn reply_headers(self) -> &'static [&'static str] {
        match self {
            Gateway::PayerMax => &["sign"],
            _ => &[],
        }
    }

    /// Operations that only ever arrive from the gateway.
    fn decode_only(operation: &str) -> bool {
        matches!(operation, "notification" | "refund-callback")
    }

    /// Options of `decode` make no sense when building a request, and the reverse: an option
    /// that would be ignored is refused, so nobody believes a check ran that did not.
    fn check_encode_options(self, ctx: &Context) -> Result<(), CliError> {
        ctx.refuse_if(
            !ctx.headers.is_empty(),
            "--header",
            "reply headers are for decode",
        )?;
        ctx.refuse_if(
            ctx.expect_req_msg_id.is_some(),
            "--expect-req-msg-id",
            "binding a reply to its request is for decode",
        )?;
        ctx.refuse_if(
            ctx.req_msg_id.is_some() && !matches!(self, Gateway::ScanForPay),
            "--req-msg-id",
            &format!(
                "{} requests have no message id (the refund number is in the fields)",
                self.name()
            ),
        )
    }

    fn check_decode_options(self, ctx: &Context) -> Result<(), CliError> {
        ctx.refuse_if(
            ctx.req_msg_id.is_some(),
            "--req-msg-id",
            "that is for encode; to bind a reply to its request use --expect-req-msg-id",
        )?;
        ctx.refuse_if(
            ctx.time.is_some() || ctx.timestamp_ms.is_some(),
            "--time",
            "request times are for encode",
        )?;
        for (name, _) in &ctx.headers {
            let known = self
                .reply_headers()
                .iter()
                .any(|h| h.eq_ignore_ascii_case(name));
            ctx.refuse_if(
                !known,
                "--header",
                &format!("{} reads no reply header `{name}`", self.name()),
            )?;
        }
        Ok(())
    }

    pub fn encode(self, ctx: &Context, fields: &[u8]) -> Result<HttpRequest, CliError> {
        self.check_encode_options(ctx)?;
        match self {
            Gateway::OttPay => super::ottpay::encode(ctx, fields),
            Gateway::ScanForPay => super::scanforpay::encode(ctx, fields),
            Gateway::PayerMax => super::payermax::encode(ctx, fields),
            Gateway::NewPay => super::newpay::encode(ctx, fields),
        }
    }

    pub fn decode(self, ctx: &Context, body: &[u8]) -> Result<Decoded, CliError> {
        self.check_decode_options(ctx)?;
        let decoded = match self {
            Gateway::OttPay => super::ottpay::decode(ctx, body),
            Gateway::ScanForPay => super::scanforpay::decode(ctx, body),
            Gateway::PayerMax => super::payermax::decode(ctx, body),
            Gateway::NewPay => super::newpay::decode(ctx, body),
        }?;
        Ok(decoded)
    }

    pub fn explain(self, ctx: &Context, input: &[u8], response: bool) -> Result<String, CliError> {
        if response || Self::decode_only(&ctx.operation) {
            self.check_decode_options(ctx)?;
        } else {
            self.check_encode_options(ctx)?;
        }
        match self {
            Gateway::OttPay => super::ottpay::explain(ctx, input, response),
            Gateway::ScanForPay => super::scanforpay::explain(ctx, input, response),
            Gateway::PayerMax => super::payermax::explain(ctx, input, response),
            Gateway::NewPay => super::newpay::explain(ctx, input, response),
        }
    }
}

/// Everything a gateway module may need from the command line.
pub struct Context {
    pub operation: String,
    pub credentials: Credentials,
    pub time: Option<String>,
    pub timestamp_ms: Option<i64>,
    pub req_msg_id: Option<String>,
    pub headers: Vec<(String, String)>,
    pub expect_req_msg_id: Option<String>,
}

impl Context {
    /// The value of reply header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request time pinned on the command line: `--time` (RFC 3339, echoed with its
    /// offset) or `--timestamp-ms` (shown in UTC); both only when they name the same instant.
    /// `None` means "now" to the caller.
    pub fn request_time(&self) -> Result<Option<refundwire::time::Timestamp>, CliError> {
        use refundwire::time::Timestamp;
        let from_text = self
            .time
            .as_deref()
            .map(|t| {
                Timestamp::parse_rfc3339(t).map_err(|e| {
                    CliError::new(
                        "--time",
                        format!("{e}: expected RFC 3339 such as 2024-03-05T07:01:23.737+00:00"),
                    )
                })
            })
            .transpose()?;
        let from_ms = self
            .timestamp_ms
            .map(|ms| Timestamp::utc(ms).map_err(|e| CliError::new("--timestamp-ms", e)))
            .transpose()?;
        match (from_text, from_ms) {
            (Some(a), Some(b)) if a.unix_ms() != b.unix_ms() => Err(CliError::new(
                "--time",
                "--time and --timestamp-ms name different instants",
            )),
            (Some(t), _) | (None, Some(t)) => Ok(Some(t)),
            (None, None) => Ok(None),
        }
    }

    /// Refuses an option this gateway has no use for, instead of silently ignoring it.
    pub fn refuse_if(&self, given: bool, option: &str, why: &str) -> Result<(), CliError> {
        if given {
            Err(CliError::new(option, why))
        } else {
            Ok(())
        }
    }

    /// The id a reply must be bound to (`--expect-req-msg-id`); empty when none was given,
    /// which binds nothing: the reply still decodes, with `bound: false` and status unknown.
    pub fn expected_id(&self) -> &str {
        self.expect_req_msg_id.as_deref().unwrap_or_default()
    }

    /// An error for an operation this gateway does not have.
    pub fn unknown_operation(&self, known: &str) -> CliError {
        CliError::new(
            "operation",
            format!(
                "unknown operation `{}` (this gateway has: {known})",
                self.operation
            ),
        )
    }
}

/// The credentials file: a JSON object, with `*_file` paths relative to its folder.
pub struct Credentials {
    members: Map<String, Value>,
    dir: PathBuf,
}

impl Credentials {
    pub fn load(path: &Path) -> Result<Self, CliError> {
        let text = std::fs::read(path)
            .map_err(|e| CliError::new("credentials", format!("{}: {e}", path.display())))?;
        let members = match serde_json::from_slice(&text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err(CliError::new("credentials", "not a JSON object")),
            Err(e) => return Err(CliError::new("credentials", e)),
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Credentials { members, dir })
    }

    /// A required string member.
    pub fn str(&self, name: &str) -> Result<&str, CliError> {
        self.opt_str(name)?
            .ok_or_else(|| CliError::new("credentials", format!("missing `{name}`")))
    }

    /// An optional string member.
    pub fn opt_str(&self, name: &str) -> Result<Option<&str>, CliError> {
        match self.members.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(CliError::new(
                "credentials",
                format!("`{name}` must be a string"),
            )),
        }
    }

    /// Key material given either inline (`<inline_name>`, Base64 or PEM text) or as a file
    /// (`<file_name>`, relative to the credentials file).
    pub fn key_bytes(&self, file_name: &str, inline_name: &str) -> Result<Vec<u8>, CliError> {
        if let Some(path) = self.opt_str(file_name)? {
            let path = self.dir.join(path);
            return std::fs::read(&path).map_err(|e| {
                CliError::new(
                    "credentials",
                    format!("{file_name} {}: {e}", path.display()),
                )
            });
        }
        if let Some(inline) = self.opt_str(inline_name)? {
            return Ok(inline.as_bytes().to_vec());
        }
        Err(CliError::new(
            "credentials",
            format!("missing `{file_name}` or `{inline_name}`"),
        ))
    }

    /// The merchant's private key (`private_key_file` or `private_key_pkcs8_b64`).
    pub fn private_key(&self) -> Result<refundwire_std::rsa::RsaPrivateKey, CliError> {
        let bytes =
            zeroize::Zeroizing::new(self.key_bytes("private_key_file", "private_key_pkcs8_b64")?);
        refundwire_std::rsa::RsaPrivateKey::from_any(&bytes)
            .map_err(|e| CliError::new("private key", e))
    }

    /// The gateway's public key (`platform_public_key_file` or `platform_public_key_b64`).
    pub fn platform_public_key(&self) -> Result<refundwire_std::rsa::RsaPublicKey, CliError> {
        let bytes = self.key_bytes("platform_public_key_file", "platform_public_key_b64")?;
        refundwire_std::rsa::RsaPublicKey::from_any(&bytes)
            .map_err(|e| CliError::new("platform public key", e))
    }
}

/// Parses the fields document (stdin of `encode`) as a JSON object.
pub fn fields_object(fields: &[u8]) -> Result<Map<String, Value>, CliError> {
    match serde_json::from_slice(fields) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(CliError::new("fields", "expected a JSON object")),
        Err(e) => Err(CliError::new("fields", e)),
    }
}

/// What `decode` prints. Both shapes carry the neutral status under the trust rule and the
/// two facts it rests on (`authenticated`, `bound`).
pub enum Decoded {
    /// Verified and parsed: the neutral status and the business members under wire names.
    Ok {
        status: RefundStatus,
        trust: Trust,
        fields: Value,
    },
    /// The gateway's own refusal.
    GatewayError {
        code: String,
        message: String,
        status: RefundStatus,
        trust: Trust,
    },
}

impl From<refundwire_std::GatewayRefusal> for Decoded {
    fn from(r: refundwire_std::GatewayRefusal) -> Self {
        Decoded::GatewayError {
            code: r.code,
            message: r.message,
            status: r.status,
            trust: r.trust,
        }
    }
}

impl Decoded {
    pub fn to_json(&self) -> String {
        let v = match self {
            Decoded::Ok {
                status,
                trust,
                fields,
            } => serde_json::json!({
                "outcome": "ok",
                "status": status.as_str(),
                "authenticated": trust.authenticated,
                "bound": trust.bound,
                "fields": fields,
            }),
            Decoded::GatewayError {
                code,
                message,
                status,
                trust,
            } => serde_json::json!({
                "outcome": "gateway_error",
                "code": code,
                "message": message,
                "status": status.as_str(),
                "authenticated": trust.authenticated,
                "bound": trust.bound,
            }),
        };
        v.to_string()
    }
}

/// The members of a raw JSON object as a `serde_json` value, numbers kept as their text.
pub fn raw_fields(object_json: &str) -> Result<Value, CliError> {
    serde_json::from_str(object_json).map_err(|e| CliError::new("fields", e))
}

/// The `encode` output: `{"method","url","headers":{…},"body":"<exact body>"}`.
pub fn request_json(request: &HttpRequest) -> Result<String, CliError> {
    let body = request.body_text().map_err(|e| CliError::new("body", e))?;
    let headers: Map<String, Value> = request
        .headers
        .iter()
        .map(|(n, v)| (n.clone(), Value::String(v.clone())))
        .collect();
    Ok(serde_json::json!({
        "method": request.method,
        "url": request.url,
        "headers": headers,
        "body": body,
    })
    .to_string())
}

/// A report for `explain`: numbered steps, each a title and a value.
#[derive(Default)]
pub struct Explanation {
    lines: Vec<String>,
}

impl Explanation {
    pub fn step(&mut self, title: &str, value: impl fmt::Display) {
        let n = self.lines.len() + 1;
        self.lines.push(format!("{n}. {title}\n   {value}"));
    }

    pub fn finish(self) -> String {
        self.lines.join("\n")
    }
}

/// The demo: requests built and explained, and replies decoded, for each gateway.
pub fn demo() -> Result<String, CliError> {
    let mut out = String::new();
    out.push_str(&super::ottpay::demo()?);
    out.push('\n');
    out.push_str(&super::scanforpay::demo()?);
    out.push('\n');
    out.push_str(&super::payermax::demo()?);
    out.push('\n');
    out.push_str(&super::newpay::demo()?);
    Ok(out)
}
