//! Shared helpers of the conformance, differential and end-to-end tests (the tests themselves
//! live in `tests/tests/`).

use serde_json::Value;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::PathBuf;

/// `shared/vectors/` beside the repository (CI lays a copy of `shared/` there too).
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors"))
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
