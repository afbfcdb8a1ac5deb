//! What decoders return: a gateway's acceptance or refusal, and the neutral refund status.

use crate::error::Error;
use crate::json::JsonStr;

/// A refund's state in gateway-neutral terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundStatus {
    /// Accepted but not final yet: query again later.
    Pending,
    /// The money is on its way back.
    Succeeded,
    /// The refund did not happen.
    Failed,
    /// Nothing definite is known: the gateway reported something this codec cannot
    /// classify, or the reply was not signed by the gateway, or it is not bound to the
    /// request the caller named. Query before acting (never refund again on `Unknown`).
    Unknown,
}

impl RefundStatus {
    /// Lower-case name (`pending`, `succeeded`, `failed`, `unknown`).
    pub fn as_str(&self) -> &'static str {
        match self {
            RefundStatus::Pending => "pending",
            RefundStatus::Succeeded => "succeeded",
            RefundStatus::Failed => "failed",
            RefundStatus::Unknown => "unknown",
        }
    }
}

/// What a decoder established about a reply besides its shape: the one trust rule.
///
/// A status is **definite** (Pending, Succeeded or Failed) only when both hold:
/// - `authenticated`: the gateway's signature or digest covers the members the status was
///   read from (an unsigned refusal, or OTTPay's envelope `rsp_code`, is not);
/// - `bound`: an authenticated member of the reply equals the id the caller expects (the
///   refund number or request id it sent; for notifications, the merchant's own id).
///
/// Otherwise the status is [`RefundStatus::Unknown`], while the gateway's raw code and the
/// status it *claims* stay readable ([`Verdict::claimed_status`]).
// No `Default`: trust is always stated, never assumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Trust {
    /// Covered by the gateway's signature or digest.
    pub authenticated: bool,
    /// An authenticated member equals the id the caller expects. Never true when
    /// `authenticated` is false.
    pub bound: bool,
}

impl Trust {
    /// Neither authenticated nor bound (an unsigned message).
    pub const UNSIGNED: Trust = Trust {
        authenticated: false,
        bound: false,
    };

    /// Authenticated, and bound when `bound` (an unauthenticated member binds nothing).
    pub const fn signed(bound: bool) -> Trust {
        Trust {
            authenticated: true,
            bound,
        }
    }

    /// Whether a status read under this trust may be definite.
    pub const fn is_definite(self) -> bool {
        self.authenticated && self.bound
    }

    /// `claimed` when the trust allows a definite status, otherwise `Unknown`.
    pub const fn gate(self, claimed: RefundStatus) -> RefundStatus {
        if self.is_definite() {
            claimed
        } else {
            RefundStatus::Unknown
        }
    }
}

/// Whether a signed member binds a reply to what the caller expects.
///
/// `expected` is the id the caller sent (never optional in the decoders; an empty
/// `expected` binds nothing, which leaves every status `Unknown`). A member that is absent
/// binds nothing; a member that differs means the reply answers something else, which is
/// an error ([`Error::RequestIdMismatch`]), not a result.
pub fn bind(expected: &str, member: Option<&str>) -> Result<bool, Error> {
    match member {
        None => Ok(false),
        Some(_) if expected.is_empty() => Ok(false),
        Some(got) if got == expected => Ok(true),
        Some(_) => Err(Error::RequestIdMismatch),
    }
}

/// A gateway code or state that claims a refund status.
pub trait Claim {
    /// The refund status the gateway claims with this value, before the trust rule: what it
    /// would mean if the gateway signed it about this refund. A code after which an earlier
    /// attempt may have gone through (a duplicate number, a timeout) claims `Unknown`.
    fn claimed_status(&self) -> RefundStatus;
}

/// A decoded reply, refusal or notification: what it claims and how far it can be trusted.
pub trait Verdict {
    /// The status the message claims, before the trust rule.
    fn claimed_status(&self) -> RefundStatus;
    /// What the decoder established ([`Trust`]).
    fn trust(&self) -> Trust;
    /// The neutral status: [`claimed_status`](Self::claimed_status) when the message is
    /// authenticated and bound, otherwise [`RefundStatus::Unknown`].
    fn status(&self) -> RefundStatus {
        self.trust().gate(self.claimed_status())
    }
}

/// A gateway's own refusal: a well-formed reply that carries an error code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Refusal<'a, C> {
    /// The gateway's code, typed.
    pub code: C,
    /// The gateway's message, as sent (may be empty).
    pub message: Option<JsonStr<'a>>,
    /// Whether the refusal itself was verified (signed by the gateway) and bound to the
    /// request. Several gateways send refusals unsigned, and a signed refusal that names no
    /// refund can be replayed against another: neither proves that *this* refund failed.
    pub trust: Trust,
}

