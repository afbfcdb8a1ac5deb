//! Fresh journals for tests: a SQLite file under the target folder, and a PostgreSQL schema of
//! its own on the server `REFUNDWIRE_TEST_POSTGRES` names (CI: `.ci/postgres start`).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// The environment variable with the PostgreSQL URL.
pub const POSTGRES_ENV: &str = "REFUNDWIRE_TEST_POSTGRES";

static NEXT: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst),
        nanos
    )
}

/// A path for a new SQLite journal (nothing there yet).
pub fn sqlite_path() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("journals");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{}.sqlite", unique("j")))
}

/// The URL of an empty schema of its own on the test server, or `None` (with a note on
/// stderr) when `REFUNDWIRE_TEST_POSTGRES` is not set.
pub fn postgres_url(test: &str) -> Option<String> {
    let Ok(base) = std::env::var(POSTGRES_ENV) else {
        eprintln!(
            "SKIPPED {test}: {POSTGRES_ENV} is not set (start a server with `.ci/postgres start`)"
        );
        return None;
    };
    let schema = unique("rw");
    let mut admin = postgres::Client::connect(&base, postgres::NoTls)
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but unusable: {e}"));
    admin
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}options=-c%20search_path%3D{schema}"))
}
