//! Core's NewPay paths make no heap allocation: encoders and decoders run on caller buffers.
//!
//! Keys are loaded before counting. A stand-in signer/verifier that cannot allocate isolates
//! the codec; the aws-lc-rs public key of `refundwire-std` verifies without allocating either,
//! so decoding with it is counted too. (Its private key's `sign` makes one Rust allocation
//! per signature, outside core — a secure element behind `RsaSigner` makes none.)

use refundwire::crypto::{RsaSigner, RsaVerifier};
use refundwire::gateway::newpay::{self, Credentials, InquiryRefundRequest, RefundRequest};
use refundwire::{Error, RefundStatus, Verdict};
use refundwire_std::rsa::RsaPublicKey;
use refundwire_tests::{CountingAllocator, case, count_allocations, s, vectors, vectors_dir};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Signs with a constant and accepts any signature of the right length: no heap by
/// construction.
struct StackOnly;

impl RsaSigner for StackOnly {
    fn sign_sha256(&self, _message: &[u8], out: &mut [u8]) -> refundwire::Result<usize> {
        out.get_mut(..256)
            .ok_or(Error::BufferTooSmall { needed: 256 })?
            .fill(0x5a);
        Ok(256)
    }
}

impl RsaVerifier for StackOnly {
    fn verify_sha256(&self, _message: &[u8], signature: &[u8]) -> refundwire::Result<()> {
        (signature.len() == 256)
            .then_some(())
            .ok_or(Error::SignatureMismatch("sign"))
    }
}

fn run_all<S: RsaSigner, V: RsaVerifier>(signer: &S, verifier: &V) {
    let v = vectors("newpay");
    let app_id = v["credentials"]["app_id"].as_str().unwrap().to_string();
    let merchant_id = v["credentials"]["merchant_id"]
        .as_str()
        .unwrap()
        .to_string();
    let inquiry = case("newpay", "inquiry_refund_response_unknown_fields");
    let inquiry = s(&inquiry, "body").as_bytes().to_vec();
    let refusal = case("newpay", "inquiry_refund_error");
    let refusal = s(&refusal, "body").as_bytes().to_vec();
    let callback = case("newpay", "refund_callback");
    let callback = s(&callback, "body").as_bytes().to_vec();

    let ((), allocations) = count_allocations(|| {
        let creds = Credentials::new(&app_id, &merchant_id).unwrap();
        let mut out = [0u8; 2048];
        let req = RefundRequest {
            refund_order_amt: 50000,
            order_no: "ORDERNO9256341685878",
            refund_order_no: "ORDERNORFD3101222834598",
            refund_desc: "reason: damaged & returned",
            call_back_url: "",
        };
        newpay::encode_refund(&creds, signer, &req, 1709614015581, &mut out).unwrap();
        let req = InquiryRefundRequest {
            refund_order_no: "ORDERNORFD6487059640235",
        };
        newpay::encode_inquiry_refund(&creds, signer, &req, 1709614015581, &mut out).unwrap();

        let mut scratch = [0u8; 2048];
        let id = "ORDERNORFD000000000A104";
        let r = newpay::decode_inquiry_refund(&creds, verifier, &inquiry, id, &mut scratch)
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(r.status(), RefundStatus::Succeeded);
        assert_eq!(r.amount_units(), Ok(50000));
        // A refund reply is an inquiry reply without `tranNo`: refused, without allocating.
        assert_eq!(
            newpay::decode_refund(&creds, verifier, &inquiry, id, &mut scratch).unwrap_err(),
            Error::WrongMessage("tranNo")
        );
        assert!(
            newpay::decode_inquiry_refund(&creds, verifier, &refusal, id, &mut scratch)
                .unwrap()
                .refused()
                .is_some()
        );
        let cb = newpay::decode_refund_callback(&creds, verifier, &callback, &mut scratch).unwrap();
        assert_eq!(cb.status(), RefundStatus::Succeeded);
    });
    assert_eq!(allocations, 0);
}

#[test]
fn newpay_paths_do_not_allocate() {
    run_all(&StackOnly, &StackOnly);
}

#[test]
fn newpay_decoders_do_not_allocate_with_the_aws_lc_verifier() {
    let v = vectors("newpay");
    let read = |name: &str| {
        std::fs::read(vectors_dir().join(v["credentials"][name].as_str().unwrap())).unwrap()
    };
    let platform = RsaPublicKey::from_any(&read("platform_public_key_file")).unwrap();
    run_all(&StackOnly, &platform);
}
