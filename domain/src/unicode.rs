//! Unicode normalisation (NFC for Claves Sence, NFD to strip accents from secret answers).
//!
//! Natively it is the `unicode-normalization` crate. In the browser the page already carries Unicode's tables
//! (`String.prototype.normalize`), so the wasm UI asks the page instead of downloading the tables again (60 KB
//! of the compressed wasm); both follow the Unicode standard, and the server parses everything again anyway.

/// Characters that show nothing: format characters (zero-width space and joiners, directional marks and
/// isolates, the byte-order mark, the soft hyphen, invisible operators, tags), variation selectors and the
/// Hangul fillers. A Clave Sence made of them would be invisible to the citizen who typed it, so they count
/// for nothing in its length. (Written out rather than taken from a Unicode table crate: the browser's wasm
/// carries no table for one check.)
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

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
