//! `cargo run -p refundwire-benches --release --bin report [--quick] [--json] [--no-bench] [--check]`
//!
//! Runs the `paths` and `scaling` benches and `openssl speed rsa2048` in one go, then reads
//! criterion's estimates (`target/criterion/…/new/estimates.json`, medians) and prints, per
//! path, codec, floor and naive ns with codec/floor and naive/codec, the targets of issue 13,
//! decode ns/byte as replies grow, and PayerMax signs/s beside OpenSSL's.
//!
//! - `--quick`: short criterion settings (about a minute once built, on two shared cores;
//!   noisier);
//! - `--json`: the figures as JSON on stdout (criterion's output goes to stderr);
//! - `--no-bench`: only read the estimates of the last run (no benches, no `openssl speed`
//!   unless `--openssl` is given too);
//! - `--check`: exit 1 when a target is missed.
//!
//! Then it times every path again, interleaved ([`refundwire_benches::interleaved_ns`]: a
//! batch of codec, floor and naive in turn, medians of many rounds), and prints that table and
//! the ratio targets judged on it too: on a shared machine criterion's ratios move by tens of
//! percent between runs, the interleaved ones by a few. `--no-bench` skips it.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// Scaling sizes the `scaling` bench writes.
const SCALING: [&str; 3] = ["300B", "4KiB", "64KiB"];

struct Row {
    path: &'static str,
    codec: f64,
    floor: f64,
    naive: f64,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    for a in &args {
        if !["--quick", "--json", "--no-bench", "--check", "--openssl"].contains(&a.as_str()) {
            eprintln!(
                "unknown argument {a}; usage: report [--quick] [--json] [--no-bench] [--openssl] [--check]"
            );
            return ExitCode::from(2);
        }
    }
    let (quick, as_json) = (flag("--quick"), flag("--json"));
    let target = target_dir();
    let started = std::time::Instant::now();
    if !flag("--no-bench")
        && let Err(e) = run_benches(quick)
    {
        eprintln!("report: {e}");
        return ExitCode::FAILURE;
    }
    let openssl = if !flag("--no-bench") || flag("--openssl") {
        openssl_signs_per_s(if quick { 2 } else { 5 })
    } else {
        None
    };
    let criterion = target.join("criterion");
    let mut rows = Vec::new();
    for path in refundwire_benches::paths().iter().map(|p| p.name) {
        let (gateway, operation) = path.split_once('/').unwrap();
        let at = |imp: &str| median_ns(&criterion.join(gateway).join(operation).join(imp));
        match (at("codec"), at("floor"), at("naive")) {
            (Some(codec), Some(floor), Some(naive)) => rows.push(Row {
                path,
                codec,
                floor,
                naive,
            }),
            _ => eprintln!(
                "report: no estimates for {path} under {}",
                criterion.display()
            ),
        }
    }
    let scaling: Vec<(&str, f64)> = SCALING
        .iter()
        .filter_map(|size| {
            let dir = criterion
                .join("scaling/scanforpay_decode_refund")
                .join(size);
            Some((*size, median_ns(&dir)? / bytes(&dir)?))
        })
        .collect();
    let payermax_per_s = rows
        .iter()
        .find(|r| r.path == "payermax/encode_refund")
        .map(|r| 1e9 / r.codec);

    let targets = targets(&rows, &scaling, openssl, payermax_per_s);
    let interleaved: Vec<Row> = if flag("--no-bench") {
        Vec::new()
    } else {
        let rounds = if quick { 31 } else { 101 };
        refundwire_benches::paths()
            .into_iter()
            .map(|mut p| {
                let (codec, floor, naive) = refundwire_benches::interleaved_ns(&mut p, rounds);
                Row {
                    path: p.name,
                    codec,
                    floor,
                    naive,
                }
            })
            .collect()
    };
    let interleaved_targets = targets_of_rows(&interleaved);
    if as_json {
        let paths: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({"path": r.path, "codec_ns": r.codec, "floor_ns": r.floor, "naive_ns": r.naive})
            })
            .collect();
        let scaling: Vec<Value> = scaling
            .iter()
            .map(|(size, nspb)| json!({"size": size, "ns_per_byte": nspb}))
            .collect();
        let targets: Vec<Value> = targets
            .iter()
            .map(|(what, ok)| json!({"target": what, "met": ok}))
            .collect();
        let row_json = |r: &Row| json!({"path": r.path, "codec_ns": r.codec, "floor_ns": r.floor, "naive_ns": r.naive});
        let out = json!({
            "paths": paths,
            "interleaved": {
                "paths": interleaved.iter().map(row_json).collect::<Vec<_>>(),
                "targets": interleaved_targets
                    .iter()
                    .map(|(what, ok)| json!({"target": what, "met": ok}))
                    .collect::<Vec<_>>(),
            },
            "rsa": {"openssl_signs_per_s": openssl, "payermax_encode_per_s": payermax_per_s},
            "scaling": {"path": "scanforpay/decode_refund", "sizes": scaling},
            "targets": targets,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap());
    } else {
        print_table(&rows, &scaling, openssl, payermax_per_s, &targets);
        if !interleaved.is_empty() {
            println!("\nInterleaved (the three timed in turn, medians):\n");
            print_rows(&interleaved);
            println!("\nRatio targets on the interleaved figures:");
            for (what, ok) in &interleaved_targets {
                println!("  [{}] {what}", if *ok { "met" } else { "MISSED" });
            }
        }
        println!(
            "\n{} run, {:.0} s{}",
            if quick { "quick" } else { "full" },
            started.elapsed().as_secs_f64(),
            if flag("--no-bench") {
                " (estimates of an earlier run)"
            } else {
                ""
            }
        );
    }
    let missed = targets.iter().filter(|(_, ok)| !ok).count();
    if flag("--check") && (missed > 0 || rows.len() < refundwire_benches::paths().len()) {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// `target/`: `CARGO_TARGET_DIR`, or two levels above this binary (`target/release/report`).
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().expect("own path");
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .expect("target directory")
}

