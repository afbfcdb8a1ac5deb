//! Sending a prepared request: a blocking [`Transport`] and an async [`AsyncTransport`] over
//! the `http` crate's types, whose errors say whether the request can have reached the
//! gateway.
//!
//! An HTTP status of 4xx or 5xx is an **answer** (the gateway's refusal, or a proxy's page),
//! returned as `Ok` and decoded like any other; only a failure to exchange is an error, and
//! it says which kind it is:
//! - [`TransportError::NotSent`]: the request cannot have reached the gateway (the name did
//!   not resolve, the connection or the TLS handshake failed). Sending it again is safe.
//! - [`TransportError::MaybeSent`]: it may have (a write or read failed or timed out, the
//!   connection was reset or closed after the request went out). Never send a refund again
//!   after this without asking the gateway first: that is what [`crate::flow`] does.
//!
//! Adapters: `UreqTransport` (feature `ureq`, blocking) and `ReqwestTransport` (feature
//! `reqwest`, async), both on rustls with aws-lc-rs. Any other client fits in a few lines:
//!
//! ```
//! use refundwire_std::transport::{Transport, TransportError};
//!
//! /// A client of your own (here one that never connects).
//! struct MyClient;
//!
//! impl Transport for MyClient {
//!     fn send(
//!         &self,
//!         request: http::Request<Vec<u8>>,
//!     ) -> Result<http::Response<Vec<u8>>, TransportError> {
//!         // Send `request` (method, URI, headers, body unchanged); on failure say whether it
//!         // can have gone out: connect errors are `not_sent`, anything after is `maybe_sent`.
//!         let _ = request;
//!         Err(TransportError::not_sent("connection refused"))
//!     }
//! }
//!
//! let request = http::Request::post("https://gateway.example/refund").body(Vec::new())?;
//! let error = MyClient.send(request).unwrap_err();
//! assert!(!error.may_have_reached_gateway());
//! # Ok::<(), http::Error>(())
//! ```

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;

/// The cause of a transport failure.
pub type Cause = Box<dyn StdError + Send + Sync + 'static>;

/// A failed exchange, saying whether the request can have reached the gateway.
#[derive(Debug)]
pub enum TransportError {
    /// The request cannot have reached the gateway (resolve, connect or TLS handshake
    /// failed): safe to send again.
    NotSent(Cause),
    /// The request may have reached the gateway (write or read failed or timed out, reset,
    /// end of stream after sending): ask before sending a refund again.
    MaybeSent(Cause),
}

impl TransportError {
    /// A failure before anything was sent.
    pub fn not_sent(cause: impl Into<Cause>) -> Self {
        TransportError::NotSent(cause.into())
    }

    /// A failure after the request may have gone out.
    pub fn maybe_sent(cause: impl Into<Cause>) -> Self {
        TransportError::MaybeSent(cause.into())
    }

    /// True for [`MaybeSent`](Self::MaybeSent).
    pub fn may_have_reached_gateway(&self) -> bool {
        matches!(self, TransportError::MaybeSent(_))
    }

    /// What failed.
    pub fn cause(&self) -> &(dyn StdError + Send + Sync + 'static) {
        match self {
            TransportError::NotSent(cause) | TransportError::MaybeSent(cause) => cause.as_ref(),
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::NotSent(cause) => write!(f, "not sent: {cause}"),
            TransportError::MaybeSent(cause) => write!(f, "may have been sent: {cause}"),
        }
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(self.cause())
    }
}

/// Sends one request and waits for its answer (blocking).
pub trait Transport {
    /// Sends `request` unchanged and returns the answer, whatever its status.
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError>;
}

/// Sends one request and awaits its answer.
pub trait AsyncTransport {
    /// Sends `request` unchanged and returns the answer, whatever its status.
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send;
}

impl<T: Transport + ?Sized> Transport for &T {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        (**self).send(request)
    }
}

/// How long a transport waits, phase by phase. A timeout before the request goes out
/// (connecting) is [`TransportError::NotSent`]; any later one is
/// [`TransportError::MaybeSent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Resolving the name, connecting and the TLS handshake.
    pub connect: std::time::Duration,
    /// Sending the request and receiving the whole answer.
    pub exchange: std::time::Duration,
}

impl Default for Timeouts {
    /// 10 s to connect, 30 s for the exchange.
    fn default() -> Self {
        Timeouts {
            connect: std::time::Duration::from_secs(10),
            exchange: std::time::Duration::from_secs(30),
        }
    }
}

/// Answers larger than this are refused (no gateway here sends more than a few KiB).
pub const ANSWER_MAX: u64 = 1 << 20;

#[cfg(feature = "ureq")]
pub use self::ureq_transport::UreqTransport;

#[cfg(feature = "ureq")]
mod ureq_transport {
    use super::{ANSWER_MAX, Timeouts, Transport, TransportError};
    use std::sync::Arc;

    /// A blocking [`Transport`] over ureq 3 (rustls with aws-lc-rs, webpki roots). 4xx and
    /// 5xx are answers; redirects are not followed (a gateway does not redirect a signed
    /// request).
    #[derive(Debug, Clone)]
    pub struct UreqTransport {
        agent: ureq::Agent,
    }

