//! System notifications ("your provisional CS was sent"). The texts are fixed here and never carry personal
//! data. `CLAVE_NOTIFY_LOG=<file>` replaces the system call by a line appended to that file: the test double
//! the end-to-end tests read.

use std::io::Write;
use std::path::PathBuf;

use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;

pub enum Notifier {
    System,
    Log(PathBuf),
}

impl Notifier {
    pub fn from_env() -> Self {
        match std::env::var_os("CLAVE_NOTIFY_LOG") {
            Some(path) => Notifier::Log(PathBuf::from(path)),
            None => Notifier::System,
        }
    }

    pub fn send(&self, app: &AppHandle, kind: &str, title: &str, body: &str) -> Result<(), String> {
        match self {
            Notifier::System => app.notification().builder().title(title).body(body).show().map_err(|e| e.to_string()),
            Notifier::Log(path) => {
                let line = serde_json::json!({ "kind": kind, "title": title, "body": body });
                let mut file =
                    std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(|e| e.to_string())?;
                writeln!(file, "{line}").map_err(|e| e.to_string())
            }
        }
    }
}

/// The notification for each event the UI may report.
pub fn text(kind: &str) -> Option<(&'static str, &'static str)> {
    match kind {
        "provisional_sent" => Some((
            "Clave Sence provisoria enviada",
            "Revise su celular y su e-mail en los próximos 10 minutos. La clave provisoria sólo sirve para cambiar su Clave Sence.",
        )),
        "cs_changed" => Some((
            "Clave Sence cambiada",
            "Su nueva Clave Sence quedó registrada. Le enviamos un aviso a sus datos de contacto.",
        )),
        "data_updated" => {
            Some(("Datos actualizados", "Sus datos quedaron actualizados. Le enviamos un aviso a su e-mail."))
        }
        _ => None,
    }
}
