//! Sans-IO HTTP request descriptors: what to send, never how.

use std::fmt;

/// Which of a gateway's hosts a request goes to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Environment {
    /// The gateway's production host.
    #[default]
    Production,
    /// The gateway's test host (UAT, sandbox, dev), where it has one.
    Sandbox,
    /// Any other base URL (a proxy, the built-in simulator …), without a trailing slash.
    Custom(String),
}

impl Environment {
    /// The base URL for this environment, given the gateway's production and sandbox bases.
    pub fn base<'a>(&'a self, production: &'a str, sandbox: &'a str) -> &'a str {
        match self {
            Environment::Production => production,
            Environment::Sandbox => sandbox,
            Environment::Custom(base) => base.trim_end_matches('/'),
        }
    }
}

/// An HTTP request to send with any client.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method (`POST` for every operation of these gateways).
    pub method: &'static str,
    /// The full URL.
    pub url: String,
    /// Header names and values, in the order they should be sent.
    pub headers: Vec<(String, String)>,
    /// The exact body bytes (signed as they are: send them unchanged).
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A `POST` of a JSON body.
    pub fn post_json(url: String, body: Vec<u8>) -> Self {
        HttpRequest {
            method: "POST",
            url,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body,
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (every body these gateways take is UTF-8 JSON).
    pub fn body_text(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(&self.body)
    }
}

impl fmt::Debug for HttpRequest {
    /// Shows method, URL, header names and body length; values may carry signatures.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.len())
            .finish()
    }
}
