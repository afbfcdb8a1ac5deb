//! Secrets, constant-time comparison, AES-128-ECB, and the RSA seam.
//!
//! Core ships no RSA arithmetic: PayerMax and NewPay sign through [`RsaSigner`] and verify
//! through [`RsaVerifier`], so a POS terminal can plug in its secure element and a server a
//! software key (`refundwire-std` provides one over aws-lc-rs).

use crate::error::{Error, Result};
use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Longest shared secret the codec stores.
pub const SECRET_MAX: usize = 128;

/// A shared secret (sign key). `Debug` prints `***`; the bytes are zeroed on drop (they
/// live in [`Zeroizing`], so no hand-written `Drop` can forget it).
#[derive(Clone)]
pub struct SecretKey {
    bytes: Zeroizing<[u8; SECRET_MAX]>,
    len: usize,
}

impl SecretKey {
    /// Copies a key of at most [`SECRET_MAX`] bytes; an empty key is refused.
    pub fn new(key: &[u8]) -> Result<Self> {
        if key.is_empty() {
            return Err(Error::InvalidField("sign_key"));
        }
        let mut bytes = Zeroizing::new([0u8; SECRET_MAX]);
        bytes
            .get_mut(..key.len())
            .ok_or(Error::FieldTooLong("sign_key"))?
            .copy_from_slice(key);
        Ok(SecretKey {
            bytes,
            len: key.len(),
        })
    }

    /// The key bytes. Keep what you derive from them out of logs.
    pub fn expose(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

impl core::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

/// Constant-time equality of two byte strings (lengths are not secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// AES block size.
pub const AES_BLOCK: usize = 16;

/// Encrypts `buf[..len]` with AES-128-ECB and PKCS#7 padding, in place. `buf` must have room
/// for the padding (up to 16 more bytes); returns the ciphertext.
pub fn aes128_ecb_encrypt_in_place<'b>(
    key: &[u8; 16],
    buf: &'b mut [u8],
    len: usize,
) -> Result<&'b mut [u8]> {
    let pad = AES_BLOCK - len % AES_BLOCK;
    let total = len + pad;
    let out = buf
        .get_mut(..total)
        .ok_or(Error::BufferTooSmall { needed: total })?;
    for b in out.get_mut(len..).unwrap_or_default() {
        *b = pad as u8;
    }
    let cipher = aes::Aes128::new(key.into());
    for chunk in out.chunks_exact_mut(AES_BLOCK) {
        let block: &mut [u8; AES_BLOCK] = chunk.try_into().map_err(|_| Error::CiphertextLength)?;
        cipher.encrypt_block(block.into());
    }
    Ok(out)
}

/// Decrypts AES-128-ECB in place and strips PKCS#7 padding (every pad byte checked).
pub fn aes128_ecb_decrypt_in_place<'b>(key: &[u8; 16], buf: &'b mut [u8]) -> Result<&'b mut [u8]> {
    if buf.is_empty() || buf.len() % AES_BLOCK != 0 {
        return Err(Error::CiphertextLength);
    }
    let cipher = aes::Aes128::new(key.into());
    for chunk in buf.chunks_exact_mut(AES_BLOCK) {
        let block: &mut [u8; AES_BLOCK] = chunk.try_into().map_err(|_| Error::CiphertextLength)?;
        cipher.decrypt_block(block.into());
    }
    let pad = usize::from(buf.last().copied().unwrap_or(0));
    if pad == 0 || pad > AES_BLOCK {
        return Err(Error::Padding);
    }
    let len = buf.len() - pad;
    if buf
        .get(len..)
        .unwrap_or_default()
        .iter()
        .any(|&b| usize::from(b) != pad)
    {
        return Err(Error::Padding);
    }
    buf.get_mut(..len).ok_or(Error::Padding)
}

/// Largest RSA signature the codec handles (RSA-4096).
pub const RSA_SIGNATURE_MAX: usize = 512;

/// Signs with RSASSA-PKCS1-v1_5 over SHA-256 ("SHA256WithRSA").
///
/// Implement it over a secure element, an HSM, or a software key. Implementations must not
/// allocate if the caller promises a heap-free path.
pub trait RsaSigner {
    /// Writes the signature of `message` into `out` and returns its length in bytes.
    /// Errors map to [`Error::Signer`] (or [`Error::BufferTooSmall`] when `out` is short).
    fn sign_sha256(&self, message: &[u8], out: &mut [u8]) -> Result<usize>;
}

