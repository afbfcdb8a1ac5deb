//! Where bytes go: the [`Sink`] trait, a [`Cursor`] over a caller's buffer, and digest sinks.
//!
//! Canonicalizers and the JSON writer write into a `Sink`, so the same code can fill a
//! buffer, feed a hash, or both at once ([`Tee`]) without materializing a string-to-sign.

use crate::error::{Error, Result};
use md5::Digest as _;

/// A destination for bytes.
pub trait Sink {
    /// Appends `bytes`; fails (without partial writes being observable as success) when full.
    fn write(&mut self, bytes: &[u8]) -> Result<()>;

    /// Appends a UTF-8 string.
    fn write_str(&mut self, s: &str) -> Result<()> {
        self.write(s.as_bytes())
    }

    /// Appends `parts` one after another. A sink over a buffer checks its room once for all
    /// of them rather than once per part.
    fn write_parts(&mut self, parts: &[&[u8]]) -> Result<()> {
        parts.iter().try_for_each(|part| self.write(part))
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        (**self).write(bytes)
    }

    fn write_parts(&mut self, parts: &[&[u8]]) -> Result<()> {
        (**self).write_parts(parts)
    }
}

/// An output cursor over a caller-provided buffer.
///
/// ```
/// use refundwire::io::{Cursor, Sink};
/// let mut buf = [0u8; 8];
/// let mut out = Cursor::new(&mut buf);
/// out.write(b"abc").unwrap();
/// assert_eq!(out.finish(), b"abc");
/// ```
#[derive(Debug)]
pub struct Cursor<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> Cursor<'b> {
    /// Starts writing at the beginning of `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Cursor { buf, len: 0 }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The written part of the buffer.
    pub fn written(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    /// Lets `fill` write directly into the unused rest of the buffer; `fill` returns how many
    /// bytes it wrote (for encoders that take an output slice, such as Base64).
    pub fn append_with(&mut self, fill: impl FnOnce(&mut [u8]) -> Result<usize>) -> Result<()> {
        let spare = self.buf.get_mut(self.len..).unwrap_or_default();
        let room = spare.len();
        let n = fill(spare)?;
        if n > room {
            return Err(Error::BufferTooSmall {
                needed: self.len.saturating_add(n),
            });
        }
        self.len += n;
        Ok(())
    }

    /// Ends writing and returns the used part of the buffer, borrowed for the buffer's lifetime.
    pub fn finish(self) -> &'b [u8] {
        let len = self.len;
        self.buf.get(..len).unwrap_or_default()
    }

    /// Like [`finish`](Self::finish), but mutable (for in-place post-processing).
    pub fn finish_mut(self) -> &'b mut [u8] {
        let len = self.len;
        self.buf.get_mut(..len).unwrap_or_default()
    }
}

impl Sink for Cursor<'_> {
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let end = self.len.saturating_add(bytes.len());
        let dst = self
            .buf
            .get_mut(self.len..end)
            .ok_or(Error::BufferTooSmall { needed: end })?;
        // Most writes are a few bytes (a quote, a name): copied here, not through a call.
        copy_short(dst, bytes);
        self.len = end;
        Ok(())
    }

    #[inline]
    fn write_parts(&mut self, parts: &[&[u8]]) -> Result<()> {
        let total = parts
            .iter()
            .fold(0usize, |sum, part| sum.saturating_add(part.len()));
        let end = self.len.saturating_add(total);
        let mut dst = self
            .buf
            .get_mut(self.len..end)
            .ok_or(Error::BufferTooSmall { needed: end })?;
        for part in parts {
            let (head, rest) = dst.split_at_mut(part.len().min(dst.len()));
            copy_short(head, part);
            dst = rest;
        }
        self.len = end;
        Ok(())
    }
}

/// `dst.copy_from_slice(src)` (same lengths), with up to 16 bytes copied as two overlapping
/// words rather than through a call: the parts of a JSON member are mostly that short.
#[inline]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if n != dst.len() {
        return;
    }
    fn copy<const W: usize>(dst: &mut [u8], src: &[u8]) {
        let n = src.len();
        let mut first = [0u8; W];
        let mut last = [0u8; W];
        first.copy_from_slice(src.get(..W).unwrap_or(&[0; W]));
        last.copy_from_slice(src.get(n - W..).unwrap_or(&[0; W]));
        if let Some(d) = dst.get_mut(..W) {
            d.copy_from_slice(&first);
        }
        if let Some(d) = dst.get_mut(n - W..) {
            d.copy_from_slice(&last);
        }
    }
    match n {
        0 => {}
        // First, middle and last byte: three stores cover one to three bytes without the
        // loop that the compiler made a call to `memcpy` on x86-64.
        1..=3 => {
            if let (Some(&a), Some(&m), Some(&z)) = (src.first(), src.get(n / 2), src.last()) {
                if let Some(d) = dst.first_mut() {
                    *d = a;
                }
                if let Some(d) = dst.get_mut(n / 2) {
                    *d = m;
                }
                if let Some(d) = dst.last_mut() {
                    *d = z;
                }
            }
        }
        4..=7 => copy::<4>(dst, src),
        8..=16 => copy::<8>(dst, src),
        _ => dst.copy_from_slice(src),
    }
}

/// A sink that only counts bytes (to size a buffer before writing).
#[derive(Debug, Default, Clone, Copy)]
pub struct Counter(pub usize);

impl Sink for Counter {
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.0 = self.0.saturating_add(bytes.len());
        Ok(())
    }
}

/// Writes everything into two sinks (for example a buffer and a digest).
#[derive(Debug)]
pub struct Tee<A, B>(pub A, pub B);

impl<A: Sink, B: Sink> Sink for Tee<A, B> {
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.0.write(bytes)?;
        self.1.write(bytes)
    }
}

/// A streaming MD5 digest as a [`Sink`].
#[derive(Clone, Default)]
pub struct Md5Sink(md5::Md5);

impl Md5Sink {
    /// A fresh digest.
    pub fn new() -> Self {
        Self::default()
    }
    /// The 16-byte digest.
    pub fn finish(self) -> [u8; 16] {
        self.0.finalize().into()
    }
}

impl Sink for Md5Sink {
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.0.update(bytes);
        Ok(())
    }
}

impl core::fmt::Debug for Md5Sink {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Md5Sink")
    }
}

/// A streaming SHA-256 digest as a [`Sink`].
#[derive(Clone, Default)]
pub struct Sha256Sink(sha2::Sha256);

impl Sha256Sink {
    /// A fresh digest.
    pub fn new() -> Self {
        Self::default()
    }
    /// The 32-byte digest.
    pub fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

impl Sink for Sha256Sink {
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.0.update(bytes);
        Ok(())
    }
}

impl core::fmt::Debug for Sha256Sink {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Sha256Sink")
    }
}

/// Adapts a [`Sink`] to [`core::fmt::Write`] (to stream `Display` output into a buffer or hash).
/// The first sink error is kept in `error`, since `fmt::Error` carries no detail.
#[derive(Debug)]
pub struct FmtSink<'s, S: Sink> {
    sink: &'s mut S,
    /// The sink error that interrupted formatting, if any.
    pub error: Option<Error>,
}

impl<'s, S: Sink> FmtSink<'s, S> {
    /// Wraps `sink`.
    pub fn new(sink: &'s mut S) -> Self {
        FmtSink { sink, error: None }
    }
}

impl<S: Sink> core::fmt::Write for FmtSink<'_, S> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.sink.write(s.as_bytes()).map_err(|e| {
            self.error = Some(e);
            core::fmt::Error
        })
    }
}
