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
pub mod scanforpay;

pub use error::{Error, Result};
pub use http::{Environment, HttpRequest};
pub use outcome::{GatewayRefusal, Outcome};
pub use refundwire as codec;
pub use refundwire::RefundStatus;

/// The README's examples, compiled and run as doc-tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
