//! Decode cost per byte as replies grow: a ScanForPay refund reply whose `msg` is long, at
//! about 300 B, 4 KiB and 64 KiB. The JSON scanner, the signature and the lookups should all
//! be linear in the size, so ns/byte should stay flat from 4 KiB to 64 KiB.
//!
//! `cargo bench -p refundwire-benches --bench scaling`

use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};
use refundwire_benches::scanforpay::{Bench, refund_reply_with_msg};

/// Reply sizes the report reads back (`scaling/scanforpay_decode_refund/<size>`).
const SIZES: [(usize, &str); 3] = [(300, "300B"), (4096, "4KiB"), (65536, "64KiB")];

fn bench(c: &mut Criterion) {
    let b = Bench::new();
    let mut g = c.benchmark_group("scaling");
    for (size, label) in SIZES {
        // The reply around `msg` is about 290 bytes; `msg` makes up the rest.
        let reply = refund_reply_with_msg(size.saturating_sub(290).max(7));
        g.throughput(Throughput::Bytes(reply.len() as u64));
        g.bench_function(
            BenchmarkId::new("scanforpay_decode_refund", label),
            |bencher| bencher.iter(|| b.codec_decode_refund(black_box(reply.as_bytes()))),
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
