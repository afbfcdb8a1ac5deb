//! Shared by the CLI tests: running the binary, vector files, temporary credentials.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// `tests/vectors/`: the repository's copy of the vectors and test keys.
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors"))
}

/// A gateway's vector file, parsed.
pub fn vectors(gateway: &str) -> Value {
    let text = std::fs::read_to_string(vectors_dir().join(format!("{gateway}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The case named `name` of a gateway's vector file.
pub fn case(gateway: &str, name: &str) -> Value {
    vectors(gateway)["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == name)
        .unwrap_or_else(|| panic!("no case {name} in {gateway}.json"))
        .clone()
}

/// A refused run: exit 1, nothing on stdout, one line on stderr naming `step`.
pub fn assert_rejected(out: &Output, step: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("refundwire: {step}")),
        "expected step `{step}`: {stderr}"
    );
}

/// Runs the CLI with `args`, feeding `stdin`.
pub fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_refundwire"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The CLI may refuse its arguments before reading stdin: a closed pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

/// The JSON a successful run printed.
pub fn json_out(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A file in the temp folder, removed on drop.
pub struct TempFile(PathBuf);

impl TempFile {
    /// Writes `contents` to a fresh temp file.
    pub fn with(contents: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "refundwire-cli-{}-{}.json",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }

    /// The path as text.
    pub fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Lower-case hex digest of `bytes` by the `openssl` command line (`algorithm`: md5, sha256 …):
/// expected values made without this code.
pub fn openssl_digest_hex(algorithm: &str, bytes: &[u8]) -> String {
    let mut child = Command::new("openssl")
        .args(["dgst", &format!("-{algorithm}"), "-r"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// A credentials file holding `gateway`'s vector credentials, `*_file` paths made absolute.
pub fn vector_credentials(gateway: &str) -> TempFile {
    let mut creds = vectors(gateway)["credentials"].clone();
    for (name, value) in creds.as_object_mut().unwrap() {
        if name.ends_with("_file") {
            let path = vectors_dir().join(value.as_str().unwrap());
            *value = Value::String(path.to_str().unwrap().to_owned());
        }
    }
    TempFile::with(&creds.to_string())
}
