//! The simulator's configuration: per-gateway credentials (built-in test ones, or a JSON
//! file) and its schedule.

use crate::error::{Error, Result};
use crate::rsa::{RsaPrivateKey, RsaPublicKey};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// OTTPay: the merchant's id and sign key.
#[derive(Clone)]
pub struct OttPayConfig {
    /// `merchant_id`.
    pub merchant_id: String,
    /// The sign key (shared secret).
    pub sign_key: String,
}

/// ScanForPay: the partner number and sign key.
#[derive(Clone)]
pub struct ScanForPayConfig {
    /// `partnerNo`.
    pub partner_no: String,
    /// The sign key (shared secret).
    pub sign_key: String,
}

/// An RSA gateway (PayerMax, NewPay): the merchant's ids, the merchant's public key (to
/// verify requests) and the platform's private key (to sign replies and notifications).
pub struct RsaGatewayConfig {
    /// PayerMax `appId` / NewPay `appId`.
    pub app_id: String,
    /// PayerMax `merchantNo` / NewPay `merchantId`.
    pub merchant: String,
    /// Verifies the merchant's requests.
    pub merchant_public_key: RsaPublicKey,
    /// Signs the gateway's replies and notifications.
    pub platform_private_key: RsaPrivateKey,
    /// Where the keys came from (a file path, or "built-in"), for printing.
    pub key_source: String,
}

/// Everything the simulator needs.
pub struct Config {
    /// OTTPay credentials.
    pub ottpay: OttPayConfig,
    /// ScanForPay credentials.
    pub scanforpay: ScanForPayConfig,
    /// PayerMax credentials and keys.
    pub payermax: RsaGatewayConfig,
    /// NewPay credentials and keys.
    pub newpay: RsaGatewayConfig,
    /// How long a refund stays pending before it succeeds, unless a fault says otherwise
    /// (milliseconds; 0 = settled at once).
    pub pending_ms: u64,
    /// Each gateway's notification retry schedule is divided by this (1 = real time; the
    /// default 1000 turns PayerMax's 30 s into 30 ms).
    pub retry_time_divisor: u64,
    /// Whether the credentials are the built-in test ones.
    pub builtin: bool,
}

// The repository's test vectors: credentials and test-only keys (tests/vectors/README.md).
const OTTPAY_VECTORS: &str = include_str!("../../../tests/vectors/ottpay.json");
const SCANFORPAY_VECTORS: &str = include_str!("../../../tests/vectors/scanforpay.json");
const PAYERMAX_VECTORS: &str = include_str!("../../../tests/vectors/payermax.json");
const NEWPAY_VECTORS: &str = include_str!("../../../tests/vectors/newpay.json");
const PAYERMAX_MERCHANT_PUB: &str =
    include_str!("../../../tests/vectors/keys/payermax_merchant.pub.pem");
const PAYERMAX_PLATFORM_KEY: &str =
    include_str!("../../../tests/vectors/keys/payermax_platform.pem");
const NEWPAY_MERCHANT_PUB: &str =
    include_str!("../../../tests/vectors/keys/newpay_merchant.pub.pem");
const NEWPAY_PLATFORM_KEY: &str = include_str!("../../../tests/vectors/keys/newpay_platform.pem");

/// Where the built-in keys live in the repository (for printing).
pub const BUILTIN_KEYS_DIR: &str = "tests/vectors/keys";

fn vector_credentials(text: &str) -> Result<serde_json::Map<String, serde_json::Value>> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::Input(format!("vectors: {e}")))?;
    match value.get("credentials") {
        Some(serde_json::Value::Object(map)) => Ok(map.clone()),
        _ => Err(Error::Input("vectors: no credentials object".into())),
    }
}