fn run_benches(quick: bool) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let settings: &[&str] = if quick {
        &[
            "--warm-up-time",
            "0.2",
            "--measurement-time",
            "0.5",
            "--sample-size",
            "10",
        ]
    } else {
        &["--warm-up-time", "1", "--measurement-time", "3"]
    };
    let status = Command::new(cargo)
        .args([
            "bench",
            "-p",
            "refundwire-benches",
            "--bench",
            "paths",
            "--bench",
            "scaling",
            "--",
        ])
        .args(settings)
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .map_err(|e| format!("cargo bench: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo bench failed: {status}"))
    }
}

/// `openssl speed -mr rsa2048`: RSA-2048 signs per second on one core.
fn openssl_signs_per_s(seconds: u32) -> Option<f64> {
    let out = Command::new("openssl")
        .args(["speed", "-seconds", &seconds.to_string(), "-mr", "rsa2048"])
        .stderr(Stdio::null())
        .output()
        .map_err(|e| eprintln!("report: openssl speed: {e}"))
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // `+F2:<n>:2048:<signs/s>:<verifies/s>` (OpenSSL 3; 1.1 printed seconds per operation).
    let line = text.lines().find(|l| l.starts_with("+F2:"))?;
    let v: f64 = line.split(':').nth(3)?.parse().ok()?;
    match v {
        v if v >= 1.0 => Some(v),
        v if v > 0.0 => Some(1.0 / v),
        _ => None,
    }
}

fn median_ns(dir: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join("new/estimates.json")).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    v["median"]["point_estimate"].as_f64()
}

fn bytes(dir: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join("new/benchmark.json")).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    v["throughput"]["Bytes"].as_f64()
}

/// Issue 13's targets, each with whether it is met.
fn targets(
    rows: &[Row],
    scaling: &[(&str, f64)],
    openssl: Option<f64>,
    payermax_per_s: Option<f64>,
) -> Vec<(String, bool)> {
    let mut out = targets_of_rows(rows);
    if let (Some(ossl), Some(ours)) = (openssl, payermax_per_s) {
        out.push((
            format!("payermax/encode_refund {ours:.0}/s >= 0.9 x openssl {ossl:.0}/s"),
            ours >= 0.9 * ossl,
        ));
    }
    let per_byte = |size: &str| scaling.iter().find(|(s, _)| *s == size).map(|(_, v)| *v);
    if let (Some(small), Some(large)) = (per_byte("4KiB"), per_byte("64KiB")) {
        out.push((
            format!("decode ns/byte 64KiB {large:.3} <= 1.5 x 4KiB {small:.3}"),
            large <= 1.5 * small,
        ));
    }
    out
}

/// The per-path ratio targets of issue 13 over `rows`, each with whether it is met.
fn targets_of_rows(rows: &[Row]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for r in rows {
        let (gateway, operation) = r.path.split_once('/').unwrap();
        let ratio = r.codec / r.floor;
        match gateway {
            "ottpay" | "scanforpay" => {
                let limit = if operation.starts_with("encode") {
                    1.5
                } else {
                    2.0
                };
                out.push((
                    format!("{} codec/floor {ratio:.2} <= {limit}", r.path),
                    ratio <= limit,
                ));
                let naive = r.naive / r.codec;
                out.push((
                    format!("{} naive/codec {naive:.2} >= 2", r.path),
                    naive >= 2.0,
                ));
            }
            _ => out.push((
                format!("{} codec/floor {ratio:.3} <= 1.03", r.path),
                ratio <= 1.03,
            )),
        }
    }
    out
}

fn ns(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.1} µs", v / 1000.0)
    } else {
        format!("{v:.0} ns")
    }
}

fn print_table(
    rows: &[Row],
    scaling: &[(&str, f64)],
    openssl: Option<f64>,
    payermax_per_s: Option<f64>,
    targets: &[(String, bool)],
) {
    print_rows(rows);
    println!("\n| scanforpay/decode_refund, reply size | ns/byte |");
    println!("|---|---:|");
    for (size, v) in scaling {
        println!("| {size} | {v:.3} |");
    }
    let show = |v: Option<f64>| v.map_or("n/a".to_owned(), |v| format!("{v:.0}"));
    println!(
        "\nRSA-2048 signs/s: payermax/encode_refund {} (codec, whole path), openssl speed rsa2048 {}",
        show(payermax_per_s),
        show(openssl)
    );
    println!("\nTargets:");
    for (what, ok) in targets {
        println!("  [{}] {what}", if *ok { "met" } else { "MISSED" });
    }
}

fn print_rows(rows: &[Row]) {
    println!("| path | codec | floor | naive | codec/floor | naive/codec |");
    println!("|---|---:|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {:.3} | {:.2} |",
            r.path,
            ns(r.codec),
            ns(r.floor),
            ns(r.naive),
            r.codec / r.floor,
            r.naive / r.codec
        );
    }
}
