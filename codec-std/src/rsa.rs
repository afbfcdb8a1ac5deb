//! RSA-SHA256 (PKCS#1 v1.5) keys over aws-lc-rs, implementing the codec's signer seam.
//!
//! aws-lc-rs, not the `rsa` crate: RUSTSEC-2023-0071 (the Marvin timing attack) is unpatched
//! there. Keys load from PEM, DER, or bare Base64 DER — the form PayerMax's and NewPay's
//! dashboards hand out. Private keys may be PKCS#8 or PKCS#1, and a PKCS#8 body wrapped in
//! `RSA PRIVATE KEY` armor (a mistake some gateway SDKs make) is accepted too.

use crate::error::{Error, Result};
use aws_lc_rs::signature::{self, KeyPair as _};
use base64ct::{Base64, Encoding as _};
use refundwire::crypto::{RsaSigner, RsaVerifier};
use std::fmt;
use zeroize::Zeroizing;

/// Turns PEM, bare Base64, or DER into DER bytes (kept in zeroizing memory).
fn to_der(input: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let text = std::str::from_utf8(input).ok().map(str::trim);
    match text {
        // DER is binary: it starts with a SEQUENCE tag and is not valid Base64/PEM text.
        None => Ok(Zeroizing::new(input.to_vec())),
        Some(t) if t.starts_with("-----BEGIN ENCRYPTED") || t.contains("Proc-Type: 4,ENCRYPTED") => Err(Error::Key(
            "encrypted PEM keys are not supported; export it unencrypted (openssl pkcs8 -topk8 -nocrypt)".into(),
        )),
        Some(t) if t.starts_with("-----BEGIN") => {
            let body: String = t
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .flat_map(|l| l.trim().chars())
                .collect();
            let body = Zeroizing::new(body);
            Base64::decode_vec(&body)
                .map(Zeroizing::new)
                .map_err(|_| Error::Key("PEM body is not Base64".into()))
        }
        Some(t) => {
            let compact: Zeroizing<String> =
                Zeroizing::new(t.chars().filter(|c| !c.is_whitespace()).collect());
            match Base64::decode_vec(&compact) {
                Ok(der) => Ok(Zeroizing::new(der)),
                Err(_) if input.first() == Some(&0x30) => Ok(Zeroizing::new(input.to_vec())),
                Err(_) => Err(Error::Key("neither PEM, Base64 nor DER".into())),
            }
        }
    }
}

/// A merchant's RSA private key. `Debug` never shows key material.
pub struct RsaPrivateKey {
    key: signature::RsaKeyPair,
}

impl RsaPrivateKey {
    /// Loads a private key from PEM text, bare Base64 DER, or DER bytes (PKCS#8 or PKCS#1).
    pub fn from_any(input: &[u8]) -> Result<Self> {
        let der = to_der(input)?;
        let key = signature::RsaKeyPair::from_pkcs8(&der)
            .or_else(|_| signature::RsaKeyPair::from_der(&der))
            .map_err(|e| Error::Key(format!("not an RSA private key (PKCS#8 or PKCS#1): {e}")))?;
        Ok(RsaPrivateKey { key })
    }

    /// Signature length in bytes (the modulus length).
    pub fn signature_len(&self) -> usize {
        self.key.public_modulus_len()
    }

    /// The matching public key, as a verifier.
    pub fn public_key(&self) -> Result<RsaPublicKey> {
        RsaPublicKey::from_der(self.key.public_key().as_ref())
    }

    /// Signs `message` and returns the signature bytes.
    pub fn sign_to_vec(&self, message: &[u8]) -> Result<Vec<u8>> {
        let mut sig = vec![0u8; self.signature_len()];
        self.sign_sha256(message, &mut sig)?;
        Ok(sig)
    }
}

