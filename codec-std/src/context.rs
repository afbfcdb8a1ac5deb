//! The one place requests get their time and their fresh ids from.

use crate::{Error, Result};
use refundwire::time::Timestamp;
use std::fmt;
use std::sync::Arc;

/// Where "now" comes from.
pub trait Clock: Send + Sync {
    /// The current instant (with the offset requests should show).
    fn now(&self) -> Result<Timestamp>;
}

/// Fresh ids (ScanForPay's `reqMsgId`; generated refund numbers).
pub trait IdSource: Send + Sync {
    /// A new id, unique for all practical purposes.
    fn new_id(&self) -> Result<String>;
}

/// The system clock, in UTC.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Result<Timestamp> {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|_| Error::Codec(refundwire::Error::Time))?;
        let ms = i64::try_from(since_epoch.as_millis())
            .map_err(|_| Error::Codec(refundwire::Error::Time))?;
        Ok(Timestamp::utc(ms)?)
    }
}

/// A clock stopped at one instant (tests, replays, the CLI's `--time`).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Result<Timestamp> {
        Ok(self.0)
    }
}

/// Random version-4 UUIDs from the system's randomness (36 characters, as in ScanForPay's
/// samples).
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomIds;

impl IdSource for RandomIds {
    fn new_id(&self) -> Result<String> {
        let mut b = [0u8; 16];
        aws_lc_rs::rand::fill(&mut b).map_err(|_| Error::Input("no system randomness".into()))?;
        // RFC 9562 version 4 (random) and variant bits.
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let mut id = String::with_capacity(36);
        for (i, x) in b.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                id.push('-');
            }
            id.push_str(&format!("{x:02x}"));
        }
        Ok(id)
    }
}

/// Always the same id (tests, the CLI's `--req-msg-id`).
#[derive(Debug, Clone)]
pub struct FixedId(pub String);

impl IdSource for FixedId {
    fn new_id(&self) -> Result<String> {
        Ok(self.0.clone())
    }
}

/// Clock and id generation, injected into every request a gateway prepares.
#[derive(Clone)]
pub struct Context {
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdSource>,
}

impl Context {
    /// The system clock and random ids.
    pub fn system() -> Self {
        Context {
            clock: Arc::new(SystemClock),
            ids: Arc::new(RandomIds),
        }
    }

    /// The same context with another clock.
    pub fn with_clock(self, clock: impl Clock + 'static) -> Self {
        Context {
            clock: Arc::new(clock),
            ..self
        }
    }

    /// The same context with another id source.
    pub fn with_ids(self, ids: impl IdSource + 'static) -> Self {
        Context {
            ids: Arc::new(ids),
            ..self
        }
    }

    /// Now, by this context's clock.
    pub fn now(&self) -> Result<Timestamp> {
        self.clock.now()
    }

    /// A fresh id from this context's source.
    pub fn new_id(&self) -> Result<String> {
        self.ids.new_id()
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::system()
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_version_4_uuids() {
        let a = RandomIds.new_id().unwrap();
        let b = RandomIds.new_id().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.as_bytes()[14], b'4');
        assert!(matches!(a.as_bytes()[19], b'8' | b'9' | b'a' | b'b'), "{a}");
    }

    #[test]
    fn a_fixed_clock_keeps_its_offset() {
        let t = Timestamp::parse_rfc3339("2024-03-05T15:01:23.737+08:00").unwrap();
        let ctx = Context::system().with_clock(FixedClock(t));
        assert_eq!(ctx.now().unwrap(), t);
        assert!(SystemClock.now().unwrap().unix_ms() > 1_700_000_000_000);
    }
}
