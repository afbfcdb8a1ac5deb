//! The codec's ISO 4217 table against the `iso_currency` crate's transcription of the standard.

use iso_currency::{Currency as Iso, IntoEnumIterator};
use refundwire::money::Currency;

#[test]
fn every_code_and_exponent_matches_the_standard_list() {
    let mut checked = 0;
    for iso in Iso::iter() {
        match iso.exponent() {
            Some(exp) => {
                let ours = Currency::from_code(iso.code())
                    .unwrap_or_else(|_| panic!("{} missing", iso.code()));
                assert_eq!(u32::from(ours.exponent()), u32::from(exp), "{}", iso.code());
                checked += 1;
            }
            // Metals, SDR and test codes have no minor unit: no refund is made in them.
            None => assert!(Currency::from_code(iso.code()).is_err(), "{}", iso.code()),
        }
    }
    assert_eq!(Currency::all().count(), checked);
    assert!(checked > 150);
}
