//! Parse and check arbitrary bytes; the property is that nothing panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mica::pipeline::check_bytes(data);
});
