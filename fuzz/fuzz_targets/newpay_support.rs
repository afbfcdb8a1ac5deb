//! What the NewPay fuzz targets share (a module of each target, not a target itself).
//!
//! Input: one mode byte, then
//! - mode 0: a whole body, decoded as received (the stand-in verifier then refuses any
//!   signature but the right one, so this covers parsing before and at verification);
//! - mode 1 or 2: the object NewPay signs (a response's `data`, or a callback) without `sign`.
//!   It is **signed first** with the stand-in key and, for responses, put into a success
//!   envelope, so the code behind the check is reached. Mode 1 expects the object's own
//!   `refundOrderNo` (bound), mode 2 nothing (`""`, unbound).
//!
//! The stand-in key: the fuzz crate has no RSA, so a "signature" is the SHA-256 of the
//! string-to-sign, and the verifier accepts exactly that. It checks the message bit for bit
//! like RSA would, at a speed a fuzzer can use.

// Each target uses part of it.
#![allow(dead_code)]

use refundwire::crypto::{self, RsaSigner, RsaVerifier};
use refundwire::gateway::newpay::{self, Credentials};
use refundwire::io::{Sha256Sink, Sink};
use refundwire::json::Object;
use refundwire::{Error, RefundStatus, Result, Trust, Verdict};

/// The merchant the targets decode for: the vectors' (so the seeds decode).
pub fn creds() -> Credentials<'static> {
    Credentials::new(
        "e585552fac954ab592c9357d34accd78",
        "7e0ab2ed31b1c27e976699cc6ed5d1bf",
    )
    .unwrap()
}

/// Signs and verifies with the stand-in key (SHA-256 of the message).
pub struct TestKey;

fn digest(message: &[u8]) -> [u8; 32] {
    let mut d = Sha256Sink::new();
    d.write(message).unwrap();
    d.finish()
}

impl RsaSigner for TestKey {
    fn sign_sha256(&self, message: &[u8], out: &mut [u8]) -> Result<usize> {
        out.get_mut(..32)
            .ok_or(Error::BufferTooSmall { needed: 32 })?
            .copy_from_slice(&digest(message));
        Ok(32)
    }
}

impl RsaVerifier for TestKey {
    fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        if signature == digest(message) {
            Ok(())
        } else {
            Err(Error::SignatureMismatch("sign"))
        }
    }
}

/// What one input asks for.
pub enum Input<'a> {
    /// A body as received.
    Raw(&'a [u8]),
    /// An object to sign, and the refund number to expect.
    Signed { object: Vec<u8>, expected: String },
}

/// Splits the input (see the module docs). `None` when the object cannot be signed (not an
/// object, already has a `sign`, or its string-to-sign is refused).
pub fn input(data: &[u8]) -> Option<Input<'_>> {
    let (&mode, rest) = data.split_first()?;
    if mode % 3 == 0 {
        return Some(Input::Raw(rest));
    }
    let obj = Object::parse(rest).ok()?;
    if obj.get("sign").is_some() {
        return None;
    }
    let expected = match (mode % 3, obj.get("refundOrderNo")) {
        (1, Some(v)) => v.as_str().map(|s| s.to_string()).unwrap_or_default(),
        _ => String::new(),
    };
    let mut scratch = vec![0u8; rest.len()];
    let message = newpay::signed_string(&obj, &mut scratch).ok()?;
    let mut text = [0u8; newpay::SIGN_MAX];
    let sign = crypto::rsa_sign_base64(&TestKey, message.as_bytes(), &mut text).unwrap();
    // `"sign":"…"` as the first member.
    let open = rest.iter().position(|&b| b == b'{')?;
    let mut object = rest.get(..=open)?.to_vec();
    object.extend_from_slice(br#""sign":""#);
    object.extend_from_slice(sign.as_bytes());
    object.push(b'"');
    if !obj.is_empty() {
        object.push(b',');
    }
    object.extend_from_slice(rest.get(open + 1..)?);
    Some(Input::Signed { object, expected })
}

/// A success envelope around a signed `data` object.
pub fn envelope(data: &[u8]) -> Vec<u8> {
    let mut body = br#"{"success":true,"message":"success","code":"0","data":"#.to_vec();
    body.extend_from_slice(data);
    body.push(b'}');
    body
}

/// What every decoded result must satisfy, whatever the input.
pub fn check_trust<V: Verdict>(verdict: &V, expected: &str) {
    let trust = verdict.trust();
    // A view is always authenticated; bound exactly when a refund number was expected (a
    // different one is an error, never a result).
    assert_eq!(trust, Trust::signed(!expected.is_empty()), "{expected:?}");
    if !trust.bound {
        assert_eq!(verdict.status(), RefundStatus::Unknown);
    } else {
        assert_eq!(verdict.status(), verdict.claimed_status());
    }
}

/// Errors a correctly signed body with a body-sized scratch must never give.
pub fn check_signed_error(e: &Error) {
    assert!(
        !matches!(
            e,
            Error::SignatureMismatch(_) | Error::SignatureMissing(_) | Error::BufferTooSmall { .. }
        ),
        "{e:?}"
    );
}

/// Errors a raw body with a body-sized scratch must never give.
pub fn check_raw_error(e: &Error) {
    assert!(!matches!(e, Error::BufferTooSmall { .. }), "{e:?}");
}
