//! Compiles the Spanish texts (`locales/es/`, read by rust-i18n's own loader) into a sorted table the UI
//! searches (`language::Texts`). rust-i18n's `i18n!` would build a hash map at start-up from code that fills
//! it pair by pair, ~16 KB of wasm.

// A build script reports a problem by panicking with its message.
#![allow(clippy::expect_used)]

use std::fmt::Write;

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("locales").join("es");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut all = rust_i18n_support::load_locales(&dir.to_string_lossy(), |_| false);
    let texts = all.remove("es").expect("Spanish texts in locales/es/");
    let mut pairs: Vec<_> = texts.into_iter().collect();
    pairs.sort();
    let mut out = String::from("&[\n");
    for (key, value) in pairs {
        writeln!(out, "    ({key:?}, {value:?}),").expect("writing to a String");
    }
    out.push(']');
    let path = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("es.rs");
    std::fs::write(path, out).expect("writing es.rs");
}
