//! Money without floats: minor units, an ISO 4217 currency, and exact decimal text both ways.

use crate::error::{Error, Result};

/// ISO 4217 alphabetic codes with their minor-unit exponent. Codes without a minor unit
/// (precious metals, SDR, test codes) are left out: no refund is denominated in them.
///
/// Source: the ISO 4217 list as published (Wikipedia's transcription, also the data of the
/// `iso_currency` crate, which the test suite compares this table against).
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BOV", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHE", 2),
    ("CHF", 2),
    ("CHW", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("COU", 2),
    ("CRC", 2),
    ("CUC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HRK", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MXV", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SLL", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("USN", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VED", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAD", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XCG", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
    ("ZWL", 2),
];

/// An ISO 4217 currency and its exponent (digits after the decimal point of its minor unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

impl Currency {
    /// Looks up an upper-case three-letter code (`"USD"`, `"JPY"`, `"KWD"` …).
    pub fn from_code(code: &str) -> Result<Self> {
        // Three bytes compared as one number (byte order kept: the table's order), not as
        // strings through a call per probe.
        let key = |c: &str| match *c.as_bytes() {
            [a, b, c] => Some(u32::from_be_bytes([0, a, b, c])),
            _ => None,
        };
        let wanted = key(code).ok_or(Error::UnknownCurrency)?;
        let i = CURRENCIES
            .binary_search_by(|(c, _)| key(c).cmp(&Some(wanted)))
            .map_err(|_| Error::UnknownCurrency)?;
        let (c, exponent) = CURRENCIES.get(i).copied().ok_or(Error::UnknownCurrency)?;
        let code: [u8; 3] = c
            .as_bytes()
            .try_into()
            .map_err(|_| Error::UnknownCurrency)?;
        Ok(Currency { code, exponent })
    }

    /// The alphabetic code.
    pub fn code(&self) -> &str {
        core::str::from_utf8(&self.code).unwrap_or_default()
    }

    /// Digits after the decimal point in the currency's minor unit (USD 2, JPY 0, KWD 3).
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    /// Every currency this crate knows, in code order.
    pub fn all() -> impl Iterator<Item = Currency> {
        CURRENCIES
            .iter()
            .filter_map(|(c, _)| Currency::from_code(c).ok())
    }
}

/// An amount: a whole number of minor units of a currency (USD 1050 is 10.50 dollars).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    /// Amount in the currency's minor unit.
    pub minor: u64,
    /// The currency.
    pub currency: Currency,
}

/// Room for any `u64` amount written as decimal text with up to 4 decimals.
pub const DECIMAL_TEXT_MAX: usize = 24;

impl Money {
    /// An amount of `minor` units of `currency`.
    pub fn new(minor: u64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    /// Writes the amount in major units with exactly `decimals` digits after the point
    /// (none and no point when `decimals` is 0): USD 1050 with 2 → `10.50`; IDR 10000 with 0
    /// → `10000` when IDR's exponent is 0 in the target protocol.
    ///
    /// Fails with [`Error::Amount`] when `decimals` is coarser than the amount needs
    /// (KWD 12345 fils cannot be written with 2 decimals).
    pub fn format_decimal<'b>(
        &self,
        decimals: u8,
        buf: &'b mut [u8; DECIMAL_TEXT_MAX],
    ) -> Result<&'b str> {
        let exp = self.currency.exponent;
        let scaled: u128 = if decimals >= exp {
            u128::from(self.minor)
                .checked_mul(pow10(decimals - exp)?)
                .ok_or(Error::Amount("too large"))?
        } else {
            let div = pow10(exp - decimals)?;
            if u128::from(self.minor) % div != 0 {
                return Err(Error::Amount(
                    "not expressible in the decimals the protocol allows",
                ));
            }
            u128::from(self.minor) / div
        };
        let mut digits = [0u8; 40];
        let mut n = 0;
        let mut v = scaled;
        loop {
            let slot = digits.get_mut(n).ok_or(Error::Amount("too large"))?;
            *slot = b'0' + (v % 10) as u8;
            n += 1;
            v /= 10;
            if v == 0 && n > usize::from(decimals) {
                break;
            }
        }
        let mut out = crate::io::Cursor::new(buf);
        for i in (0..n).rev() {
            if i + 1 == usize::from(decimals) && i + 1 != n {
                crate::io::Sink::write(&mut out, b".")?;
            }
            let d = digits.get(i).copied().unwrap_or(b'0');
            crate::io::Sink::write(&mut out, &[d]).map_err(|_| Error::Amount("too large"))?;
        }
        core::str::from_utf8(out.finish()).map_err(|_| Error::Amount("too large"))
    }

    /// Reads a JSON number in major units exactly (no floating point): `10.5` USD → 1050.
    /// Trailing zeros beyond the exponent are accepted (`10.500`); any non-zero digit finer
    /// than the currency's minor unit (`10.001` USD) is an error, never rounded.
    /// Negative amounts and exponents beyond ±40 are refused.
    pub fn parse_decimal(text: &str, currency: Currency) -> Result<Self> {
        let bytes = text.as_bytes();
        if bytes.first() == Some(&b'-') {
            return Err(Error::Amount("negative"));
        }
        let (mantissa, exp_part) = match text.find(['e', 'E']) {
            Some(i) => (text.get(..i).unwrap_or_default(), text.get(i + 1..)),
            None => (text, None),
        };
        let (int, frac) = match mantissa.split_once('.') {
            Some((i, f)) => (i, f),
            None => (mantissa, ""),
        };
        let valid_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty()
            || !valid_digits(int)
            || !valid_digits(frac)
            || (mantissa.contains('.') && frac.is_empty())
        {
            return Err(Error::Amount("not a decimal number"));
        }
        let exp10: i32 = match exp_part {
            None => 0,
            Some(e) => {
                // JSON's exponent: one optional sign, then digits (`1e+-2` is not a number).
                let (negative, digits) = match e.as_bytes().first() {
                    Some(b'-') => (true, e.get(1..).unwrap_or_default()),
                    Some(b'+') => (false, e.get(1..).unwrap_or_default()),
                    _ => (false, e),
                };
                if digits.is_empty() || !valid_digits(digits) {
                    return Err(Error::Amount("not a decimal number"));
                }
                // Leading zeros are allowed; more than three digits after them is out of range.
                let digits = digits.trim_start_matches('0');
                let digits = if digits.is_empty() { "0" } else { digits };
                if digits.len() > 3 {
                    return Err(Error::Amount("exponent out of range"));
                }
                let v: i32 = digits
                    .parse::<i32>()
                    .map(|v| if negative { -v } else { v })
                    .map_err(|_| Error::Amount("not a decimal number"))?;
                if !(-40..=40).contains(&v) {
                    return Err(Error::Amount("exponent out of range"));
                }
                v
            }
        };
        // value = digits × 10^(exp10 − frac.len()); minor = value × 10^exponent.
        let mut trailing_zeros_ok = 0i32;
        let digits = decimal_digits(int, frac)?;
        let frac_len = i32::try_from(frac.len()).map_err(|_| Error::Amount("too long"))?;
        let shift = i32::from(currency.exponent) + exp10 - frac_len;
        let minor: u128 = if digits == 0 {
            0
        } else if shift >= 0 {
            digits
                .checked_mul(pow10(
                    u8::try_from(shift).map_err(|_| Error::Amount("too large"))?,
                )?)
                .ok_or(Error::Amount("too large"))?
        } else {
            trailing_zeros_ok -= shift;
            let div =
                pow10(u8::try_from(trailing_zeros_ok).map_err(|_| Error::Amount("too precise"))?)
                    .map_err(|_| Error::Amount("finer than the currency's minor unit"))?;
            if digits % div != 0 {
                return Err(Error::Amount("finer than the currency's minor unit"));
            }
            digits / div
        };
        let minor = u64::try_from(minor).map_err(|_| Error::Amount("too large"))?;
        Ok(Money { minor, currency })
    }

    /// Reads a whole number of minor units written as plain decimal digits (`"51558"`).
    pub fn parse_minor(text: &str, currency: Currency) -> Result<Self> {
        Ok(Money {
            minor: parse_minor_units(text)?,
            currency,
        })
    }
}

