//! `refundwire`: build, check and explain refund messages from the command line.
//!
//! The interface is a contract (outside checks use it):
//! - `encode <gateway> <operation> --credentials FILE [--time RFC3339] [--timestamp-ms N]
//!   [--req-msg-id ID] < fields.json` prints `{"method","url","headers":{…},"body":"…"}`;
//! - `decode <gateway> <operation> --credentials FILE [--header NAME=VALUE]…
//!   [--expect-req-msg-id ID] < body` prints `{"outcome":"ok",…}` or
//!   `{"outcome":"gateway_error",…}` and exits 0, or exits 1 with one line on stderr;
//! - `explain <gateway> <operation> …` prints every step for a human (with `--response`, the
//!   steps of decoding a reply);
//! - `demo` runs refunds end to end against the built-in simulator.

mod common;
mod newpay;
mod ottpay;
mod payermax;
mod scanforpay;

use clap::{Args, Parser, Subcommand};
use common::{CliError, Context, Gateway};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "refundwire",
    version,
    about = "Byte-exact refund messages for OTTPay, ScanForPay, PayerMax and NewPay"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build a request from fields (JSON on stdin) and print its HTTP descriptor.
    Encode(Target),
    /// Verify and decode a reply body (stdin, taken byte for byte).
    Decode(Target),
    /// Show every step of encoding (or, with --response, decoding) for a human.
    Explain(Target),
    /// Show the codec at work: requests built, explained, and replies decoded.
    Demo,
}

#[derive(Args)]
struct Target {
    /// ottpay, scanforpay, payermax or newpay.
    gateway: String,
    /// The operation, e.g. refund, refund-query, order-query, notification, refund-callback.
    operation: String,
    /// Credentials: a JSON object (see `tests/vectors/<gateway>.json`, member `credentials`).
    #[arg(long)]
    credentials: PathBuf,
    /// Request time, RFC 3339 (ScanForPay, PayerMax). Defaults to now.
    #[arg(long)]
    time: Option<String>,
    /// Request timestamp in milliseconds since the epoch (NewPay). Defaults to now.
    #[arg(long, allow_hyphen_values = true)]
    timestamp_ms: Option<i64>,
    /// Request message id (ScanForPay `reqMsgId`).
    #[arg(long)]
    req_msg_id: Option<String>,
    /// A header of the received reply, NAME=VALUE (PayerMax `sign`). Repeatable.
    #[arg(long = "header", value_name = "NAME=VALUE")]
    headers: Vec<String>,
    /// The id the reply must be bound to: ScanForPay `reqMsgId`; the refund number for the
    /// others (OTTPay `order_id`, PayerMax `outRefundNo`, NewPay `refundOrderNo`).
    #[arg(long)]
    expect_req_msg_id: Option<String>,
    /// With `explain`: explain decoding the reply on stdin instead of encoding fields.
    #[arg(long)]
    response: bool,
}

fn read_stdin() -> Result<Vec<u8>, CliError> {
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .map_err(|e| CliError::new("stdin", e.to_string()))?;
    Ok(input)
}

fn context(t: &Target) -> Result<(Gateway, Context), CliError> {
    let gateway = Gateway::parse(&t.gateway)?;
    let mut headers: Vec<(String, String)> = Vec::new();
    for h in &t.headers {
        let (name, value) = h
            .split_once('=')
            .ok_or_else(|| CliError::new("--header", format!("expected NAME=VALUE, got `{h}`")))?;
        // Two values for one header: which one would be checked is anybody's guess.
        if headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Err(CliError::new(
                "--header",
                format!("header `{name}` given twice"),
            ));
        }
        headers.push((name.to_string(), value.to_string()));
    }
    if let Some(id) = &t.expect_req_msg_id {
        if id.is_empty() {
            return Err(CliError::new(
                "--expect-req-msg-id",
                "empty (leave the option out to decode without binding)",
            ));
        }
    }
    let ctx = Context {
        operation: t.operation.clone(),
        credentials: common::Credentials::load(&t.credentials)?,
        time: t.time.clone(),
        timestamp_ms: t.timestamp_ms,
        req_msg_id: t.req_msg_id.clone(),
        headers,
        expect_req_msg_id: t.expect_req_msg_id.clone(),
    };
    Ok((gateway, ctx))
}

/// `--response` only changes what `explain` explains; elsewhere it would be ignored.
fn refuse_response(t: &Target, command: &str) -> Result<(), CliError> {
    if t.response {
        return Err(CliError::new(
            "--response",
            format!("is for explain; {command} already knows its direction"),
        ));
    }
    Ok(())
}

fn run(cli: Cli) -> Result<String, CliError> {
    match cli.command {
        Command::Encode(t) => {
            refuse_response(&t, "encode")?;
            let (gateway, ctx) = context(&t)?;
            let request = gateway.encode(&ctx, &read_stdin()?)?;
            common::request_json(&request)
        }
        Command::Decode(t) => {
            refuse_response(&t, "decode")?;
            let (gateway, ctx) = context(&t)?;
            let decoded = gateway.decode(&ctx, &read_stdin()?)?;
            Ok(decoded.to_json())
        }
        Command::Explain(t) => {
            let (gateway, ctx) = context(&t)?;
            gateway.explain(&ctx, &read_stdin()?, t.response)
        }
        Command::Demo => common::demo(),
    }
}

/// Usage errors follow the same contract as every other failure: exit 1, one line.
fn parse_args() -> Result<Cli, ExitCode> {
    use clap::error::ErrorKind;
    match Cli::try_parse() {
        Ok(cli) => Ok(cli),
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            let _ = e.print();
            Err(ExitCode::SUCCESS)
        }
        // Bare `refundwire`: the help is what a newcomer needs, on stderr, as a failure.
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            Err(ExitCode::FAILURE)
        }
        Err(e) => {
            // clap's message runs over several lines; keep what it says, joined, without the
            // usage and help pointers.
            let text = e.render().to_string();
            let message: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more"))
                .collect();
            let message = message.join(" ");
            let message = message.strip_prefix("error: ").unwrap_or(&message);
            let _ = writeln!(std::io::stderr(), "refundwire: args: {message}");
            Err(ExitCode::FAILURE)
        }
    }
}

fn main() -> ExitCode {
    let cli = match parse_args() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match run(cli) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe is not worth a panic.
            let _ = writeln!(stdout, "{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "refundwire: {e}");
            ExitCode::FAILURE
        }
    }
}
