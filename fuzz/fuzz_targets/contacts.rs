//! E-mail, mobile (`+56 9` and 8 digits) and phones: never panic; an accepted e-mail reads back the same.
#![no_main]

use domain::{Email, Mobile, Phone};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    if let Ok(email) = Email::parse(raw) {
        assert!(Email::parse(email.as_ref()).as_ref() == Ok(&email), "an accepted e-mail reads back");
        let _ = email.masked();
    }
    if let Ok(mobile) = Mobile::parse(raw) {
        let _ = (mobile.e164(), mobile.masked(), mobile.to_string());
    }
    if let Ok(phone) = Phone::parse(raw) {
        let _ = phone.to_string();
    }
});