/// The number `int` and `frac` (ASCII digits, already checked) spell together. Up to 19
/// digits always fit a `u64`, whose arithmetic is a few instructions (a `u128`'s is calls on
/// a 32-bit target); longer texts (`1.000…` with many zeros) are read as a `u128`.
fn decimal_digits(int: &str, frac: &str) -> Result<u128> {
    let all = int.bytes().chain(frac.bytes());
    if int.len() + frac.len() <= 19 {
        return Ok(u128::from(
            all.fold(0u64, |n, b| n * 10 + u64::from(b - b'0')),
        ));
    }
    let mut digits: u128 = 0;
    for b in all {
        digits = digits
            .checked_mul(10)
            .and_then(|d| d.checked_add(u128::from(b - b'0')))
            .ok_or(Error::Amount("too large"))?;
    }
    Ok(digits)
}

/// Parses plain ASCII digits (no sign, no point, no leading `+`) into a `u64`.
pub fn parse_minor_units(text: &str) -> Result<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Amount("not a whole number of minor units"));
    }
    // Digits only, so no sign to handle: read directly (`str::parse` costs several times as
    // much on the short amounts sent).
    text.bytes()
        .try_fold(0u64, |n, b| {
            n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        })
        .ok_or(Error::Amount("too large"))
}

