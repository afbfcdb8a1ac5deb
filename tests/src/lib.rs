//! Shared helpers of the conformance, differential and end-to-end tests (the tests themselves
//! live in `tests/tests/`).

use serde_json::Value;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::{Path, PathBuf};

/// `tests/vectors/`: the repository's copy of the conformance vectors and test keys.
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/vectors"))
}

/// The vector file of `gateway`, parsed.
pub fn vectors(gateway: &str) -> Value {
    let path = vectors_dir().join(format!("{gateway}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The case named `name` of `gateway`'s vectors.
pub fn case(gateway: &str, name: &str) -> Value {
    vectors(gateway)["cases"]
        .as_array()
        .and_then(|cases| cases.iter().find(|c| c["case"] == name).cloned())
        .unwrap_or_else(|| panic!("no case {name} in {gateway}.json"))
}

/// Every case of `gateway`'s vectors.
pub fn cases(gateway: &str) -> Vec<Value> {
    vectors(gateway)["cases"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A string member of a vector case.
pub fn s<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key]
        .as_str()
        .unwrap_or_else(|| panic!("case {} has no string `{key}`", case["case"]))
}

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// A global allocator that counts the allocations made on the current thread while
/// [`count_allocations`] runs. Install it in a test binary with
/// `#[global_allocator] static A: CountingAllocator = CountingAllocator;`.
pub struct CountingAllocator;

// SAFETY: every call is forwarded unchanged to the system allocator; the counter only reads
// and writes thread-local cells, which never allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

fn note_allocation() {
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

/// Runs `f` and returns its result with the number of heap allocations it made on this
/// thread (only meaningful in a binary that installed [`CountingAllocator`]).
pub fn count_allocations<R>(f: impl FnOnce() -> R) -> (R, usize) {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|on| on.set(true));
    let r = f();
    COUNTING.with(|on| on.set(false));
    (r, ALLOCATIONS.with(Cell::get))
}

/// `tests/vectors/keys/<name>`.
pub fn key_path(name: &str) -> PathBuf {
    vectors_dir().join("keys").join(name)
}

/// Runs the `openssl` command line with `stdin`; its stdout, or its stderr as the error.
pub fn try_openssl(args: &[&str], stdin: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the openssl command line is needed for these tests");
    // openssl may exit before reading everything (on an error): the status tells.
    let _ = child.stdin.take().map(|mut s| s.write_all(stdin));
    let out = child.wait_with_output().expect("openssl runs");
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Like [`try_openssl`], failing the test when openssl fails.
pub fn openssl(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    try_openssl(args, stdin).unwrap_or_else(|e| panic!("openssl {args:?}: {e}"))
}

/// Hex digest of `input` by `openssl dgst -<algorithm>` (lower case, as OpenSSL prints it).
pub fn openssl_digest_hex(algorithm: &str, input: &[u8]) -> String {
    let out =
        String::from_utf8(openssl(&["dgst", &format!("-{algorithm}"), "-r"], input)).expect("hex");
    out.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// `openssl dgst -sha256 -sign <private_pem>` over `message`, Base64 by `openssl base64`.
pub fn openssl_rsa_sign_b64(private_pem: &Path, message: &[u8]) -> String {
    let raw = openssl(
        &["dgst", "-sha256", "-sign", path_str(private_pem)],
        message,
    );
    let b64 = openssl(&["base64", "-A"], &raw);
    String::from_utf8(b64).expect("Base64").trim().to_owned()
}

/// `openssl dgst -sha256 -verify <public_pem>` of the Base64 signature over `message`.
pub fn openssl_rsa_verifies(public_pem: &Path, message: &[u8], signature_b64: &str) -> bool {
    let Ok(raw) = try_openssl(&["base64", "-d", "-A"], signature_b64.as_bytes()) else {
        return false;
    };
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let sig = std::env::temp_dir().join(format!(
        "refundwire-sig-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::write(&sig, raw).expect("temp file");
    let verdict = try_openssl(
        &[
            "dgst",
            "-sha256",
            "-verify",
            path_str(public_pem),
            "-signature",
            path_str(&sig),
        ],
        message,
    );
    let _ = std::fs::remove_file(&sig);
    verdict.is_ok_and(|out| out.starts_with(b"Verified OK"))
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}
