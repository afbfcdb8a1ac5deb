//! Runs one path's implementation many times, for a profiler that counts instructions
//! (callgrind counts repeatably on a noisy machine, where criterion cannot):
//!
//! ```sh
//! cargo build -p refundwire-benches --release --example profile
//! valgrind --tool=callgrind --toggle-collect=profile::run \
//!     target/release/examples/profile scanforpay/decode_refund codec 1000
//! callgrind_annotate --inclusive=yes callgrind.out.<pid> | head -40
//! ```
//!
//! `all` runs every path's implementation in turn.

use std::hint::black_box;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, imp, n) = match args.as_slice() {
        [p, i, n] => (p.as_str(), i.as_str(), n.parse::<u64>().expect("count")),
        _ => {
            eprintln!("usage: profile <gateway/operation|all> <codec|floor|naive> <count>");
            std::process::exit(2);
        }
    };
    let mut found = false;
    for mut p in refundwire_benches::paths() {
        if path != "all" && p.name != path {
            continue;
        }
        found = true;
        let f = match imp {
            "codec" => &mut p.codec,
            "floor" => &mut p.floor,
            "naive" => &mut p.naive,
            other => panic!("no implementation {other}"),
        };
        run(f, n);
    }
    assert!(found, "no path {path}");
}

/// The measured loop (`--toggle-collect=profile::run` counts only this).
#[inline(never)]
fn run(f: &mut dyn FnMut() -> u64, n: u64) {
    for _ in 0..n {
        black_box(f());
    }
}