/// Reads an amount in minor units that a gateway sends either as a string of digits
/// (`"51558"`, the documented form) or as a JSON integer (`51558`, seen in practice).
pub fn read_minor_units(value: &crate::json::Value<'_>, field: &'static str) -> Result<u64> {
    let text = match (value.as_str(), value.as_number()) {
        (Some(s), _) => s.as_str().ok_or(Error::InvalidField(field))?,
        (None, Some(n)) => n,
        (None, None) => return Err(Error::InvalidField(field)),
    };
    parse_minor_units(text).map_err(|_| Error::InvalidField(field))
}

/// Deserializes an amount in minor units from a string of digits (`"51558"`, as on the wire)
/// or a JSON integer (`51558`), for `#[serde(deserialize_with)]` on request types.
#[cfg(feature = "serde")]
pub fn deserialize_minor_units<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> core::result::Result<u64, D::Error> {
    struct MinorUnits;
    impl serde::de::Visitor<'_> for MinorUnits {
        type Value = u64;

        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("a whole number of minor units, as a string of digits or an integer")
        }

        fn visit_u64<E: serde::de::Error>(self, v: u64) -> core::result::Result<u64, E> {
            Ok(v)
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> core::result::Result<u64, E> {
            parse_minor_units(v).map_err(|_| E::invalid_value(serde::de::Unexpected::Str(v), &self))
        }
    }
    deserializer.deserialize_any(MinorUnits)
}

/// Decimal text of an amount in major units (`"10.50"`), read from a string or from a
/// number's exact text, for request types whose amount is read with [`Money::parse_decimal`]
/// once its currency is known.
#[cfg(feature = "serde")]
pub type DecimalText = heapless::String<DECIMAL_TEXT_MAX>;

/// Deserializes [`DecimalText`] from a string, an integer, or a deserializer that hands a
/// number's exact text over as a string (never from a float: its text is not what was sent).
#[cfg(feature = "serde")]
pub fn deserialize_decimal_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> core::result::Result<DecimalText, D::Error> {
    struct Text;
    impl serde::de::Visitor<'_> for Text {
        type Value = DecimalText;

        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("an amount in major units, as a string (\"10.50\") or an exact number")
        }

        fn visit_u64<E: serde::de::Error>(self, v: u64) -> core::result::Result<DecimalText, E> {
            let mut digits = [0u8; 20];
            self.visit_str(crate::encoding::format_u64(v, &mut digits))
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> core::result::Result<DecimalText, E> {
            DecimalText::try_from(v).map_err(|_| E::invalid_length(v.len(), &self))
        }
    }
    deserializer.deserialize_any(Text)
}

