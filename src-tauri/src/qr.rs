//! The kiosk's "Continúe en su celular" QR code: the public address of the flow in progress, drawn as a PNG
//! data URL. Only known paths are accepted, so no personal data can ever be put in it.

use base64::Engine;
use qrcode::{Color, QrCode};

/// The UI's routes that a citizen can continue on a phone.
const PATHS: &[&str] = &["/", "/registro", "/recuperar", "/cambiar", "/actualizar"];

pub fn handoff_url(public_url: &str, path: &str) -> Option<String> {
    PATHS.contains(&path).then(|| format!("{public_url}{path}"))
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
        assert!(
            png_data_url("https://cus.sence.cl/registro").unwrap_or_default().starts_with("data:image/png;base64,")
        );
    }
}
