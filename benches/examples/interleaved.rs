//! Times the paths' three implementations interleaved ([`refundwire_benches::interleaved_ns`]):
//! what `report` prints as its second table, for a few paths at a time.
//!
//! ```sh
//! cargo run -p refundwire-benches --release --example interleaved [filter] [rounds]
//! ```
#![allow(clippy::print_stdout)]

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filter = args.first().cloned().unwrap_or_default();
    let rounds: usize = args.get(1).map_or(101, |r| r.parse().expect("rounds"));
    println!("| path | codec | floor | naive | codec/floor | naive/codec |");
    println!("|---|---:|---:|---:|---:|---:|");
    for mut p in refundwire_benches::paths() {
        if !p.name.contains(filter.as_str()) {
            continue;
        }
        let (c, f, n) = refundwire_benches::interleaved_ns(&mut p, rounds);
        println!(
            "| {} | {c:.0} ns | {f:.0} ns | {n:.0} ns | {:.3} | {:.2} |",
            p.name,
            c / f,
            n / c
        );
    }
}