fn pow10(n: u8) -> Result<u128> {
    10u128
        .checked_pow(u32::from(n))
        .ok_or(Error::Amount("too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(c: &str) -> Currency {
        Currency::from_code(c).unwrap()
    }

    #[test]
    fn knows_exponents() {
        assert_eq!(cur("USD").exponent(), 2);
        assert_eq!(cur("JPY").exponent(), 0);
        assert_eq!(cur("KWD").exponent(), 3);
        assert_eq!(cur("CLF").exponent(), 4);
        assert_eq!(cur("LAK").exponent(), 2);
        assert_eq!(Currency::from_code("usd"), Err(Error::UnknownCurrency));
        assert_eq!(Currency::from_code("XAU"), Err(Error::UnknownCurrency));
        // The table's ends, and codes that are not three bytes.
        assert_eq!(cur("AED").code(), "AED");
        assert_eq!(cur("ZWL").code(), "ZWL");
        for code in ["", "US", "USDX", "U\u{e9}", "AAA", "ZZZ"] {
            assert_eq!(
                Currency::from_code(code),
                Err(Error::UnknownCurrency),
                "{code}"
            );
        }
        assert!(
            CURRENCIES.windows(2).all(|w| w[0].0 < w[1].0),
            "table must stay sorted"
        );
    }

    #[test]
    fn formats_exact_decimals() {
        let mut b = [0u8; DECIMAL_TEXT_MAX];
        assert_eq!(
            Money::new(1050, cur("USD"))
                .format_decimal(2, &mut b)
                .unwrap(),
            "10.50"
        );
        assert_eq!(
            Money::new(5, cur("USD")).format_decimal(2, &mut b).unwrap(),
            "0.05"
        );
        assert_eq!(
            Money::new(0, cur("USD")).format_decimal(2, &mut b).unwrap(),
            "0.00"
        );
        assert_eq!(
            Money::new(1000000, cur("IDR"))
                .format_decimal(0, &mut b)
                .unwrap(),
            "10000"
        );
        assert_eq!(
            Money::new(12340, cur("KWD"))
                .format_decimal(2, &mut b)
                .unwrap(),
            "12.34"
        );
        assert!(
            Money::new(12345, cur("KWD"))
                .format_decimal(2, &mut b)
                .is_err()
        );
        assert_eq!(
            Money::new(7, cur("JPY")).format_decimal(2, &mut b).unwrap(),
            "7.00"
        );
        assert_eq!(
            Money::new(u64::MAX, cur("CLF"))
                .format_decimal(4, &mut b)
                .unwrap(),
            "1844674407370955.1615"
        );
    }

    #[test]
    fn parses_exact_decimals() {
        let p = |t: &str, c: &str| Money::parse_decimal(t, cur(c)).map(|m| m.minor);
        assert_eq!(p("10.5", "USD"), Ok(1050));
        assert_eq!(p("10.500", "USD"), Ok(1050));
        assert_eq!(p("10000", "IDR"), Ok(1000000));
        assert_eq!(p("12.345", "KWD"), Ok(12345));
        assert_eq!(p("1.05e1", "USD"), Ok(1050));
        assert_eq!(p("0", "USD"), Ok(0));
        assert!(p("10.001", "USD").is_err());
        assert!(p("-1", "USD").is_err());
        assert!(p("1e41", "USD").is_err());
        assert_eq!(p("105e-1", "USD"), Ok(1050));
        assert_eq!(p("1.05E+1", "USD"), Ok(1050));
        assert_eq!(p("1.05e0001", "USD"), Ok(1050));
        for bad in [
            "1e+-2", "1e-+2", "1e", "1e+", "1e--2", "1e 2", "1e-", "1e99999",
        ] {
            assert!(p(bad, "USD").is_err(), "{bad}");
        }
        assert!(p("1.", "USD").is_err());
        assert!(p("abc", "USD").is_err());
        assert!(p("99999999999999999999999", "USD").is_err());
        // Either side of 19 digits (a u64's reading and a u128's).
        assert_eq!(
            p("9999999999999999999", "JPY"),
            Ok(9_999_999_999_999_999_999)
        );
        assert_eq!(
            p("10000000000000000000", "JPY"),
            Ok(10_000_000_000_000_000_000)
        );
        assert_eq!(p("184467440737095516.15", "USD"), Ok(u64::MAX));
        assert_eq!(
            p("184467440737095516.16", "USD"),
            Err(Error::Amount("too large"))
        );
        assert_eq!(p("1.0000000000000000000000000", "USD"), Ok(100));
        assert!(p("0.0000000000000000000000100", "KWD").is_err());
        assert_eq!(parse_minor_units("51558"), Ok(51558));
        assert_eq!(parse_minor_units("0"), Ok(0));
        assert_eq!(parse_minor_units("007"), Ok(7));
        assert_eq!(parse_minor_units("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            parse_minor_units("18446744073709551616"),
            Err(Error::Amount("too large"))
        );
        assert!(parse_minor_units("1.5").is_err());
        assert!(parse_minor_units("-1").is_err());
        assert!(parse_minor_units("+1").is_err());
        assert!(parse_minor_units("").is_err());
    }
}
