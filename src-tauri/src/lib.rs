//! The Clave Sence app: a Tauri 2 shell around the wasm UI (`ui/dist`, embedded at build time). It adds what a
//! browser cannot: the citizen's RUT remembered in the OS keyring (and nothing else on the device), a system
//! notification when a provisional CS or a notice was sent, and a kiosk mode for SENCE offices.

mod commands;
mod config;
mod notify;
mod qr;

use tauri::{WebviewUrl, WebviewWindowBuilder};

pub use config::ShellConfig;

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let config = ShellConfig::from_env();
    let notifier = notify::Notifier::from_env();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .manage(config.clone())
        .manage(notifier)
        .invoke_handler(tauri::generate_handler![
            commands::remember_rut,
            commands::remembered_rut,
            commands::forget_rut,
            commands::notify,
            commands::handoff_qr,
        ])
        .setup(move |app| {
            let mut window = WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
                .title("Clave Sence")
                .inner_size(1100.0, 820.0)
                .min_inner_size(360.0, 560.0)
                .initialization_script(config.init_script());
            if config.kiosk {
                window = window.fullscreen(true).decorations(false).resizable(false);
            }
            let window = window.build()?;
            if !config.gpu_compositing
                && let Err(error) = paint_without_gpu(&window)
            {
                // Only memory is at stake: the app works either way.
                eprintln!("Clave Sence keeps GPU compositing: {error}");
            }
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("Clave Sence could not start: {error}");
        std::process::exit(1);
    }
}

/// WebKitGTK paints the page on the CPU, without compositing layers (unless `CLAVE_GPU_COMPOSITING=1`). Every
/// screen is a still form, and compositing costs ~90 MiB after one registration: the page's tiles as GL
/// textures and the painting threads' caches, which under software GL (a kiosk without a GPU) live in the web
/// process's own memory. `cargo xtask bench` measures it.
fn paint_without_gpu(window: &tauri::WebviewWindow) -> tauri::Result<()> {
    #[cfg(target_os = "linux")]
    window.with_webview(|webview| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        if let Some(settings) = webview.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    })?;
    #[cfg(not(target_os = "linux"))]
    let _ = window;
    Ok(())
}
