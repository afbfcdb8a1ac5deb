//! What the fuzz targets share: stand-in RSA verifiers and the input layout of targets that
//! take a `sign` header beside the body.

use core::cell::Cell;
use refundwire::crypto::RsaVerifier;
use refundwire::{Error, Result};

/// Accepts every signature, so that parsing after verification is reached.
pub struct AcceptAll;

impl RsaVerifier for AcceptAll {
    fn verify_sha256(&self, _message: &[u8], _signature: &[u8]) -> Result<()> {
        Ok(())
    }
}

/// Accepts exactly the signature bytes `ok` (Base64 `b2s=`) and remembers that it did, so a
/// target can assert that nothing was accepted without it.
#[derive(Default)]
pub struct OnlyOk(pub Cell<bool>);

impl OnlyOk {
    /// Whether a signature was accepted.
    pub fn said_yes(&self) -> bool {
        self.0.get()
    }
}

impl RsaVerifier for OnlyOk {
    fn verify_sha256(&self, _message: &[u8], signature: &[u8]) -> Result<()> {
        if signature == b"ok" {
            self.0.set(true);
            Ok(())
        } else {
            Err(Error::SignatureMismatch("sign"))
        }
    }
}

/// Splits fuzz input into an optional `sign` header and a body: one mode byte, then the body
/// (mode 0: no `sign`; mode 1: the valid `b2s=`) or `sign text` `\n` body (mode 2).
pub fn sign_and_body(data: &[u8]) -> Option<(Option<&[u8]>, &[u8])> {
    let (&mode, rest) = data.split_first()?;
    Some(match mode % 3 {
        0 => (None, rest),
        1 => (Some(b"b2s="), rest),
        _ => match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (rest.get(..i), rest.get(i + 1..).unwrap_or_default()),
            None => (Some(rest), b""),
        },
    })
}
