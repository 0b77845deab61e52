//! The shell's configuration, from the environment (set by the installer, the kiosk's session or
//! `cargo xtask run`): where the backend is, and whether this is a SENCE office kiosk.

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShellConfig {
    /// `CLAVE_BACKEND_URL`: the API's base URL (default the local backend of `cargo xtask run`).
    pub backend: String,
    /// `CLAVE_PUBLIC_URL`: the address citizens open on their phones (kiosk QR code); default `backend`.
    pub public_url: String,
    /// `CLAVE_KIOSK=1`: fullscreen without decorations, no keyring, inactivity wipe.
    pub kiosk: bool,
    /// `CLAVE_KIOSK_TIMEOUT_SECONDS` (default 120): idle time before everything is wiped.
    pub timeout: u32,
    /// `CLAVE_KIOSK_WARNING_SECONDS` (default 20): how long the "¿Sigue ahí?" warning shows first.
    pub warning: u32,
    /// `CLAVE_GPU_COMPOSITING=1`: keeps WebKitGTK's GPU compositing, which the shell turns off (it costs ~90 MiB).
    #[serde(skip)]
    pub gpu_compositing: bool,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl ShellConfig {
    pub fn from_env() -> Self {
        let backend =
            var("CLAVE_BACKEND_URL").unwrap_or_else(|| "http://127.0.0.1:8080".into()).trim_end_matches('/').to_owned();
        let number = |name: &str, default: u32| var(name).and_then(|v| v.parse().ok()).unwrap_or(default);
        let flag = |name: &str| matches!(var(name).as_deref(), Some("1" | "true" | "yes"));
        ShellConfig {
            public_url: var("CLAVE_PUBLIC_URL").unwrap_or_else(|| backend.clone()).trim_end_matches('/').to_owned(),
            backend,
            kiosk: flag("CLAVE_KIOSK"),
            timeout: number("CLAVE_KIOSK_TIMEOUT_SECONDS", 120).max(10),
            warning: number("CLAVE_KIOSK_WARNING_SECONDS", 20),
            gpu_compositing: flag("CLAVE_GPU_COMPOSITING"),
        }
    }

    /// Runs in the page before the UI: tells it where the API is and how the shell is set up.
    pub fn init_script(&self) -> String {
        let backend = serde_json::to_string(&self.backend).unwrap_or_else(|_| "\"\"".into());
        let shell = serde_json::to_string(self).unwrap_or_else(|_| "{}".into());
        format!("window.CLAVE_API_BASE = {backend}; window.CLAVE_SHELL = {shell};")
    }
}
