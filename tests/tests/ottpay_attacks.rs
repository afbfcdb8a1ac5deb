//! A catalogue of attacks on OTTPay replies, each answered by an error or by a status of
//! `Unknown` (issue 8). The attacker has what the repository has: the test sign key, the
//! vectors' genuine messages, and whatever a leaked per-message AES key allows.
//!
//! Forged messages are built without this codec: MD5 and AES by the `openssl` command line,
//! the sorted value string by a few lines of this file (values of the members sorted by name,
//! concatenated, `null` skipped: the page's rule).

use refundwire::gateway::ottpay::{self, Credentials, RefundReply, RefundStatusReply};
use refundwire::{Error, RefundStatus, Trust, Verdict};
use refundwire_tests::{case, openssl, openssl_digest_hex, s};
use serde_json::Value;

const MERCHANT: &str = "ON43915000";
const KEY: &str = "4283FEFC63F0CD0E";
/// The refund order id of every genuine vector reply.
const RF: &str = "RF12415868344978";

use RefundStatus::{Pending, Succeeded, Unknown};

fn creds() -> Credentials<'static> {
    Credentials::new(MERCHANT, KEY.as_bytes()).unwrap()
}

fn refund(body: &str, expected: &str) -> refundwire::Result<(RefundStatus, RefundStatus, Trust)> {
    let mut body = body.as_bytes().to_vec();
    let reply: RefundReply<'_> = ottpay::decode_refund(&creds(), &mut body, expected)?;
    Ok((reply.status(), reply.claimed_status(), reply.trust()))
}

fn status(body: &str, expected: &str) -> refundwire::Result<(RefundStatus, RefundStatus, Trust)> {
    let mut body = body.as_bytes().to_vec();
    let reply: RefundStatusReply<'_> = ottpay::decode_refund_status(&creds(), &mut body, expected)?;
    Ok((reply.status(), reply.claimed_status(), reply.trust()))
}

/// Both decoders refuse `body` with `err`, whatever the expected id.
fn both_refuse(body: &str, err: Error) {
    for expected in [RF, ""] {
        assert_eq!(
            refund(body, expected).map(|_| ()),
            Err(err),
            "refund: {body}"
        );
        assert_eq!(
            status(body, expected).map(|_| ()),
            Err(err),
            "status: {body}"
        );
    }
}

/// The page's value string: members sorted by name (byte order), values concatenated,
/// strings unescaped, numbers as written, `null` skipped.
fn sorted_values(data_json: &str) -> String {
    let Value::Object(members) = serde_json::from_str(data_json).unwrap() else {
        panic!("not an object: {data_json}")
    };
    let mut names: Vec<&String> = members.keys().collect();
    names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    names
        .into_iter()
        .filter_map(|n| match &members[n] {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        })
        .collect()
}

/// Upper-case hex MD5, by OpenSSL.
fn md5_upper(bytes: &[u8]) -> String {
    openssl_digest_hex("md5", bytes).to_uppercase()
}

/// The per-message AES key for `md5`, as the hex OpenSSL takes: what a leaked key gives.
fn key_hex(md5: &str) -> String {
    let derived = md5_upper(format!("{md5}{KEY}").as_bytes());
    derived[8..24].bytes().map(|b| format!("{b:02x}")).collect()
}

/// Base64 of AES-128-ECB(PKCS#7) of `data_json` under the key `md5` selects, by OpenSSL.
fn encrypt(data_json: &str, md5: &str) -> String {
    let out = openssl(
        &["enc", "-aes-128-ecb", "-K", &key_hex(md5), "-base64", "-A"],
        data_json.as_bytes(),
    );
    String::from_utf8(out).unwrap().trim().to_string()
}

/// A reply as OTTPay makes it (or as anyone holding the key `md5` selects can make it).
fn reply_with_md5(rsp_code: &str, data_json: &str, md5: &str) -> String {
    format!(
        r#"{{"rsp_code":"{rsp_code}","rsp_msg":"x","data":"{}","md5":"{md5}"}}"#,
        encrypt(data_json, md5)
    )
}

/// A genuine reply: its md5 is the digest of its own values.
fn genuine(rsp_code: &str, data_json: &str) -> String {
    reply_with_md5(
        rsp_code,
        data_json,
        &md5_upper(sorted_values(data_json).as_bytes()),
    )
}

