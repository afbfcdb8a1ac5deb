//! `refundwire batch` and `refundwire journal show` over loopback HTTP against the simulator
//! (`sandbox::serve::Server` on 127.0.0.1:0), on SQLite and on PostgreSQL (when
//! `REFUNDWIRE_TEST_POSTGRES` is set): batches killed with SIGKILL at seeded random points and
//! restarted end with every refund sent once; lost answers are settled by query; a reused
//! refund number is refused before anything is sent; two processes on one PostgreSQL journal
//! send each refund once between them.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;
mod journal_support;

use cli_support::{TempFile, run, vector_credentials};
use refundwire_std::Operation;
use refundwire_std::journal::{self, Key, State};
use refundwire_std::sandbox::serve::Server;
use refundwire_std::sandbox::{AnswerFault, Fault, GatewayId, Simulator};
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

const GATEWAY: &str = "payermax";

/// A simulator on loopback with `n` paid orders `BO0…` (500.00 IDR each).
fn server(n: usize) -> Server {
    let sim = Arc::new(Simulator::builtin().unwrap());
    let now = journal::now_ms() as u64;
    for i in 0..n {
        sim.add_order(GatewayId::PayerMax, &format!("BO{i}"), 50_000, "IDR", now)
            .unwrap();
    }
    Server::start("127.0.0.1:0".parse().unwrap(), sim).unwrap()
}

/// `n` rows refunding 100 + i IDR of order `BOi` under `BRi`.
fn csv(n: usize) -> String {
    let mut out = String::from("original_order_id,refund_id,amount,currency,reason\n");
    for i in 0..n {
        out.push_str(&format!(
            "BO{i},BR{i},{}.00,IDR,\"recall, lot {i}\"\n",
            100 + i
        ));
    }
    out
}

fn batch_args<'a>(
    creds: &'a TempFile,
    url: &'a str,
    journal: &'a str,
    concurrency: &'a str,
) -> Vec<&'a str> {
    vec![
        "batch",
        GATEWAY,
        "--credentials",
        creds.path(),
        "--base-url",
        url,
        "--journal",
        journal,
        "--concurrency",
        concurrency,
        "--no-progress",
        "--backoff-ms",
        "5",
    ]
}

fn spawn(args: &[&str], input: &str) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_refundwire"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child
}

/// The report's rows: refund id → (status, gateway refund id).
fn report(stdout: &[u8]) -> Vec<Vec<String>> {
    let text = String::from_utf8(stdout.to_vec()).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("refund_id,status,gateway_refund_id,code,message")
    );
    lines
        .map(|l| l.splitn(5, ',').map(str::to_owned).collect())
        .collect()
}

/// Every refund once at the gateway, once in the journal; every row reported. Returns how
/// many rows a kill left unknown (sent intent, never left: needs review, nothing at the
/// gateway).
fn check_exactly_once(server: &Server, location: &str, n: usize, rows: &[Vec<String>]) -> usize {
    assert_eq!(rows.len(), n, "every row reported");
    let j = journal::open(location).unwrap();
    let mut unknown = 0;
    for (i, row) in rows.iter().enumerate() {
        let id = format!("BR{i}");
        assert_eq!(row[0], id, "input order");
        let at_gateway: Vec<_> = server
            .simulator()
            .refunds(GatewayId::PayerMax, &format!("BO{i}"))
            .into_iter()
            .filter(|r| r.refund_no == id)
            .collect();
        let record = j.get(&Key::new(GATEWAY, id.clone())).unwrap().unwrap();
        let sends = j
            .exchanges(&record.key)
            .unwrap()
            .iter()
            .filter(|x| x.operation == Operation::Refund)
            .count();
        assert_eq!(sends, record.attempts as usize);
        assert_eq!(sends, 1, "{id}: sent once, never again: {record:?}");
        match row[1].as_str() {
            "succeeded" | "pending" => {
                assert_eq!(at_gateway.len(), 1, "{id}");
                assert_eq!(at_gateway[0].amount, (100 + i as u64) * 100, "{id}");
                assert_eq!(row[2], at_gateway[0].gateway_refund_no, "{id}");
            }
            "unknown" => {
                // Killed after its intent was committed, before the request left: the
                // gateway never saw it, and it is not resent blindly.
                assert!(at_gateway.is_empty(), "{id}: {row:?}");
                assert_eq!(record.state, State::Unknown);
                unknown += 1;
            }
            other => panic!("{id}: {other}: {row:?}"),
        }
    }
    unknown
}

