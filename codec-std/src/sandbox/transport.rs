//! [`SimTransport`]: an in-process sender to a [`Simulator`], deterministic, no sockets.

use super::{SimResponse, Simulator};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a simulated send produced no answer, in the terms a refund flow needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimError {
    /// The request never reached the gateway (the connection was reset before it was read):
    /// nothing happened, resending is safe.
    NotSent,
    /// The request may have been carried out: the answer was lost after the gateway committed
    /// it, or none came before the timeout. Query before resending.
    MaybeSent {
        /// `true` when the simulator knows it committed (a lost answer), `false` for a timeout.
        committed: bool,
    },
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimError::NotSent => f.write_str("connection reset before the request was sent"),
            SimError::MaybeSent { committed: true } => {
                f.write_str("the answer was lost (the request may have been carried out)")
            }
            SimError::MaybeSent { committed: false } => {
                f.write_str("timed out (the request may have been carried out)")
            }
        }
    }
}

impl std::error::Error for SimError {}

/// Sends requests to a [`Simulator`] in process. Its clock starts at a given instant and
/// moves only when told ([`advance`](Self::advance)) or by a slow answer's delay, so tests
/// are deterministic.
#[derive(Debug, Clone)]
pub struct SimTransport {
    simulator: Arc<Simulator>,
    now_ms: Arc<AtomicU64>,
}

impl SimTransport {
    /// A transport to `simulator` whose clock reads `now_ms` (milliseconds since the epoch).
    pub fn new(simulator: Arc<Simulator>, now_ms: u64) -> SimTransport {
        SimTransport {
            simulator,
            now_ms: Arc::new(AtomicU64::new(now_ms)),
        }
    }

    /// The simulator it sends to.
    pub fn simulator(&self) -> &Arc<Simulator> {
        &self.simulator
    }

    /// The transport's clock (milliseconds since the epoch).
    pub fn now_ms(&self) -> u64 {
        self.now_ms.load(Ordering::SeqCst)
    }

    /// Moves the clock forward by `ms`.
    pub fn advance(&self, ms: u64) {
        self.now_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Sends `request` and returns the gateway's answer, or why there is none. A slow answer
    /// moves the clock by its delay.
    pub fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, SimError> {
        match self.simulator.handle(self.now_ms(), request) {
            SimResponse::Answer(response) => Ok(response),
            SimResponse::Slow { delay_ms, response } => {
                self.advance(delay_ms);
                Ok(response)
            }
            SimResponse::LostAfterCommit => Err(SimError::MaybeSent { committed: true }),
            SimResponse::Timeout => Err(SimError::MaybeSent { committed: false }),
            SimResponse::Reset => Err(SimError::NotSent),
        }
    }
}
