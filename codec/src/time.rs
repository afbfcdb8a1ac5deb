//! RFC 3339 timestamps from values the caller supplies (core has no clock).

use crate::error::{Error, Result};
use crate::io::Sink;

/// An instant (milliseconds since the Unix epoch) together with the UTC offset it is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    unix_ms: i64,
    offset_minutes: i16,
}

/// A timestamp's RFC 3339 text, from [`Timestamp::rfc3339`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rfc3339 {
    text: [u8; 29],
    len: usize,
}

impl Rfc3339 {
    /// The text's bytes (ASCII).
    pub fn as_bytes(&self) -> &[u8] {
        self.text.get(..self.len).unwrap_or(&self.text)
    }
}

/// Latest supported instant: 9999-12-31T23:59:59.999Z.
const MAX_MS: i64 = 253_402_300_799_999;

impl Timestamp {
    /// An instant shown at UTC offset `offset_minutes` (−23:59 to +23:59). Years 1970 to 9999.
    pub fn new(unix_ms: i64, offset_minutes: i16) -> Result<Self> {
        if !(0..=MAX_MS).contains(&unix_ms) || offset_minutes.unsigned_abs() >= 24 * 60 {
            return Err(Error::Time);
        }
        let t = Timestamp {
            unix_ms,
            offset_minutes,
        };
        // The local calendar date must stay within four-digit years too.
        if t.local_ms() > MAX_MS {
            return Err(Error::Time);
        }
        Ok(t)
    }

