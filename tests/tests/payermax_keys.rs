//! Key loading (`refundwire-std::rsa`) in every form PayerMax merchants meet: the converted
//! forms come from the `openssl` command line at test time, and every form must reproduce the
//! vectors' signatures exactly (or verify them).

use refundwire::crypto::{RsaSigner, RsaVerifier};
use refundwire_std::rsa::{RsaPrivateKey, RsaPublicKey};
use refundwire_tests::{case, key_path, openssl, s, vectors};

fn key_file(name: &str) -> String {
    key_path(name).to_str().unwrap().to_owned()
}

/// The Base64 body of a PEM text, on one line.
fn pem_body(pem: &[u8]) -> String {
    String::from_utf8_lossy(pem)
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect()
}

fn raw_signature(case_name: &str) -> Vec<u8> {
    let sign = s(&case("payermax", case_name), "sign").to_owned();
    openssl(&["base64", "-d", "-A"], sign.as_bytes())
}

#[test]
fn every_private_key_form_signs_like_the_vectors() {
    let c = case("payermax", "refund_request_usd");
    let body = s(&c, "body").as_bytes();
    let expected = raw_signature("refund_request_usd");
    let pem = std::fs::read(key_file("payermax_merchant.pem")).unwrap();
    let pkcs8_der = openssl(&["pkey", "-outform", "DER"], &pem);
    let pkcs1_pem = openssl(&["rsa", "-traditional"], &pem);
    let pkcs1_der = openssl(&["rsa", "-traditional", "-outform", "DER"], &pem);
    let b64 = vectors("payermax")["credentials"]["private_key_pkcs8_b64"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        b64,
        pem_body(&pem),
        "the vector's inline key is the PEM's body"
    );
    // A PKCS#8 body under `RSA PRIVATE KEY` armor: the label does not say what the block
    // holds, so it is refused with the fix in the message.
    let mislabeled = format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
        pem_body(&pem)
    );
    // Dashboard copies: wrapped at 64 columns, CRLF line ends, surrounding blanks.
    let wrapped: String = b64
        .as_bytes()
        .chunks(64)
        .map(|l| format!("{}\r\n", std::str::from_utf8(l).unwrap()))
        .collect();
    let padded = format!("  \n{b64}\n\n");
    let crlf_pem = String::from_utf8(pem.clone())
        .unwrap()
        .replace('\n', "\r\n");

    let err = RsaPrivateKey::from_any(mislabeled.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("label it `PRIVATE KEY`"), "{err}");
    let forms: [(&str, &[u8]); 8] = [
        ("PKCS#8 PEM", &pem),
        ("PKCS#8 DER", &pkcs8_der),
        ("PKCS#1 PEM", &pkcs1_pem),
        ("PKCS#1 DER", &pkcs1_der),
        ("bare Base64 PKCS#8", b64.as_bytes()),
        ("wrapped Base64 with CRLF", wrapped.as_bytes()),
        ("Base64 with blank lines", padded.as_bytes()),
        ("PEM with CRLF", crlf_pem.as_bytes()),
    ];
    for (name, bytes) in forms {
        let key = RsaPrivateKey::from_any(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(key.signature_len(), 256, "{name}");
        let mut sig = [0u8; 512];
        let n = key.sign_sha256(body, &mut sig).unwrap();
        assert_eq!(&sig[..n], &expected[..], "{name}");
        // Short buffers are an error, not a truncated signature.
        assert_eq!(
            key.sign_sha256(body, &mut sig[..255]),
            Err(refundwire::Error::BufferTooSmall { needed: 256 }),
            "{name}"
        );
        let shown = format!("{key:?}");
        assert!(
            !shown.contains(&b64[40..80]),
            "{name}: Debug shows key material"
        );
    }
}

#[test]
fn every_public_key_form_verifies_the_vectors() {
    let message = s(&case("payermax", "refund_query_response"), "body").to_owned();
    let sig = raw_signature("refund_query_response");
    let pem = std::fs::read(key_file("payermax_platform.pub.pem")).unwrap();
    let spki_der = openssl(&["pkey", "-pubin", "-outform", "DER"], &pem);
    let pkcs1_pem = openssl(&["rsa", "-pubin", "-RSAPublicKey_out"], &pem);
    let pkcs1_der = openssl(
        &["rsa", "-pubin", "-RSAPublicKey_out", "-outform", "DER"],
        &pem,
    );
    let b64 = vectors("payermax")["credentials"]["platform_public_key_b64"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(b64, pem_body(&pem));
    let forms: [(&str, &[u8]); 5] = [
        ("SPKI PEM", &pem),
        ("SPKI DER", &spki_der),
        ("PKCS#1 PEM", &pkcs1_pem),
        ("PKCS#1 DER", &pkcs1_der),
        ("bare Base64 SPKI", b64.as_bytes()),
    ];
    for (name, bytes) in forms {
        let key = RsaPublicKey::from_any(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            key.verify_sha256(message.as_bytes(), &sig),
            Ok(()),
            "{name}"
        );
        assert!(key.verify_sha256(b"other", &sig).is_err(), "{name}");
        // Whatever the form, the canonical SPKI is what OpenSSL writes.
        assert_eq!(key.spki_der().unwrap(), spki_der, "{name}");
    }
}

#[test]
fn wrong_keys_are_refused_with_a_reason() {
    let private_pem = std::fs::read(key_file("payermax_merchant.pem")).unwrap();
    let public_pem = std::fs::read(key_file("payermax_merchant.pub.pem")).unwrap();
    let ec = openssl(
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ],
        b"",
    );
    let ec_public = openssl(&["pkey", "-pubout"], &ec);
    let half = &private_pem[..private_pem.len() / 2];
    for (name, bytes) in [
        ("public key as private", &public_pem[..]),
        ("EC private key", &ec),
        ("truncated PEM", half),
        ("garbage", b"not a key at all"),
        ("empty", b""),
    ] {
        let e = RsaPrivateKey::from_any(bytes).expect_err(name);
        assert!(e.to_string().starts_with("key: "), "{name}: {e}");
    }
    for (name, bytes) in [
        ("private key as public", &private_pem[..]),
        ("EC public key", &ec_public),
        ("garbage", b"%%%"),
    ] {
        let e = RsaPublicKey::from_any(bytes).expect_err(name);
        assert!(e.to_string().starts_with("key: "), "{name}: {e}");
    }
}

#[test]
fn keys_below_2048_bits_are_refused() {
    // PayerMax issues RSA-2048; aws-lc-rs verifies PKCS#1 v1.5 only from 2048 bits up, so a
    // smaller key is refused when loaded, not by every signature afterwards.
    let small = openssl(
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:1024",
        ],
        b"",
    );
    let small_public = openssl(&["pkey", "-pubout"], &small);
    let e = RsaPublicKey::from_any(&small_public).unwrap_err();
    assert!(e.to_string().contains("2048"), "{e}");
    let e = RsaPrivateKey::from_any(&small).unwrap_err();
    assert!(e.to_string().starts_with("key: "), "{e}");
}

#[test]
fn the_merchant_public_key_derived_from_the_private_one_matches_the_file() {
    let key = RsaPrivateKey::from_any(&std::fs::read(key_file("payermax_merchant.pem")).unwrap())
        .unwrap();
    let file =
        RsaPublicKey::from_any(&std::fs::read(key_file("payermax_merchant.pub.pem")).unwrap())
            .unwrap();
    assert_eq!(
        key.public_key().unwrap().spki_der().unwrap(),
        file.spki_der().unwrap()
    );
}
