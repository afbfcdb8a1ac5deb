//! Every gateway path three ways, on the same bytes, for the `paths` bench and the `report`:
//!
//! - `codec`: the core crate as a user calls it (caller buffers, keys loaded once);
//! - `floor`: only the primitives no implementation can avoid on those bytes (digests, AES,
//!   Base64, hex, RSA), fed the bytes they need already laid out;
//! - `naive`: the same message the way a typical std service writes it (`serde_json::Value`,
//!   `String`s, `format!`, the same crypto crates), correct and checked like the codec.
//!
//! Fixtures come from `tests/vectors/` (compiled in). Where no vector exists (ScanForPay's order
//! query reply, NewPay's refund reply, the scaling replies) the fixture is written here and
//! signed at setup with the primitives and the vector keys. The tests at the bottom check that
//! the three implementations agree on every path, so none of them measures a shortcut.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod newpay;
pub mod ottpay;
pub mod payermax;
pub mod scanforpay;

use serde_json::Value;

/// One gateway path: its name (`<gateway>/<operation>`) and its three implementations, each
/// returning a small witness so the optimizer cannot drop the work.
pub struct Path {
    /// `<gateway>/<operation>`, as the report prints it.
    pub name: &'static str,
    /// Size of the message the path writes or reads, bytes.
    pub bytes: usize,
    /// The codec as a user calls it.
    pub codec: Box<dyn FnMut() -> u64>,
    /// The unavoidable primitives on the same bytes.
    pub floor: Box<dyn FnMut() -> u64>,
    /// A typical std implementation.
    pub naive: Box<dyn FnMut() -> u64>,
}

/// Every path, in report order.
pub fn paths() -> Vec<Path> {
    let mut all = Vec::new();
    all.extend(ottpay::paths());
    all.extend(scanforpay::paths());
    all.extend(payermax::paths());
    all.extend(newpay::paths());
    all
}

/// The case named `name` of a vector file.
pub(crate) fn case(vectors: &str, name: &str) -> Value {
    let file: Value = serde_json::from_str(vectors).unwrap();
    file["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == name)
        .unwrap_or_else(|| panic!("no vector case {name}"))
        .clone()
}

/// A string member of a vector case.
pub(crate) fn text(case: &Value, name: &str) -> String {
    case[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name}"))
        .to_owned()
}

/// Helpers the naive implementations share: what a std service reaches for.
pub mod std_way {
    use base64ct::{Base64, Encoding};
    use std::fmt::Write;

    /// Lower or upper case hex through `format!` machinery.
    pub fn hex(bytes: &[u8], upper: bool) -> String {
        let mut s = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            if upper {
                write!(s, "{b:02X}").unwrap();
            } else {
                write!(s, "{b:02x}").unwrap();
            }
        }
        s
    }

    /// Base64 into a new `String`.
    pub fn base64(bytes: &[u8]) -> String {
        let mut out = vec![0u8; Base64::encoded_len(bytes)];
        Base64::encode(bytes, &mut out).unwrap().to_owned()
    }

    /// Base64 into a new `Vec`.
    pub fn unbase64(text: &str) -> Result<Vec<u8>, String> {
        let mut out = vec![0u8; text.len() / 4 * 3 + 3];
        let n = Base64::decode(text, &mut out)
            .map_err(|e| format!("base64: {e}"))?
            .len();
        out.truncate(n);
        Ok(out)
    }

    /// Hex text to bytes.
    pub fn unhex(text: &str) -> Result<Vec<u8>, String> {
        if !text.len().is_multiple_of(2) {
            return Err("odd hex".into());
        }
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|e| format!("hex: {e}")))
            .collect()
    }

    /// A decimal amount text (`"10.50"`, `10000`) in minor units of a currency with
    /// `decimals` digits after the point.
    pub fn minor_units(text: &str, decimals: u32) -> Result<u64, String> {
        let (int, frac) = text.split_once('.').unwrap_or((text, ""));
        if frac.len() > decimals as usize && frac[decimals as usize..].bytes().any(|b| b != b'0') {
            return Err(format!("{text} has more than {decimals} decimals"));
        }
        let mut frac = frac.to_owned();
        frac.truncate(decimals as usize);
        while frac.len() < decimals as usize {
            frac.push('0');
        }
        format!("{int}{frac}")
            .parse::<u64>()
            .map_err(|e| format!("amount {text}: {e}"))
    }

    /// RFC 3339 text of a Unix time in milliseconds at a UTC offset, as `chrono` would print
    /// it (`2024-03-05T18:06:05+08:00`, or with `.737` when `millis`).
    pub fn rfc3339(unix_ms: i64, offset_minutes: i32, millis: bool) -> String {
        let local_ms = unix_ms + i64::from(offset_minutes) * 60_000;
        let (days, ms_of_day) = (
            local_ms.div_euclid(86_400_000),
            local_ms.rem_euclid(86_400_000),
        );
        // Days to a civil date (Howard Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let secs = ms_of_day / 1000;
        let frac = if millis {
            format!(".{:03}", ms_of_day % 1000)
        } else {
            String::new()
        };
        let sign = if offset_minutes < 0 { '-' } else { '+' };
        let off = offset_minutes.abs();
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{frac}{sign}{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            off / 60,
            off % 60
        )
    }

    /// A JSON scalar's text as a signer concatenates it (strings unescaped, numbers as sent).
    pub fn scalar_text(v: &serde_json::Value) -> Option<String> {
        match v {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }
}

