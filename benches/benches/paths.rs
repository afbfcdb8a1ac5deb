//! Every gateway path three ways on the same bytes: `codec`, `floor` (the unavoidable
//! primitives) and `naive` (a typical serde_json/String implementation). Criterion writes each
//! to `target/criterion/<gateway>/<operation>/<impl>/`, where the `report` binary reads it.
//!
//! `cargo bench -p refundwire-benches --bench paths` (or `cargo run -p refundwire-benches
//! --release --bin report`, which runs this and prints the table). A filter after `--` picks
//! paths, e.g. `-- ottpay/decode`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    for path in refundwire_benches::paths() {
        let (gateway, operation) = path.name.split_once('/').expect("<gateway>/<operation>");
        let mut g = c.benchmark_group(gateway);
        g.throughput(Throughput::Bytes(path.bytes as u64));
        let refundwire_benches::Path {
            mut codec,
            mut floor,
            mut naive,
            ..
        } = path;
        g.bench_function(BenchmarkId::new(operation, "codec"), |b| b.iter(&mut codec));
        g.bench_function(BenchmarkId::new(operation, "floor"), |b| b.iter(&mut floor));
        g.bench_function(BenchmarkId::new(operation, "naive"), |b| b.iter(&mut naive));
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
