//! RSA-SHA256 (PKCS#1 v1.5) keys over aws-lc-rs, implementing the codec's signer seam.
//!
//! aws-lc-rs, not the `rsa` crate: RUSTSEC-2023-0071 (the Marvin timing attack) is unpatched
//! there. Keys load from PEM, DER, or bare Base64 DER — the form PayerMax's and NewPay's
//! dashboards hand out. Private keys may be PKCS#8 or PKCS#1, public keys SubjectPublicKeyInfo
//! or PKCS#1. Loading is strict, because a lenient loader signs with a key nobody meant: a
//! file holds exactly one key, of the kind its PEM label names (a PKCS#8 body under `RSA
//! PRIVATE KEY` armor is refused with the fix in the message), with nothing before or after
//! it, and its DER has no trailing bytes.

use crate::error::{Error, Result};
use aws_lc_rs::signature::{self, KeyPair as _};
use base64ct::{Base64, Encoding as _};
use refundwire::crypto::{RsaSigner, RsaVerifier};
use std::fmt;
use zeroize::Zeroizing;

/// What a key file says it holds: a PEM label, or nothing (bare Base64 or DER).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    /// `PRIVATE KEY`: PKCS#8.
    Pkcs8,
    /// `RSA PRIVATE KEY`: PKCS#1 `RSAPrivateKey`.
    RsaPrivate,
    /// `PUBLIC KEY`: SubjectPublicKeyInfo.
    Spki,
    /// `RSA PUBLIC KEY`: PKCS#1 `RSAPublicKey`.
    RsaPublic,
    /// Bare Base64 or DER: the structure decides.
    None,
}

impl Label {
    fn from_pem(label: &str) -> Result<Self> {
        match label {
            "PRIVATE KEY" => Ok(Label::Pkcs8),
            "RSA PRIVATE KEY" => Ok(Label::RsaPrivate),
            "PUBLIC KEY" => Ok(Label::Spki),
            "RSA PUBLIC KEY" => Ok(Label::RsaPublic),
            "ENCRYPTED PRIVATE KEY" => Err(Error::Key(
                "encrypted PEM keys are not supported; export it unencrypted (openssl pkcs8 -topk8 -nocrypt)".into(),
            )),
            other => Err(Error::Key(format!(
                "PEM label `{other}` is not an RSA key (PRIVATE KEY, RSA PRIVATE KEY, PUBLIC KEY or RSA PUBLIC KEY)"
            ))),
        }
    }
}

/// Turns a key file — one PEM block, bare Base64 DER, or DER — into its DER bytes (kept in
/// zeroizing memory) and its label. Strict: exactly one key, nothing before or after it but
/// white space, and the DER must be exactly one structure (no trailing bytes).
fn to_der(input: &[u8]) -> Result<(Zeroizing<Vec<u8>>, Label)> {
    if input.starts_with("\u{feff}".as_bytes()) {
        return Err(Error::Key(
            "the file starts with a UTF-8 byte-order mark: save it without one".into(),
        ));
    }
    let (der, label) = match std::str::from_utf8(input).ok().map(str::trim) {
        // DER is binary: it starts with a SEQUENCE tag and is not valid text.
        None => (Zeroizing::new(input.to_vec()), Label::None),
        Some(t) if t.contains("-----BEGIN") => pem_body(t)?,
        Some(t) => {
            let compact: Zeroizing<String> =
                Zeroizing::new(t.chars().filter(|c| !c.is_whitespace()).collect());
            match Base64::decode_vec(&compact) {
                Ok(der) => (Zeroizing::new(der), Label::None),
                Err(_) if input.first() == Some(&0x30) => {
                    (Zeroizing::new(input.to_vec()), Label::None)
                }
                Err(_) => return Err(Error::Key("neither PEM, Base64 nor DER".into())),
            }
        }
    };
    check_single_der(&der)?;
    Ok((der, label))
}

/// The Base64 body of the one PEM block in `text` (already trimmed), and its label.
fn pem_body(text: &str) -> Result<(Zeroizing<Vec<u8>>, Label)> {
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(Error::Key(
            "encrypted PEM keys are not supported; export it unencrypted (openssl rsa -in KEY)"
                .into(),
        ));
    }
    let mut lines = text.lines().map(str::trim);
    let begin = lines.next().unwrap_or_default();
    let label = begin
        .strip_prefix("-----BEGIN ")
        .and_then(|l| l.strip_suffix("-----"))
        .ok_or_else(|| {
            Error::Key(
                "text before the PEM block (a key file holds one key and nothing else)".into(),
            )
        })?;
    let kind = Label::from_pem(label)?;
    let end = format!("-----END {label}-----");
    let mut body = Zeroizing::new(String::new());
    let mut ended = false;
    for line in lines.by_ref() {
        if line == end {
            ended = true;
            break;
        }
        if line.starts_with("-----") {
            return Err(Error::Key(format!(
                "PEM block `{label}` ends with `{line}`"
            )));
        }
        body.push_str(line);
    }
    if !ended {
        return Err(Error::Key(format!("PEM block `{label}` has no END line")));
    }
    if lines.any(|l| !l.is_empty()) {
        return Err(Error::Key(
            "text after the PEM block (a key file holds exactly one key)".into(),
        ));
    }
    let der = Base64::decode_vec(&body).map_err(|_| Error::Key("PEM body is not Base64".into()))?;
    Ok((Zeroizing::new(der), kind))
}

