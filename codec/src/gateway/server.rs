//! What every gateway's side shares (feature `server`): a refund's state as the gateway knows
//! it, and the gateway-neutral reasons a gateway refuses a request it could read. Each
//! gateway's own `server` module names its codes and messages for them (`refusal`,
//! `refusal_for`), so a simulator keeps state and time, and no protocol fact.

/// A refund's state as the gateway knows it (it always knows: a simulator's refund is
/// pending until it settles, then succeeded or failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundState {
    /// Accepted, not settled yet.
    Pending,
    /// Done.
    Succeeded,
    /// Settled as failed; its amount is free again.
    Failed,
}

/// Why a gateway refuses a request that verified and parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// No paid order under the number the refund (or ScanForPay's order query) names.
    NoOrder,
    /// No refund under the number the status query names.
    NoRefund,
    /// The refund number is taken: by another refund (another amount or order), or at all
    /// where the gateway refuses any reuse (its `REFUND_FACTS.deduplicates_refund_number`).
    NumberUsed,
    /// The refunds of the order would exceed its paid amount.
    OverRefund,
    /// The refund's currency is not the order's.
    WrongCurrency,
}

/// A digest-free stand-in RSA for the server modules' tests (core tests carry no RSA; the std
/// sandbox tests use real keys): the "signature" is the message's first `N` bytes, and
/// verifying compares them.
#[cfg(test)]
pub(crate) struct Prefix<const N: usize>;

#[cfg(test)]
impl<const N: usize> crate::crypto::RsaSigner for Prefix<N> {
    fn sign_sha256(&self, message: &[u8], out: &mut [u8]) -> crate::Result<usize> {
        let n = message.len().min(N);
        out.get_mut(..n)
            .ok_or(crate::Error::BufferTooSmall { needed: n })?
            .copy_from_slice(message.get(..n).unwrap_or_default());
        Ok(n)
    }
}

#[cfg(test)]
impl<const N: usize> crate::crypto::RsaVerifier for Prefix<N> {
    fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> crate::Result<()> {
        if !signature.is_empty() && message.get(..signature.len()) == Some(signature) {
            Ok(())
        } else {
            Err(crate::Error::SignatureMismatch("sign"))
        }
    }
}