impl RsaSigner for RsaPrivateKey {
    fn sign_sha256(&self, message: &[u8], out: &mut [u8]) -> refundwire::Result<usize> {
        let len = self.key.public_modulus_len();
        let out = out
            .get_mut(..len)
            .ok_or(refundwire::Error::BufferTooSmall { needed: len })?;
        // PKCS#1 v1.5 is deterministic; aws-lc-rs ignores the RNG for it.
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.key
            .sign(&signature::RSA_PKCS1_SHA256, &rng, message, out)
            .map_err(|_| refundwire::Error::Signer)?;
        Ok(len)
    }
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaPrivateKey({} bits, ***)", self.signature_len() * 8)
    }
}

/// A gateway's RSA public key (SubjectPublicKeyInfo or PKCS#1 `RSAPublicKey`).
#[derive(Clone)]
pub struct RsaPublicKey {
    key: signature::ParsedPublicKey,
}

impl RsaPublicKey {
    /// Loads a public key from PEM text, bare Base64 DER, or DER bytes.
    pub fn from_any(input: &[u8]) -> Result<Self> {
        Self::from_der(&to_der(input)?)
    }

    /// The key as DER SubjectPublicKeyInfo (whatever form it was loaded from), e.g. to show
    /// a fingerprint: `openssl pkey -pubin -outform DER | sha256sum` prints the same digest.
    pub fn spki_der(&self) -> Result<Vec<u8>> {
        use aws_lc_rs::encoding::{AsDer as _, PublicKeyX509Der};
        let der: PublicKeyX509Der<'static> = self
            .key
            .as_der()
            .map_err(|_| Error::Key("cannot encode the public key as SPKI".into()))?;
        Ok(der.as_ref().to_vec())
    }

    fn from_der(der: &[u8]) -> Result<Self> {
        let key = signature::ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, der)
            .map_err(|e| Error::Key(format!("not an RSA public key (SPKI or PKCS#1): {e}")))?;
        let public = RsaPublicKey { key };
        // Parsing accepts any size, but PKCS#1 v1.5 verification here needs 2048 to 8192
        // bits: refuse a smaller key now rather than fail every signature later.
        aws_lc_rs::rsa::PublicEncryptingKey::from_der(&public.spki_der()?)
            .map_err(|e| Error::Key(format!("RSA public key must have 2048 to 8192 bits: {e}")))?;
        Ok(public)
    }
}

impl RsaVerifier for RsaPublicKey {
    fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> refundwire::Result<()> {
        self.key
            .verify_sig(message, signature)
            .map_err(|_| refundwire::Error::SignatureMismatch("sign"))
    }
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RsaPublicKey")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/keys");

    fn read(name: &str) -> Vec<u8> {
        std::fs::read(format!("{KEYS}/{name}")).unwrap()
    }

    #[test]
    fn loads_every_form_and_round_trips() {
        let pem = read("payermax_merchant.pem");
        let key = RsaPrivateKey::from_any(&pem).unwrap();
        let der = to_der(&pem).unwrap();
        let b64 = Base64::encode_string(&der);
        let wrapped =
            format!("-----BEGIN RSA PRIVATE KEY-----\n{b64}\n-----END RSA PRIVATE KEY-----\n");
        for form in [&der[..], b64.as_bytes(), wrapped.as_bytes()] {
            let other = RsaPrivateKey::from_any(form).unwrap();
            assert_eq!(
                other.sign_to_vec(b"m").unwrap(),
                key.sign_to_vec(b"m").unwrap()
            );
        }
        let public = RsaPublicKey::from_any(&read("payermax_merchant.pub.pem")).unwrap();
        let sig = key.sign_to_vec(b"message").unwrap();
        assert_eq!(public.verify_sha256(b"message", &sig), Ok(()));
        assert!(public.verify_sha256(b"messagf", &sig).is_err());
        assert!(format!("{key:?}").contains("***"));
        assert!(RsaPrivateKey::from_any(b"not a key").is_err());
        let encrypted =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let err = RsaPrivateKey::from_any(encrypted.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("encrypted PEM"), "{err}");
        assert!(RsaPublicKey::from_any(&read("payermax_merchant.pem")).is_err());
    }
}
