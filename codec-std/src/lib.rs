//! # refundwire-std
//!
//! The std companion of [`refundwire`]: owned wrappers around the codec (`Vec<u8>` and
//! `String` in, owned results out), RSA keys over aws-lc-rs behind the codec's signer seam,
//! sans-IO HTTP request descriptors, and the `refundwire` command-line tool (feature `cli`).

pub mod error;
pub mod http;
pub mod newpay;
pub mod ottpay;
pub mod outcome;
pub mod payermax;
pub mod rsa;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod scanforpay;

pub use error::{Error, Result};
pub use http::{Environment, HttpRequest};
pub use outcome::{GatewayRefusal, Outcome};
pub use refundwire as codec;
pub use refundwire::RefundStatus;

/// The conformance vectors in `tests/vectors/`, for this crate's unit tests.
#[cfg(test)]
pub(crate) mod test_vectors {
    use serde_json::Value;

    /// `tests/vectors/` of this repository.
    pub(crate) const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors");

    /// The vector file of `gateway`, parsed.
    pub(crate) fn vectors(gateway: &str) -> Value {
        serde_json::from_slice(&std::fs::read(format!("{DIR}/{gateway}.json")).unwrap()).unwrap()
    }

    /// The case named `name` of `gateway`'s vectors.
    pub(crate) fn case(gateway: &str, name: &str) -> Value {
        vectors(gateway)["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["case"] == name)
            .unwrap()
            .clone()
    }

    /// A file of the vectors folder (keys are named relative to it).
    pub(crate) fn read(relative: &str) -> Vec<u8> {
        std::fs::read(format!("{DIR}/{relative}")).unwrap()
    }
}

/// The README's examples, compiled and run as doc-tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
