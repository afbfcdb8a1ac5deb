//! A hook the codec calls at each step (placeholder until the full step list lands).

/// One step of encoding or decoding.
#[non_exhaustive]
#[derive(Debug, Clone, Copy)]
pub enum Step<'a> {
    /// Bytes a digest or signature covers.
    SignedBytes {
        /// What they are.
        what: &'static str,
        /// The bytes.
        bytes: &'a [u8],
    },
}

/// Receives the codec's steps.
pub trait Trace {
    /// Called once per step, in order.
    fn step(&mut self, step: Step<'_>);
}

/// Traces nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoTrace;

impl Trace for NoTrace {
    #[inline(always)]
    fn step(&mut self, _step: Step<'_>) {}
}
