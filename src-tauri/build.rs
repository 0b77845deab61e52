//! Tauri reads `tauri.conf.json` from this crate's folder: it is a symbolic link to the one at the repository
//! root (the single source of truth), so paths inside it are relative to `src-tauri/`.

fn main() {
    tauri_build::build();
}
