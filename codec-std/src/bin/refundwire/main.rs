//! `refundwire`: build, check and explain refund messages from the command line.
//!
//! The interface is a contract (outside checks use it):
//! - `encode <gateway> <operation> --credentials FILE [--time RFC3339] [--timestamp-ms N]
//!   [--req-msg-id ID] < fields.json` prints `{"method","url","headers":{…},"body":"…"}`;
//! - `decode <gateway> <operation> --credentials FILE [--header NAME=VALUE]…
//!   [--expect-req-msg-id ID] < body` prints `{"outcome":"ok",…}` or
//!   `{"outcome":"gateway_error",…}` and exits 0, or exits 1 with one line on stderr;
//! - `explain <gateway> <operation> …` prints every step the codec took, for a human (with
//!   `--response`, the steps of decoding a reply);
//! - `demo` shows the codec at work for every gateway;
//! - `refund <gateway> --credentials FILE [--base-url URL] < fields.json` sends the refund
//!   through the refund flow (the real HTTP exchange, retried without ever refunding twice)
//!   and `refund-status …` asks about one; both print `{"outcome":"ok"|"gateway_error",
//!   "status":…,"refund_id":…,"fields":{…}}` (with `"reason"` and `"evidence"` when the status
//!   stays unknown) and exit 0, or exit 1 with one line on stderr;
//! - `sandbox serve --addr 127.0.0.1:PORT [--config FILE]` serves the gateway simulator over
//!   loopback HTTP;
//! - `batch <gateway> --credentials FILE --base-url URL --journal PATH|postgres://…
//!   [--concurrency N] [--dry-run] [--no-progress] < refunds.csv` sends refunds in bulk through
//!   the journal (resumable; module `batch`), and `journal show --journal … [--refund-id X]`
//!   lists what the journal knows.
//!
//! The CLI knows no gateway: it dispatches over `refundwire_std::registry`; each gateway names
//! its own operations and reply headers.

mod batch;
mod demo;
mod explain;
mod job;
mod journal_show;
mod output;
mod send;

use clap::{Parser, Subcommand};
use job::{Direction, Job, Target};
use output::CliError;
use refundwire_std::{Fields, Operation};
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
    /// Refund for real against the built-in simulator, every gateway (in process).
    Demo,
    /// Send a refund (fields as for `encode refund`, on stdin) and settle it over HTTP.
    Refund(send::SendArgs),
    /// Ask a refund's status (fields as for `encode` of the status query, on stdin) over HTTP.
    RefundStatus(send::SendArgs),
    /// Send refunds in bulk from CSV on stdin, through a journal: resumable, never twice.
    Batch(batch::BatchArgs),
    /// What a refund journal knows.
    #[command(subcommand)]
    Journal(JournalCommand),
    /// The offline simulator of the four gateways.
    #[command(subcommand)]
    Sandbox(SandboxCommand),
}

#[derive(Subcommand)]
enum JournalCommand {
    /// List the journal's refunds, or one (`--refund-id`) with every exchange.
    Show(journal_show::ShowArgs),
}

#[derive(Subcommand)]
enum SandboxCommand {
    /// Serve the simulator over loopback HTTP on the gateways' own paths (until killed).
    Serve {
        /// Where to listen, e.g. 127.0.0.1:8080 (port 0: any free port, printed).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Per-gateway credentials (JSON); without it, the built-in test credentials (printed).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

fn read_stdin() -> Result<Vec<u8>, CliError> {
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .map_err(|e| CliError::new("stdin", e))?;
    Ok(input)
}

fn encode(job: &Job, input: &[u8]) -> Result<String, CliError> {
    job.check_options(Direction::Encode)?;
    let fields = Fields::parse(input).map_err(|e| CliError::new("fields", e))?;
    let prepared = job
        .gateway
        .prepare_fields(job.operation, &fields, &job.context()?)
        .map_err(CliError::encode)?;
    output::request_json(&prepared.request)
}

fn decode(job: &Job, body: &[u8]) -> Result<String, CliError> {
    job.check_options(Direction::Decode)?;
    let (outcome, _) = job.decode(body, &mut refundwire::trace::NoTrace)?;
    if outcome.answer == refundwire_std::Answer::Accepted && !outcome.trust.authenticated {
        let _ = writeln!(
            std::io::stderr(),
            "refundwire: note: the status of this {} reply is not signed by {}, so it is never \
             definite: confirm it with the status query",
            job.operation_name,
            job.gateway.name()
        );
    }
    Ok(output::outcome_json(&outcome))
}

fn run(cli: Cli) -> Result<String, CliError> {
    let refuse_response = |t: &Target, command: &str| {
        if t.response {
            Err(CliError::new(
                "--response",
                format!("is for explain; {command} already knows its direction"),
            ))
        } else {
            Ok(())
        }
    };
    match cli.command {
        Command::Encode(t) => {
            refuse_response(&t, "encode")?;
            encode(&Job::resolve(t)?, &read_stdin()?)
        }
        Command::Decode(t) => {
            refuse_response(&t, "decode")?;
            decode(&Job::resolve(t)?, &read_stdin()?)
        }
        Command::Explain(t) => {
            let response = t.response;
            let job = Job::resolve(t)?;
            let direction = if response || job.operation == Operation::Notification {
                Direction::Decode
            } else {
                Direction::Encode
            };
            job.check_options(direction)?;
            explain::explain(&job, direction, &read_stdin()?)
        }
        Command::Demo => demo::demo(),
        Command::Refund(args) => send::send(&args, &read_stdin()?, false),
        Command::RefundStatus(args) => send::send(&args, &read_stdin()?, true),
        Command::Journal(JournalCommand::Show(args)) => journal_show::show(&args),
        // Handled in main (its own exit codes).
        Command::Batch(_) => Err(CliError::new("batch", "not reached")),
        Command::Sandbox(SandboxCommand::Serve { addr, config }) => {
            refundwire_std::sandbox::serve::serve_blocking(addr, config.as_deref())
                .map_err(|e| CliError::new("sandbox", e))?;
            Ok(String::new())
        }
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
    if let Command::Batch(args) = &cli.command {
        let input = match read_stdin() {
            Ok(input) => input,
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "refundwire: {e}");
                return ExitCode::FAILURE;
            }
        };
        return match batch::batch(args, &input) {
            Ok(code) => code,
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "refundwire: {e}");
                ExitCode::FAILURE
            }
        };
    }
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
