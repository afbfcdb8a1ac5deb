//! # refundwire
//!
//! Byte-exact refund messages for four payment gateways — OTTPay, ScanForPay, PayerMax and
//! NewPay — for firmware and servers alike: `#![no_std]`, no heap, no `unsafe`, and every
//! buffer owned by the caller.
//!
//! Encoders write the exact HTTP body (and signature header values) into buffers you pass
//! and return the used sub-slice. Decoders verify first and parse second, then hand out
//! typed views that borrow from the received bytes.
//!
//! Layers, bottom up:
//! - building blocks: [`io`] (sinks and cursors), [`json`] (scanner and writer),
//!   [`encoding`] (hex, Base64), [`crypto`] (secrets, AES, constant time, RSA seam),
//!   [`money`], [`time`];
//! - [`canonical`] strings-to-sign, streamed into digests;
//! - [`gateway`] modules, one per gateway, each shaped like its protocol page;
//! - [`trace`]: every encoder and decoder has a `*_traced` twin that reports each step it takes
//!   (what was signed, digests, fingerprints of derived keys, plaintext) to a [`trace::Trace`].
//!
//! ```
//! use refundwire::gateway::ottpay::{self, Credentials, RefundRequest};
//!
//! let creds = Credentials::new("ON43915000", b"4283FEFC63F0CD0E")?;
//! let req = RefundRequest { order_id: None, ori_order_id: "202080636083778353374068", refund_amt: 51558 };
//! let mut body = [0u8; 512];
//! let body = ottpay::encode_refund(&creds, &req, &mut body)?;
//! assert!(body.starts_with(br#"{"action":"REFUND","version":"1.0","merchant_id":"ON43915000","data":""#));
//! # Ok::<(), refundwire::Error>(())
//! ```
//!
//! ## On a microcontroller
//!
//! Measured on an emulated Cortex-M3 (`thumbv7m-none-eabi`, opt-level `"z"`, fat LTO;
//! `benches/firmware/run` prints the figures, `benches/README.md` records them): OTTPay +
//! ScanForPay encode and decode take about 48 KB of flash, and no operation of theirs needs
//! more than about 2.4 KB of stack besides the caller's buffers. Nothing allocates (the image has
//! no allocator), and no `core::fmt` is linked.
//!
//! Two cfg flags of the crypto crates pick their compact software backends, for less flash at
//! a small cost in speed. They are not crate features: set them in `RUSTFLAGS` or in a
//! `.cargo/config.toml` `rustflags`.
//!
//! | flag | used by | flash | instructions |
//! |---|---|---|---|
//! | `--cfg sha2_backend_soft="compact"` | ScanForPay (SHA-256) | −6.7 KB | +22 % to encode, +6 % to decode |
//! | `--cfg aes_backend_soft="compact"` | OTTPay (AES-128) | −1.6 KB | +1 to +2 % |
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod canonical;
pub mod crypto;
pub mod encoding;
mod error;
pub mod gateway;
pub mod io;
pub mod json;
pub mod money;
mod reply;
pub mod time;
pub mod trace;

pub use error::{Error, Result};
pub(crate) use reply::wire_enum;
pub use reply::{Claim, RefundStatus, Refusal, Reply, Trust, Verdict, bind};
