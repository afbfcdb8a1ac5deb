//! What the codec did, step by step: a hook for tools that explain a message.
//!
//! Every encoder and decoder of the gateway modules has a `*_traced` twin that takes a
//! `&mut T` where `T: `[`Trace`]` + ?Sized` (so `&mut dyn Trace` works too) and reports each
//! step it takes as a [`Step`]: the exact bytes a digest or signature covers, the digest, the
//! signature as on the wire, OTTPay's plaintext and ciphertext, fingerprints of derived keys,
//! the members of a canonical string in order, the binding check and the verification result.
//! The plain functions call their twin with [`NoTrace`], whose methods are empty and inlined,
//! so firmware gets the same code as if there were no hook.
//!
//! # What a trace never shows
//!
//! A consumer that prints every step it receives cannot print a secret by accident:
//! - keys (the sign key that follows ScanForPay's signed bytes, OTTPay's AES key) come as
//!   [`Secret`], whose only readable parts are its length and a [`Fingerprint`] (the first
//!   4 bytes of its SHA-256): enough to compare with one's own computation, not to recover or
//!   reuse the value;
//! - for a reply that does **not** verify, the value it would have needed (ScanForPay's
//!   expected signature, which would be a valid signature for bytes someone else wrote) is
//!   reported only as a [`Secret`] in [`Step::Mismatch`], and nothing decrypted from it
//!   (OTTPay's plaintext and the digest over it) is reported at all. [`Step::Digest`] and
//!   [`Step::Plaintext`] of a reply come only after [`Step::Verified`] is certain, when the
//!   digest equals the one received.
//!
//! # Order
//!
//! Steps come in the order the codec takes them. Bytes a digest covers may come in several
//! consecutive [`Step::SignedBytes`] pieces with the same `what` (OTTPay's sorted values are
//! streamed, never materialized); their concatenation is the whole input. `what` is the wire
//! name of the digest, signature or member a step concerns (`md5`, `data`, `signature`,
//! `sign`, `data.sign`), as each gateway's module docs name them.
//!
//! # Example: a recording tracer
//!
//! ```
//! use refundwire::gateway::ottpay::{self, Credentials, RefundRequest, REFUND_BODY_MAX};
//! use refundwire::trace::{Step, Trace};
//!
//! /// Keeps what OTTPay hashed for `md5`, and a line per step.
//! #[derive(Default)]
//! struct Recorder {
//!     md5_input: Vec<u8>,
//!     lines: Vec<String>,
//! }
//!
//! impl Trace for Recorder {
//!     fn step(&mut self, step: Step<'_>) {
//!         if let Step::SignedBytes { what: "md5", bytes } = step {
//!             self.md5_input.extend_from_slice(bytes);
//!         }
//!         // Printing a step in full is safe: keys only ever show their fingerprint.
//!         self.lines.push(format!("{step:?}"));
//!     }
//! }
//!
//! let creds = Credentials::new("ON43915000", b"4283FEFC63F0CD0E")?;
//! let request = RefundRequest { order_id: None, ori_order_id: "202080636083778353374068", refund_amt: 51558 };
//! let mut buf = [0u8; REFUND_BODY_MAX];
//! let mut recorder = Recorder::default();
//! ottpay::encode_refund_traced(&creds, &request, &mut buf, &mut recorder)?;
//! // The values sorted by member name, concatenated (vectors/ottpay.json, refund_request).
//! assert_eq!(recorder.md5_input, b"20208063608377835337406851558");
//! assert!(recorder.lines.iter().any(|l| l.starts_with("DerivedKey")));
//! assert!(!recorder.lines.iter().any(|l| l.contains("AFADA3D8C394C4A1"))); // the AES key
//! # Ok::<(), refundwire::Error>(())
//! ```

use crate::io::{Sha256Sink, Sink};
use crate::json::{JsonStr, Object, Value};
use core::fmt;

/// Receives the steps of an encoder or decoder (see the module docs).
pub trait Trace {
    /// Called once per step, in order.
    fn step(&mut self, step: Step<'_>);

    /// Whether steps are wanted at all (default `true`). Work done only to report a step (a
    /// second pass over the members of a canonical string, say) is skipped when it is
    /// `false`; [`NoTrace`] says `false`, so that work is not even compiled in.
    fn enabled(&self) -> bool {
        true
    }
}

/// The tracer that wants nothing: what the functions without `_traced` use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoTrace;

impl Trace for NoTrace {
    #[inline(always)]
    fn step(&mut self, _step: Step<'_>) {}

    #[inline(always)]
    fn enabled(&self) -> bool {
        false
    }
}

impl<T: Trace + ?Sized> Trace for &mut T {
    #[inline(always)]
    fn step(&mut self, step: Step<'_>) {
        (**self).step(step);
    }

