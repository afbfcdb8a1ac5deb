//! Serves the gateway simulator on loopback HTTP until interrupted — what
//! `refundwire sandbox serve` will run:
//!
//! ```text
//! cargo run -p refundwire-std --features sandbox-serve --example sandbox_serve -- \
//!     --addr 127.0.0.1:8080 [--config sandbox.json]
//! python3 tests/independent_client.py --base-url http://127.0.0.1:8080
//! ```
//!
//! Without `--config` it uses the built-in test credentials (tests/vectors/) and prints them.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut addr = "127.0.0.1:0".to_owned();
    let mut config: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().ok_or("--addr needs HOST:PORT")?,
            "--config" => config = Some(args.next().ok_or("--config needs a file")?.into()),
            other => return Err(format!("unknown argument `{other}`").into()),
        }
    }
    refundwire_std::sandbox::serve_blocking(addr.parse()?, config.as_deref())?;
    Ok(())
}
