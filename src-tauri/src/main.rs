//! Desktop entry point; phones enter through `run()` (mobile_entry_point).

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    clave_sence_app::run();
}
