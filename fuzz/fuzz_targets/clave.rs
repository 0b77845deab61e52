//! The Clave Sence as chosen (`ClaveSence::parse`, `parse_pair`) and as presented at login
//! (`PresentedClave::parse`): never panic on any text, whatever the RUT it is checked against.
#![no_main]

use domain::clave::PresentedClave;
use domain::{ClaveSence, Rut};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u32, &str, &str)| {
    let (body, cs, repeat) = input;
    let _ = PresentedClave::parse(cs);
    if let Some(rut) = Rut::from_body(body % 100_000_000) {
        let chosen = ClaveSence::parse(cs, rut);
        let pair = ClaveSence::parse_pair(cs, repeat, rut);
        if cs == repeat {
            assert!(chosen.is_ok() == pair.is_ok(), "the same CS twice is judged as once");
        }
    }
});
