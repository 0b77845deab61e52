//! Unicode normalisation (NFC for Claves Sence, NFD to strip accents from secret answers).
//!
//! Natively it is the `unicode-normalization` crate. In the browser the page already carries Unicode's tables
//! (`String.prototype.normalize`), so the wasm UI asks the page instead of downloading the tables again (60 KB
//! of the compressed wasm); both follow the Unicode standard, and the server parses everything again anyway.

/// The NFC form of `raw`.
pub fn nfc(raw: &str) -> String {
    normalize(raw, Form::Nfc)
}

/// The NFD form of `raw`.
pub fn nfd(raw: &str) -> String {
    normalize(raw, Form::Nfd)
}

#[derive(Clone, Copy)]
enum Form {
    Nfc,
    Nfd,
}

#[cfg(not(target_arch = "wasm32"))]
fn normalize(raw: &str, form: Form) -> String {
    use unicode_normalization::UnicodeNormalization;
    match form {
        Form::Nfc => raw.nfc().collect(),
        Form::Nfd => raw.nfd().collect(),
    }
}

#[cfg(target_arch = "wasm32")]
fn normalize(raw: &str, form: Form) -> String {
    let name = match form {
        Form::Nfc => "NFC",
        Form::Nfd => "NFD",
    };
    // `normalize` throws only for an unknown form name, and both names here are standard.
    String::from(js_sys::JsString::from(raw).normalize(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composes_and_decomposes() {
        assert_eq!(nfc("N\u{0303}andu\u{0301}"), "Ñandú");
        assert_eq!(nfd("Ñ"), "N\u{0303}");
    }
}
