//! The independent client (`tests/independent_client.py`, written from the protocol pages
//! alone, Python 3 + `cryptography`) against the served simulator, over loopback HTTP.
#![cfg(feature = "sandbox-serve")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use refundwire_std::sandbox::{Server, Simulator};
use std::process::Command;
use std::sync::Arc;

#[test]
fn an_independent_client_gets_verifiable_answers_from_every_gateway() {
    let server = Server::start(
        "127.0.0.1:0".parse().unwrap(),
        Arc::new(Simulator::builtin().unwrap()),
    )
    .unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/independent_client.py"
    );
    let out = Command::new("python3")
        .arg(script)
        .arg("--base-url")
        .arg(format!("http://{}", server.addr()))
        .output()
        .expect("python3 must be installed (with the `cryptography` package)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for gateway in ["ottpay", "scanforpay", "payermax", "newpay"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(gateway) && l.contains(" ok: ")),
            "{gateway} missing:\n{stdout}"
        );
    }
    server.stop();
}
