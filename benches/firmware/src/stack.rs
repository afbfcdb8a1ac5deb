//! Peak stack and time of one call.
//!
//! Stack, by painting: fill the free stack below the current frame with a pattern, run the
//! call, then find the lowest word that no longer holds the pattern.
//!
//! The figure counts everything the call pushes: its frames and those of everything it calls,
//! including the small frame of the closure that makes the call. Buffers the caller passes in
//! live in the caller's frame and are not counted. A word that happens to be written with the
//! pattern itself could hide up to that word; the pattern is chosen to be unlikely in code
//! addresses, lengths and the ASCII of these messages.

//!
//! Time, in instructions: SysTick counts the core clock, and under `qemu-system-arm -icount
//! shift=0` the emulated clock advances exactly one nanosecond per instruction, so ticks are
//! instructions at a fixed rate. [`Clock::start`] calibrates that rate against a loop of known
//! length (`cortex_m::asm::delay`: two instructions per turn). The resolution is one tick
//! (80 instructions on QEMU 7.2's lm3s6965evb). Instructions are not cycles: a Cortex-M3 takes
//! one to three cycles for most of them (loads, taken branches), so treat the figures as
//! comparisons between builds, not as microseconds.

use cortex_m::peripheral::{SYST, syst::SystClkSource};

/// What free stack is painted with.
const PAINT: u32 = 0xA5C3_5A3C;

unsafe extern "C" {
    /// Lowest address of the stack region (from cortex-m-rt's `link.x`: the end of `.bss`).
    static _stack_end: u32;
}

/// A call's result and what it cost.
#[derive(Debug)]
pub struct Measured<R> {
    /// What the call returned.
    pub result: R,
    /// Stack bytes it used at its deepest.
    pub stack_bytes: usize,
    /// SysTick ticks it took (see [`Clock::instructions`]).
    pub ticks: u32,
    /// No painted word was left: the call may have run past the stack region, and
    /// `stack_bytes` is a lower bound.
    pub exhausted: bool,
}

/// Runs `f` and returns its result with the stack bytes it used at its deepest and the ticks
/// it took.
#[inline(never)]
pub fn measure<R>(f: impl FnOnce() -> R) -> Measured<R> {
    // This frame is complete once the function has been entered: everything below the stack
    // pointer now is free, and is what `f` will use.
    let top = cortex_m::register::msp::read() as usize;
    let bottom = (&raw const _stack_end) as usize;
    let mut p = bottom;
    while p < top {
        // SAFETY: [bottom, top) is the unused part of the stack region that cortex-m-rt
        // reserves (from the end of `.bss` to the current stack pointer): no live value is
        // there, and a plain loop of volatile stores uses no stack below `top`.
        unsafe { core::ptr::write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
    let start = SYST::get_current();
    let result = call(f);
    // SysTick counts down, and wraps after 2^24 ticks (more than a billion instructions).
    let ticks = start.wrapping_sub(SYST::get_current()) & RELOAD;
    let mut lowest = bottom;
    // SAFETY: as above; the region is only read, and `call` has returned.
    while lowest < top && unsafe { core::ptr::read_volatile(lowest as *const u32) } == PAINT {
        lowest += 4;
    }
    Measured {
        result,
        stack_bytes: top - lowest,
        ticks,
        exhausted: lowest == bottom,
    }
}

/// Calls `f` in a frame of its own, below the one [`measure`] read the stack pointer in (if
/// `f` were inlined into `measure`, part of its stack would sit above the mark).
#[inline(never)]
fn call<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// SysTick's reload value: the whole 24-bit range.
const RELOAD: u32 = 0x00FF_FFFF;

/// The free-running SysTick counter and its rate in instructions per tick.
#[derive(Debug)]
pub struct Clock {
    /// Instructions and ticks of the calibration loop.
    calibration: (u32, u32),
}

impl Clock {
    /// Turns of the calibration loop.
    const TURNS: u32 = 1_000_000;

    /// Starts SysTick on the core clock and calibrates it.
    pub fn start(mut syst: SYST) -> Clock {
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(RELOAD);
        syst.clear_current();
        syst.enable_counter();
        let before = SYST::get_current();
        // `delay(n)` runs n + 1 turns of `subs; bne`.
        cortex_m::asm::delay(Self::TURNS);
        let ticks = before.wrapping_sub(SYST::get_current()) & RELOAD;
        Clock {
            calibration: (2 * (Self::TURNS + 1), ticks),
        }
    }

    /// Instructions in `ticks`, or `None` when the clock does not run (QEMU without
    /// `-icount` gives SysTick no clock).
    pub fn instructions(&self, ticks: u32) -> Option<u64> {
        let (insns, cal_ticks) = self.calibration;
        (cal_ticks > 0).then(|| u64::from(ticks) * u64::from(insns) / u64::from(cal_ticks))
    }
}