fn vector_body(name: &str) -> String {
    s(&case("ottpay", name), "body").to_string()
}

// --- reflected requests -------------------------------------------------------------------

#[test]
fn the_merchants_own_refund_request_copied_back_is_refused() {
    // Issue 8: the REFUND request with "rsp_code":"SUCCESS" added decoded as succeeded and
    // even passed the binding (it carries that order_id).
    let request = vector_body("refund_request_with_order_id");
    for code in ["SUCCESS", "PROCESSING"] {
        let reflected = request.replacen('{', &format!(r#"{{"rsp_code":"{code}","#), 1);
        both_refuse(&reflected, Error::WrongMessage("action"));
        // Every envelope member but data and md5 removed or renamed: the verified data gives
        // it away.
        let data_at = request.find(r#""data""#).unwrap();
        let stripped = format!(r#"{{"rsp_code":"{code}",{}"#, &request[data_at..]);
        both_refuse(&stripped, Error::WrongMessage("ori_order_id"));
        let renamed = request
            .replace(r#""action""#, r#""rsp_code""#)
            .replace(r#""REFUND""#, &format!(r#""{code}""#));
        both_refuse(&renamed, Error::WrongMessage("ori_order_id"));
    }
    // Without order_id: the same.
    let request = vector_body("refund_request");
    let data_at = request.find(r#""data""#).unwrap();
    let stripped = format!(r#"{{"rsp_code":"SUCCESS",{}"#, &request[data_at..]);
    both_refuse(&stripped, Error::WrongMessage("ori_order_id"));
}

#[test]
fn the_merchants_own_status_query_copied_back_is_refused() {
    let request = vector_body("refund_status_query_request");
    let reflected = request.replacen('{', r#"{"rsp_code":"SUCCESS","#, 1);
    both_refuse(&reflected, Error::WrongMessage("action"));
    let data_at = request.find(r#""data""#).unwrap();
    let stripped = format!(r#"{{"rsp_code":"SUCCESS",{}"#, &request[data_at..]);
    assert_eq!(
        refund(&stripped, RF),
        Err(Error::MissingField("refund_amt"))
    );
    assert_eq!(
        status(&stripped, RF),
        Err(Error::WrongMessage("order_status"))
    );
}

#[test]
fn a_request_shaped_object_with_reply_members_is_still_a_request() {
    // Whoever holds a key can add members; `ori_order_id` is never in a reply.
    let data = format!(
        r#"{{"order_id":"{RF}","ori_order_id":"P1","order_status":"success","refund_amt":"1"}}"#
    );
    both_refuse(
        &genuine("SUCCESS", &data),
        Error::WrongMessage("ori_order_id"),
    );
}

// --- the other operation's reply -----------------------------------------------------------

#[test]
fn one_operations_reply_is_not_the_others() {
    assert_eq!(
        refund(&vector_body("refund_status_query_response"), RF),
        Err(Error::WrongMessage("order_status"))
    );
    assert_eq!(
        status(&vector_body("refund_response"), RF),
        Err(Error::WrongMessage("order_status"))
    );
    // A status reply that names the refund and lacks trade_time still is a status reply.
    let data = format!(r#"{{"order_id":"{RF}","order_status":"failure","refund_amt":"51558"}}"#);
    assert_eq!(
        refund(&genuine("SUCCESS", &data), RF),
        Err(Error::WrongMessage("order_status"))
    );
    // A REFUND reply with nothing but refund_amt has no order_status.
    assert_eq!(
        status(&genuine("SUCCESS", r#"{"refund_amt":"51558"}"#), ""),
        Err(Error::WrongMessage("order_status"))
    );
}

#[test]
fn another_apis_message_under_the_same_key_is_refused() {
    // OTTPay's payment callback (same construction, same key): order_id is the payment's,
    // `amount` instead of `refund_amt`.
    let callback = r#"{"finish_time":"2024-01-08 16:29:03","merchant_id":"ON43915000","order_id":"17047528085325164","order_status":"success","amount":"9955"}"#;
    let body = genuine("SUCCESS", callback);
    assert_eq!(status(&body, RF), Err(Error::MissingField("refund_amt")));
    assert_eq!(refund(&body, RF), Err(Error::WrongMessage("order_status")));
    // With a refund_amt too, it names another order than the refund expected.
    let callback =
        r#"{"order_id":"17047528085325164","order_status":"success","refund_amt":"9955"}"#;
    assert_eq!(
        status(&genuine("SUCCESS", callback), RF),
        Err(Error::RequestIdMismatch)
    );
}

// --- edited envelope (rsp_code and rsp_msg are outside md5) ---------------------------------

#[test]
fn a_processing_refund_reply_edited_to_success_is_unknown() {
    let data = format!(r#"{{"order_id":"{RF}","refund_amt":"51558"}}"#);
    let processing = genuine("PROCESSING", &data);
    assert_eq!(
        refund(&processing, RF),
        Ok((Unknown, Pending, Trust::UNSIGNED))
    );
    let edited = processing.replace("PROCESSING", "SUCCESS");
    assert_eq!(
        refund(&edited, RF),
        Ok((Unknown, Succeeded, Trust::UNSIGNED))
    );
    // The vector's genuine SUCCESS is no more definite.
    assert_eq!(
        refund(&vector_body("refund_response"), RF),
        Ok((Unknown, Succeeded, Trust::UNSIGNED))
    );
}

#[test]
fn rsp_code_cannot_move_a_status_reply() {
    let genuine_success = vector_body("refund_status_query_response");
    let bound = Trust::signed(true);
    let to_processing = genuine_success.replacen("SUCCESS", "PROCESSING", 1);
    assert_eq!(
        status(&to_processing, RF),
        Ok((Succeeded, Succeeded, bound))
    );
    let data = format!(r#"{{"order_id":"{RF}","order_status":"init","refund_amt":"51558"}}"#);
    let to_success = genuine("PROCESSING", &data).replacen("PROCESSING", "SUCCESS", 1);
    assert_eq!(status(&to_success, RF), Ok((Pending, Pending, bound)));
    let to_msg = genuine_success.replace(r#""rsp_msg":"success""#, r#""rsp_msg":"refunded""#);
    assert_eq!(status(&to_msg, RF), Ok((Succeeded, Succeeded, bound)));
}

#[test]
fn a_genuine_reply_edited_into_a_refusal_is_unknown() {
    for (body, decoder) in [
        (vector_body("refund_response"), "refund"),
        (vector_body("refund_status_query_response"), "status"),
    ] {
        for code in ["FAIL", "PARAM_INVALID", "ORDER_USED", "TIMEOUT", "WHATEVER"] {
            let edited = body.replacen("SUCCESS", code, 1);
            let got = if decoder == "refund" {
                refund(&edited, RF)
            } else {
                status(&edited, RF)
            };
            let (st, _, trust) = got.unwrap();
            assert_eq!((st, trust), (Unknown, Trust::UNSIGNED), "{decoder} {code}");
        }
    }
}

#[test]
fn unsigned_refusals_are_unknown() {
    for (code, claimed) in [
        ("FAIL", RefundStatus::Failed),
        ("PARAM_ERROR", RefundStatus::Failed),
        ("ORDER_USED", Unknown),
        ("ORDER_PAID", Unknown),
        ("SYSTEM_ERROR", Unknown),
        ("NEW", Unknown),
    ] {
        let body = format!(r#"{{"rsp_code":"{code}","rsp_msg":"no"}}"#);
        for expected in [RF, ""] {
            assert_eq!(
                refund(&body, expected),
                Ok((Unknown, claimed, Trust::UNSIGNED)),
                "{code}"
            );
            assert_eq!(
                status(&body, expected),
                Ok((Unknown, claimed, Trust::UNSIGNED)),
                "{code}"
            );
        }
    }
}

#[test]
fn a_refusal_carrying_genuine_data_is_still_unsigned() {
    // The data names this very refund and verifies, but a refusal is read from rsp_code.
    let data = format!(r#"{{"order_id":"{RF}","order_status":"failure","refund_amt":"51558"}}"#);
    let body = genuine("FAIL", &data);
    assert_eq!(
        status(&body, RF),
        Ok((Unknown, RefundStatus::Failed, Trust::UNSIGNED))
    );
}

// --- replays ---------------------------------------------------------------------------------

#[test]
fn a_reply_for_another_refund_is_refused() {
    for other in [
        "RF12415868344979",
        "RF1241586834497",
        "RF124158683449780",
        "rf12415868344978",
    ] {
        assert_eq!(
            refund(&vector_body("refund_response"), other),
            Err(Error::RequestIdMismatch)
        );
        assert_eq!(
            status(&vector_body("refund_status_query_response"), other),
            Err(Error::RequestIdMismatch)
        );
        assert_eq!(
            status(
                &vector_body("refund_status_query_response_numeric_java_double"),
                other
            ),
            Err(Error::RequestIdMismatch)
        );
    }
}

#[test]
fn without_an_expected_id_nothing_is_definite() {
    let unbound = Trust::signed(false);
    assert_eq!(
        status(&vector_body("refund_status_query_response"), ""),
        Ok((Unknown, Succeeded, unbound))
    );
    assert_eq!(
        refund(&vector_body("refund_response"), ""),
        Ok((Unknown, Succeeded, Trust::UNSIGNED))
    );
}

#[test]
fn a_refund_reply_without_order_id_binds_nothing() {
    // The merchant sent no order_id (OTTPay made one and did not return it): a replay of any
    // such reply decodes, but nothing about it is definite.
    let body = genuine(
        "SUCCESS",
        r#"{"trade_time":"2024-03-05 10:11:12","refund_amt":"1"}"#,
    );
    for expected in ["", RF] {
        assert_eq!(
            refund(&body, expected),
            Ok((Unknown, Succeeded, Trust::UNSIGNED))
        );
    }
}

// --- re-split and re-made data (whoever holds a per-message AES key) -----------------------

#[test]
fn a_re_split_refund_reply_is_still_unknown() {
    // Issue 8: with the AES key `explain` used to print, the values re-split: refund_amt "5"
    // bound to the real order_id, the rest pushed into trade_time. Same md5, same key.
    let genuine_data =
        format!(r#"{{"order_id":"{RF}","trade_time":"2024-03-05 10:11:12","refund_amt":"51558"}}"#);
    let md5 = md5_upper(sorted_values(&genuine_data).as_bytes());
    let re_split =
        format!(r#"{{"order_id":"{RF}","trade_time":"15582024-03-05 10:11:12","refund_amt":"5"}}"#);
    assert_eq!(md5_upper(sorted_values(&re_split).as_bytes()), md5);
    let body = reply_with_md5("SUCCESS", &re_split, &md5);
    assert_eq!(refund(&body, RF), Ok((Unknown, Succeeded, Trust::UNSIGNED)));
}

#[test]
fn a_re_split_status_reply_names_nothing_definite() {
    // A genuine `failure` for refund RF…978 re-split so that the order id loses a digit that
    // moves into order_status: another refund (mismatch), or an unknown status word.
    let genuine_data =
        format!(r#"{{"order_id":"{RF}","order_status":"failure","refund_amt":"51558"}}"#);
    let md5 = md5_upper(sorted_values(&genuine_data).as_bytes());
    let shorter = "RF1241586834497";
    let re_split =
        format!(r#"{{"order_id":"{shorter}","order_status":"8failure","refund_amt":"51558"}}"#);
    let body = reply_with_md5("SUCCESS", &re_split, &md5);
    assert_eq!(status(&body, RF), Err(Error::RequestIdMismatch));
    assert_eq!(
        status(&body, shorter),
        Ok((Unknown, Unknown, Trust::signed(true)))
    );
    // The status word cannot borrow from the amount without becoming another word.
    let re_split =
        format!(r#"{{"order_id":"{RF}","order_status":"failure5","refund_amt":"1558"}}"#);
    let body = reply_with_md5("SUCCESS", &re_split, &md5);
    assert_eq!(
        status(&body, RF),
        Ok((Unknown, Unknown, Trust::signed(true)))
    );
    // Moving the status into a member of another name leaves none.
    let re_split = format!(r#"{{"order_id":"{RF}","order_s":"failure","refund_amt":"51558"}}"#);
    let body = reply_with_md5("SUCCESS", &re_split, &md5);
    assert_eq!(status(&body, RF), Err(Error::WrongMessage("order_status")));
}

#[test]
fn duplicate_members_are_refused() {
    // Two order_id members: which one binds would depend on the reader.
    let data = format!(
        r#"{{"order_id":"RF-other","order_id":"{RF}","order_status":"success","refund_amt":"1"}}"#
    );
    let md5 = md5_upper(format!("RF-other{RF}success1").as_bytes());
    let body = reply_with_md5("SUCCESS", &data, &md5);
    assert_eq!(status(&body, RF), Err(Error::DuplicateMember));
    let envelope = r#"{"rsp_code":"FAIL","rsp_code":"SUCCESS"}"#;
    both_refuse(envelope, Error::DuplicateMember);
}

// --- forgeries without a key -----------------------------------------------------------------

#[test]
fn replies_without_the_key_are_refused() {
    let data = format!(r#"{{"order_id":"{RF}","order_status":"success","refund_amt":"1"}}"#);
    let md5 = md5_upper(sorted_values(&data).as_bytes());
    // Encrypted under a key made with another sign key.
    let wrong = md5_upper(format!("{md5}0000000000000000").as_bytes())[8..24]
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let ct = openssl(
        &["enc", "-aes-128-ecb", "-K", &wrong, "-base64", "-A"],
        data.as_bytes(),
    );
    let body = format!(
        r#"{{"rsp_code":"SUCCESS","data":"{}","md5":"{md5}"}}"#,
        String::from_utf8(ct).unwrap().trim()
    );
    assert!(status(&body, RF).is_err());
    // The genuine data of one reply under another reply's md5.
    let a = vector_body("refund_status_query_response");
    let b = genuine(
        "SUCCESS",
        &format!(r#"{{"order_id":"{RF}","order_status":"init","refund_amt":"51558"}}"#),
    );
    let md5_of = |body: &str| {
        let v: Value = serde_json::from_str(body).unwrap();
        v["md5"].as_str().unwrap().to_string()
    };
    let swapped = b.replace(&md5_of(&b), &md5_of(&a));
    assert!(status(&swapped, RF).is_err());
    // A digest of the right shape over nothing.
    both_refuse(
        r#"{"rsp_code":"SUCCESS","data":"AAAAAAAAAAAAAAAAAAAAAA==","md5":"51DCA9AA0E0F1A1B2C3D4E5F60718293"}"#,
        Error::Padding,
    );
}

// --- AES-ECB block splicing (found by review) -----------------------------------------------

/// ECB encrypts 16-byte blocks independently: without any key, blocks of a captured message
/// can be repeated and reordered. Repeating a block inside a member name renames the member
/// while every value and their sorted order stay the same, so `md5` and the per-message key
/// still match. Here the merchant's own REFUND request loses its `ori_order_id` name and
/// decodes as a REFUND reply — whose status is never definite, so it says nothing. The
/// status query's `order_id` and `order_status` cannot be made or moved this way without
/// changing `md5` (a reply's decoder refuses it: see the status-query case below).
#[test]
fn a_block_spliced_request_decodes_only_as_an_unknown_refund_reply() {
    // A 12-byte order id puts a block boundary inside `ori_order_id`.
    let id = "RF1241586834";
    let data = format!(
        r#"{{"order_id":"{id}","ori_order_id":"202080636083778353374068","refund_amt":"51558"}}"#
    );
    let md5 = md5_upper(sorted_values(&data).as_bytes());
    let cipher = openssl(&["base64", "-d", "-A"], encrypt(&data, &md5).as_bytes());
    let blocks: Vec<&[u8]> = cipher.chunks(16).collect();
    assert_eq!(blocks.len(), 6);
    let spliced: Vec<u8> = [0, 1, 3, 2, 3, 4, 5]
        .iter()
        .flat_map(|&i| blocks[i].iter().copied())
        .collect();
    let spliced = String::from_utf8(openssl(&["base64", "-A"], &spliced)).unwrap();
    let body = format!(
        r#"{{"rsp_code":"SUCCESS","rsp_msg":"success","data":"{}","md5":"{md5}"}}"#,
        spliced.trim()
    );
    // Accepted as a REFUND reply with a renamed member, but never definite.
    let mut bytes = body.as_bytes().to_vec();
    let reply = ottpay::decode_refund(&creds(), &mut bytes, id).unwrap();
    let view = reply.accepted().unwrap();
    assert!(view.verified.data.get("ori_order_id").is_none());
    assert_eq!(view.status(), Unknown);
    assert_eq!(view.trust, Trust::UNSIGNED);
    // It has no order_status: the status query's decoder refuses it.
    assert_eq!(
        status(&body, id).unwrap_err(),
        Error::WrongMessage("order_status")
    );
}
