//! Every OTTPay status arm through the decoders, with replies made by OpenSSL: what each value
//! claims, and the status under the trust rule (bound or not).

use refundwire::gateway::ottpay::{self, Credentials};
use refundwire::{RefundStatus, Trust, Verdict};
use refundwire_tests::{openssl, openssl_digest_hex};

const KEY: &str = "4283FEFC63F0CD0E";
const RF: &str = "RF12415868344978";

use RefundStatus::{Failed, Pending, Succeeded, Unknown};

fn md5_upper(bytes: &[u8]) -> String {
    openssl_digest_hex("md5", bytes).to_uppercase()
}

/// A status-query reply for RF with `order_status`, encrypted by OpenSSL.
fn status_reply(rsp_code: &str, order_status: &str) -> Vec<u8> {
    let data =
        format!(r#"{{"order_id":"{RF}","order_status":"{order_status}","refund_amt":"100"}}"#);
    // Sorted by name: order_id, order_status, refund_amt.
    let md5 = md5_upper(format!("{RF}{order_status}100").as_bytes());
    let key: String = md5_upper(format!("{md5}{KEY}").as_bytes())[8..24]
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    let ct = openssl(
        &["enc", "-aes-128-ecb", "-K", &key, "-base64", "-A"],
        data.as_bytes(),
    );
    format!(
        r#"{{"rsp_code":"{rsp_code}","rsp_msg":"","data":"{}","md5":"{md5}"}}"#,
        String::from_utf8(ct).unwrap().trim()
    )
    .into_bytes()
}

#[test]
fn every_order_status_through_the_decoder() {
    let creds = Credentials::new("ON43915000", KEY.as_bytes()).unwrap();
    for (order_status, claimed) in [
        ("init", Pending),
        ("notpay", Pending),
        ("success", Succeeded),
        ("canceling", Pending),
        ("failure", Failed),
        ("orderclosed", Failed),
        ("authfinish", Unknown),
        ("partial_refunded", Unknown),
        ("fully_refunded", Unknown),
        ("Success", Unknown),
        ("", Unknown),
    ] {
        for rsp_code in ["SUCCESS", "PROCESSING"] {
            let body = status_reply(rsp_code, order_status);
            let mut b = body.clone();
            let r = ottpay::decode_refund_status(&creds, &mut b, RF)
                .unwrap()
                .accepted()
                .unwrap();
            assert_eq!(r.order_status.as_wire(), order_status);
            assert_eq!(r.claimed_status(), claimed, "{order_status}");
            assert_eq!(r.trust, Trust::signed(true));
            assert_eq!(r.status(), claimed, "{order_status} bound");
            let mut b = body.clone();
            let r = ottpay::decode_refund_status(&creds, &mut b, "")
                .unwrap()
                .accepted()
                .unwrap();
            assert_eq!(r.claimed_status(), claimed);
            assert_eq!(r.trust, Trust::signed(false));
            assert_eq!(r.status(), Unknown, "{order_status} unbound");
        }
    }
}

#[test]
fn every_rsp_code_through_the_decoders() {
    let creds = Credentials::new("ON43915000", KEY.as_bytes()).unwrap();
    for (code, claimed) in [
        ("PWD_INCORRECT", Failed),
        ("FAIL", Failed),
        ("TIMEOUT", Unknown),
        ("SYSTEM_ERROR", Unknown),
        ("PARAM_INVALID", Failed),
        ("PARAM_ERROR", Failed),
        ("ORDER_PAID", Unknown),
        ("ORDER_USED", Unknown),
        ("ORDER_TYPE_ERROR", Failed),
        ("DB_ERROR", Unknown),
        ("AUTH_CODE_INVALID", Failed),
        ("success", Unknown),
    ] {
        let body = format!(r#"{{"rsp_code":"{code}","rsp_msg":"m"}}"#);
        let mut b = body.clone().into_bytes();
        let r = ottpay::decode_refund(&creds, &mut b, RF)
            .unwrap()
            .refused()
            .unwrap();
        assert_eq!(r.code.as_wire(), code);
        assert_eq!(r.claimed_status(), claimed, "{code}");
        assert_eq!((r.trust, r.status()), (Trust::UNSIGNED, Unknown));
        let mut b = body.into_bytes();
        let r = ottpay::decode_refund_status(&creds, &mut b, RF)
            .unwrap()
            .refused()
            .unwrap();
        assert_eq!(r.claimed_status(), claimed, "{code}");
        assert_eq!(r.status(), Unknown);
    }
}
