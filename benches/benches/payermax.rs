//! PayerMax's paths through the codec against the bare RSA-SHA256 (aws-lc-rs) over the same
//! bytes: the codec's cost is what it adds around the signature.
//!
//! `cargo bench -p refundwire-benches --bench payermax`

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use refundwire::crypto::{RsaSigner, RsaVerifier};
use refundwire::gateway::payermax::{self, Credentials, Envelope, RefundRequest, SIGN_MAX};
use refundwire::money::{Currency, Money};
use refundwire::time::Timestamp;
use refundwire_std::rsa::{RsaPrivateKey, RsaPublicKey};

const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/keys");
/// `refund_request_usd` of `tests/vectors/payermax.json`.
const REQUEST: &[u8] = br#"{"version":"1.1","keyVersion":"1","requestTime":"2024-03-05T07:01:23.737+00:00","appId":"2f429ce59ff3078fcc1b0c3e1c07724e","merchantNo":"054122482447577","data":{"outRefundNo":"R6030620278683","outTradeNo":"P8738069560423","refundAmount":10.50,"refundCurrency":"USD","comments":"customer returned \"size M\" / wrong colour"}}"#;
/// `refund_query_response` and its `sign`.
const REPLY: &[u8] = br#"{"code":"APPLY_SUCCESS","msg":"Success.","data":{"outRefundNo":"R1642411016202","refundTradeNo":"20220117091657TI790000055087","refundAmount":10000,"refundCurrency":"IDR","outTradeNo":"P1642410680681","status":"REFUND_SUCCESS"}}"#;
const REPLY_SIGN: &[u8] = b"egW6tQppQDh2TIoxNFMxr0YlXY0NMbNEvcxHwMCnsWL8R/+Vskk0yfzNqWWg2cCE6ABAkIj/89ctIW1PO+pwQe5VyY/U2A9jGQKZStXeMQ87GqDjPyNhoKGXMORtaPAu0ASSxG96XS2Ei5Rq1HZWCNYtNaukLe2fYVH/oULoaR5CfGo4L8onLOFHls21fVu0T+LNkKFbn4DTijQk1OjB2su8Tpf2iaDMDnUNpxphGMf2a8tbGg9+Bmj8nH1/9aOIO7Jvx7E93DJOG5Za0tD4vmOWRrVHuwtarTfVgKitNEl/uMo5bID9T2pVD2p/uPvaTRG8UBAqMYK8syDjTztmfA==";

fn bench(c: &mut Criterion) {
    let read = |name: &str| std::fs::read(format!("{KEYS}/{name}")).unwrap();
    let merchant = RsaPrivateKey::from_any(&read("payermax_merchant.pem")).unwrap();
    let platform = RsaPublicKey::from_any(&read("payermax_platform.pub.pem")).unwrap();
    let creds =
        Credentials::new("2f429ce59ff3078fcc1b0c3e1c07724e", Some("054122482447577")).unwrap();
    let envelope = Envelope::new(Timestamp::utc(1_709_622_083_737).unwrap());
    let refund = RefundRequest {
        out_refund_no: "R6030620278683",
        out_trade_no: "P8738069560423",
        refund_amount: Money::new(1050, Currency::from_code("USD").unwrap()),
        comments: Some("customer returned \"size M\" / wrong colour"),
        refund_notify_url: None,
    };

    let mut g = c.benchmark_group("payermax_encode_refund");
    g.throughput(Throughput::Bytes(REQUEST.len() as u64));
    g.bench_function("codec", |b| {
        let (mut body, mut sign) = ([0u8; 1024], [0u8; SIGN_MAX]);
        b.iter(|| {
            let signed = payermax::encode_refund(
                &creds,
                black_box(&envelope),
                black_box(&refund),
                &merchant,
                &mut body,
                &mut sign,
            )
            .unwrap();
            signed.body.len() + signed.sign.len()
        })
    });
    g.bench_function("primitives", |b| {
        let mut sig = [0u8; 512];
        b.iter(|| merchant.sign_sha256(black_box(REQUEST), &mut sig).unwrap())
    });
    g.finish();

    let mut raw_sig = [0u8; 512];
    let raw_sig = refundwire::encoding::base64_decode(REPLY_SIGN, &mut raw_sig, "sign").unwrap();
    let mut g = c.benchmark_group("payermax_decode_refund_query");
    g.throughput(Throughput::Bytes(REPLY.len() as u64));
    g.bench_function("codec", |b| {
        b.iter(|| {
            payermax::decode_refund_query(
                &platform,
                Some(REPLY_SIGN),
                black_box(REPLY),
                "R1642411016202",
            )
            .unwrap()
            .accepted()
            .unwrap()
            .refund
            .refund_amount
            .minor
        })
    });
    g.bench_function("primitives", |b| {
        b.iter(|| platform.verify_sha256(black_box(REPLY), raw_sig).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