impl<C: Claim> Verdict for Refusal<'_, C> {
    fn claimed_status(&self) -> RefundStatus {
        self.code.claimed_status()
    }

    fn trust(&self) -> Trust {
        self.trust
    }
}

/// A decoded reply: either the gateway accepted the request (the view `T`, verified), or it
/// refused it with its own code `C`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reply<'a, T, C> {
    /// The gateway accepted the request; the view was verified before it was parsed.
    Accepted(T),
    /// The gateway refused the request.
    Refused(Refusal<'a, C>),
}

impl<'a, T, C> Reply<'a, T, C> {
    /// The accepted view, if any.
    pub fn accepted(self) -> Option<T> {
        match self {
            Reply::Accepted(t) => Some(t),
            Reply::Refused(_) => None,
        }
    }

    /// The refusal, if any.
    pub fn refused(self) -> Option<Refusal<'a, C>> {
        match self {
            Reply::Accepted(_) => None,
            Reply::Refused(r) => Some(r),
        }
    }
}

impl<T: Verdict, C: Claim> Verdict for Reply<'_, T, C> {
    fn claimed_status(&self) -> RefundStatus {
        match self {
            Reply::Accepted(view) => view.claimed_status(),
            Reply::Refused(refusal) => refusal.claimed_status(),
        }
    }

    fn trust(&self) -> Trust {
        match self {
            Reply::Accepted(view) => view.trust(),
            Reply::Refused(refusal) => refusal.trust,
        }
    }
}

/// Declares a protocol's string-valued code as an enum with an `Other(&str)` arm, so unknown
/// values decode losslessly instead of failing.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name<'a> {
            $( $(#[$vmeta])* $variant, )+
            /// A value this codec does not know, exactly as sent.
            Other(&'a str),
        }

        impl<'a> $name<'a> {
            /// Classifies the value as sent on the wire.
            pub fn from_wire(text: &'a str) -> Self {
                match text {
                    $( $wire => $name::$variant, )+
                    other => $name::Other(other),
                }
            }

            /// The value as it appears on the wire.
            pub fn as_wire(&self) -> &'a str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Other(text) => text,
                }
            }
        }

        impl core::fmt::Display for $name<'_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_wire())
            }
        }
    };
}
pub(crate) use wire_enum;

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [RefundStatus; 4] = [
        RefundStatus::Pending,
        RefundStatus::Succeeded,
        RefundStatus::Failed,
        RefundStatus::Unknown,
    ];

    struct Says(RefundStatus);
    impl Claim for Says {
        fn claimed_status(&self) -> RefundStatus {
            self.0
        }
    }

    #[test]
    fn only_authenticated_and_bound_is_definite() {
        let cases = [
            (Trust::UNSIGNED, false),
            (
                Trust {
                    authenticated: false,
                    bound: true,
                },
                false,
            ),
            (Trust::signed(false), false),
            (Trust::signed(true), true),
        ];
        for (trust, definite) in cases {
            assert_eq!(trust.is_definite(), definite, "{trust:?}");
            for claimed in ALL {
                let expected = if definite {
                    claimed
                } else {
                    RefundStatus::Unknown
                };
                assert_eq!(trust.gate(claimed), expected, "{trust:?} {claimed:?}");
                let refusal = Refusal {
                    code: Says(claimed),
                    message: None,
                    trust,
                };
                assert_eq!(refusal.status(), expected);
                assert_eq!(refusal.claimed_status(), claimed);
                let reply: Reply<'_, Refusal<'_, Says>, Says> = Reply::Refused(Refusal {
                    code: Says(claimed),
                    message: None,
                    trust,
                });
                assert_eq!(reply.status(), expected);
                assert_eq!(reply.claimed_status(), claimed);
                assert_eq!(reply.trust(), trust);
                let accepted: Reply<'_, Refusal<'_, Says>, Says> = Reply::Accepted(refusal);
                assert_eq!(accepted.status(), expected);
                assert_eq!(accepted.claimed_status(), claimed);
                assert_eq!(accepted.trust(), trust);
            }
        }
    }

    #[test]
    fn binding() {
        assert_eq!(bind("R1", Some("R1")), Ok(true));
        assert_eq!(bind("R1", None), Ok(false));
        assert_eq!(bind("", Some("R1")), Ok(false));
        assert_eq!(bind("", Some("")), Ok(false));
        assert_eq!(bind("R1", Some("R2")), Err(Error::RequestIdMismatch));
        assert_eq!(bind("R1", Some("r1")), Err(Error::RequestIdMismatch));
        assert_eq!(bind("R1", Some("R1 ")), Err(Error::RequestIdMismatch));
    }

    #[test]
    fn names() {
        let names: [&str; 4] = ALL.map(|s| s.as_str());
        assert_eq!(names, ["pending", "succeeded", "failed", "unknown"]);
    }
}
