//! `journal show --journal PATH|postgres://… [--gateway G] [--refund-id X]`: what the journal
//! knows, for the operator who has to answer "did refund X go out?".

use crate::output::CliError;
use clap::Args;
use refundwire_std::journal::{self, Exchange, Journal, Key, Record, SqliteJournal};

#[derive(Args)]
pub struct ShowArgs {
    /// The journal: a SQLite file or a postgres:// URL.
    #[arg(long)]
    journal: String,
    /// Only this gateway's refunds.
    #[arg(long)]
    gateway: Option<String>,
    /// One refund, with every exchange (raw request and answer bytes, times).
    #[arg(long)]
    refund_id: Option<String>,
}

/// An instant as RFC 3339 UTC with milliseconds.
fn time(ms: i64) -> String {
    let mut buf = [0u8; 40];
    let mut cursor = refundwire::io::Cursor::new(&mut buf);
    match refundwire::time::Timestamp::utc(ms).and_then(|t| t.write_rfc3339(true, &mut cursor)) {
        Ok(()) => String::from_utf8_lossy(cursor.finish()).into_owned(),
        Err(_) => format!("{ms} ms"),
    }
}

/// Raw bytes for a terminal: text as is (control characters escaped), one prefix per line.
fn raw(bytes: &[u8], prefix: &str) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    for line in text.split("\r\n").flat_map(|l| l.split('\n')) {
        out.push_str(prefix);
        out.push_str(&line.escape_debug().to_string());
        out.push('\n');
    }
    out
}

fn summary(r: &Record) -> String {
    format!(
        "{}\t{}\t{}\tattempts {}\t{}\t{}\t{}",
        r.key,
        r.payment_id,
        r.state,
        r.attempts,
        r.gateway_refund_id.as_deref().unwrap_or("-"),
        if r.code.is_empty() { "-" } else { &r.code },
        time(r.updated_ms)
    )
}

fn detail(r: &Record, exchanges: &[Exchange]) -> String {
    let sent = exchanges
        .iter()
        .filter(|x| x.operation == refundwire_std::Operation::Refund)
        .count();
    let mut out = format!(
        "refund {} at {}: {}\n  payment {}; refund requests sent: {sent}; gateway refund id {}\n  \
         code {:?}, message {:?}\n  created {}, updated {}{}\n  fingerprint {}\n  request {}\n",
        r.key.refund_id,
        r.key.gateway,
        r.state,
        r.payment_id,
        r.gateway_refund_id.as_deref().unwrap_or("-"),
        r.code,
        r.message,
        time(r.created_ms),
        time(r.updated_ms),
        r.next_check_ms
            .map(|at| format!(", next check {}", time(at)))
            .unwrap_or_default(),
        r.fingerprint,
        String::from_utf8_lossy(&r.request)
    );
    for x in exchanges {
        out.push_str(&format!(
            "\n#{} {} at {}{}\n",
            x.id,
            x.operation.as_str(),
            time(x.sent_ms),
            match (x.answered_ms, &x.error) {
                (Some(at), None) => format!(", answered at {}", time(at)),
                (Some(at), Some(e)) => format!(", failed at {}: {e}", time(at)),
                (None, _) => ", no answer recorded (the process stopped while it was out)".into(),
            }
        ));
        out.push_str(&raw(&x.request, "  > "));
        if let Some(answer) = &x.answer {
            out.push_str(&raw(answer, "  < "));
        }
    }
    out
}

/// Lists records (or one, with its exchanges).
pub fn show(args: &ShowArgs) -> Result<String, CliError> {
    let is_url =
        args.journal.starts_with("postgres://") || args.journal.starts_with("postgresql://");
    let journal: Box<dyn Journal> = if is_url {
        journal::open(&args.journal).map_err(|e| CliError::new("journal", e))?
    } else {
        Box::new(
            SqliteJournal::open_read_only(std::path::Path::new(&args.journal))
                .map_err(|e| CliError::new("journal", e))?,
        )
    };
    let fail = |e| CliError::new("journal", e);
    if let Some(id) = &args.refund_id {
        let records: Vec<Record> = match &args.gateway {
            Some(g) => journal
                .get(&Key::new(g, id))
                .map_err(fail)?
                .into_iter()
                .collect(),
            None => journal
                .list(None)
                .map_err(fail)?
                .into_iter()
                .filter(|r| &r.key.refund_id == id)
                .collect(),
        };
        if records.is_empty() {
            return Err(CliError::new(
                "journal",
                format!("no refund `{id}` in the journal: it was never sent from it"),
            ));
        }
        let mut out = Vec::new();
        for r in &records {
            out.push(detail(r, &journal.exchanges(&r.key).map_err(fail)?));
        }
        return Ok(out.join("\n").trim_end().to_owned());
    }
    let records = journal.list(args.gateway.as_deref()).map_err(fail)?;
    let mut out =
        String::from("refund\tpayment\tstate\tattempts\tgateway_refund_id\tcode\tupdated");
    for r in &records {
        out.push('\n');
        out.push_str(&summary(r));
    }
    Ok(out)
}
