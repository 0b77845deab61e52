//! The secret question's code and the secret answer: never panic on any text.
#![no_main]

use domain::{SecretAnswer, SecretQuestion};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    if let Ok(question) = SecretQuestion::parse(raw) {
        assert!(SecretQuestion::parse(question.code()) == Ok(question), "a question's code reads back");
    }
    let _ = SecretAnswer::parse(raw);
});
