//! NewPay attack catalogue: forged, replayed, reflected and re-split messages, built the way an
//! attacker holding the public test keys would. Each must be refused or decode with a status
//! that is not definite (`Unknown`).
//!
//! Forged signatures are made by `openssl dgst -sha256 -sign` with the test keys, over strings
//! built here from the protocol page's rule (sort by name, skip `null`, `name=value` joined by
//! `&`), never by the codec. Genuine messages are the vectors of `tests/vectors/newpay.json`.

use refundwire::gateway::newpay::{self, Credentials, RefundRequest};
use refundwire::{Error, RefundStatus, Reply, Trust, Verdict};
use refundwire_std::rsa::{RsaPrivateKey, RsaPublicKey};
use refundwire_tests::{case, key_path, openssl_rsa_sign_b64, openssl_rsa_verifies, s};
use serde_json::{Map, Value};

const APP_ID: &str = "e585552fac954ab592c9357d34accd78";
const MERCHANT_ID: &str = "7e0ab2ed31b1c27e976699cc6ed5d1bf";
/// The refund the vectors' replies and callback are about.
const REFUND_NO: &str = "ORDERNORFD000000000A104";

fn creds() -> Credentials<'static> {
    Credentials::new(APP_ID, MERCHANT_ID).unwrap()
}

fn platform() -> RsaPublicKey {
    RsaPublicKey::from_any(&std::fs::read(key_path("newpay_platform.pub.pem")).unwrap()).unwrap()
}

fn merchant_key() -> RsaPrivateKey {
    RsaPrivateKey::from_any(&std::fs::read(key_path("newpay_merchant.pem")).unwrap()).unwrap()
}

fn vector(name: &str) -> String {
    s(&case("newpay", name), "body").to_string()
}

/// The protocol page's string-to-sign of an object given as JSON text (read by serde_json):
/// every member but `sign` that is not `null`, sorted by name, `name=value` joined by `&`.
fn canonical(object_json: &str) -> String {
    let object: Map<String, Value> = serde_json::from_str(object_json).unwrap();
    let mut pairs: Vec<(String, String)> = object
        .into_iter()
        .filter(|(k, v)| k != "sign" && !v.is_null())
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text)
        })
        .collect();
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `{members…,"sign":…}` signed by OpenSSL with the platform test key.
fn signed_by_platform(members: &str) -> String {
    let object = format!("{{{members}}}");
    let sign = openssl_rsa_sign_b64(
        &key_path("newpay_platform.pem"),
        canonical(&object).as_bytes(),
    );
    format!(r#"{{{members},"sign":"{sign}"}}"#)
}

fn envelope(data: &str) -> String {
    format!(
        r#"{{"success":true,"message":"success","data":{data},"code":"0","timestamp":"1709614016081"}}"#
    )
}

/// The `data` object of a response body, as text.
fn data_of(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap();
    v["data"].to_string()
}

type Inquiry =
    Result<Reply<'static, newpay::RefundResult<'static>, newpay::InquiryCode<'static>>, Error>;
type Refund = Result<Reply<'static, newpay::RefundResult<'static>, newpay::Code<'static>>, Error>;

fn leak(body: &str) -> &'static [u8] {
    Box::leak(body.to_string().into_boxed_str()).as_bytes()
}

fn inquiry(body: &str, expected: &str) -> Inquiry {
    let body = leak(body);
    let mut scratch = vec![0u8; body.len()];
    newpay::decode_inquiry_refund(&creds(), &platform(), body, expected, &mut scratch)
}

fn refund(body: &str, expected: &str) -> Refund {
    let body = leak(body);
    let mut scratch = vec![0u8; body.len()];
    newpay::decode_refund(&creds(), &platform(), body, expected, &mut scratch)
}

fn callback(body: &str) -> Result<newpay::RefundCallback<'static>, Error> {
    let body = leak(body);
    let mut scratch = vec![0u8; body.len()];
    newpay::decode_refund_callback(&creds(), &platform(), body, &mut scratch)
}

