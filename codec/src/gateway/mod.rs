//! One module per gateway, each shaped like its protocol page: credentials, request values,
//! `encode_*`, response views, `decode_*`, codes and statuses.

pub mod newpay;
pub mod ottpay;
pub mod payermax;
pub mod scanforpay;
#[cfg(feature = "server")]
pub mod server;

/// The media type of every request, reply and acknowledgement of these gateways: compact JSON.
pub const CONTENT_TYPE: &str = "application/json";

/// Where a gateway takes requests: its hosts and the path of each operation.
///
/// Each gateway module publishes one as `ENDPOINTS`; a URL is a base followed by a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoints {
    /// Production base URL (scheme, host, optional port; no trailing slash).
    pub production: &'static str,
    /// The gateway's public test base URL, where it publishes one.
    pub sandbox: Option<&'static str>,
    /// Path of the refund request.
    pub refund_path: &'static str,
    /// Path of the request that asks for a refund's status.
    pub status_path: &'static str,
}

/// What a sender that lost a refund's answer may rely on: two facts from the gateway's own
/// documentation, with where they come from. Each gateway module publishes one as
/// `REFUND_FACTS`; where its pages say nothing, the fact is the conservative one (no
/// de-duplication, no proof of absence), so a lost answer ends as "needs review" rather than
/// as a second refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundFacts {
    /// The request member that carries the merchant's refund number (the number every attempt
    /// of one refund reuses).
    pub refund_number_member: &'static str,
    /// The gateway documents that a second refund request under a merchant refund number it
    /// has already seen is refused, never executed as a second refund.
    pub deduplicates_refund_number: bool,
    /// Codes of a refused status query that mean "no refund under this number exists". Such a
    /// refusal proves it only when it is authenticated and bound ([`crate::Trust`]): an
    /// unsigned refusal, or a signed one that names no refund, proves nothing.
    pub absent_codes: &'static [&'static str],
    /// Where these facts come from (the protocol page and what it says or does not say).
    pub source: &'static str,
}

impl RefundFacts {
    /// Whether a refused status query with `code` and `trust` proves that no refund exists
    /// under the number asked about.
    pub fn proves_absence(&self, code: &str, trust: crate::Trust) -> bool {
        trust.is_definite() && self.absent_codes.contains(&code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Trust;

    #[test]
    fn absence_needs_a_listed_code_signed_and_bound() {
        let facts = RefundFacts {
            refund_number_member: "n",
            deduplicates_refund_number: true,
            absent_codes: &["GONE"],
            source: "test",
        };
        assert!(facts.proves_absence("GONE", Trust::signed(true)));
        assert!(!facts.proves_absence("GONE", Trust::signed(false)));
        assert!(!facts.proves_absence("GONE", Trust::UNSIGNED));
        assert!(!facts.proves_absence("OTHER", Trust::signed(true)));
    }

    #[test]
    fn absent_codes_are_codes_the_gateway_modules_know() {
        for code in newpay::REFUND_FACTS.absent_codes {
            assert!(!matches!(
                newpay::Code::from_wire(code),
                newpay::Code::Other(_)
            ));
        }
        for code in payermax::REFUND_FACTS.absent_codes {
            assert!(!matches!(
                payermax::Code::from_wire(code),
                payermax::Code::Other(_)
            ));
        }
        // Only NewPay documents that it refuses a reused refund number.
        let dedup: [bool; 4] = [
            ottpay::REFUND_FACTS.deduplicates_refund_number,
            scanforpay::REFUND_FACTS.deduplicates_refund_number,
            payermax::REFUND_FACTS.deduplicates_refund_number,
            newpay::REFUND_FACTS.deduplicates_refund_number,
        ];
        assert_eq!(dedup, [false, false, false, true]);
    }
}
