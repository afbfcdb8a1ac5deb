//! The one error type of the codec.

use core::fmt;

/// Everything that can go wrong while encoding or decoding a gateway message.
///
/// Every variant names the field or the step that failed, so that a log line is enough to
/// find the cause. The type is `Copy` and never carries secret material or input bytes.
///
/// A gateway's own refusal (an error code in a well-formed, verified reply) is **not** an
/// `Error`: decoders return it as [`Reply::Refused`](crate::Reply::Refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The caller's output buffer is too small for the message being written.
    BufferTooSmall {
        /// A size that suffices: the encoder's documented worst case for that message (its
        /// `*_MAX` constant), or, from a building block used directly, what the failing
        /// write needed.
        needed: usize,
    },
    /// The input is not well-formed JSON; `offset` is the byte where parsing stopped.
    Json {
        /// Byte offset into the JSON text.
        offset: usize,
    },
    /// The JSON nests deeper than the codec's fixed limit.
    JsonTooDeep,
    /// An object has two members with the same name (after unescaping).
    DuplicateMember,
    /// An object has more members than the codec's fixed-capacity index holds.
    TooManyMembers,
    /// A required member is absent (or `null`).
    MissingField(&'static str),
    /// A member has the wrong JSON type or an unacceptable value.
    InvalidField(&'static str),
    /// A value is longer than the codec allows for that field.
    FieldTooLong(&'static str),
    /// A field's Base64 text is malformed.
    Base64(&'static str),
    /// A field's hex text is malformed.
    Hex(&'static str),
    /// Ciphertext length is not a whole number of AES blocks, or it is empty.
    CiphertextLength,
    /// Decrypted data does not end in valid PKCS#7 padding (wrong key or tampered data).
    Padding,
    /// Decrypted data is not UTF-8 JSON.
    Plaintext,
    /// The named signature or digest does not match the message.
    SignatureMismatch(&'static str),
    /// The named signature or digest is absent where the protocol requires it.
    SignatureMissing(&'static str),
    /// The plugged-in signer failed (secure element error, wrong key type …).
    Signer,
    /// The reply answers another request (its request id differs from the expected one).
    RequestIdMismatch,
    /// The message is of another kind than the decoder reads: the other direction (a
    /// request where a reply was expected), another operation's reply, or a reply where a
    /// notification was expected. Names the member (or its absence) that gave it away.
    WrongMessage(&'static str),
    /// An amount cannot be written or read exactly (too many decimals, overflow, negative …).
    Amount(&'static str),
    /// The currency code is not a known ISO 4217 code.
    UnknownCurrency,
    /// A timestamp or offset is out of range.
    Time,
    /// A value the signing rule cannot represent (for example a nested object in a digest).
    Unsupported(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::BufferTooSmall { needed } => {
                write!(f, "output buffer too small ({needed} bytes suffice)")
            }
            Error::Json { offset } => write!(f, "malformed JSON at byte {offset}"),
            Error::JsonTooDeep => f.write_str("JSON nested too deeply"),
            Error::DuplicateMember => f.write_str("duplicate member name in a JSON object"),
            Error::TooManyMembers => f.write_str("JSON object has too many members"),
            Error::MissingField(n) => write!(f, "missing field `{n}`"),
            Error::InvalidField(n) => write!(f, "invalid value for field `{n}`"),
            Error::FieldTooLong(n) => write!(f, "field `{n}` is too long"),
            Error::Base64(n) => write!(f, "malformed Base64 in `{n}`"),
            Error::Hex(n) => write!(f, "malformed hex in `{n}`"),
            Error::CiphertextLength => {
                f.write_str("ciphertext is not a whole number of AES blocks")
            }
            Error::Padding => {
                f.write_str("bad PKCS#7 padding after decryption (wrong key or tampered data)")
            }
            Error::Plaintext => f.write_str("decrypted data is not UTF-8 JSON"),
            Error::SignatureMismatch(n) => write!(f, "verification failed: `{n}` does not match"),
            Error::SignatureMissing(n) => write!(f, "verification failed: `{n}` is missing"),
            Error::Signer => f.write_str("the signer failed"),
            Error::RequestIdMismatch => f.write_str("reply answers another request id"),
            Error::WrongMessage(n) => {
                write!(f, "not the expected kind of message (given away by `{n}`)")
            }
            Error::Amount(why) => write!(f, "amount error: {why}"),
            Error::UnknownCurrency => f.write_str("unknown ISO 4217 currency"),
            Error::Time => f.write_str("timestamp out of range"),
            Error::Unsupported(what) => write!(f, "unsupported: {what}"),
        }
    }
}

impl core::error::Error for Error {}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;
