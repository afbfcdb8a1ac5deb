//! # refundwire-std
//!
//! One gateway-neutral API over the [`refundwire`] codec: a [`Gateway`] trait over the `http`
//! crate's types, neutral [`RefundRequest`], [`StatusRequest`] and [`RefundOutcome`] values, a
//! [`registry`] that builds the right gateway from a credentials file, an injectable
//! [`Context`] (clock and ids), RSA keys over aws-lc-rs behind the codec's signer seam, and
//! the `refundwire` command-line tool (feature `cli`, not default).
//!
//! ```
//! use refundwire_std::registry::{self, Credentials};
//! use refundwire_std::{Context, RefundRequest, RefundStatus};
//! use refundwire_std::codec::money::{Currency, Money};
//!
//! let credentials = Credentials::parse(
//!     br#"{"merchant_id":"ON43915000","sign_key":"4283FEFC63F0CD0E"}"#,
//!     ".",
//! )?;
//! let gateway = registry::build("ottpay", &credentials)?;
//! let cad = Currency::from_code("CAD")?;
//! let refund = RefundRequest::new("ORDER-1", "RF-1", Money::new(1050, cad));
//! let prepared = gateway.prepare_refund(&refund, &Context::system())?;
//! assert_eq!(prepared.request.uri(), "https://frontapi.ottpay.com:443/processV2");
//! // Send `prepared.request` with any HTTP client, then:
//! // let outcome = gateway.decode(&prepared.binding, response)?;
//! # Ok::<(), refundwire_std::Error>(())
//! ```

mod adapters;
mod api;
pub mod context;
pub mod error;
pub mod fields;
pub mod flow;
pub mod journal;
pub mod registry;
pub mod rsa;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod transport;

pub use api::{
    Answer, Binding, Gateway, Notification, Operation, PinnedRefund, Prepared, RefundOutcome,
    RefundRequest, StatusRequest,
};
pub use context::Context;
pub use error::{Error, Result};
pub use fields::{FieldValue, Fields};
pub use refundwire as codec;
pub use refundwire::gateway::RefundFacts;
pub use refundwire::{RefundStatus, Trust};

/// The README's examples, compiled and run as doc-tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
