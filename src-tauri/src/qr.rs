//! The kiosk's "Continúe en su celular" QR code: the public address of the flow in progress, drawn as a PNG
//! data URL. Only the UI's known paths are accepted, so no personal data can ever be put in it: a flow's
//! path, and once the flow is open its id (32 hex digits, 122 random bits, e.g. `/recuperar/<id>`), which may
//! be followed by the flow's key in the fragment (`/recuperar/<id>#k=<key>`, 32 hex digits too), so that the
//! phone may continue the flow.

use base64::Engine;
use qrcode::{Color, QrCode};

/// The UI's flows, which a citizen can continue on a phone (as well as the home page).
const FLOWS: &[&str] = &["/registro", "/recuperar", "/cambiar", "/actualizar"];

/// The server's flow ids (and flow keys).
fn is_flow_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// An open flow's path, `/<flow>/<id>`.
fn is_open_flow(path: &str) -> bool {
    path.rsplit_once('/').is_some_and(|(flow, id)| FLOWS.contains(&flow) && is_flow_id(id))
}

pub fn handoff_url(public_url: &str, path: &str) -> Option<String> {
    let known = match path.split_once("#k=") {
        Some((flow, key)) => is_open_flow(flow) && is_flow_id(key),
        None => path == "/" || FLOWS.contains(&path) || is_open_flow(path),
    };
    known.then(|| format!("{public_url}{path}"))
}

/// The QR code of `text` as a `data:image/png;base64,…` URL, 6 pixels per module with a 4-module margin.
pub fn png_data_url(text: &str) -> Result<String, String> {
    let code = QrCode::new(text.as_bytes()).map_err(|e| e.to_string())?;
    let width = code.width();
    let (scale, margin) = (6usize, 4usize);
    let size = (width + 2 * margin) * scale;
    let colors = code.to_colors();
    let mut pixels = vec![255u8; size * size];
    for y in 0..width {
        for x in 0..width {
            if colors[y * width + x] == Color::Dark {
                for dy in 0..scale {
                    let row = (y + margin) * scale + dy;
                    let start = row * size + (x + margin) * scale;
                    pixels[start..start + scale].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, size as u32, size as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(&pixels).map_err(|e| e.to_string())?;
    }
    Ok(format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_paths_become_links() {
        assert_eq!(
            handoff_url("https://cus.sence.cl", "/recuperar").as_deref(),
            Some("https://cus.sence.cl/recuperar")
        );
        assert_eq!(handoff_url("https://cus.sence.cl", "/recuperar?rut=12345678-5"), None);
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            handoff_url("https://cus.sence.cl", &format!("/recuperar/{id}")),
            Some(format!("https://cus.sence.cl/recuperar/{id}"))
        );
        assert_eq!(handoff_url("https://cus.sence.cl", "/recuperar/12.345.678-5"), None);
        assert_eq!(handoff_url("https://cus.sence.cl", &format!("/{id}")), None);
        assert_eq!(handoff_url("https://cus.sence.cl", &format!("/recuperar/{id}/x")), None);
        // An open flow's key, in the fragment: only after a flow id, and only a key's shape.
        let key = "fedcba9876543210fedcba9876543210";
        assert_eq!(
            handoff_url("https://cus.sence.cl", &format!("/cambiar/{id}#k={key}")),
            Some(format!("https://cus.sence.cl/cambiar/{id}#k={key}"))
        );
        assert_eq!(handoff_url("https://cus.sence.cl", &format!("/cambiar#k={key}")), None);
        assert_eq!(handoff_url("https://cus.sence.cl", &format!("/#k={key}")), None);
        assert_eq!(handoff_url("https://cus.sence.cl", &format!("/cambiar/{id}#k=12.345.678-5")), None);
        assert_eq!(handoff_url("https://cus.sence.cl", &format!("/cambiar/{id}#k={}", key.to_uppercase())), None);
        assert_eq!(handoff_url("https://cus.sence.cl", &format!("/cambiar/{id}#k={key}#k={key}")), None);
        assert_eq!(handoff_url("https://cus.sence.cl", &format!("/cambiar/{id}#x={key}")), None);
        assert_eq!(handoff_url("https://cus.sence.cl", &format!("/cambiar/{id}#k={key}&rut=1")), None);
        assert!(
            png_data_url("https://cus.sence.cl/registro").unwrap_or_default().starts_with("data:image/png;base64,")
        );
    }
}
