//! Every JSON body of the API, as the server reads it: the first byte picks the body, the rest is the JSON.
//! Deserialising and parsing never panic, and a body either parses or names each refused field.
#![no_main]

use domain::Rut;
use domain::api::{
    CaptchaStep, Credentials, NewClaveForm, RecoveryAnswer, RecoveryContact, RecoverySerial, RecoveryStart,
    RegisterForm, SecurityForm, UpdateForm,
};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

fn read<T: DeserializeOwned>(json: &[u8]) -> Option<T> {
    serde_json::from_slice(json).ok()
}

fn refused_fields<T>(result: Result<T, domain::FieldErrors>) {
    if let Err(fields) = result {
        assert!(!fields.is_empty(), "a refusal names its fields");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((which, json)) = data.split_first() else { return };
    match which % 10 {
        0 => read::<RegisterForm>(json).map(|f| refused_fields(f.parse())),
        1 => read::<RecoveryStart>(json).map(|f| {
            let _ = Rut::parse(&f.rut);
        }),
        2 => read::<RecoveryAnswer>(json).map(|f| {
            let _ = domain::SecretAnswer::parse(&f.answer);
        }),
        3 => read::<RecoverySerial>(json).map(|f| refused_fields(f.parse())),
        4 => read::<RecoveryContact>(json).map(|f| refused_fields(f.parse())),
        5 => read::<CaptchaStep>(json).map(|_| ()),
        6 => read::<Credentials>(json).map(|f| refused_fields(f.parse())),
        7 => read::<NewClaveForm>(json).map(|f| {
            let rut = Rut::from_body(12_345_678).expect("a RUT");
            refused_fields(f.parse(rut));
        }),
        8 => read::<SecurityForm>(json).map(|f| refused_fields(f.parse())),
        _ => read::<UpdateForm>(json).map(|f| refused_fields(f.parse())),
    };
});