    /// An instant shown in UTC.
    pub fn utc(unix_ms: i64) -> Result<Self> {
        Self::new(unix_ms, 0)
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_ms(&self) -> i64 {
        self.unix_ms
    }

    /// The UTC offset in minutes.
    pub fn offset_minutes(&self) -> i16 {
        self.offset_minutes
    }

    fn local_ms(&self) -> i64 {
        self.unix_ms + i64::from(self.offset_minutes) * 60_000
    }

    /// Writes `YYYY-MM-DDTHH:MM:SS[.mmm]±HH:MM` (UTC is written `+00:00`, never `Z`), in one
    /// call so a short sink never receives half a timestamp.
    pub fn write_rfc3339<S: Sink + ?Sized>(&self, millis: bool, sink: &mut S) -> Result<()> {
        sink.write(self.rfc3339(millis).as_bytes())
    }

    /// The text [`write_rfc3339`](Self::write_rfc3339) writes, held by value: for a writer
    /// that takes it as one piece among others.
    ///
    /// ```
    /// use refundwire::time::Timestamp;
    /// let t = Timestamp::new(1_709_633_165_123, 480).unwrap();
    /// assert_eq!(t.rfc3339(false).as_bytes(), b"2024-03-05T18:06:05+08:00");
    /// assert_eq!(t.rfc3339(true).as_bytes(), b"2024-03-05T18:06:05.123+08:00");
    /// ```
    pub fn rfc3339(&self, millis: bool) -> Rfc3339 {
        let local = self.local_ms();
        let days = local.div_euclid(86_400_000);
        let ms_of_day = local.rem_euclid(86_400_000);
        let (y, m, d) = civil_from_days(days);
        let secs = ms_of_day / 1000;
        let off = i64::from(self.offset_minutes.unsigned_abs());
        let sign = if self.offset_minutes < 0 { b'-' } else { b'+' };
        let mut text = *b"0000-00-00T00:00:00.000+00:00";
        put_digits(&mut text[0..4], y);
        put_digits(&mut text[5..7], m);
        put_digits(&mut text[8..10], d);
        put_digits(&mut text[11..13], secs / 3600);
        put_digits(&mut text[14..16], secs / 60 % 60);
        put_digits(&mut text[17..19], secs % 60);
        let mut zone = [sign, b'0', b'0', b':', b'0', b'0'];
        put_digits(&mut zone[1..3], off / 60);
        put_digits(&mut zone[4..6], off % 60);
        let len = if millis {
            put_digits(&mut text[20..23], ms_of_day % 1000);
            text[23..29].copy_from_slice(&zone);
            29
        } else {
            text[19..25].copy_from_slice(&zone);
            25
        };
        Rfc3339 { text, len }
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; a fraction finer than milliseconds
    /// is refused rather than truncated.
    pub fn parse_rfc3339(text: &str) -> Result<Self> {
        let b = text.as_bytes();
        let num = |from: usize, len: usize| -> Result<i64> {
            let s = b.get(from..from + len).ok_or(Error::Time)?;
            s.iter().try_fold(0i64, |acc, &c| {
                c.is_ascii_digit()
                    .then(|| acc * 10 + i64::from(c - b'0'))
                    .ok_or(Error::Time)
            })
        };
        let at = |i: usize, c: u8| b.get(i) == Some(&c);
        if !(at(4, b'-')
            && at(7, b'-')
            && (at(10, b'T') || at(10, b't'))
            && at(13, b':')
            && at(16, b':'))
        {
            return Err(Error::Time);
        }
        let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
        let (h, mi, s) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
        if !(1..=12).contains(&mo)
            || d < 1
            || d > days_in_month(y, mo)
            || h > 23
            || mi > 59
            || s > 59
        {
            return Err(Error::Time);
        }
        let mut i = 19;
        let mut ms = 0;
        if at(i, b'.') {
            let start = i + 1;
            i = start;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            let len = i - start;
            if len == 0 || len > 3 {
                return Err(Error::Time);
            }
            ms = num(start, len)? * 10i64.pow(3 - len as u32);
        }
        let offset = match b.get(i) {
            Some(b'Z' | b'z') if i + 1 == b.len() => 0,
            Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && at(i + 3, b':') => {
                let (oh, om) = (num(i + 1, 2)?, num(i + 4, 2)?);
                if oh > 23 || om > 59 {
                    return Err(Error::Time);
                }
                let v = oh * 60 + om;
                if sign == b'-' { -v } else { v }
            }
            _ => return Err(Error::Time),
        };
        let local = days_from_civil(y, mo, d) * 86_400_000 + ((h * 60 + mi) * 60 + s) * 1000 + ms;
        let offset = i16::try_from(offset).map_err(|_| Error::Time)?;
        Self::new(local - i64::from(offset) * 60_000, offset)
    }
}

/// Fills `out` with the lowest decimal digits of `v` (non-negative), zero-padded.
fn put_digits(out: &mut [u8], mut v: i64) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the classic era-based algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::Cursor;

    fn show(t: Timestamp, millis: bool) -> heapless::String<40> {
        let mut buf = [0u8; 40];
        let mut c = Cursor::new(&mut buf);
        t.write_rfc3339(millis, &mut c).unwrap();
        heapless::String::try_from(core::str::from_utf8(c.finish()).unwrap()).unwrap()
    }

    #[test]
    fn formats_known_instants() {
        // 1709622443737 ms = 2024-03-05T07:07:23.737Z (checked with `date -u -d @1709622443.737`).
        let t = Timestamp::utc(1_709_622_443_737).unwrap();
        assert_eq!(show(t, true), "2024-03-05T07:07:23.737+00:00");
        let t = Timestamp::new(1_709_633_165_000, 480).unwrap();
        assert_eq!(show(t, false), "2024-03-05T18:06:05+08:00");
        let t = Timestamp::new(0, -330).unwrap();
        assert_eq!(show(t, false), "1969-12-31T18:30:00-05:30");
        assert_eq!(
            show(Timestamp::utc(951_782_400_000).unwrap(), false),
            "2000-02-29T00:00:00+00:00"
        );
    }

    #[test]
    fn parses_and_echoes() {
        for text in [
            "2024-03-05T07:01:23.737+00:00",
            "2024-03-05T18:06:05+08:00",
            "2016-12-31T23:59:59-09:30",
            // Every field at the top (or bottom) of its range.
            "2024-12-01T00:00:00+23:59",
            "2024-01-31T23:59:59-00:59",
        ] {
            let t = Timestamp::parse_rfc3339(text).unwrap();
            assert_eq!(show(t, text.contains('.')), text);
        }
        assert_eq!(
            Timestamp::parse_rfc3339("2024-03-05T07:01:23.7Z")
                .unwrap()
                .unix_ms()
                % 1000,
            700
        );
        for bad in [
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-03-05 07:01:23Z",
            "2024-03-05T07:01:23.1234Z",
            "2024-03-05T07:01:23+0800",
            "2024-03-05T24:00:00Z",
            "2024-03-05T07:01:23",
            // Each field one past its range, and text after the offset.
            "2024-00-05T07:01:23Z",
            "2024-13-05T07:01:23Z",
            "2024-03-00T07:01:23Z",
            "2024-03-05T07:60:23Z",
            "2024-03-05T07:01:60Z",
            "2024-03-05T07:01:23+08:60",
            "2024-03-05T07:01:23Zx",
            "2024-03-05T07:01:23+08:00x",
            "2024-03-05T07:01:23+08-00",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(bad), Err(Error::Time), "{bad}");
        }
    }
}
