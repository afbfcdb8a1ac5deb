//! The JSON scanner never panics, and what it accepts reads back consistently.
#![no_main]

use libfuzzer_sys::fuzz_target;
use refundwire::canonical::{NumberForm, sorted_values};
use refundwire::io::Counter;
use refundwire::json::Object;

fuzz_target!(|data: &[u8]| {
    let Ok(obj) = Object::parse(data) else { return };
    let mut n = 0;
    for member in obj.members() {
        let member = member.expect("a validated object iterates without error");
        let _ = member.value.as_object();
        let _ = member.name.unescaped_len();
        n += 1;
    }
    assert_eq!(n, obj.len());
    let _ = sorted_values(&obj, NumberForm::JavaDouble, &mut Counter::default());
});
