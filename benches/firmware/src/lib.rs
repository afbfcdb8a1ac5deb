//! What the two firmware images share: the vectors as constants, the codec calls they make
//! ([`ops`]), the stack meter ([`stack`]), and the panic handler.
//!
//! - `bin/vectors.rs` runs every OTTPay and ScanForPay vector on the target, measures each
//!   operation's peak stack, and exits through semihosting with the verdict;
//! - `bin/footprint.rs` only links the same operations, with inputs the optimizer cannot see,
//!   so that its `.text` + `.rodata` is the flash a terminal pays for the codec.
//!
//! There is no global allocator: anything that allocates fails to link.
#![no_std]

pub mod ops;
pub mod stack;
pub mod vectors;

use cortex_m_semihosting::debug;

/// The codec must never panic; if something does, the run fails (QEMU exits with status 1).
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    debug::exit(debug::EXIT_FAILURE);
    #[allow(clippy::empty_loop)]
    loop {}
}

/// Ends the QEMU run with the given verdict.
pub fn exit(success: bool) -> ! {
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    #[allow(clippy::empty_loop)]
    loop {}
}
