//! `refundwire … scanforpay …` (not implemented yet).

use super::common::{CliError, Context, Decoded};
use refundwire_std::HttpRequest;

pub fn encode(_ctx: &Context, _fields: &[u8]) -> Result<HttpRequest, CliError> {
    Err(CliError::new("gateway", "scanforpay is not supported yet"))
}

pub fn decode(_ctx: &Context, _body: &[u8]) -> Result<Decoded, CliError> {
    Err(CliError::new("gateway", "scanforpay is not supported yet"))
}

pub fn explain(_ctx: &Context, _input: &[u8], _response: bool) -> Result<String, CliError> {
    Err(CliError::new("gateway", "scanforpay is not supported yet"))
}
