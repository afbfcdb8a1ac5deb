//! The JSON scanner and writer on their own.
//!
//! `cargo bench -p refundwire-benches --bench json`

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use refundwire::io::Cursor;
use refundwire::json::{JsonWriter, Object};

const DOC: &[u8] = br#"{"response":{"header":{"partnerNo":"63012","respTime":"2024-03-05T18:06:12+08:00","signType":"SHA256","version":"1.0","reqMsgId":"fd03f269-3180-4575-8af0-580483868a29"},"body":{"code":1,"msg":"success","orderAmount":30095,"status":1,"currency":"JPY"}},"signature":"b70c824529701a85c4047194f5b232f14551962a3a21485c17b66a3b3932f52e"}"#;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("json");
    g.throughput(Throughput::Bytes(DOC.len() as u64));
    g.bench_function("scan_and_find_member", |b| {
        b.iter(|| {
            let obj = Object::parse(black_box(DOC)).unwrap();
            obj.get("response").unwrap().span().len()
        })
    });
    g.bench_function("write_escaped_object", |b| {
        let mut out = [0u8; 256];
        b.iter(|| {
            let mut w = JsonWriter::new(Cursor::new(&mut out));
            w.begin_object().unwrap();
            w.member_str("partnerOrderNo", black_box("p95748906828836075983"))
                .unwrap();
            w.member_str(
                "comments",
                black_box("customer returned \"size M\" / wrong colour"),
            )
            .unwrap();
            w.member_u64("orderAmount", black_box(30095)).unwrap();
            w.end_object().unwrap();
            w.into_inner().len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