/// Asserts the outcome is an error or a status that is not definite.
fn not_definite<T: Verdict>(outcome: Result<T, Error>) {
    if let Ok(v) = outcome {
        assert_eq!(v.status(), RefundStatus::Unknown, "trust {:?}", v.trust());
    }
}

const INQUIRY_MEMBERS: &str = r#""appId":"e585552fac954ab592c9357d34accd78","tranNo":"00012022090700000037","tranStatus":0,"tranInfo":"failed","refundOrderAmt":"50000","refundOrderNo":"ORDERNORFD000000000A104""#;
const REFUND_MEMBERS: &str = r#""appId":"e585552fac954ab592c9357d34accd78","tranStatus":1,"tranInfo":"success","refundOrderAmt":"50000","refundOrderNo":"ORDERNORFD000000000A104""#;

// -- Re-split strings ----------------------------------------------------------------------------

/// The issue's fold: `tranStatus` moved into `tranNo`'s value keeps the string-to-sign, so the
/// genuine signature still verifies over it — the codec refuses the value instead.
#[test]
fn folding_a_member_into_its_neighbour_is_refused() {
    let genuine = vector("inquiry_refund_response");
    let folded = genuine.replace(
        r#""tranNo":"00012022090700000037","tranStatus":1,"#,
        r#""tranNo":"00012022090700000037&tranStatus=1","#,
    );
    assert_ne!(folded, genuine);
    // Same string, same signature: without the rule this would verify.
    assert_eq!(canonical(&data_of(&folded)), canonical(&data_of(&genuine)));
    let sign = serde_json::from_str::<Value>(&genuine).unwrap()["data"]["sign"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(openssl_rsa_verifies(
        &key_path("newpay_platform.pub.pem"),
        canonical(&data_of(&folded)).as_bytes(),
        &sign
    ));
    assert_eq!(
        inquiry(&folded, REFUND_NO).unwrap_err(),
        Error::InvalidField("tranNo")
    );
    // The genuine one is fine.
    assert_eq!(
        inquiry(&genuine, REFUND_NO).unwrap().status(),
        RefundStatus::Succeeded
    );
}

/// Values and names that would let a signed string be read as other members are refused
/// before anything is read, whoever signed them: a refund number hidden in the previous value,
/// an amount folded into `orderNo`, an unknown member carrying `&…=`, names with `&` or `=`.
#[test]
fn values_and_names_that_re_split_are_refused() {
    for (members, field) in [
        // A callback's refund number hidden in the previous value.
        (
            r#""appId":"e585552fac954ab592c9357d34accd78","refundOrderAmt":"1&refundOrderNo=ORDERNORFD000000000A104","transStatus":1,"transInfo":"Transaction Success""#,
            "refundOrderAmt",
        ),
        (
            r#""appId":"e585552fac954ab592c9357d34accd78","orderNo":"O&refundOrderAmt=99999999","refundOrderAmt":"1","refundOrderNo":"ORDERNORFD000000000A104","transStatus":1,"transInfo":"Transaction Success""#,
            "orderNo",
        ),
        // An unknown member carrying `&…=`.
        (
            r#""appId":"e585552fac954ab592c9357d34accd78","refundOrderAmt":"1","refundOrderNo":"ORDERNORFD000000000A104","transStatus":1,"transInfo":"Transaction Success","zz":"a&transStatus=0""#,
            "unknown member",
        ),
    ] {
        assert_eq!(
            callback(&signed_by_platform(members)).unwrap_err(),
            Error::InvalidField(field),
            "{members}"
        );
    }
    // Member names holding `&` or `=`: the vector's string re-read as one odd member.
    let genuine = vector("inquiry_refund_response");
    let renamed = genuine.replace(
        r#""tranNo":"00012022090700000037","tranStatus":1,"#,
        r#""tranNo=00012022090700000037&tranStatus":"1","#,
    );
    assert_eq!(canonical(&data_of(&renamed)), canonical(&data_of(&genuine)));
    assert_eq!(
        inquiry(&renamed, REFUND_NO).unwrap_err(),
        Error::InvalidField("member name")
    );
    for name in ["a&b", "a=b", ""] {
        let members = format!(r#"{INQUIRY_MEMBERS},"{name}":"x""#);
        assert_eq!(
            inquiry(&envelope(&signed_by_platform(&members)), REFUND_NO).unwrap_err(),
            Error::InvalidField("member name"),
            "{name}"
        );
    }
}

/// The issue's request-side attack: a `refundDesc` that makes the signed string also the
/// string of a body with another amount and refund number.
#[test]
fn request_free_text_cannot_re_split_into_protocol_members() {
    let desc = "x&refundOrderAmt=99999999&refundOrderNo=R-evil";
    // The string the merchant would sign, and a different body with the same string.
    let genuine = format!(
        r#"{{"appId":"{APP_ID}","merchantId":"{MERCHANT_ID}","timestamp":1,"refundOrderAmt":"1","orderNo":"O","refundOrderNo":"R1","refundDesc":"{desc}","callBackUrl":""}}"#
    );
    let forged = format!(
        r#"{{"appId":"{APP_ID}","merchantId":"{MERCHANT_ID}","timestamp":1,"refundOrderAmt":"99999999","orderNo":"O","refundOrderNo":"R-evil&refundOrderAmt=1&refundOrderNo=R1","refundDesc":"x","callBackUrl":""}}"#
    );
    assert_eq!(canonical(&genuine), canonical(&forged));
    let req = RefundRequest {
        refund_order_amt: 1,
        order_no: "O",
        refund_order_no: "R1",
        refund_desc: desc,
        call_back_url: "",
    };
    let mut out = [0u8; newpay::REFUND_BODY_MAX];
    assert_eq!(
        newpay::encode_refund(&creds(), &merchant_key(), &req, 1, &mut out).unwrap_err(),
        Error::InvalidField("refundDesc")
    );
    let url = RefundRequest {
        refund_desc: "",
        call_back_url: "https://shop.example/cb?x=1&refundOrderNo=R-evil",
        ..req
    };
    assert_eq!(
        newpay::encode_refund(&creds(), &merchant_key(), &url, 1, &mut out).unwrap_err(),
        Error::InvalidField("callBackUrl")
    );
    // An ordinary callback URL with a query string is signed as is, and OpenSSL agrees.
    let ok = RefundRequest {
        refund_desc: "damaged & returned",
        call_back_url: "https://shop.example/cb?order=O&sig=1&lang=lo",
        ..req
    };
    let body = newpay::encode_refund(&creds(), &merchant_key(), &ok, 1, &mut out).unwrap();
    let body = std::str::from_utf8(body).unwrap();
    let sign = serde_json::from_str::<Value>(body).unwrap()["sign"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(openssl_rsa_verifies(
        &key_path("newpay_merchant.pub.pem"),
        canonical(body).as_bytes(),
        &sign
    ));
}

// -- Reflected, replayed and other operations' messages -------------------------------------------

/// The merchant's own requests copied back as replies or callbacks.
#[test]
fn reflected_requests_are_refused() {
    let request = vector("refund_request");
    let query = vector("inquiry_refund_request");
    for body in [&request, &query] {
        assert_eq!(
            refund(body, REFUND_NO).unwrap_err(),
            Error::WrongMessage("sign")
        );
        assert_eq!(
            inquiry(body, REFUND_NO).unwrap_err(),
            Error::WrongMessage("sign")
        );
        // Signed with the merchant key: not NewPay's.
        assert_eq!(
            callback(body).unwrap_err(),
            Error::SignatureMismatch("sign")
        );
    }
    // Even signed with the platform key (a deployment sharing keys), a request is not a
    // callback, nor a response's `data`.
    let object: Map<String, Value> = serde_json::from_str(&request).unwrap();
    let members: Vec<String> = object
        .iter()
        .filter(|(k, _)| *k != "sign")
        .map(|(k, v)| format!("{}:{v}", Value::String(k.clone())))
        .collect();
    let resigned = signed_by_platform(&members.join(","));
    assert_eq!(
        callback(&resigned).unwrap_err(),
        Error::WrongMessage("merchantId")
    );
    assert_eq!(
        refund(&envelope(&resigned), "R").unwrap_err(),
        Error::WrongMessage("merchantId")
    );
    // A request with `success` added: still a request.
    let with_success = request.replacen('{', r#"{"success":true,"code":"0","#, 1);
    assert_eq!(
        refund(&with_success, REFUND_NO).unwrap_err(),
        Error::WrongMessage("sign")
    );
}

/// A genuine reply replayed against another refund, or with no refund to bind it to.
#[test]
fn replayed_replies_bind_to_nothing_else() {
    let genuine = vector("inquiry_refund_response");
    assert_eq!(
        inquiry(&genuine, "ORDERNORFD-another").unwrap_err(),
        Error::RequestIdMismatch
    );
    let unbound = inquiry(&genuine, "").unwrap().accepted().unwrap();
    assert_eq!(unbound.trust, Trust::signed(false));
    assert_eq!(unbound.claimed_status(), RefundStatus::Succeeded);
    assert_eq!(unbound.status(), RefundStatus::Unknown);
    // A forged reply about another refund, signed with the platform key: same answer.
    let other = signed_by_platform(&INQUIRY_MEMBERS.replace(REFUND_NO, "ORDERNORFD-another"));
    assert_eq!(
        inquiry(&envelope(&other), REFUND_NO).unwrap_err(),
        Error::RequestIdMismatch
    );
    // Another merchant's reply (NewPay signs every merchant's with the same key).
    let theirs = signed_by_platform(&INQUIRY_MEMBERS.replace(APP_ID, "another-app"));
    assert_eq!(
        inquiry(&envelope(&theirs), REFUND_NO).unwrap_err(),
        Error::InvalidField("appId")
    );
}

/// Signed replies of one operation presented as another's, and callbacks and replies swapped.
#[test]
fn other_operations_messages_are_refused() {
    // An inquiry reply (has tranNo) is not a refund reply.
    let inquiry_reply = vector("inquiry_refund_response");
    assert_eq!(
        refund(&inquiry_reply, REFUND_NO).unwrap_err(),
        Error::WrongMessage("tranNo")
    );
    // A refund reply (no tranNo) is not an inquiry reply.
    let refund_reply = envelope(&signed_by_platform(REFUND_MEMBERS));
    let r = refund(&refund_reply, REFUND_NO)
        .unwrap()
        .accepted()
        .unwrap();
    assert_eq!(r.status(), RefundStatus::Succeeded);
    assert_eq!(
        inquiry(&refund_reply, REFUND_NO).unwrap_err(),
        Error::WrongMessage("tranNo")
    );
    // A `null` tranNo is not signed: it does not make a refund reply an inquiry reply.
    let with_null = refund_reply.replacen(r#""tranStatus""#, r#""tranNo":null,"tranStatus""#, 1);
    assert_eq!(
        inquiry(&with_null, REFUND_NO).unwrap_err(),
        Error::WrongMessage("tranNo")
    );
    // The genuine callback wrapped as a response's data (same key, same rule).
    let cb = vector("refund_callback");
    assert!(matches!(
        inquiry(&envelope(&cb), REFUND_NO).unwrap_err(),
        Error::WrongMessage("timestamp")
    ));
    assert!(matches!(
        refund(&envelope(&cb), REFUND_NO).unwrap_err(),
        Error::WrongMessage("timestamp")
    ));
    // The genuine reply's data posted as a callback.
    assert_eq!(
        callback(&data_of(&inquiry_reply)).unwrap_err(),
        Error::WrongMessage("tranStatus")
    );
    // A reply body posted as a callback: its nested data cannot be signed at the top level.
    assert!(callback(&inquiry_reply).is_err());
}

// -- Edited envelopes, unsigned and unbound refusals --------------------------------------------

/// The envelope is not signed: editing it cannot make a status definite.
#[test]
fn edited_unsigned_envelope_fields() {
    let genuine = vector("inquiry_refund_response");
    // A success turned into a refusal (with a code that claims failure): unsigned → unknown.
    for code in ["Z00051", "Z01020", "Z01026", "E9999", "B11095"] {
        let refusal = format!(r#"{{"success":false,"message":"x","code":"{code}"}}"#);
        not_definite(inquiry(&refusal, REFUND_NO));
        not_definite(refund(&refusal, REFUND_NO));
        let r = refund(&refusal, REFUND_NO).unwrap().refused().unwrap();
        assert_eq!(r.trust, Trust::UNSIGNED);
    }
    // success:true with an error code.
    assert_eq!(
        inquiry(
            &genuine.replace(r#""code":"0""#, r#""code":"E9999""#),
            REFUND_NO
        )
        .unwrap_err(),
        Error::InvalidField("code")
    );
    // A message or timestamp changed: not read, the signed data decides.
    let edited = genuine
        .replace(r#""message":"success""#, r#""message":"refund failed""#)
        .replace(r#""timestamp":"1709614016081""#, r#""timestamp":"0""#);
    assert_eq!(
        inquiry(&edited, REFUND_NO).unwrap().status(),
        RefundStatus::Succeeded
    );
    // Members added to the envelope that only requests or callbacks carry.
    for extra in [
        r#""sign":"x","#,
        r#""merchantId":"m","#,
        r#""transStatus":0,"#,
    ] {
        let body = genuine.replacen('{', &format!("{{{extra}"), 1);
        assert!(matches!(
            inquiry(&body, REFUND_NO).unwrap_err(),
            Error::WrongMessage(_)
        ));
    }
    // A signed member edited: the signature fails.
    assert_eq!(
        inquiry(
            &genuine.replace(r#""tranStatus":1"#, r#""tranStatus":0"#),
            REFUND_NO
        )
        .unwrap_err(),
        Error::SignatureMismatch("data.sign")
    );
    // Members that are not signed (`null`) added or removed: nothing read changes.
    let nulls = genuine.replace(r#""tranAbbr":null,"#, r#""refundSuccess":null,"#);
    assert_eq!(
        inquiry(&nulls, REFUND_NO).unwrap().status(),
        RefundStatus::Succeeded
    );
    // The JSON type of a signed scalar is not signed: read by its text, it means the same.
    let retyped = genuine.replace(r#""tranStatus":1"#, r#""tranStatus":"1""#);
    assert_eq!(
        inquiry(&retyped, REFUND_NO).unwrap().status(),
        RefundStatus::Succeeded
    );
    // Duplicate members (two readings of one object) are refused.
    let twice = genuine.replace(r#""tranStatus":1"#, r#""tranStatus":0,"tranStatus":1"#);
    assert_eq!(
        inquiry(&twice, REFUND_NO).unwrap_err(),
        Error::DuplicateMember
    );
}

/// The vector's refusal: NewPay signs none, so it is never definite, bound or not.
#[test]
fn unsigned_refusal_is_never_definite() {
    let refusal = vector("inquiry_refund_error");
    for expected in [REFUND_NO, ""] {
        let r = inquiry(&refusal, expected).unwrap().refused().unwrap();
        assert_eq!(r.trust, Trust::UNSIGNED);
        assert_eq!(r.claimed_status(), RefundStatus::Failed);
        assert_eq!(r.status(), RefundStatus::Unknown);
        let r = refund(&refusal, expected).unwrap().refused().unwrap();
        assert_eq!(r.status(), RefundStatus::Unknown);
    }
}

/// Codes after which an earlier attempt may have gone through claim Unknown even if a
/// refusal were ever trusted.
#[test]
fn codes_that_may_hide_an_earlier_success_claim_unknown() {
    use refundwire::Claim;
    use refundwire::gateway::newpay::Code;
    for code in ["Z01020", "Z01026", "E9999", "Z09999"] {
        assert_eq!(
            Code::from_wire(code).claimed_status(),
            RefundStatus::Unknown,
            "{code}"
        );
    }
}

// -- Callbacks ------------------------------------------------------------------------------------

const CALLBACK_MEMBERS: &str = r#""appId":"e585552fac954ab592c9357d34accd78","payMethod":1,"refundOrderAmt":"50000","currency":"LAK","refundOrderNo":"ORDERNORFD000000000A104","transStatus":1,"transInfo":"Transaction Success","timestamp":1709614016481"#;

/// A callback must be about this merchant and say it is a callback.
#[test]
fn callbacks_bind_to_the_merchant_and_carry_their_kind() {
    let genuine = callback(&signed_by_platform(CALLBACK_MEMBERS)).unwrap();
    assert_eq!(genuine.trust, Trust::signed(true));
    assert_eq!(genuine.status(), RefundStatus::Succeeded);
    // Another merchant's, signed by NewPay's key.
    assert_eq!(
        callback(&signed_by_platform(
            &CALLBACK_MEMBERS.replace(APP_ID, "another-app")
        ))
        .unwrap_err(),
        Error::InvalidField("appId")
    );
    // No appId at all.
    let no_app = CALLBACK_MEMBERS.replace(&format!(r#""appId":"{APP_ID}","#), "");
    assert_eq!(
        callback(&signed_by_platform(&no_app)).unwrap_err(),
        Error::MissingField("appId")
    );
    // No transStatus: not a callback (it could be a reply's data).
    let no_kind = CALLBACK_MEMBERS.replace(r#""transStatus":1,"#, "");
    assert_eq!(
        callback(&signed_by_platform(&no_kind)).unwrap_err(),
        Error::WrongMessage("transStatus")
    );
    // transStatus null is not signed, and says nothing.
    let null_kind = CALLBACK_MEMBERS.replace(r#""transStatus":1"#, r#""transStatus":null"#);
    assert_eq!(
        callback(&signed_by_platform(&null_kind)).unwrap_err(),
        Error::WrongMessage("transStatus")
    );
    // A reply member in a callback.
    let mixed = format!(r#"{CALLBACK_MEMBERS},"tranStatus":1"#);
    assert_eq!(
        callback(&signed_by_platform(&mixed)).unwrap_err(),
        Error::WrongMessage("tranStatus")
    );
    // A callback whose transInfo says nothing definite claims nothing.
    let vague = CALLBACK_MEMBERS.replace("Transaction Success", "insufficient balance");
    assert_eq!(
        callback(&signed_by_platform(&vague)).unwrap().status(),
        RefundStatus::Unknown
    );
    // A signed text that negates a success word is not success (found by review).
    for negated in [
        "Refund did not succeed",
        "NOT_SUCCESS_YET",
        "no success",
        "success: false",
        "NON-SUCCESS",
    ] {
        let said = CALLBACK_MEMBERS.replace("Transaction Success", negated);
        let cb = callback(&signed_by_platform(&said)).unwrap();
        assert_eq!(cb.status(), RefundStatus::Unknown, "{negated}");
    }
    // The genuine vector, edited: the signature fails.
    let edited = vector("refund_callback").replace(r#""transStatus":1"#, r#""transStatus":0"#);
    assert_eq!(
        callback(&edited).unwrap_err(),
        Error::SignatureMismatch("sign")
    );
}
