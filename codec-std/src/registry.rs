//! Builds the right [`Gateway`] from a credentials file: one row per gateway.
//!
//! A credentials file is a JSON object of strings. Every gateway reads `environment`
//! (`production`, `sandbox` — also spelled `uat` — or a base URL such as the simulator's
//! `http://127.0.0.1:8080`) and optionally `currency` (the account currency for gateways whose
//! requests carry no currency: amounts in another currency are refused); the rest is the
//! gateway's own (see each adapter): ids, secrets inline, keys inline (`*_b64`) or as files
//! (`*_file`, relative to the credentials file).
//!
//! ```
//! use refundwire_std::registry::{self, Credentials};
//!
//! let credentials = Credentials::parse(
//!     br#"{"merchant_id":"ON43915000","sign_key":"4283FEFC63F0CD0E"}"#,
//!     ".",
//! )?;
//! let gateway = registry::build("ottpay", &credentials)?;
//! assert_eq!(gateway.name(), "ottpay");
//! assert!(registry::build("paypal", &credentials).is_err());
//! # Ok::<(), refundwire_std::Error>(())
//! ```

use crate::adapters;
use crate::fields::{FieldValue, Fields};
use crate::rsa::{RsaPrivateKey, RsaPublicKey};
use crate::{Error, Gateway, Result};
use refundwire::gateway::Endpoints;
use refundwire::money::Currency;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// One gateway the registry can build.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// The name callers use (`ottpay` …).
    pub name: &'static str,
    /// Builds the adapter from credentials.
    pub build: fn(&Credentials) -> Result<Box<dyn Gateway>>,
    /// The credentials members this gateway reads besides [`COMMON_MEMBERS`]; any other member
    /// is refused (a misspelled `enviroment` must not send to production).
    pub members: &'static [&'static str],
}

/// Members every credentials file may have: `gateway` (checked against the gateway built),
/// `environment` and `currency`.
pub const COMMON_MEMBERS: [&str; 3] = ["gateway", "environment", "currency"];

/// Members of the gateways that sign with RSA keys.
const RSA_KEY_MEMBERS: [&str; 4] = [
    "private_key_file",
    "private_key_pkcs8_b64",
    "platform_public_key_file",
    "platform_public_key_b64",
];

/// Every gateway, in the order the documentation lists them.
pub const GATEWAYS: &[Entry] = &[
    Entry {
        name: "ottpay",
        build: adapters::ottpay::build,
        members: &["merchant_id", "sign_key"],
    },
    Entry {
        name: "scanforpay",
        build: adapters::scanforpay::build,
        members: &["partner_no", "sign_key", "time_field"],
    },
    Entry {
        name: "payermax",
        build: adapters::payermax::build,
        members: &[
            "app_id",
            "merchant_no",
            "version",
            "key_version",
            RSA_KEY_MEMBERS[0],
            RSA_KEY_MEMBERS[1],
            RSA_KEY_MEMBERS[2],
            RSA_KEY_MEMBERS[3],
        ],
    },
    Entry {
        name: "newpay",
        build: adapters::newpay::build,
        members: &[
            "app_id",
            "merchant_id",
            RSA_KEY_MEMBERS[0],
            RSA_KEY_MEMBERS[1],
            RSA_KEY_MEMBERS[2],
            RSA_KEY_MEMBERS[3],
        ],
    },
];

