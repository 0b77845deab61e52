//! The real desktop window (Tauri + WebKitGTK) under Xvfb, driven through tauri-driver and WebKitWebDriver:
//! register, recover with the provisional CS from the dev sink, change it; the keyring then holds the RUT
//! and nothing else, and the app's folders no personal data. Kiosk mode: an idle half-filled form is wiped,
//! and the QR code decodes to the flow's address.
//!
//! These need a display and a Secret Service, so they are `#[ignore]`d in a plain `cargo test`;
//! `cargo xtask test` runs them inside `dbus-run-session` + `xvfb-run` with gnome-keyring unlocked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use e2e::{Browser, Stack};
use fantoccini::Locator;

const RUT: &str = "12.345.678-5";
const SERVICE: &str = "cl.sence.clavesence";

fn app() -> PathBuf {
    PathBuf::from(
        std::env::var("CLAVE_APP_BINARY")
            .expect("CLAVE_APP_BINARY: the built clave-sence-app (cargo xtask test sets it)"),
    )
}

/// Every secret the Secret Service holds for the app: `secret-tool` prints one `secret = …` line per item.
fn keyring_secrets() -> Vec<String> {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "--unlock", "service", SERVICE])
        .output()
        .expect("secret-tool");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    text.lines().filter_map(|l| l.strip_prefix("secret = ")).map(str::to_owned).collect()
}

/// Files under `dir` (the keyring's own encrypted files aside) that contain any of `needles`.
fn files_containing(dir: &Path, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.to_string_lossy().contains("keyring") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                let text = String::from_utf8_lossy(&bytes);
                for needle in needles {
                    if text.contains(needle) {
                        found.push(format!("{} has {needle}", path.display()));
                    }
                }
            }
        }
    }
    found
}

