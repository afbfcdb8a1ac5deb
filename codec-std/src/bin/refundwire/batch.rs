//! `batch`: refunds in bulk from CSV, through the journal, resumable.
//!
//! `refundwire batch <gateway> --credentials FILE --base-url URL --journal PATH|postgres://…
//! [--concurrency N] [--dry-run] [--no-progress] < refunds.csv`
//!
//! Input columns `original_order_id,refund_id,amount,currency[,reason]` (a first line naming
//! the columns is skipped; amounts in major units, read exactly in the currency). Every row is
//! checked — parsed, built into the gateway's request, compared with the journal — before
//! anything is sent: a bad row is reported with its line number and then nothing at all is
//! sent (exit 1). Output on stdout, in input order: `refund_id,status,gateway_refund_id,code,
//! message` with status `succeeded`, `pending`, `rejected`, `unknown` (needs review),
//! `not_sent` (nothing reached the gateway: run again), `busy` (another process still holds
//! it) or `error`. Exit 0 when every row ended succeeded, pending or rejected; 3 otherwise.

use crate::output::CliError;
use crate::send::SendArgs;
use clap::Args;
use refundwire::money::{Currency, Money};
use refundwire_std::journal::driver::{Driven, Driver};
use refundwire_std::journal::{self, Journal, Record, SqliteJournal, State};
use refundwire_std::transport::{Timeouts, UreqTransport};
use refundwire_std::{Context, Gateway, RefundRequest};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct BatchArgs {
    #[command(flatten)]
    send: SendArgs,
    /// The journal: a SQLite file (created when missing) or a postgres:// URL.
    #[arg(long)]
    journal: String,
    /// Refunds in flight at once.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// Check every row and show what would be done; send nothing, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// No progress bar (there is none anyway when stderr is not a terminal).
    #[arg(long)]
    no_progress: bool,
}

/// One checked row.
struct Row {
    line: usize,
    refund: RefundRequest,
}

/// The columns, in order.
const COLUMNS: [&str; 5] = [
    "original_order_id",
    "refund_id",
    "amount",
    "currency",
    "reason",
];

/// Splits one CSV line (RFC 4180 quoting; a quoted field does not span lines).
fn split_csv(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, '"') if at_start => {
                quoted = true;
                at_start = false;
            }
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => {
                quoted = false;
                if !matches!(chars.peek(), None | Some(',')) {
                    return Err("text after a closing quote".into());
                }
            }
            (false, ',') => {
                fields.push(std::mem::take(&mut field));
                at_start = true;
            }
            (_, c) => {
                field.push(c);
                at_start = false;
            }
        }
    }
    if quoted {
        return Err("a quote is not closed (quoted fields do not span lines)".into());
    }
    fields.push(field);
    Ok(fields)
}

/// A CSV field, quoted when it must be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Parses and checks every row: bad rows come back as `(line, why)`.
fn read_rows(input: &str) -> (Vec<Row>, Vec<(usize, String)>) {
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, line) in input.lines().enumerate() {
        let n = i + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let fields = match split_csv(line) {
            Ok(f) => f,
            Err(why) => {
                bad.push((n, why));
                continue;
            }
        };
        if n == 1 && fields.first().map(|f| f.trim()) == Some(COLUMNS[0]) {
            let names: Vec<&str> = fields.iter().map(|f| f.trim()).collect();
            if names != COLUMNS[..4] && names != COLUMNS {
                bad.push((
                    n,
                    format!("the columns must be {}[,reason]", COLUMNS[..4].join(",")),
                ));
            }
            continue;
        }
        match row(&fields) {
            Ok(refund) => {
                if let Some(first) = seen.insert(refund.refund_id.clone(), n) {
                    bad.push((
                        n,
                        format!("refund id `{}` is on line {first} too", refund.refund_id),
                    ));
                } else {
                    rows.push(Row { line: n, refund });
                }
            }
            Err(why) => bad.push((n, why)),
        }
    }
    (rows, bad)
}

