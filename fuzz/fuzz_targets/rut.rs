//! `Rut::parse` (RUT and NIE, every form the guide allows): never panics, and what it accepts reads back the
//! same from its displayed and canonical forms.
#![no_main]

use domain::Rut;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    if let Ok(rut) = Rut::parse(raw) {
        assert!(Rut::parse(&rut.to_string()) == Ok(rut), "display form reads back");
        assert!(Rut::parse(&rut.canonical()) == Ok(rut), "canonical form reads back");
        let _ = rut.masked();
    }
});