    impl UreqTransport {
        /// A transport with these timeouts.
        pub fn new(timeouts: Timeouts) -> Self {
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            let tls = ureq::tls::TlsConfig::builder()
                .unversioned_rustls_crypto_provider(provider)
                .build();
            let config = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .max_redirects_will_error(false)
                .tls_config(tls)
                // Phase by phase, no global timeout: ureq then names the phase that timed
                // out, which is what tells NotSent from MaybeSent.
                .timeout_resolve(Some(timeouts.connect))
                .timeout_connect(Some(timeouts.connect))
                .timeout_send_request(Some(timeouts.exchange))
                .timeout_send_body(Some(timeouts.exchange))
                .timeout_recv_response(Some(timeouts.exchange))
                .timeout_recv_body(Some(timeouts.exchange))
                .build();
            UreqTransport {
                agent: ureq::Agent::new_with_config(config),
            }
        }
    }

    impl Default for UreqTransport {
        fn default() -> Self {
            UreqTransport::new(Timeouts::default())
        }
    }

    /// Whether ureq's error can only have happened before the request went out.
    fn before_sending(error: &ureq::Error) -> bool {
        use std::io::ErrorKind;
        use ureq::Timeout;
        match error {
            ureq::Error::HostNotFound
            | ureq::Error::ConnectionFailed
            | ureq::Error::BadUri(_)
            | ureq::Error::Http(_)
            | ureq::Error::InvalidProxyUrl
            | ureq::Error::Tls(_)
            | ureq::Error::Pem(_)
            | ureq::Error::Rustls(_)
            | ureq::Error::Timeout(Timeout::Resolve | Timeout::Connect) => true,
            ureq::Error::Io(e) => matches!(
                e.kind(),
                ErrorKind::ConnectionRefused
                    | ErrorKind::AddrNotAvailable
                    | ErrorKind::NetworkUnreachable
                    | ErrorKind::HostUnreachable
            ),
            _ => false,
        }
    }

    impl Transport for UreqTransport {
        fn send(
            &self,
            request: http::Request<Vec<u8>>,
        ) -> Result<http::Response<Vec<u8>>, TransportError> {
            let response = self.agent.run(request).map_err(|e| {
                if before_sending(&e) {
                    TransportError::not_sent(e)
                } else {
                    TransportError::maybe_sent(e)
                }
            })?;
            let (parts, mut body) = response.into_parts();
            let bytes = body
                .with_config()
                .limit(ANSWER_MAX)
                .read_to_vec()
                .map_err(TransportError::maybe_sent)?;
            Ok(http::Response::from_parts(parts, bytes))
        }
    }
}

#[cfg(feature = "reqwest")]
pub use self::reqwest_transport::ReqwestTransport;

#[cfg(feature = "reqwest")]
mod reqwest_transport {
    use super::{ANSWER_MAX, AsyncTransport, Cause, Timeouts, TransportError};

    /// An async [`AsyncTransport`] over reqwest (rustls with aws-lc-rs; no native-tls). 4xx
    /// and 5xx are answers; redirects are not followed. Needs a tokio runtime.
    #[derive(Debug, Clone)]
    pub struct ReqwestTransport {
        client: reqwest::Client,
    }

    impl ReqwestTransport {
        /// A transport with these timeouts.
        pub fn new(timeouts: Timeouts) -> Result<Self, TransportError> {
            let client = reqwest::Client::builder()
                .connect_timeout(timeouts.connect)
                .timeout(timeouts.connect + timeouts.exchange)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(TransportError::not_sent)?;
            Ok(ReqwestTransport { client })
        }

        /// A transport over a client of your own configuration (keep redirects off).
        pub fn with_client(client: reqwest::Client) -> Self {
            ReqwestTransport { client }
        }
    }

    fn classify(e: reqwest::Error) -> TransportError {
        // A connect error (its timeout included) happens before the request goes out.
        if e.is_connect() || e.is_builder() {
            TransportError::not_sent(e)
        } else {
            TransportError::maybe_sent(e)
        }
    }

    impl AsyncTransport for ReqwestTransport {
        async fn send(
            &self,
            request: http::Request<Vec<u8>>,
        ) -> Result<http::Response<Vec<u8>>, TransportError> {
            let request = reqwest::Request::try_from(request).map_err(TransportError::not_sent)?;
            let mut response = self.client.execute(request).await.map_err(classify)?;
            let mut builder = http::Response::builder()
                .status(response.status())
                .version(response.version());
            if let Some(headers) = builder.headers_mut() {
                *headers = std::mem::take(response.headers_mut());
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(classify_body)? {
                if body.len() as u64 + chunk.len() as u64 > ANSWER_MAX {
                    return Err(TransportError::maybe_sent(format!(
                        "answer larger than {ANSWER_MAX} bytes"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            builder
                .body(body)
                .map_err(|e| TransportError::maybe_sent(Cause::from(e)))
        }
    }

    /// Reading the body: the request went out.
    fn classify_body(e: reqwest::Error) -> TransportError {
        TransportError::maybe_sent(e)
    }
}

/// The simulator's in-process transport is a [`Transport`]: a reset is
/// [`TransportError::NotSent`], a lost answer or a timeout [`TransportError::MaybeSent`].
#[cfg(feature = "sandbox")]
impl Transport for crate::sandbox::SimTransport {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        use crate::sandbox::SimError;
        crate::sandbox::SimTransport::send(self, request).map_err(|e| match e {
            SimError::NotSent => TransportError::not_sent(e),
            SimError::MaybeSent { .. } => TransportError::maybe_sent(e),
        })
    }
}