fn row(fields: &[String]) -> Result<RefundRequest, String> {
    if !(4..=5).contains(&fields.len()) {
        return Err(format!(
            "{} columns; expected 4 or 5 ({})",
            fields.len(),
            COLUMNS.join(",")
        ));
    }
    let get = |i: usize| fields.get(i).map(|f| f.trim()).unwrap_or_default();
    for (i, name) in COLUMNS.iter().enumerate().take(4) {
        if get(i).is_empty() {
            return Err(format!("`{name}` is empty"));
        }
    }
    let currency =
        Currency::from_code(get(3)).map_err(|e| format!("currency `{}`: {e}", get(3)))?;
    let amount = Money::parse_decimal(get(2), currency)
        .map_err(|e| format!("amount `{}` in {}: {e}", get(2), currency.code()))?;
    if amount.minor == 0 {
        return Err("amount is zero".into());
    }
    let mut refund = RefundRequest::new(get(0), get(1), amount);
    refund.reason = Some(get(4)).filter(|r| !r.is_empty()).map(str::to_owned);
    Ok(refund)
}

/// The journal: for a dry run a SQLite file is only read (and may not exist yet).
fn open_journal(location: &str, dry_run: bool) -> Result<Option<Box<dyn Journal>>, CliError> {
    let is_url = location.starts_with("postgres://") || location.starts_with("postgresql://");
    let journal: Option<Box<dyn Journal>> = if dry_run && !is_url {
        let path = std::path::Path::new(location);
        if path.exists() {
            Some(Box::new(
                SqliteJournal::open_read_only(path).map_err(|e| CliError::new("journal", e))?,
            ))
        } else {
            None
        }
    } else {
        Some(journal::open(location).map_err(|e| CliError::new("journal", e))?)
    };
    Ok(journal)
}

/// What a row ended as.
enum Outcome {
    Record(Box<Record>),
    Busy,
    Error(String),
}

fn status(outcome: &Outcome) -> (&'static str, bool) {
    match outcome {
        Outcome::Record(r) => match r.state {
            State::Succeeded => ("succeeded", true),
            State::Pending => ("pending", true),
            State::Rejected => ("rejected", true),
            State::Unknown | State::InFlight => ("unknown", false),
            State::Planned => ("not_sent", false),
        },
        Outcome::Busy => ("busy", false),
        Outcome::Error(_) => ("error", false),
    }
}

fn report(rows: &[Row], outcomes: &[Outcome]) -> (String, bool) {
    let mut out = String::from("refund_id,status,gateway_refund_id,code,message\n");
    let mut all = true;
    for (row, outcome) in rows.iter().zip(outcomes) {
        let (status, done) = status(outcome);
        all &= done;
        let (gid, code, message) = match outcome {
            Outcome::Record(r) => (
                r.gateway_refund_id.clone().unwrap_or_default(),
                r.code.clone(),
                r.message.clone(),
            ),
            Outcome::Busy => (
                String::new(),
                String::new(),
                "held by another process".to_owned(),
            ),
            Outcome::Error(why) => (String::new(), String::new(), why.clone()),
        };
        out.push_str(&format!(
            "{},{status},{},{},{}\n",
            csv_field(&row.refund.refund_id),
            csv_field(&gid),
            csv_field(&code),
            csv_field(&message)
        ));
    }
    (out, all)
}

fn progress(args: &BatchArgs, len: usize) -> indicatif::ProgressBar {
    if args.no_progress || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} refunds  {per_sec}  {elapsed}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Runs the batch: the CSV on `input`; prints the report; the exit code.