/// The gateway called `name`, built from `credentials`.
pub fn build(name: &str, credentials: &Credentials) -> Result<Box<dyn Gateway>> {
    let entry = GATEWAYS.iter().find(|e| e.name == name).ok_or_else(|| {
        let known: Vec<&str> = GATEWAYS.iter().map(|e| e.name).collect();
        Error::Input(format!("unknown gateway `{name}` ({})", known.join(", ")))
    })?;
    if let Some(unknown) = credentials
        .members
        .iter()
        .map(|(n, _)| n)
        .find(|n| !COMMON_MEMBERS.contains(n) && !entry.members.contains(n))
    {
        return Err(Error::Credentials(format!(
            "unknown member `{unknown}` for {name} (it reads: {})",
            COMMON_MEMBERS
                .iter()
                .chain(entry.members)
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if let Some(named) = credentials.opt_str("gateway")? {
        if named != name {
            return Err(Error::Credentials(format!(
                "these are for `{named}`, not `{name}`"
            )));
        }
    }
    (entry.build)(credentials)
}

/// Which of a gateway's hosts requests go to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Environment {
    /// The gateway's production host.
    #[default]
    Production,
    /// The gateway's public test host, where it has one.
    Sandbox,
    /// Any other base URL (a proxy, the built-in simulator …).
    Custom(String),
}

impl Environment {
    /// The URL of `path` on this environment's host of `endpoints`.
    pub fn url(&self, endpoints: &Endpoints, path: &str) -> Result<String> {
        let base = match self {
            Environment::Production => endpoints.production,
            Environment::Sandbox => endpoints.sandbox.ok_or_else(|| {
                Error::Input(
                    "this gateway publishes no sandbox host: give its base URL as `environment`"
                        .into(),
                )
            })?,
            Environment::Custom(base) => base.trim_end_matches('/'),
        };
        Ok(format!("{base}{path}"))
    }
}

/// A base URL requests can be sent under: scheme and host, optional port and path prefix; no
/// credentials in it (they would be printed with every request), no query or fragment (the
/// gateway's path follows the base).
fn base_url(text: &str) -> Result<String> {
    let refuse = |why: &str| Err(Error::Credentials(format!("`environment` {why}")));
    let uri: http::Uri = match text.parse() {
        Ok(uri) => uri,
        Err(_) => return refuse("is not a URL"),
    };
    let Some(authority) = uri.authority() else {
        return refuse("has no host");
    };
    if authority.as_str().contains('@') {
        return refuse("carries user credentials: give them to your HTTP client instead");
    }
    if uri.query().is_some() || text.contains('#') {
        return refuse("has a query or a fragment: a path follows the base URL");
    }
    Ok(text.trim_end_matches('/').to_owned())
}

/// A credentials file: string members, and the folder `*_file` paths are relative to.
#[derive(Clone)]
pub struct Credentials {
    members: Fields,
    dir: PathBuf,
}

impl std::fmt::Debug for Credentials {
    /// Member names only: values are secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.members.iter().map(|(n, _)| n).collect();
        f.debug_struct("Credentials")
            .field("members", &names)
            .field("dir", &self.dir)
            .finish()
    }
}

impl Credentials {
    /// Reads a credentials file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = Zeroizing::new(
            std::fs::read(path)
                .map_err(|e| Error::Credentials(format!("{}: {e}", path.display())))?,
        );
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse(&text, dir)
    }

    /// Parses a credentials document; `dir` is where `*_file` paths start.
    pub fn parse(json: &[u8], dir: impl Into<PathBuf>) -> Result<Self> {
        let members = Fields::parse(json)
            .map_err(|e| Error::Credentials(format!("{e} (expected a JSON object)")))?;
        Ok(Credentials {
            members,
            dir: dir.into(),
        })
    }

    /// A required string member.
    pub fn str(&self, name: &str) -> Result<&str> {
        self.opt_str(name)?
            .ok_or_else(|| Error::Credentials(format!("missing `{name}`")))
    }

    /// An optional string member.
    pub fn opt_str(&self, name: &str) -> Result<Option<&str>> {
        match self.members.get(name) {
            None | Some(FieldValue::Null) => Ok(None),
            Some(FieldValue::String(s)) => Ok(Some(s)),
            Some(_) => Err(Error::Credentials(format!("`{name}` must be a string"))),
        }
    }

    /// `environment`: `production` (the default), `sandbox`/`uat` where the gateway of
    /// `endpoints` publishes one, or a base URL.
    pub fn environment(&self, endpoints: &Endpoints) -> Result<Environment> {
        let environment = self.any_environment()?;
        if environment == Environment::Sandbox && endpoints.sandbox.is_none() {
            return Err(Error::Credentials(
                "`environment`: this gateway publishes no sandbox host; give a base URL".into(),
            ));
        }
        Ok(environment)
    }

    fn any_environment(&self) -> Result<Environment> {
        match self.opt_str("environment")? {
            None | Some("production") => Ok(Environment::Production),
            Some("sandbox" | "uat") => Ok(Environment::Sandbox),
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                base_url(url).map(Environment::Custom)
            }
            Some(other) => Err(Error::Credentials(format!(
                "`environment` must be production, sandbox or a URL, not `{other}`"
            ))),
        }
    }

    /// `currency`, the account currency, if given.
    pub fn currency(&self) -> Result<Option<Currency>> {
        self.opt_str("currency")?
            .map(|code| {
                Currency::from_code(code)
                    .map_err(|e| Error::Credentials(format!("currency `{code}`: {e}")))
            })
            .transpose()
    }

    /// Key material given as a file (`file_name`, relative to the credentials file) and/or
    /// inline (`inline_name`), each form read with `load`; both forms must be the same key
    /// (`same`), or which one is used would be anybody's guess. `None` when neither is given.
    fn key<K>(
        &self,
        file_name: &str,
        inline_name: &str,
        load: impl Fn(&[u8]) -> Result<K>,
        same: impl Fn(&K, &K) -> Result<bool>,
    ) -> Result<Option<K>> {
        let from_file = match self.opt_str(file_name)? {
            Some(path) => {
                let path = self.dir.join(path);
                let bytes = Zeroizing::new(std::fs::read(&path).map_err(|e| {
                    Error::Credentials(format!("{file_name} {}: {e}", path.display()))
                })?);
                Some(load(&bytes)?)
            }
            None => None,
        };
        let inline = match self.opt_str(inline_name)? {
            Some(text) => Some(load(text.as_bytes())?),
            None => None,
        };
        match (from_file, inline) {
            (Some(a), Some(b)) if !same(&a, &b)? => Err(Error::Credentials(format!(
                "`{file_name}` and `{inline_name}` are different keys: give one"
            ))),
            (Some(key), _) | (None, Some(key)) => Ok(Some(key)),
            (None, None) => Ok(None),
        }
    }

    /// The merchant's private key (`private_key_file` or `private_key_pkcs8_b64`), if given.
    pub fn private_key(&self) -> Result<Option<RsaPrivateKey>> {
        self.key(
            "private_key_file",
            "private_key_pkcs8_b64",
            RsaPrivateKey::from_any,
            |a, b| Ok(a.public_key()?.spki_der()? == b.public_key()?.spki_der()?),
        )
    }

    /// The gateway's public key (`platform_public_key_file` or `platform_public_key_b64`),
    /// if given.
    pub fn platform_public_key(&self) -> Result<Option<RsaPublicKey>> {
        self.key(
            "platform_public_key_file",
            "platform_public_key_b64",
            RsaPublicKey::from_any,
            |a, b| Ok(a.spki_der()? == b.spki_der()?),
        )
    }
}

