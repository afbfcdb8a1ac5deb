//! ScanForPay's signature path through the codec against bare SHA-256 over the same bytes.
//!
//! `cargo bench -p refundwire-benches --bench scanforpay`

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use refundwire::gateway::scanforpay::{self, Credentials, RefundRequest, RequestHeader};
use refundwire::time::Timestamp;
use sha2::Digest;

const KEY: &[u8] = b"c4pz0lx9xf26gk7zx5b4ctzkk6oam89o";
const REPLY: &[u8] = br#"{"response":{"header":{"partnerNo":"63012","respTime":"2024-03-05T18:06:12+08:00","signType":"SHA256","version":"1.0","reqMsgId":"fd03f269-3180-4575-8af0-580483868a29"},"body":{"code":1,"msg":"success","orderAmount":30095,"status":1,"currency":"JPY"}},"signature":"b70c824529701a85c4047194f5b232f14551962a3a21485c17b66a3b3932f52e"}"#;
const REQUEST: &[u8] = br#"{"header":{"requestTime":"2024-03-05T18:06:05+08:00","partnerNo":"63012","signType":"SHA256","version":"1.0","reqMsgId":"fd03f269-3180-4575-8af0-580483868a29"},"body":{"partnerOrderNo":"p95748906828836075983","refundNo":"867565088995790","orderAmount":30095,"operatorId":"766234","terminalNo":"285819"}}"#;

fn sha256_with_key(bytes: &[u8]) -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    h.update(bytes);
    h.update(KEY);
    h.finalize().into()
}

fn bench(c: &mut Criterion) {
    let creds = Credentials::new("63012", KEY).unwrap();
    let header = RequestHeader::new(
        Timestamp::new(1_709_633_165_000, 480).unwrap(),
        "fd03f269-3180-4575-8af0-580483868a29",
    );
    let refund = RefundRequest {
        partner_order_no: "p95748906828836075983",
        refund_no: "867565088995790",
        order_amount: 30095,
        operator_id: Some("766234"),
        terminal_no: Some("285819"),
    };
    let mut g = c.benchmark_group("scanforpay_encode_refund");
    g.throughput(Throughput::Bytes(REQUEST.len() as u64));
    g.bench_function("codec", |b| {
        let mut out = [0u8; scanforpay::REQUEST_MAX];
        b.iter(|| {
            scanforpay::encode_refund(&creds, black_box(&header), black_box(&refund), &mut out)
                .unwrap()
                .len()
        })
    });
    g.bench_function("primitives", |b| {
        b.iter(|| sha256_with_key(black_box(REQUEST)))
    });
    g.finish();

    let response = &REPLY[12..REPLY.len() - 80];
    let mut g = c.benchmark_group("scanforpay_decode_refund");
    g.throughput(Throughput::Bytes(REPLY.len() as u64));
    g.bench_function("codec", |b| {
        b.iter(|| {
            scanforpay::decode_refund(
                &creds,
                black_box(REPLY),
                "fd03f269-3180-4575-8af0-580483868a29",
            )
            .unwrap()
            .accepted()
            .unwrap()
            .order_amount
        })
    });
    g.bench_function("primitives", |b| {
        b.iter(|| sha256_with_key(black_box(response)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