pub fn batch(args: &BatchArgs, input: &[u8]) -> Result<ExitCode, CliError> {
    if args.concurrency == 0 || args.concurrency > 64 {
        return Err(CliError::new("--concurrency", "1 to 64"));
    }
    let policy = args.send.policy()?;
    let credentials = args.send.credentials()?;
    let gateway = refundwire_std::registry::build(args.send.gateway(), &credentials)
        .map_err(CliError::setup)?;
    let text = std::str::from_utf8(input).map_err(|e| CliError::new("csv", e))?;
    let (rows, mut bad) = read_rows(text);
    // Every row as the gateway's request, without sending it.
    let ctx = Context::system();
    for row in &rows {
        if let Err(e) = gateway.prepare_refund(&row.refund, &ctx) {
            bad.push((row.line, e.to_string()));
        }
    }
    let journal = open_journal(&args.journal, args.dry_run)?;
    // The journal knows every refund number ever sent: one reused for other content is
    // refused here, before anything is sent.
    let mut known = Vec::with_capacity(rows.len());
    for row in &rows {
        let new = journal::new_refund(gateway.name(), &row.refund);
        let existing = match &journal {
            Some(j) => j.get(&new.key).map_err(|e| CliError::new("journal", e))?,
            None => None,
        };
        if let Some(existing) = &existing {
            if existing.fingerprint != new.fingerprint {
                bad.push((
                    row.line,
                    format!(
                        "refund id `{}` is in the journal for another refund (fingerprint {} \
                         there, {} here): refused, nothing sent",
                        row.refund.refund_id,
                        short(&existing.fingerprint),
                        short(&new.fingerprint)
                    ),
                ));
            }
        }
        known.push((new, existing));
    }
    if !bad.is_empty() {
        bad.sort();
        let mut stderr = std::io::stderr().lock();
        for (line, why) in &bad {
            let _ = writeln!(stderr, "refundwire: line {line}: {why}");
        }
        return Err(CliError::new(
            "csv",
            format!("{} bad row(s); nothing was sent", bad.len()),
        ));
    }
    if rows.is_empty() {
        return Err(CliError::new("csv", "no rows"));
    }
    if args.dry_run {
        return Ok(dry_run(&rows, &known));
    }
    let Some(journal) = journal else {
        return Err(CliError::new("journal", "not opened"));
    };
    let news: Vec<_> = known.into_iter().map(|(new, _)| new).collect();
    let registered = journal
        .register(&news, journal::now_ms())
        .map_err(|e| CliError::new("journal", e))?;
    // Another process may have written a number in between: still refused, still unsent.
    if let Some((row, _)) = rows
        .iter()
        .zip(&registered)
        .find(|(_, r)| matches!(r, journal::Registration::Conflict(_)))
    {
        return Err(CliError::new(
            "journal",
            format!(
                "line {}: refund id `{}` was just written for another refund; nothing of it sent",
                row.line, row.refund.refund_id
            ),
        ));
    }
    let outcomes = run(args, journal.as_ref(), gateway.as_ref(), policy, &rows);
    let (report, all) = report(&rows, &outcomes);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(report.as_bytes());
    let _ = stdout.flush();
    Ok(if all {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

fn short(fingerprint: &str) -> &str {
    fingerprint.get(..12).unwrap_or(fingerprint)
}

fn dry_run(rows: &[Row], known: &[(journal::NewRefund, Option<Record>)]) -> ExitCode {
    let mut out = String::from("refund_id,status,gateway_refund_id,code,message\n");
    for (row, (_, existing)) in rows.iter().zip(known) {
        let (status, gid, code, message) = match existing {
            None => ("would_send", String::new(), String::new(), String::new()),
            Some(r) => (
                r.state.as_str(),
                r.gateway_refund_id.clone().unwrap_or_default(),
                r.code.clone(),
                r.message.clone(),
            ),
        };
        out.push_str(&format!(
            "{},{status},{},{},{}\n",
            csv_field(&row.refund.refund_id),
            csv_field(&gid),
            csv_field(&code),
            csv_field(&message)
        ));
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    ExitCode::SUCCESS
}

/// Sends every row with `--concurrency` workers; rows another process holds are taken up
/// again once it lets them go.
fn run(
    args: &BatchArgs,
    journal: &dyn Journal,
    gateway: &dyn Gateway,
    policy: refundwire_std::flow::Policy,
    rows: &[Row],
) -> Vec<Outcome> {
    let transport = UreqTransport::new(Timeouts::default());
    let bar = progress(args, rows.len());
    let next = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..rows.len()).map(|_| None).collect());
    let busy: Mutex<Vec<usize>> = Mutex::new(Vec::new());
    let lock = |m: &Mutex<Vec<Option<Outcome>>>, i: usize, o: Outcome| {
        if let Some(slot) = m
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get_mut(i)
        {
            *slot = Some(o);
        }
    };
    // Other processes may hold rows as long as their own flows run.
    let wait_for_others = policy.deadline + Duration::from_secs(30);
    std::thread::scope(|scope| {
        for _ in 0..args.concurrency {
            scope.spawn(|| {
                let mut driver =
                    Driver::new(journal, gateway, &transport, Context::system(), policy);
                // A re-run asks again about pending and unknown refunds.
                driver.recheck = Duration::ZERO;
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(row) = rows.get(i) else { break };
                    let key = journal::Key::new(gateway.name(), row.refund.refund_id.clone());
                    match driver.claimed(&key, &row.refund) {
                        Ok(Driven::Done(record)) => {
                            lock(&outcomes, i, Outcome::Record(Box::new(record)));
                            bar.inc(1);
                        }
                        Ok(Driven::Busy) => busy
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .push(i),
                        Ok(Driven::Conflict(record)) => {
                            lock(
                                &outcomes,
                                i,
                                Outcome::Error(format!(
                                    "refund id in the journal for another refund ({})",
                                    short(&record.fingerprint)
                                )),
                            );
                            bar.inc(1);
                        }
                        Err(e) => {
                            lock(&outcomes, i, Outcome::Error(e.to_string()));
                            bar.inc(1);
                        }
                    }
                }
            });
        }
    });
    // Rows another process held: wait for it to let them go, then report (or finish) them.
    let mut waiting = busy
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let started = Instant::now();
    let mut driver = Driver::new(journal, gateway, &transport, Context::system(), policy);
    driver.recheck = Duration::ZERO;
    while !waiting.is_empty() {
        waiting.retain(|&i| {
            let Some(row) = rows.get(i) else { return false };
            let key = journal::Key::new(gateway.name(), row.refund.refund_id.clone());
            match driver.claimed(&key, &row.refund) {
                Ok(Driven::Busy) => true,
                Ok(Driven::Done(record)) => {
                    lock(&outcomes, i, Outcome::Record(Box::new(record)));
                    bar.inc(1);
                    false
                }
                Ok(Driven::Conflict(_)) => {
                    lock(&outcomes, i, Outcome::Error("conflict".into()));
                    false
                }
                Err(e) => {
                    lock(&outcomes, i, Outcome::Error(e.to_string()));
                    false
                }
            }
        });
        if waiting.is_empty() || started.elapsed() > wait_for_others {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bar.finish_and_clear();
    outcomes
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::Busy))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting_both_ways() {
        assert_eq!(
            split_csv(r#"a,"b,c","d""e",,"#).unwrap(),
            ["a", "b,c", "d\"e", "", ""]
        );
        assert!(split_csv(r#"a,"b"#).is_err());
        assert!(split_csv(r#""b"x,c"#).is_err());
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }

    #[test]
    fn rows_are_read_exactly_and_bad_ones_named_by_line() {
        let input = "original_order_id,refund_id,amount,currency,reason\n\
                     O1,R1,10.50,USD,recall\n\
                     O2,R2,10.505,USD\n\
                     O3,R3,7,XXX\n\
                     O4,R1,1,USD\n\
                     O5,R5,1000,JPY\n\
                     O6,R6\n";
        let (rows, bad) = read_rows(input);
        let ok: Vec<(usize, &str, u64)> = rows
            .iter()
            .map(|r| (r.line, r.refund.refund_id.as_str(), r.refund.amount.minor))
            .collect();
        assert_eq!(ok, [(2, "R1", 1050), (6, "R5", 1000)]);
        assert_eq!(rows[0].refund.reason.as_deref(), Some("recall"));
        let lines: Vec<usize> = bad.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [3, 4, 5, 7], "{bad:?}");
        assert!(bad[2].1.contains("line 2"), "{bad:?}");
    }
}
