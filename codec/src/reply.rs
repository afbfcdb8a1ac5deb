//! What decoders return: a gateway's acceptance or refusal, and the neutral refund status.

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
    /// The gateway reported something this codec cannot classify; the raw value is kept by
    /// the gateway-specific view.
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

/// A gateway's own refusal: a well-formed reply that carries an error code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Refusal<'a, C> {
    /// The gateway's code, typed.
    pub code: C,
    /// The gateway's message, as sent (may be empty).
    pub message: Option<JsonStr<'a>>,
    /// Whether the refusal itself was verified (signed by the gateway). Several gateways send
    /// refusals unsigned: anyone on the path could have written such a one, so it must not
    /// be taken as proof that a refund failed — query before acting on it.
    pub authenticated: bool,
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
