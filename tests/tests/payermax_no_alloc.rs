//! Core's PayerMax paths allocate nothing: every vector case is encoded and decoded under a
//! counting allocator, with a signer and a verifier that do not allocate either (they replay
//! the vectors' signatures, as a secure element holding the same keys would produce them).

use refundwire::crypto::{RsaSigner, RsaVerifier, ct_eq};
use refundwire::gateway::payermax::{
    self, Credentials, Envelope, RefundQuery, RefundRequest, SIGN_MAX,
};
use refundwire::money::{Currency, Money};
use refundwire::time::Timestamp;
use refundwire::{Result, Verdict};
use refundwire_std::rsa::RsaPublicKey;
use refundwire_tests::{
    CountingAllocator, case, cases, count_allocations, s, vectors, vectors_dir,
};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Known (message, raw signature) pairs, prepared before counting starts: the vectors'
/// signatures that really verify with the merchant's or PayerMax's public key (aws-lc-rs),
/// so the tampered case stays rejected.
struct Replay(Vec<(Vec<u8>, Vec<u8>)>);

impl Replay {
    fn from_vectors() -> Self {
        let key = |name: &str| {
            RsaPublicKey::from_any(&std::fs::read(vectors_dir().join(name)).unwrap()).unwrap()
        };
        let public = [
            key("keys/payermax_merchant.pub.pem"),
            key("keys/payermax_platform.pub.pem"),
        ];
        let pairs = cases("payermax")
            .iter()
            .filter_map(|c| {
                let sign = c["sign"].as_str()?;
                let mut raw = vec![0u8; 512];
                let len = refundwire::encoding::base64_decode(sign.as_bytes(), &mut raw, "sign")
                    .unwrap()
                    .len();
                raw.truncate(len);
                let body = s(c, "body").as_bytes().to_vec();
                public
                    .iter()
                    .any(|k| k.verify_sha256(&body, &raw).is_ok())
                    .then_some((body, raw))
            })
            .collect::<Vec<_>>();
        assert_eq!(
            pairs.len(),
            9,
            "every vector signature but the tampered one"
        );
        Replay(pairs)
    }
}

impl RsaSigner for Replay {
    fn sign_sha256(&self, message: &[u8], out: &mut [u8]) -> Result<usize> {
        let (_, sig) = self
            .0
            .iter()
            .find(|(m, _)| m == message)
            .ok_or(refundwire::Error::Signer)?;
        out.get_mut(..sig.len())
            .ok_or(refundwire::Error::BufferTooSmall { needed: 256 })?
            .copy_from_slice(sig);
        Ok(sig.len())
    }
}

impl RsaVerifier for Replay {
    fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        self.0
            .iter()
            .any(|(m, sig)| m == message && ct_eq(sig, signature))
            .then_some(())
            .ok_or(refundwire::Error::SignatureMismatch("sign"))
    }
}

#[test]
fn encoding_allocates_nothing() {
    let v = vectors("payermax");
    let app_id = v["credentials"]["app_id"].as_str().unwrap().to_owned();
    let merchant_no = v["credentials"]["merchant_no"].as_str().unwrap().to_owned();
    let signer = Replay::from_vectors();
    let expected_query = case("payermax", "refund_query_request");
    let expected_usd = case("payermax", "refund_request_usd");
    let usd = Currency::from_code("USD").unwrap();

    let ((query_ok, refund_ok), allocations) = count_allocations(|| {
        let creds = Credentials::new(&app_id, Some(&merchant_no)).unwrap();
        let envelope = Envelope::new(Timestamp::utc(1_709_622_083_737).unwrap());
        let mut body = [0u8; 1024];
        let mut sign = [0u8; SIGN_MAX];
        let q = RefundQuery {
            out_refund_no: Some("R1046563414839"),
            refund_trade_no: None,
        };
        let signed =
            payermax::encode_refund_query(&creds, &envelope, &q, &signer, &mut body, &mut sign)
                .unwrap();
        let query_ok = signed.body == s(&expected_query, "body").as_bytes()
            && signed.sign == s(&expected_query, "sign");
        let req = RefundRequest {
            out_refund_no: "R6030620278683",
            out_trade_no: "P8738069560423",
            refund_amount: Money::new(1050, usd),
            comments: Some("customer returned \"size M\" / wrong colour"),
            refund_notify_url: None,
        };
        let signed =
            payermax::encode_refund(&creds, &envelope, &req, &signer, &mut body, &mut sign)
                .unwrap();
        let refund_ok = signed.body == s(&expected_usd, "body").as_bytes()
            && signed.sign == s(&expected_usd, "sign");
        (query_ok, refund_ok)
    });
    assert!(
        query_ok && refund_ok,
        "encoded bytes differ from the vectors"
    );
    assert_eq!(allocations, 0);
}

#[test]
fn decoding_allocates_nothing() {
    let v = vectors("payermax");
    let app_id = v["credentials"]["app_id"].as_str().unwrap().to_owned();
    let merchant_no = v["credentials"]["merchant_no"].as_str().unwrap().to_owned();
    let verifier = Replay::from_vectors();
    // (kind, body, sign, expectation) prepared outside the counted region.
    type Case = (String, Vec<u8>, Option<Vec<u8>>, String);
    let replies: Vec<Case> = cases("payermax")
        .iter()
        .filter(|c| c.get("expect").is_some())
        .map(|c| {
            (
                c["kind"].as_str().unwrap_or("notification").to_owned(),
                s(c, "body").as_bytes().to_vec(),
                c["sign"].as_str().map(|x| x.as_bytes().to_vec()),
                s(c, "expect").to_owned(),
            )
        })
        .collect();
    assert_eq!(replies.len(), 8);

    let (mismatches, allocations) = count_allocations(|| {
        let creds = Credentials::new(&app_id, Some(&merchant_no)).unwrap();
        let mut mismatches = 0;
        for (kind, body, sign, expect) in &replies {
            let sign = sign.as_deref();
            // Ok(true): accepted; Ok(false): refused; Err: rejected.
            let got = match kind.as_str() {
                "refund" => payermax::decode_refund(&verifier, sign, body, "R2")
                    .map(|r| r.accepted().map(|v| v.status()).is_some()),
                "refund_query" => payermax::decode_refund_query(&verifier, sign, body, "")
                    .map(|r| r.accepted().map(|v| v.status()).is_some()),
                _ => payermax::decode_refund_notification(&creds, &verifier, sign, body)
                    .map(|r| r.accepted().map(|v| v.status()).is_some()),
            };
            let ok = match expect.as_str() {
                "ok" => got == Ok(true),
                "gateway_error" => got == Ok(false),
                _ => got.is_err(),
            };
            mismatches += usize::from(!ok);
        }
        mismatches
    });
    assert_eq!(mismatches, 0);
    assert_eq!(allocations, 0);
}
