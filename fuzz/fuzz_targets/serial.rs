//! The ID card serial number ("Número de serie cédula de identidad"): never panics; what it accepts reads back.
#![no_main]

use domain::SerialNumber;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    if let Ok(serial) = SerialNumber::parse(raw) {
        assert!(SerialNumber::parse(serial.as_ref()).as_ref() == Ok(&serial), "an accepted serial reads back");
    }
});