/// Verifies RSASSA-PKCS1-v1_5 SHA-256 signatures.
pub trait RsaVerifier {
    /// `Ok(())` only when `signature` is a valid signature of `message`.
    fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> Result<()>;
}

/// Longest Base64 text of an RSA signature the codec handles (RSA-4096, padded).
pub const RSA_SIGNATURE_BASE64_MAX: usize = crate::encoding::base64_len(RSA_SIGNATURE_MAX);

/// Signs `message` with `signer` and writes the signature as standard padded Base64 into
/// `out` (the form PayerMax's `sign` header and NewPay's `sign` member take).
///
/// The raw signature goes through a [`RSA_SIGNATURE_MAX`]-byte stack buffer; a signer that
/// reports an empty or oversized signature is an [`Error::Signer`].
pub fn rsa_sign_base64<'o, S: RsaSigner + ?Sized>(
    signer: &S,
    message: &[u8],
    out: &'o mut [u8],
) -> Result<&'o str> {
    let mut raw = [0u8; RSA_SIGNATURE_MAX];
    let len = signer.sign_sha256(message, &mut raw)?;
    let sig = raw
        .get(..len)
        .filter(|s| !s.is_empty())
        .ok_or(Error::Signer)?;
    crate::encoding::base64_encode(sig, out)
}

/// Verifies a Base64 RSA-SHA256 signature `signature_b64` (surrounding ASCII whitespace
/// ignored, as HTTP header values may carry it) of `message`. `field` names the signature in
/// errors: empty text is [`Error::SignatureMissing`], malformed Base64 [`Error::Base64`], and
/// a signature that does not verify [`Error::SignatureMismatch`].
pub fn rsa_verify_base64<V: RsaVerifier + ?Sized>(
    verifier: &V,
    message: &[u8],
    signature_b64: &[u8],
    field: &'static str,
) -> Result<()> {
    let text = signature_b64.trim_ascii();
    if text.is_empty() {
        return Err(Error::SignatureMissing(field));
    }
    let mut raw = [0u8; RSA_SIGNATURE_MAX];
    let sig = crate::encoding::base64_decode(text, &mut raw, field).map_err(|e| match e {
        // Longer than any supported signature: not one of ours.
        Error::BufferTooSmall { .. } => Error::SignatureMismatch(field),
        other => other,
    })?;
    verifier.verify_sha256(message, sig).map_err(|e| match e {
        Error::SignatureMismatch(_) => Error::SignatureMismatch(field),
        other => other,
    })
}

impl<T: RsaSigner + ?Sized> RsaSigner for &T {
    fn sign_sha256(&self, message: &[u8], out: &mut [u8]) -> Result<usize> {
        (**self).sign_sha256(message, out)
    }
}