/// Kills the batch at seeded random points, restarts it until it finishes.
fn killed_and_restarted(location: &str, seed: u64) {
    let n = 24;
    let server = server(n);
    let url = format!("http://{}", server.addr());
    let creds = vector_credentials(GATEWAY);
    let input = csv(n);
    // Some answers are lost after the gateway committed them: settled by query.
    for i in [3, 11] {
        let fault = Fault {
            answer: Some(AnswerFault::LostAfterCommit),
            times: 1,
            ..Fault::default()
        };
        server
            .simulator()
            .set_fault(GatewayId::PayerMax, &format!("BR{i}"), fault);
    }
    let mut state = seed;
    let mut next = move || {
        // xorshift64*: the kill points, the same for a seed.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let args = batch_args(&creds, &url, location, "4");
    for _ in 0..4 {
        let mut child = spawn(&args, &input);
        std::thread::sleep(Duration::from_millis(30 + next() % 250));
        // SIGKILL: no chance to clean up.
        let _ = child.kill();
        let _ = child.wait();
    }
    let out = spawn(&args, &input).wait_with_output().unwrap();
    let rows = report(&out.stdout);
    let unknown = check_exactly_once(&server, location, n, &rows);
    let code = out.status.code();
    if unknown == 0 {
        assert_eq!(code, Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    } else {
        assert_eq!(code, Some(3), "unknown rows need review");
        eprintln!("seed {seed}: {unknown} row(s) killed between intent and send (needs review)");
    }
    // Once more: everything reported from the journal, nothing sent.
    let again = spawn(&args, &input).wait_with_output().unwrap();
    check_exactly_once(&server, location, n, &report(&again.stdout));
}

#[test]
fn sqlite_batch_survives_sigkill() {
    for seed in [1, 2, 3] {
        let path = journal_support::sqlite_path();
        killed_and_restarted(path.to_str().unwrap(), seed);
    }
}

#[test]
fn postgres_batch_survives_sigkill() {
    for seed in [4, 5] {
        let Some(url) = journal_support::postgres_url("postgres_batch_survives_sigkill") else {
            return;
        };
        killed_and_restarted(&url, seed);
    }
}

#[test]
fn two_processes_on_one_postgres_journal_send_each_refund_once() {
    let Some(location) = journal_support::postgres_url(
        "two_processes_on_one_postgres_journal_send_each_refund_once",
    ) else {
        return;
    };
    let n = 30;
    let server = server(n);
    let url = format!("http://{}", server.addr());
    let creds = vector_credentials(GATEWAY);
    let input = csv(n);
    let args = batch_args(&creds, &url, &location, "4");
    let a = spawn(&args, &input);
    let b = spawn(&args, &input);
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    for out in [&a, &b] {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            check_exactly_once(&server, &location, n, &report(&out.stdout)),
            0
        );
    }
}

#[test]
fn bad_rows_and_reused_numbers_are_refused_before_anything_is_sent() {
    let server = server(3);
    let url = format!("http://{}", server.addr());
    let creds = vector_credentials(GATEWAY);
    let path = journal_support::sqlite_path();
    let location = path.to_str().unwrap();
    let args = batch_args(&creds, &url, location, "1");
    let bad = "original_order_id,refund_id,amount,currency\nBO0,BR0,100,IDR\nBO1,BR1,1.005,IDR\nBO2,,3,IDR\n";
    let out = run(&args, bad.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3:") && err.contains("line 4:"), "{err}");
    assert!(!err.contains("line 2:"), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        server
            .simulator()
            .refunds(GatewayId::PayerMax, "BO0")
            .is_empty(),
        "nothing sent"
    );

    let out = run(&args, b"BO0,BR0,100,IDR\n");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The same number, another amount: refused, with its line; nothing sent for any row.
    let reused = "BO1,BR1,100,IDR\nBO0,BR0,101,IDR\n";
    let out = run(&args, reused.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 2:") && err.contains("another refund"),
        "{err}"
    );
    assert_eq!(
        server.simulator().refunds(GatewayId::PayerMax, "BO0").len(),
        1
    );
    assert!(
        server
            .simulator()
            .refunds(GatewayId::PayerMax, "BO1")
            .is_empty()
    );

    // A dry run sends nothing and says what it would do.
    let mut dry = args.clone();
    dry.push("--dry-run");
    let out = run(&dry, b"BO0,BR0,100,IDR\nBO1,BR1,100,IDR\n");
    assert_eq!(out.status.code(), Some(0));
    let rows = report(&out.stdout);
    assert_eq!(rows[1][1], "would_send");
    assert!(
        server
            .simulator()
            .refunds(GatewayId::PayerMax, "BO1")
            .is_empty()
    );

    // journal show: the list, and one refund's history with its raw bytes.
    let out = run(&["journal", "show", "--journal", location], b"");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("payermax/BR0\tBO0\t"), "{text}");
    let out = run(
        &[
            "journal",
            "show",
            "--journal",
            location,
            "--refund-id",
            "BR0",
        ],
        b"",
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("refund requests sent: 1"), "{text}");
    assert!(text.contains("  > POST http://127.0.0.1:"), "{text}");
    assert!(text.contains("  < HTTP/1.1 200 OK"), "{text}");
    let out = run(
        &[
            "journal",
            "show",
            "--journal",
            location,
            "--refund-id",
            "BR9",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
}