/// Refuses DER that is not exactly one definite-length SEQUENCE: trailing bytes (a second
/// key, garbage) would otherwise be ignored by the parser.
fn check_single_der(der: &[u8]) -> Result<()> {
    let malformed = || Error::Key("not a DER key (expected one ASN.1 SEQUENCE)".into());
    let (&tag, rest) = der.split_first().ok_or_else(malformed)?;
    let (&first, rest) = rest.split_first().ok_or_else(malformed)?;
    if tag != 0x30 {
        return Err(malformed());
    }
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return Err(malformed());
        }
        let (digits, rest) = rest.split_at(n);
        let len = digits
            .iter()
            .fold(0usize, |acc, &d| (acc << 8) | usize::from(d));
        (len, rest)
    };
    match rest.len().cmp(&len) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Less => Err(Error::Key("DER key is truncated".into())),
        std::cmp::Ordering::Greater => Err(Error::Key(format!(
            "{} bytes after the DER key (a key file holds exactly one key)",
            rest.len() - len
        ))),
    }
}

/// A merchant's RSA private key. `Debug` never shows key material.
pub struct RsaPrivateKey {
    key: signature::RsaKeyPair,
}

impl RsaPrivateKey {
    /// Loads a private key from PEM text, bare Base64 DER, or DER bytes (PKCS#8 or PKCS#1).
    ///
    /// Exactly one key of the labelled kind: `PRIVATE KEY` must hold PKCS#8, `RSA PRIVATE
    /// KEY` PKCS#1; unlabelled DER may be either. Anything before or after it is an error.
    pub fn from_any(input: &[u8]) -> Result<Self> {
        let (der, label) = to_der(input)?;
        let pkcs8 = || signature::RsaKeyPair::from_pkcs8(&der);
        let pkcs1 = || signature::RsaKeyPair::from_der(&der);
        let key = match label {
            Label::Pkcs8 => pkcs8().map_err(|e| {
                Error::Key(format!("`PRIVATE KEY` block is not a PKCS#8 RSA key: {e}"))
            })?,
            Label::RsaPrivate => pkcs1().map_err(|e| {
                let hint = if pkcs8().is_ok() {
                    " (it holds PKCS#8: label it `PRIVATE KEY`)"
                } else {
                    ""
                };
                Error::Key(format!(
                    "`RSA PRIVATE KEY` block is not a PKCS#1 RSA key{hint}: {e}"
                ))
            })?,
            Label::None => pkcs8().or_else(|_| pkcs1()).map_err(|e| {
                Error::Key(format!("not an RSA private key (PKCS#8 or PKCS#1): {e}"))
            })?,
            Label::Spki | Label::RsaPublic => {
                return Err(Error::Key(
                    "this is a public key; a private key was expected".into(),
                ));
            }
        };
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
    ///
    /// Exactly one key of the labelled kind: `PUBLIC KEY` must hold SubjectPublicKeyInfo,
    /// `RSA PUBLIC KEY` PKCS#1; unlabelled DER may be either. Anything before or after it is
    /// an error.
    pub fn from_any(input: &[u8]) -> Result<Self> {
        let (der, label) = to_der(input)?;
        let spki = is_spki(&der);
        match label {
            Label::Spki if !spki => Err(Error::Key(
                "`PUBLIC KEY` block is not a SubjectPublicKeyInfo".into(),
            )),
            Label::RsaPublic if spki => Err(Error::Key(
                "`RSA PUBLIC KEY` block holds a SubjectPublicKeyInfo: label it `PUBLIC KEY`".into(),
            )),
            Label::Pkcs8 | Label::RsaPrivate => Err(Error::Key(
                "this is a private key; a public key was expected (never hand out the private one)"
                    .into(),
            )),
            _ => Self::from_der(&der),
        }
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

/// Whether DER is a SubjectPublicKeyInfo (a SEQUENCE whose first element is the algorithm
/// SEQUENCE) rather than a PKCS#1 `RSAPublicKey` (whose first element is an INTEGER).
fn is_spki(der: &[u8]) -> bool {
    let header = match der.get(1) {
        Some(&l) if l < 0x80 => 2,
        Some(&l) => 2 + usize::from(l & 0x7f),
        None => return false,
    };
    der.get(header) == Some(&0x30)
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
        let (der, _) = to_der(&pem).unwrap();
        let b64 = Base64::encode_string(&der);
        let wrapped = format!("-----BEGIN PRIVATE KEY-----\n{b64}\n-----END PRIVATE KEY-----\n");
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

    fn key_error(result: Result<impl fmt::Debug>) -> String {
        match result {
            Ok(k) => panic!("accepted: {k:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_key_file_holds_exactly_one_key_of_its_labelled_kind() {
        let pem = String::from_utf8(read("payermax_merchant.pem")).unwrap();
        let public = String::from_utf8(read("payermax_merchant.pub.pem")).unwrap();
        let other = String::from_utf8(read("newpay_merchant.pem")).unwrap();
        let (der, _) = to_der(pem.as_bytes()).unwrap();
        let b64 = Base64::encode_string(&der);
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();

        // Two keys, or anything after the one key.
        let two = format!("{pem}{other}");
        assert!(key_error(RsaPrivateKey::from_any(two.as_bytes())).contains("after the PEM block"));
        let trailing_text = format!("{pem}garbage\n");
        assert!(key_error(RsaPrivateKey::from_any(trailing_text.as_bytes())).contains("after"));
        let leading_text = format!("comment\n{pem}");
        assert!(key_error(RsaPrivateKey::from_any(leading_text.as_bytes())).contains("before"));
        let mut der_plus = der.to_vec();
        der_plus.push(0);
        assert!(
            key_error(RsaPrivateKey::from_any(&der_plus)).contains("1 bytes after the DER key")
        );
        let b64_plus = Base64::encode_string(&der_plus);
        assert!(key_error(RsaPrivateKey::from_any(b64_plus.as_bytes())).contains("after"));
        let two_der = [&der[..], &der[..]].concat();
        assert!(key_error(RsaPrivateKey::from_any(&two_der)).contains("after the DER key"));
        let truncated = der.get(..der.len() - 1).unwrap();
        assert!(key_error(RsaPrivateKey::from_any(truncated)).contains("truncated"));
        let pem_plus =
            format!("-----BEGIN PRIVATE KEY-----\n{b64_plus}\n-----END PRIVATE KEY-----\n");
        assert!(key_error(RsaPrivateKey::from_any(pem_plus.as_bytes())).contains("after the DER"));

        // Labels must say what the block holds.
        for (label, wanted) in [
            ("RSA PRIVATE KEY", "label it `PRIVATE KEY`"),
            ("PUBLIC KEY", "this is a public key"),
            ("CERTIFICATE", "not an RSA key"),
            ("EC PRIVATE KEY", "not an RSA key"),
        ] {
            let relabelled = format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
            let err = key_error(RsaPrivateKey::from_any(relabelled.as_bytes()));
            assert!(err.contains(wanted), "{label}: {err}");
        }
        let mismatched_end = pem.replace("-----END PRIVATE KEY-----", "-----END PUBLIC KEY-----");
        assert!(
            key_error(RsaPrivateKey::from_any(mismatched_end.as_bytes())).contains("ends with")
        );
        let no_end = pem.replace("-----END PRIVATE KEY-----", "");
        assert!(key_error(RsaPrivateKey::from_any(no_end.as_bytes())).contains("no END line"));

        let public_body: String = public.lines().filter(|l| !l.starts_with("-----")).collect();
        for (label, wanted) in [
            ("RSA PUBLIC KEY", "label it `PUBLIC KEY`"),
            ("PRIVATE KEY", "this is a private key"),
            ("CERTIFICATE", "not an RSA key"),
        ] {
            let relabelled =
                format!("-----BEGIN {label}-----\n{public_body}\n-----END {label}-----\n");
            let err = key_error(RsaPublicKey::from_any(relabelled.as_bytes()));
            assert!(err.contains(wanted), "{label}: {err}");
        }
        let two_public = format!("{public}{public}");
        assert!(key_error(RsaPublicKey::from_any(two_public.as_bytes())).contains("after"));
        // The private key's PEM, where a public key is expected.
        assert!(key_error(RsaPublicKey::from_any(pem.as_bytes())).contains("private key"));

        let bom = format!("\u{feff}{pem}");
        assert!(key_error(RsaPrivateKey::from_any(bom.as_bytes())).contains("byte-order mark"));

        // Every well-formed single key still loads, with blanks and CRLF around it.
        let padded = format!("\r\n  {}\r\n\r\n", pem.replace('\n', "\r\n"));
        assert!(RsaPrivateKey::from_any(padded.as_bytes()).is_ok());
        assert!(RsaPrivateKey::from_any(b64.as_bytes()).is_ok());
        assert!(RsaPublicKey::from_any(public.as_bytes()).is_ok());
    }
}