#[tokio::test]
#[ignore = "needs a display and a Secret Service: run through `cargo xtask test`"]
async fn the_desktop_app_registers_recovers_and_changes_keeping_only_the_rut() {
    let stack = Stack::start().await;
    let home = PathBuf::from(std::env::var("HOME").unwrap());
    let notifications = tempfile::NamedTempFile::new().unwrap();
    let log = notifications.path().to_string_lossy().into_owned();
    let _ = Command::new("secret-tool").args(["clear", "service", SERVICE]).status();
    let mut b =
        Browser::desktop(&app(), &[("CLAVE_BACKEND_URL", &stack.url), ("CLAVE_NOTIFY_LOG", &log)], "desktop").await;

    b.wait_text("Ingresar a las plataformas del Sence").await;
    b.shot("inicio").await;
    // Another language's texts are fetched from the app's own assets when chosen.
    b.select("Idioma", "English").await;
    b.wait_text("Signing in to SENCE platforms").await;
    b.select("Language", "Español").await;
    b.wait_text("Ingresar a las plataformas del Sence").await;
    b.click_link("Regístrese aquí.").await;
    b.wait_text("Registrar Persona Natural").await;
    b.fill_registration(RUT, "Mapocho#24").await;
    b.check("Recordar mi RUT").await;
    b.shot("registro").await;
    b.click_button("Crear Cuenta").await;
    b.wait_text("Su Clave Sence fue creada correctamente.").await;
    b.shot("registro-exito").await;
    b.click_button("Aceptar").await;

    // The remembered RUT fills the recovery form.
    b.click_link("Recuperar CS aquí.").await;
    b.wait_text("Recuperar CS (Clave Sence) Persona Natural").await;
    for _ in 0..50 {
        if b.value("Rut *").await == RUT {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(b.value("Rut *").await, RUT, "RUT from the keyring");
    b.click_button("Validar").await;
    b.fill("Respuesta Secreta *", "peru").await;
    b.click_button("Recuperar Clave").await;
    b.wait_text("será enviada por SMS a su celular").await;
    b.shot("recuperar-exito").await;
    let provisional = stack.provisional_from_dev_sink("+56998765432").await;
    let sent = std::fs::read_to_string(&log).unwrap();
    assert!(sent.contains("\"kind\":\"provisional_sent\""), "notification: {sent}");
    assert!(!sent.contains(&provisional) && !sent.contains("12345678"), "no personal data in notifications");
    b.click_button("Aceptar").await;

    b.wait_text("Cambiar CS (Clave Sence) Persona Natural").await;
    for _ in 0..50 {
        if b.value("Rut *").await == RUT {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.change_clave(&provisional, "Alameda-77").await;
    b.shot("cambiar-exito").await;
    b.click_button("Aceptar").await;

    // Mi Clave Sence in the app: its session travels as a bearer kept in memory (the API is on another origin).
    b.click_link("Mi Clave Sence: vea sus datos, su actividad y sus sesiones.").await;
    b.wait_text("Ingrese con su Clave Sence").await;
    b.fill("Rut *", RUT).await;
    b.fill("Clave Sence *", "Alameda-77").await;
    b.click_button("Ingresar").await;
    b.wait_text("Mis datos").await;
    b.wait_text("Cambio de Clave Sence").await;
    b.shot("mi-clave-sence").await;
    b.close().await;

    assert_eq!(keyring_secrets(), ["12345678-5"], "the keyring holds the RUT and nothing else");
    let leaks = files_containing(
        &home,
        &["12345678", "12.345.678", "juana", "Mapocho", "Alameda", "Huérfanos", "98765432", &provisional],
    );
    assert!(leaks.is_empty(), "personal data on disk: {leaks:?}");
    let _ = Command::new("secret-tool").args(["clear", "service", SERVICE]).status();
}

/// Decodes the QR code of a `data:image/png;base64,…` URL.
fn decode_qr(data_url: &str) -> String {
    use base64::Engine;
    let png = base64::engine::general_purpose::STANDARD
        .decode(data_url.strip_prefix("data:image/png;base64,").unwrap())
        .unwrap();
    let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().unwrap().1
}

#[tokio::test]
#[ignore = "needs a display and a Secret Service: run through `cargo xtask test`"]
async fn a_kiosk_registers_on_its_on_screen_keyboard_and_an_idle_one_wipes_everything() {
    let stack = Stack::start().await;
    let _ = Command::new("secret-tool").args(["clear", "service", SERVICE]).status();
    let env = [
        ("CLAVE_BACKEND_URL", stack.url.as_str()),
        ("CLAVE_KIOSK", "1"),
        ("CLAVE_KIOSK_TIMEOUT_SECONDS", "10"),
        ("CLAVE_KIOSK_WARNING_SECONDS", "4"),
        ("CLAVE_PUBLIC_URL", "https://cus.sence.cl"),
    ];
    let mut b = Browser::desktop(&app(), &env, "kiosk").await;

    // A registration typed entirely on the on-screen keyboard (the selects are touched).
    b.click_link("Regístrese aquí.").await;
    b.wait_text("Continúe en su celular").await;
    b.click_button("Texto grande").await;
    b.touch_registration("12345678-5", "Mapocho#24").await;
    b.shot("kiosko-teclado").await;
    b.click_button("Crear Cuenta").await;
    b.wait_text("Su Clave Sence fue creada correctamente.").await;
    b.click_button("Aceptar").await;

    // Half a form, then idle.
    b.click_link("Regístrese aquí.").await;
    b.touch_type("Rut *", "11111111-1").await;
    b.touch_type("Email *", "otra").await;
    let buffer = b.client.find(Locator::Id("keyboard-buffer")).await.unwrap().text().await.unwrap();
    assert_eq!(buffer, "otra");
    assert!(
        b.client.find(Locator::XPath("//label[normalize-space(.)='Recordar mi RUT']")).await.is_err(),
        "no keyring at a kiosk"
    );
    let qr = b.client.find(Locator::Id("handoff-qr")).await.unwrap().attr("src").await.unwrap().unwrap();
    assert_eq!(decode_qr(&qr), "https://cus.sence.cl/registro");
    b.shot("kiosko-a-medias").await;

    // Idle: the warning, then the wipe.
    b.wait_text("¿Sigue ahí?").await;
    b.shot("kiosko-aviso").await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    b.wait_text("Sistema Clave Sence").await;
    b.shot("kiosko-inicio").await;
    b.click_link("Regístrese aquí.").await;
    b.wait_text("Registrar Persona Natural").await;
    assert_eq!(b.value("Rut *").await, "");
    b.touch_type("Email *", "").await;
    assert_eq!(b.value("Email *").await, "");
    let buffer = b.client.find(Locator::Id("keyboard-buffer")).await.unwrap().text().await.unwrap();
    assert_eq!(buffer, "", "the wipe empties the keyboard's buffer");
    b.close().await;
    assert!(keyring_secrets().is_empty(), "a kiosk never writes the keyring");
}