fn field(map: &serde_json::Map<String, serde_json::Value>, name: &str) -> Result<String> {
    map.get(name)
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Error::Input(format!("credentials: `{name}` missing")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOttPay {
    merchant_id: String,
    sign_key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileScanForPay {
    partner_no: String,
    sign_key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePayerMax {
    app_id: String,
    merchant_no: String,
    merchant_public_key_file: PathBuf,
    platform_private_key_file: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileNewPay {
    app_id: String,
    merchant_id: String,
    merchant_public_key_file: PathBuf,
    platform_private_key_file: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    ottpay: Option<FileOttPay>,
    scanforpay: Option<FileScanForPay>,
    payermax: Option<FilePayerMax>,
    newpay: Option<FileNewPay>,
    pending_ms: Option<u64>,
    retry_time_divisor: Option<u64>,
}

fn read_key(dir: &Path, file: &Path) -> Result<(Vec<u8>, String)> {
    let path = dir.join(file);
    let bytes = std::fs::read(&path)
        .map_err(|e| Error::Input(format!("key file {}: {e}", path.display())))?;
    Ok((bytes, path.display().to_string()))
}

fn rsa_from_files(
    app_id: String,
    merchant: String,
    dir: &Path,
    public: &Path,
    private: &Path,
) -> Result<RsaGatewayConfig> {
    let (public, public_path) = read_key(dir, public)?;
    let (private, private_path) = read_key(dir, private)?;
    Ok(RsaGatewayConfig {
        app_id,
        merchant,
        merchant_public_key: RsaPublicKey::from_any(&public)?,
        platform_private_key: RsaPrivateKey::from_any(&private)?,
        key_source: format!("{public_path}, {private_path}"),
    })
}

impl Config {
    /// The built-in test credentials: those of `tests/vectors/` (OTTPay and ScanForPay ids and
    /// sign keys; PayerMax and NewPay ids, the merchant's public key and the platform's private
    /// key from `tests/vectors/keys/`, made for tests only). Refunds settle at once; retries
    /// run 1000 times faster than the gateways'.
    pub fn builtin() -> Result<Config> {
        let ott = vector_credentials(OTTPAY_VECTORS)?;
        let sfp = vector_credentials(SCANFORPAY_VECTORS)?;
        let pmx = vector_credentials(PAYERMAX_VECTORS)?;
        let npy = vector_credentials(NEWPAY_VECTORS)?;
        let source = |gw: &str| {
            format!(
                "built-in ({BUILTIN_KEYS_DIR}/{gw}_merchant.pub.pem, {BUILTIN_KEYS_DIR}/{gw}_platform.pem)"
            )
        };
        Ok(Config {
            ottpay: OttPayConfig {
                merchant_id: field(&ott, "merchant_id")?,
                sign_key: field(&ott, "sign_key")?,
            },
            scanforpay: ScanForPayConfig {
                partner_no: field(&sfp, "partner_no")?,
                sign_key: field(&sfp, "sign_key")?,
            },
            payermax: RsaGatewayConfig {
                app_id: field(&pmx, "app_id")?,
                merchant: field(&pmx, "merchant_no")?,
                merchant_public_key: RsaPublicKey::from_any(PAYERMAX_MERCHANT_PUB.as_bytes())?,
                platform_private_key: RsaPrivateKey::from_any(PAYERMAX_PLATFORM_KEY.as_bytes())?,
                key_source: source("payermax"),
            },
            newpay: RsaGatewayConfig {
                app_id: field(&npy, "app_id")?,
                merchant: field(&npy, "merchant_id")?,
                merchant_public_key: RsaPublicKey::from_any(NEWPAY_MERCHANT_PUB.as_bytes())?,
                platform_private_key: RsaPrivateKey::from_any(NEWPAY_PLATFORM_KEY.as_bytes())?,
                key_source: source("newpay"),
            },
            pending_ms: 0,
            retry_time_divisor: 1000,
            builtin: true,
        })
    }

    /// Reads a JSON configuration file:
    ///
    /// ```json
    /// {"ottpay": {"merchant_id": "…", "sign_key": "…"},
    ///  "scanforpay": {"partner_no": "…", "sign_key": "…"},
    ///  "payermax": {"app_id": "…", "merchant_no": "…",
    ///               "merchant_public_key_file": "…", "platform_private_key_file": "…"},
    ///  "newpay": {"app_id": "…", "merchant_id": "…",
    ///             "merchant_public_key_file": "…", "platform_private_key_file": "…"},
    ///  "pending_ms": 0, "retry_time_divisor": 1000}
    /// ```
    ///
    /// Every member is optional: a gateway left out keeps its built-in test credentials. Key
    /// paths are relative to the file's folder; keys load as PEM, DER or bare Base64.
    pub fn from_file(path: &Path) -> Result<Config> {
        let text = std::fs::read(path)
            .map_err(|e| Error::Input(format!("config {}: {e}", path.display())))?;
        let file: File = serde_json::from_slice(&text)
            .map_err(|e| Error::Input(format!("config {}: {e}", path.display())))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut config = Config::builtin()?;
        config.builtin = false;
        if let Some(o) = file.ottpay {
            config.ottpay = OttPayConfig {
                merchant_id: o.merchant_id,
                sign_key: o.sign_key,
            };
        }
        if let Some(s) = file.scanforpay {
            config.scanforpay = ScanForPayConfig {
                partner_no: s.partner_no,
                sign_key: s.sign_key,
            };
        }
        if let Some(p) = file.payermax {
            config.payermax = rsa_from_files(
                p.app_id,
                p.merchant_no,
                dir,
                &p.merchant_public_key_file,
                &p.platform_private_key_file,
            )?;
        }
        if let Some(n) = file.newpay {
            config.newpay = rsa_from_files(
                n.app_id,
                n.merchant_id,
                dir,
                &n.merchant_public_key_file,
                &n.platform_private_key_file,
            )?;
        }
        if let Some(ms) = file.pending_ms {
            config.pending_ms = ms;
        }
        if let Some(d) = file.retry_time_divisor {
            if d == 0 {
                return Err(Error::Input(
                    "config: retry_time_divisor must be positive".into(),
                ));
            }
            config.retry_time_divisor = d;
        }
        Ok(config)
    }

    /// What a client needs to talk to the simulator, for printing: ids, the shared sign keys
    /// **only when they are the built-in test ones**, and for the RSA gateways where the keys
    /// are and the platform's public key (Base64 SPKI). Never a private key.
    pub fn describe(&self) -> String {
        let secret = |key: &str| {
            if self.builtin {
                format!("{key} (test-only)")
            } else {
                "(not shown: a config file is in use)".to_owned()
            }
        };
        let public = |k: &RsaPrivateKey| {
            k.public_key()
                .and_then(|p| p.spki_der())
                .map(|der| <base64ct::Base64 as base64ct::Encoding>::encode_string(&der))
                .unwrap_or_else(|e| format!("({e})"))
        };
        let merchant_key = |gw: &str| {
            if self.builtin {
                format!(
                    "\n  merchant private key (test-only): {BUILTIN_KEYS_DIR}/{gw}_merchant.pem"
                )
            } else {
                String::new()
            }
        };
        format!(
            "ottpay: merchant_id={} sign_key={}\n\
             scanforpay: partner_no={} sign_key={}\n\
             payermax: app_id={} merchant_no={}\n  keys: {}{}\n  platform public key (SPKI, Base64): {}\n\
             newpay: app_id={} merchant_id={}\n  keys: {}{}\n  platform public key (SPKI, Base64): {}",
            self.ottpay.merchant_id,
            secret(&self.ottpay.sign_key),
            self.scanforpay.partner_no,
            secret(&self.scanforpay.sign_key),
            self.payermax.app_id,
            self.payermax.merchant,
            self.payermax.key_source,
            merchant_key("payermax"),
            public(&self.payermax.platform_private_key),
            self.newpay.app_id,
            self.newpay.merchant,
            self.newpay.key_source,
            merchant_key("newpay"),
            public(&self.newpay.platform_private_key),
        )
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("ottpay.merchant_id", &self.ottpay.merchant_id)
            .field("scanforpay.partner_no", &self.scanforpay.partner_no)
            .field("payermax.app_id", &self.payermax.app_id)
            .field("newpay.app_id", &self.newpay.app_id)
            .field("pending_ms", &self.pending_ms)
            .field("retry_time_divisor", &self.retry_time_divisor)
            .finish_non_exhaustive()
    }
}
