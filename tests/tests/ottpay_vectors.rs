//! Every case of `tests/vectors/ottpay.json`, byte for byte.

use refundwire::canonical::NumberForm;
use refundwire::crypto::{SecretKey, aes128_ecb_encrypt_in_place};
use refundwire::encoding::base64_encode;
use refundwire::gateway::ottpay::{
    self, Credentials, Md5Form, RefundRequest, RefundStatusQuery, RspCode,
};
use refundwire::json::Object;
use refundwire::{RefundStatus, Reply, Trust, Verdict};
use refundwire_tests::{case, cases, s, vectors};
use serde_json::Value;

/// The refund order id every reply case names.
const RF: &str = "RF12415868344978";

fn creds() -> (String, String) {
    let v = vectors("ottpay");
    (
        v["credentials"]["merchant_id"]
            .as_str()
            .unwrap()
            .to_string(),
        v["credentials"]["sign_key"].as_str().unwrap().to_string(),
    )
}

#[test]
fn appendix_a_official_example() {
    let c = case("ottpay", "appendix_a_official");
    let data = Object::parse(s(&c, "data_json").as_bytes()).unwrap();
    let (md5, _) = ottpay::md5_of_values(&data, NumberForm::Plain).unwrap();
    assert_eq!(std::str::from_utf8(&md5).unwrap(), s(&c, "md5"));
    let key = ottpay::aes_key(&md5, &SecretKey::new(s(&c, "sign_key").as_bytes()).unwrap());
    assert_eq!(std::str::from_utf8(&key[..]).unwrap(), s(&c, "aes_key"));
    let plain = s(&c, "data_json").as_bytes();
    let mut buf = vec![0u8; plain.len() + 16];
    buf[..plain.len()].copy_from_slice(plain);
    let ct = aes128_ecb_encrypt_in_place(&key, &mut buf, plain.len()).unwrap();
    let mut b64 = vec![0u8; ct.len() * 2];
    assert_eq!(base64_encode(ct, &mut b64).unwrap(), s(&c, "data_b64"));
}

#[test]
fn request_cases() {
    let (mid, key) = creds();
    let creds = Credentials::new(&mid, key.as_bytes()).unwrap();
    let mut seen = 0;
    for c in cases("ottpay").iter().filter(|c| c.get("action").is_some()) {
        let data = &c["data"];
        let mut out = [0u8; 1024];
        let body = match s(c, "action") {
            "REFUND" => {
                let req = RefundRequest {
                    order_id: data["order_id"].as_str(),
                    ori_order_id: data["ori_order_id"].as_str().unwrap(),
                    refund_amt: data["refund_amt"].as_str().unwrap().parse().unwrap(),
                };
                ottpay::encode_refund(&creds, &req, &mut out).unwrap()
            }
            "REFUND_STATUS_QUERY" => {
                let q = RefundStatusQuery {
                    order_id: data["order_id"].as_str().unwrap(),
                };
                ottpay::encode_refund_status_query(&creds, &q, &mut out).unwrap()
            }
            other => panic!("unknown action {other}"),
        };
        assert_eq!(
            std::str::from_utf8(body).unwrap(),
            s(c, "body"),
            "case {}",
            c["case"]
        );
        seen += 1;
    }
    assert_eq!(seen, 3);
}

/// The decrypted business members as JSON values, for comparison with the vector's `data`.
fn members(obj: &Object<'_>) -> Value {
    serde_json::from_str(obj.raw()).unwrap()
}

#[test]
fn response_cases() {
    let (mid, key) = creds();
    let creds = Credentials::new(&mid, key.as_bytes()).unwrap();
    let mut seen = 0;
    for c in cases("ottpay").iter().filter(|c| c.get("expect").is_some()) {
        let name = c["case"].as_str().unwrap();
        let mut body = s(c, "body").as_bytes().to_vec();
        let expect = s(c, "expect");
        match s(c, "kind") {
            "refund" => match (expect, ottpay::decode_refund(&creds, &mut body, RF)) {
                ("ok", Ok(Reply::Accepted(r))) => {
                    assert_eq!(members(&r.verified.data), c["data"], "{name}");
                    assert_eq!(
                        r.refund_amt.to_string(),
                        c["data"]["refund_amt"].as_str().unwrap()
                    );
                    assert_eq!(r.order_id.unwrap(), c["data"]["order_id"].as_str().unwrap());
                    // rsp_code claims success, but it is outside md5: never definite.
                    assert_eq!(r.claimed_status(), RefundStatus::Succeeded);
                    assert_eq!(r.status(), RefundStatus::Unknown);
                    assert_eq!(r.trust, Trust::UNSIGNED);
                    assert_eq!(r.verified.md5_form, md5_form(c));
                }
                ("gateway_error", Ok(Reply::Refused(r))) => {
                    assert_eq!(r.code.as_wire(), s(c, "rsp_code"));
                    assert_eq!(r.code, RspCode::ParamInvalid);
                    assert_eq!(r.trust, Trust::UNSIGNED);
                    assert_eq!(r.status(), RefundStatus::Unknown);
                }
                ("error", Err(_)) => {}
                (expect, got) => panic!("{name}: expected {expect}, got {got:?}"),
            },
            "refund_status_query" => {
                match (expect, ottpay::decode_refund_status(&creds, &mut body, RF)) {
                    ("ok", Ok(Reply::Accepted(r))) => {
                        assert_eq!(members(&r.verified.data), c["data"], "{name}");
                        assert_eq!(
                            r.order_status.as_wire(),
                            c["data"]["order_status"].as_str().unwrap()
                        );
                        assert_eq!(r.refund_amt, 51558);
                        assert_eq!(r.trust, Trust::signed(true));
                        assert_eq!(r.status(), RefundStatus::Succeeded);
                        assert_eq!(r.verified.md5_form, md5_form(c));
                    }
                    ("error", Err(_)) => {}
                    (expect, got) => panic!("{name}: expected {expect}, got {got:?}"),
                }
            }
            other => panic!("unknown kind {other}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 7);
}

fn md5_form(c: &Value) -> Md5Form {
    match s(c, "md5_form") {
        "plain" => Md5Form::Plain,
        "java_double" => Md5Form::JavaDouble,
        other => panic!("unknown md5_form {other}"),
    }
}

#[test]
fn tolerates_escaped_slashes_and_spaces_in_data() {
    // A PHP proxy escapes `/` as `\/`; a URL-decoding proxy turns `+` into a space.
    let (mid, key) = creds();
    let creds = Credentials::new(&mid, key.as_bytes()).unwrap();
    let c = case("ottpay", "refund_response");
    let body = s(&c, "body").replace('/', "\\/").replace('+', " ");
    let mut body = body.into_bytes();
    let r = ottpay::decode_refund(&creds, &mut body, RF)
        .unwrap()
        .accepted()
        .unwrap();
    assert_eq!(r.refund_amt, 51558);
}

#[test]
fn wrong_sign_key_is_rejected() {
    let (mid, _) = creds();
    let creds = Credentials::new(&mid, b"0000000000000000").unwrap();
    let c = case("ottpay", "refund_response");
    let mut body = s(&c, "body").as_bytes().to_vec();
    assert!(ottpay::decode_refund(&creds, &mut body, RF).is_err());
}