    #[inline(always)]
    fn enabled(&self) -> bool {
        (**self).enabled()
    }
}

/// A digest algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// MD5 (OTTPay's unkeyed `md5`).
    Md5,
    /// SHA-256 (ScanForPay's `signature`, over the bytes followed by the sign key).
    Sha256,
}

impl Algorithm {
    /// `MD5` or `SHA-256`.
    pub fn name(&self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }
}

/// One step the codec took. Borrowed from the codec's buffers: copy what you keep.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Step<'a> {
    /// Bytes the digest or signature `what` covers, exactly as fed to it. Several consecutive
    /// pieces with the same `what` concatenate to the whole input.
    SignedBytes {
        /// The digest or signature (`md5`, `signature`, `sign`, `data.sign`).
        what: &'static str,
        /// The bytes, or the next piece of them.
        bytes: &'a [u8],
    },
    /// A secret that follows the [`SignedBytes`](Step::SignedBytes) of `what` into its digest
    /// (ScanForPay: the sign key, right after the `request` or `response` bytes).
    SecretFollows {
        /// The digest it goes into.
        what: &'static str,
        /// The secret: length and fingerprint only.
        secret: Secret<'a>,
    },
    /// A member of an object the codec canonicalizes, in the order it enters the string to
    /// sign (only members that take part: no `null`, not the signature itself). Reported for
    /// OTTPay's business data (sorted values) and the objects NewPay receives (sorted
    /// `name=value`); NewPay's own requests are written from typed fields, whose string is
    /// the [`SignedBytes`](Step::SignedBytes) step.
    Member {
        /// The digest or signature whose string the member enters.
        what: &'static str,
        /// The member's name, as sent.
        name: JsonStr<'a>,
        /// Its value, as sent.
        value: Value<'a>,
    },
    /// A digest the codec computed: of a message it builds, or of a reply after it verified
    /// (the digest then equals the one received).
    Digest {
        /// Which algorithm.
        algorithm: Algorithm,
        /// The member that carries it (`md5`, `signature`).
        what: &'static str,
        /// The raw digest bytes.
        value: &'a [u8],
    },
    /// A signature or digest as on the wire (hex or Base64 text): the one the codec made, or
    /// the one received (before it is checked).
    Signature {
        /// The member or header that carries it (`md5`, `signature`, `sign`, `data.sign`).
        what: &'static str,
        /// Its text as sent.
        text: &'a [u8],
    },
    /// Plaintext the codec encrypted, or decrypted from a reply that verified (OTTPay's
    /// business JSON).
    Plaintext {
        /// The member it travels in (`data`).
        what: &'static str,
        /// The plaintext bytes.
        bytes: &'a [u8],
    },
    /// Ciphertext the codec made, or received, before Base64 (OTTPay's `data`).
    Ciphertext {
        /// The member it travels in (`data`).
        what: &'static str,
        /// The raw ciphertext.
        bytes: &'a [u8],
    },
    /// A key the codec derived (OTTPay's AES-128 key of `data`): fingerprint only.
    DerivedKey {
        /// The member the key encrypts or decrypts (`data`).
        what: &'static str,
        /// The key.
        key: Secret<'a>,
    },
    /// The digest or signature `what` of a received message matched.
    Verified {
        /// The digest or signature (`md5`, `signature`, `sign`, `data.sign`).
        what: &'static str,
    },
    /// The digest or signature `what` of a received message did not match (the decoder
    /// fails right after). `computed` is what the bytes would have needed, when the codec
    /// computes one (ScanForPay): a [`Secret`], because in full it would be a valid signature
    /// for bytes someone else wrote.
    Mismatch {
        /// The digest or signature.
        what: &'static str,
        /// What the codec computed, fingerprint only.
        computed: Option<Secret<'a>>,
    },
    /// The member `what` was read with nothing authenticating it (a refusal sent unsigned,
    /// OTTPay's envelope `rsp_code`): what it says proves nothing.
    Unsigned {
        /// The member.
        what: &'static str,
    },
    /// The binding check: an authenticated member compared with what the caller expects
    /// (the id it sent, or for notifications and callbacks its own app id).
    Binding {
        /// The member's wire name (`order_id`, `reqMsgId`, `outRefundNo`, `appId`, …).
        member: &'static str,
        /// Its value as sent (`None` when absent: nothing to bind).
        value: Option<JsonStr<'a>>,
        /// What the caller expects (`""`: nothing binds).
        expected: &'a str,
        /// Whether it binds. A present `value` that differs from a non-empty `expected` is
        /// not a result but an error, which the decoder returns right after.
        bound: bool,
    },
}

/// Bytes a trace must not show (a key, or a digest that would work as a signature): only
/// their length and a [`Fingerprint`] can be read. `Debug` prints those two.
#[derive(Clone, Copy)]
pub struct Secret<'a>(&'a [u8]);

impl<'a> Secret<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Secret(bytes)
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first 4 bytes of the SHA-256 of the secret.
    pub fn fingerprint(&self) -> Fingerprint {
        let mut sha = Sha256Sink::new();
        // Writing into a digest cannot fail.
        let _ = sha.write(self.0);
        let [a, b, c, d, ..] = sha.finish();
        Fingerprint([a, b, c, d])
    }
}

