fn main() {
    tauri::Builder::default()
        .setup(|app| {
            // HELLO_WITHOUT_GPU=1: the app's WebKit setting (painting without GPU compositing), so the benchmark
            // also compares the two with it.
            #[cfg(target_os = "linux")]
            if std::env::var_os("HELLO_WITHOUT_GPU").is_some() {
                use tauri::Manager;
                if let Some(window) = app.get_webview_window("main") {
                    window.with_webview(|webview| {
                        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
                        if let Some(settings) = webview.inner().settings() {
                            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
                        }
                    })?;
                }
            }
            #[cfg(not(target_os = "linux"))]
            let _ = app;
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running tauri application");
}
