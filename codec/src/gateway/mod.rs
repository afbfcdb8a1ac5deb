//! One module per gateway, each shaped like its protocol page: credentials, request values,
//! `encode_*`, response views, `decode_*`, codes and statuses.

pub mod newpay;
pub mod ottpay;
pub mod payermax;
pub mod scanforpay;