impl fmt::Debug for Secret<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Secret({} bytes, fingerprint {})",
            self.len(),
            self.fingerprint()
        )
    }
}

/// The first 4 bytes of a value's SHA-256, shown as 8 lower-case hex digits: enough to compare
/// a value with one's own computation, useless for rebuilding or reusing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 4]);

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Reports the step `make` builds, and builds it only when `trace` wants steps: with
/// [`NoTrace`] nothing of it is left in the generated code, not even a stack slot.
#[inline(always)]
pub(crate) fn report<'s, T: Trace + ?Sized>(trace: &mut T, make: impl FnOnce() -> Step<'s>) {
    if trace.enabled() {
        trace.step(make());
    }
}

/// A sink that reports every piece written as [`Step::SignedBytes`] and writes nothing
/// anywhere: replays a streamed canonical string into a trace.
pub(crate) struct SignedBytesOf<'t, T: ?Sized> {
    pub(crate) trace: &'t mut T,
    pub(crate) what: &'static str,
}

impl<T: Trace + ?Sized> Sink for SignedBytesOf<'_, T> {
    fn write(&mut self, bytes: &[u8]) -> crate::Result<()> {
        self.trace.step(Step::SignedBytes {
            what: self.what,
            bytes,
        });
        Ok(())
    }
}

/// Reports the members of `obj` that enter the canonical string of `what`, in its order:
/// every member but `null`s and `exclude` (the signature member).
pub(crate) fn members<T: Trace + ?Sized>(
    trace: &mut T,
    what: &'static str,
    obj: &Object<'_>,
    exclude: Option<&str>,
) {
    if !trace.enabled() {
        return;
    }
    let Ok(sorted) = crate::canonical::sorted_members(obj) else {
        return;
    };
    for member in sorted.iter().flatten() {
        if member.value.is_null() || exclude.is_some_and(|name| member.name.eq_str(name)) {
            continue;
        }
        trace.step(Step::Member {
            what,
            name: member.name,
            value: member.value,
        });
    }
}

/// For tests: a trace that keeps whether each [`Step::Binding`] bound, in order.
#[cfg(test)]
pub(crate) struct Bindings(pub heapless::Vec<bool, 4>);

#[cfg(test)]
impl Trace for Bindings {
    fn step(&mut self, step: Step<'_>) {
        if let Step::Binding { bound, .. } = step {
            let _ = self.0.push(bound);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_the_start_of_sha256() {
        // SHA-256("abc") = ba7816bf 8f01cfea … (FIPS 180-2, appendix B.1).
        let secret = Secret::new(b"abc");
        assert_eq!(secret.fingerprint(), Fingerprint([0xba, 0x78, 0x16, 0xbf]));
        assert_eq!(secret.len(), 3);
        assert!(!secret.is_empty());
        let mut s: heapless::String<64> = heapless::String::new();
        core::fmt::write(&mut s, format_args!("{secret:?}")).unwrap();
        assert_eq!(s, "Secret(3 bytes, fingerprint ba7816bf)");
        assert!(Secret::new(b"").is_empty());
    }

    #[test]
    fn no_trace_wants_nothing_and_references_forward() {
        struct Count(usize);
        impl Trace for Count {
            fn step(&mut self, _: Step<'_>) {
                self.0 += 1;
            }
        }
        assert!(!NoTrace.enabled());
        let mut count = Count(0);
        let mut by_ref = &mut count;
        assert!(by_ref.enabled());
        by_ref.step(Step::Verified { what: "md5" });
        let dynamic: &mut dyn Trace = &mut by_ref;
        dynamic.step(Step::Unsigned { what: "code" });
        assert_eq!(count.0, 2);
        assert_eq!(Algorithm::Md5.name(), "MD5");
        assert_eq!(Algorithm::Sha256.name(), "SHA-256");
    }

    #[test]
    fn members_skip_nulls_and_the_excluded_one_in_name_order() {
        struct Names(heapless::Vec<heapless::String<8>, 8>);
        impl Trace for Names {
            fn step(&mut self, step: Step<'_>) {
                if let Step::Member { name, .. } = step {
                    let mut s = heapless::String::new();
                    s.push_str(name.raw()).unwrap();
                    self.0.push(s).unwrap();
                }
            }
        }
        let obj = Object::parse(br#"{"b":1,"sign":"x","a":null,"c":"","A":true}"#).unwrap();
        let mut names = Names(heapless::Vec::new());
        members(&mut names, "sign", &obj, Some("sign"));
        assert_eq!(names.0, ["A", "b", "c"]);
        let mut names = Names(heapless::Vec::new());
        members(&mut names, "md5", &obj, None);
        assert_eq!(names.0, ["A", "b", "c", "sign"]);
    }
}
