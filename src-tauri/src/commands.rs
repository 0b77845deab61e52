//! The commands the UI calls when it runs inside the shell. The keyring holds one entry, the RUT
//! (service `cl.sence.clavesence`, user `rut`): nothing else is ever stored on the device. A kiosk never
//! touches the keyring, since many citizens share it.

use domain::Rut;
use tauri::{AppHandle, State};

use crate::config::ShellConfig;
use crate::notify::{self, Notifier};
use crate::qr;

const SERVICE: &str = "cl.sence.clavesence";
const USER: &str = "rut";

fn entry() -> Result<keyring::Entry, String> {
    keyring::Entry::new(SERVICE, USER).map_err(|e| e.to_string())
}

/// "Recordar mi RUT": stores the RUT (checked, canonical form) in the OS keyring.
#[tauri::command]
pub fn remember_rut(config: State<'_, ShellConfig>, rut: String) -> Result<(), String> {
    if config.kiosk {
        return Err("kiosk".into());
    }
    let rut = Rut::parse(&rut).map_err(|code| code.as_str().to_owned())?;
    entry()?.set_password(&rut.canonical()).map_err(|e| e.to_string())
}

/// The remembered RUT as displayed (`12.345.678-5`), if any.
#[tauri::command]
pub fn remembered_rut(config: State<'_, ShellConfig>) -> Result<Option<String>, String> {
    if config.kiosk {
        return Ok(None);
    }
    match entry()?.get_password() {
        Ok(stored) => Ok(Rut::parse(&stored).ok().map(|rut| rut.to_string())),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(error) => Err(error.to_string()),
    }
}

/// Forgets the RUT.
#[tauri::command]
pub fn forget_rut(config: State<'_, ShellConfig>) -> Result<(), String> {
    if config.kiosk {
        return Ok(());
    }
    match entry()?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(error) => Err(error.to_string()),
    }
}

/// A system notification for `kind` (`provisional_sent`, `cs_changed`, `data_updated`).
#[tauri::command]
pub fn notify(app: AppHandle, notifier: State<'_, Notifier>, kind: String) -> Result<(), String> {
    let (title, body) = notify::text(&kind).ok_or_else(|| format!("unknown notification {kind}"))?;
    notifier.send(&app, &kind, title, body)
}

/// The kiosk's QR code for continuing the flow at `path` on a phone.
#[tauri::command]
pub fn handoff_qr(config: State<'_, ShellConfig>, path: String) -> Result<String, String> {
    let url = qr::handoff_url(&config.public_url, &path).ok_or("unknown path")?;
    qr::png_data_url(&url)
}
