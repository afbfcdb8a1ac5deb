//! Shared by the ScanForPay fuzz targets (included with `#[path]`, not a target itself): the
//! test credentials, and the fuzz input signed with the test sign key, so that what lies
//! behind the signature check is reached.
//!
//! Every input is tried three ways: as a whole message (signature as given), as the signed
//! value, and as the `body` behind a genuine response header (bound to [`ID`]).

use refundwire::encoding::hex_array;
use refundwire::gateway::scanforpay::{self, Credentials};
use refundwire::io::{Cursor, Sink};

/// The `reqMsgId` of the vectors (and of [`HEADER`]).
pub const ID: &str = "fd03f269-3180-4575-8af0-580483868a29";
/// A genuine response header, ready for a body to follow.
const HEADER: &[u8] = br#"{"header":{"partnerNo":"63012","respTime":"2024-03-05T18:06:12+08:00","signType":"SHA256","version":"1.0","reqMsgId":"fd03f269-3180-4575-8af0-580483868a29"},"body":"#;

/// The vectors' credentials.
pub fn creds() -> Option<Credentials<'static>> {
    Credentials::new("63012", b"c4pz0lx9xf26gk7zx5b4ctzkk6oam89o").ok()
}

/// `{"<name>":<value>,"signature":"<hex>"}`, signed with the test key.
pub fn signed<'b>(
    creds: &Credentials<'_>,
    name: &[u8],
    value: &[u8],
    buf: &'b mut [u8],
) -> Option<&'b [u8]> {
    let sig: [u8; 64] = hex_array(&scanforpay::digest(value, creds.sign_key()), false);
    let mut c = Cursor::new(buf);
    for part in [
        &b"{\""[..],
        name,
        b"\":",
        value,
        b",\"signature\":\"",
        &sig,
        b"\"}",
    ] {
        c.write(part).ok()?;
    }
    Some(c.finish())
}

/// `{"header":<genuine response header>,"body":<body>}`.
pub fn with_header<'b>(body: &[u8], buf: &'b mut [u8]) -> Option<&'b [u8]> {
    let mut c = Cursor::new(buf);
    c.write(HEADER).ok()?;
    c.write(body).ok()?;
    c.write(b"}").ok()?;
    Some(c.finish())
}

/// Calls `check` with the input as a whole message, then signed as `name`, then (for
/// replies) as a body behind a genuine header, signed. `check` gets the message and whether
/// its signature is known to be right.
pub fn each_message(data: &[u8], name: &[u8], replies: bool, mut check: impl FnMut(&[u8], bool)) {
    let Some(creds) = creds() else {
        return;
    };
    check(data, false);
    let mut buf = [0u8; 8192];
    if let Some(msg) = signed(&creds, name, data, &mut buf) {
        check(msg, true);
    }
    if replies {
        let mut value = [0u8; 8192];
        let mut buf = [0u8; 8192];
        if let Some(value) = with_header(data, &mut value) {
            if let Some(msg) = signed(&creds, name, value, &mut buf) {
                check(msg, true);
            }
        }
    }
}

/// Whether `data` is exactly one JSON object, nothing around it: signed as a value, its
/// bytes are then the signed span and must verify.
pub fn is_one_object(data: &[u8]) -> bool {
    data.first() == Some(&b'{')
        && data.last() == Some(&b'}')
        && refundwire::json::Object::parse(data).is_ok()
}
