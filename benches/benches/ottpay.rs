//! OTTPay through the codec against the bare primitives on the same bytes, so the codec's own
//! overhead (JSON, canonical string, envelope) is visible as the ratio of the two.
//!
//! `cargo bench -p refundwire-benches --bench ottpay`

use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use base64ct::{Base64, Encoding};
use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use md5::Digest;
use refundwire::gateway::ottpay::{self, Credentials, RefundRequest};

const REPLY: &[u8] = br#"{"rsp_code":"SUCCESS","rsp_msg":"success","data":"E7dJF8NES/AYvTvAyeC5R5bNen9JfOQXN7x4WvXs617yMuRWXPjZ9FrYSn5scda6tdMBfgJbsB/ErU6k1EoDujnLLDI/MEN6Jvb2O9hrgXSKEtf+ZaZ2q8yCk7b01Ref","md5":"D110A36076C121F25E65BFB66410550F"}"#;
const PLAIN: &[u8] = br#"{"order_id":"RF12415868344978","ori_order_id":"202080636083778353374068","refund_amt":"51558"}"#;

/// The primitives alone: MD5 of the values, MD5 for the key, AES-ECB over the padded plaintext,
/// Base64 — what any implementation must spend.
fn primitives_encode(out: &mut [u8; 512]) -> usize {
    let values = md5::Md5::digest(b"RF1241586834497820208063608377835337406851558");
    let mut key_md5 = md5::Md5::new();
    key_md5.update(values);
    key_md5.update(b"4283FEFC63F0CD0E");
    let key = key_md5.finalize();
    let cipher = aes::Aes128::new_from_slice(&key).unwrap();
    let mut buf = [16u8; 112];
    buf[..PLAIN.len()].copy_from_slice(PLAIN);
    for block in buf.chunks_exact_mut(16) {
        cipher.encrypt_block(block.try_into().unwrap());
    }
    Base64::encode(&buf, out).unwrap().len()
}

fn primitives_decode(b64: &[u8], buf: &mut [u8; 256]) -> usize {
    let ct = Base64::decode(b64, buf).unwrap().len();
    let cipher = aes::Aes128::new_from_slice(b"76593E10ABA55F6F").unwrap();
    for block in buf[..ct].chunks_exact_mut(16) {
        cipher.decrypt_block(block.try_into().unwrap());
    }
    black_box(md5::Md5::digest(
        b"RF12415868344978515582024-03-05 10:11:12",
    ));
    ct
}

fn bench(c: &mut Criterion) {
    let creds = Credentials::new("ON43915000", b"4283FEFC63F0CD0E").unwrap();
    let req = RefundRequest {
        order_id: Some("RF12415868344978"),
        ori_order_id: "202080636083778353374068",
        refund_amt: 51558,
    };
    let mut g = c.benchmark_group("ottpay_encode_refund");
    g.throughput(Throughput::Bytes(PLAIN.len() as u64));
    g.bench_function("codec", |b| {
        let mut out = [0u8; ottpay::REFUND_BODY_MAX];
        b.iter(|| {
            ottpay::encode_refund(&creds, black_box(&req), &mut out)
                .unwrap()
                .len()
        })
    });
    g.bench_function("primitives", |b| {
        let mut out = [0u8; 512];
        b.iter(|| primitives_encode(&mut out))
    });
    g.finish();

    let start = REPLY.windows(8).position(|w| w == b"\"data\":\"").unwrap() + 8;
    let b64 = &REPLY[start..start + 128];
    let mut g = c.benchmark_group("ottpay_decode_refund");
    g.throughput(Throughput::Bytes(REPLY.len() as u64));
    g.bench_function("codec", |b| {
        let mut body = [0u8; 256];
        b.iter(|| {
            body[..REPLY.len()].copy_from_slice(REPLY);
            ottpay::decode_refund(&creds, &mut body[..REPLY.len()], "RF12415868344978")
                .unwrap()
                .accepted()
                .unwrap()
                .refund_amt
        })
    });
    g.bench_function("primitives", |b| {
        let mut buf = [0u8; 256];
        b.iter(|| primitives_decode(black_box(b64), &mut buf))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