/// Nanoseconds per call of `f`, timed over `calls` calls in a row.
fn batch_ns(f: &mut dyn FnMut() -> u64, calls: u32) -> f64 {
    let start = std::time::Instant::now();
    for _ in 0..calls {
        std::hint::black_box(f());
    }
    start.elapsed().as_nanos() as f64 / f64::from(calls)
}

/// Medians of `path`'s codec, floor and naive ns per call, measured interleaved: a batch of
/// each in turn (about 200 µs, or one call when a call takes longer), `rounds` times.
///
/// Criterion measures one implementation for seconds, then the next: on a shared machine the
/// load changes in between, and a ratio of two medians moves by tens of percent from one run
/// to the next. Interleaved, the three see the same moments, so their ratios hold still.
pub fn interleaved_ns(path: &mut Path, rounds: usize) -> (f64, f64, f64) {
    let once = batch_ns(&mut path.codec, 1).max(1.0);
    let calls = (200_000.0 / once).clamp(1.0, 100_000.0) as u32;
    let mut times = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..rounds.max(1) {
        times[0].push(batch_ns(&mut path.codec, calls));
        times[1].push(batch_ns(&mut path.floor, calls));
        times[2].push(batch_ns(&mut path.naive, calls));
    }
    let [codec, floor, naive] = times.map(|mut v| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    });
    (codec, floor, naive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_agrees_three_ways() {
        for mut p in paths() {
            let codec = (p.codec)();
            let naive = (p.naive)();
            assert_eq!(codec, naive, "{}: codec and naive disagree", p.name);
            assert_ne!((p.floor)(), 0, "{}: floor did nothing", p.name);
            assert!(p.bytes > 0, "{}", p.name);
        }
    }

    #[test]
    fn naive_helpers() {
        assert_eq!(std_way::hex(&[0xab, 0x01], true), "AB01");
        assert_eq!(
            std_way::rfc3339(1_709_633_165_000, 480, false),
            "2024-03-05T18:06:05+08:00"
        );
        assert_eq!(
            std_way::rfc3339(1_709_622_083_737, 0, true),
            "2024-03-05T07:01:23.737+00:00"
        );
        assert_eq!(std_way::unhex("ab01").unwrap(), [0xab, 0x01]);
        assert_eq!(std_way::minor_units("10.50", 2).unwrap(), 1050);
        assert_eq!(std_way::minor_units("10000", 0).unwrap(), 10000);
        assert_eq!(std_way::minor_units("1.5", 3).unwrap(), 1500);
        assert!(std_way::minor_units("1.005", 2).is_err());
        assert_eq!(
            std_way::unbase64(&std_way::base64(b"hello?>")).unwrap(),
            b"hello?>"
        );
    }
}
