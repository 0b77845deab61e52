//! The address as the form sends it (JSON), región and comuna codes included: never panics, and an accepted
//! address has its comuna inside the región given.
#![no_main]

use domain::{Address, AddressForm, FieldErrors, Region};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(form) = serde_json::from_slice::<AddressForm>(data) else { return };
    let mut errors = FieldErrors::new();
    if let Some(address) = Address::parse(&form, &mut errors) {
        assert!(errors.is_empty(), "an accepted address has no refused field");
        assert!(Region::parse(&form.region).is_ok_and(|region| address.comuna.region() == region));
    }
});