impl<T: RsaVerifier + ?Sized> RsaVerifier for &T {
    fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        (**self).verify_sha256(message, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aes_ecb_matches_fips197() {
        // FIPS-197 appendix C.1 (AES-128): one block, then the PKCS#7 block.
        let key: [u8; 16] = core::array::from_fn(|i| i as u8);
        let mut buf = [0u8; 32];
        for (i, b) in buf.iter_mut().take(16).enumerate() {
            *b = (i as u8) * 0x11;
        }
        let ct = aes128_ecb_encrypt_in_place(&key, &mut buf, 16).unwrap();
        assert_eq!(
            ct[..16],
            [
                0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30, 0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4,
                0xc5, 0x5a
            ]
        );
        let pt = aes128_ecb_decrypt_in_place(&key, ct).unwrap();
        assert_eq!(pt.len(), 16);
        assert_eq!(pt[1], 0x11);
    }

    #[test]
    fn rejects_bad_padding_and_lengths() {
        let key = [7u8; 16];
        let mut buf = [0u8; 16];
        aes128_ecb_encrypt_in_place(&key, &mut buf, 0).unwrap();
        let mut wrong = [9u8; 16];
        wrong.copy_from_slice(&buf);
        assert_eq!(
            aes128_ecb_decrypt_in_place(&[8u8; 16], &mut wrong).map(|_| ()),
            Err(Error::Padding)
        );
        assert_eq!(
            aes128_ecb_decrypt_in_place(&key, &mut [0u8; 15]).map(|_| ()),
            Err(Error::CiphertextLength)
        );
        assert_eq!(
            aes128_ecb_decrypt_in_place(&key, &mut []).map(|_| ()),
            Err(Error::CiphertextLength)
        );
        assert!(
            aes128_ecb_decrypt_in_place(&key, &mut buf)
                .unwrap()
                .is_empty()
        );
    }

    /// A stand-in for a secure element: "signs" by returning fixed bytes, verifies by
    /// comparing with them.
    struct Fixed(&'static [u8]);

    impl RsaSigner for Fixed {
        fn sign_sha256(&self, _message: &[u8], out: &mut [u8]) -> Result<usize> {
            let out = out.get_mut(..self.0.len()).ok_or(Error::BufferTooSmall {
                needed: self.0.len(),
            })?;
            out.copy_from_slice(self.0);
            Ok(self.0.len())
        }
    }

    impl RsaVerifier for Fixed {
        fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> Result<()> {
            if message == b"m" && ct_eq(signature, self.0) {
                Ok(())
            } else {
                Err(Error::SignatureMismatch("any"))
            }
        }
    }

    #[test]
    fn base64_signatures_round_trip_through_the_seam() {
        // "hello?>" is "aGVsbG8/Pg==" in standard Base64 (RFC 4648 alphabet, `/` kept).
        let mut out = [0u8; RSA_SIGNATURE_BASE64_MAX];
        let text = rsa_sign_base64(&Fixed(b"hello?>"), b"m", &mut out).unwrap();
        assert_eq!(text, "aGVsbG8/Pg==");
        let v = Fixed(b"hello?>");
        assert_eq!(
            rsa_verify_base64(&v, b"m", b" aGVsbG8/Pg==\r\n", "sign"),
            Ok(())
        );
        assert_eq!(
            rsa_verify_base64(&v, b"n", b"aGVsbG8/Pg==", "sign"),
            Err(Error::SignatureMismatch("sign"))
        );
        assert_eq!(
            rsa_verify_base64(&v, b"m", b"  ", "sign"),
            Err(Error::SignatureMissing("sign"))
        );
        assert_eq!(
            rsa_verify_base64(&v, b"m", b"aGVsbG8*Pg==", "sign"),
            Err(Error::Base64("sign"))
        );
        let long = [b'A'; RSA_SIGNATURE_BASE64_MAX + 4];
        assert_eq!(
            rsa_verify_base64(&v, b"m", &long, "sign"),
            Err(Error::SignatureMismatch("sign"))
        );
        assert_eq!(
            rsa_sign_base64(&Fixed(b""), b"m", &mut out),
            Err(Error::Signer)
        );
        assert_eq!(
            rsa_sign_base64(&Fixed(b"hello?>"), b"m", &mut out[..4]),
            Err(Error::BufferTooSmall { needed: 12 })
        );
    }

    #[test]
    fn references_forward_to_the_signer_and_verifier() {
        // Gateways take `&S` / `&V`: the forwarding impls must pass every answer through.
        let key = Fixed(b"sig");
        let by_ref: &Fixed = &key;
        let mut out = [0u8; 8];
        assert_eq!(RsaSigner::sign_sha256(&by_ref, b"m", &mut out), Ok(3));
        assert_eq!(&out[..3], b"sig");
        assert_eq!(
            RsaSigner::sign_sha256(&by_ref, b"m", &mut out[..2]),
            Err(Error::BufferTooSmall { needed: 3 })
        );
        assert_eq!(RsaVerifier::verify_sha256(&by_ref, b"m", b"sig"), Ok(()));
        assert_eq!(
            RsaVerifier::verify_sha256(&by_ref, b"m", b"bad"),
            Err(Error::SignatureMismatch("any"))
        );
        assert_eq!(
            RsaVerifier::verify_sha256(&by_ref, b"x", b"sig"),
            Err(Error::SignatureMismatch("any"))
        );
    }

    #[test]
    fn secret_debug_is_redacted() {
        use core::fmt::Write;
        let k = SecretKey::new(b"6698851A525C9433").unwrap();
        let mut s: heapless::String<64> = heapless::String::new();
        write!(s, "{k:?}").unwrap();
        assert_eq!(s, "SecretKey(***)");
        assert!(ct_eq(k.expose(), b"6698851A525C9433"));
        assert!(!ct_eq(k.expose(), b"6698851A525C9434"));
        assert_eq!(
            SecretKey::new(&[1u8; SECRET_MAX + 1]).map(|_| ()),
            Err(Error::FieldTooLong("sign_key"))
        );
        assert_eq!(
            SecretKey::new(&[1u8; SECRET_MAX]).map(|k| k.expose().len()),
            Ok(SECRET_MAX)
        );
        assert_eq!(
            SecretKey::new(b"").map(|_| ()),
            Err(Error::InvalidField("sign_key"))
        );
    }
}