/// A key an operation needs, or the error that names the credentials members to add.
pub(crate) fn need<'k, K>(key: &'k Option<K>, what: &str, members: &str) -> Result<&'k K> {
    key.as_ref()
        .ok_or_else(|| Error::Credentials(format!("{what} needs {members}")))
}

/// Checks that `amount` is in the account currency, for a gateway whose requests carry no
/// currency (the number alone would be read in the account's): without a `currency` in the
/// credentials a neutral amount cannot be checked, so it is refused.
pub(crate) fn in_account_currency(
    amount: refundwire::money::Money,
    account: Option<Currency>,
    gateway: &str,
) -> Result<u64> {
    match account {
        None => Err(Error::Credentials(format!(
            "`currency` is required: {gateway} requests carry no currency, so the account's \
             must be known to send {} {}",
            amount.currency.code(),
            amount.minor
        ))),
        Some(currency) if currency != amount.currency => Err(Error::Input(format!(
            "{gateway} refunds in the account currency {}, not {}",
            currency.code(),
            amount.currency.code()
        ))),
        Some(_) => Ok(amount.minor),
    }
}

/// An answer's `currency` must be the account's: an amount in another currency is about
/// another account or another refund.
pub(crate) fn same_currency(answer: Option<&str>, account: Option<Currency>) -> Result<()> {
    match (answer, account) {
        (Some(code), Some(account)) if code != account.code() => {
            Err(Error::Codec(refundwire::Error::InvalidField("currency")))
        }
        _ => Ok(()),
    }
}
