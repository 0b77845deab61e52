//! Local fakes of services that belong to others, speaking the same HTTP+JSON as the real ones, for tests and
//! `cargo xtask run`: the Registro Civil's document check, the SMS operator's gateway, and an SMTP sink that
//! stands for the mail relay. And a sample SENCE platform that logs citizens in with "Ingresar con Clave
//! Sence", as a platform would. And a bot's solver of the bot check.

pub mod bot;
pub mod registro_civil;
pub mod sample_platform;
pub mod sms_gateway;
pub mod smtp_sink;

use tokio::net::TcpListener;

/// The 6-digit code in a message, as its recipient reads it (a code that proves a new e-mail or mobile).
pub fn six_digit_code(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len().saturating_sub(5))
        .find(|&i| {
            let before = i.checked_sub(1).and_then(|b| chars.get(b)).is_none_or(|c| !c.is_ascii_digit());
            let after = chars.get(i + 6).is_none_or(|c| !c.is_ascii_digit());
            before && after && chars[i..i + 6].iter().all(char::is_ascii_digit)
        })
        .map(|i| chars[i..i + 6].iter().collect())
}

/// Serves `router` on `listener` in the background; returns the base URL.
pub fn spawn(listener: TcpListener, router: axum::Router) -> String {
    let url = listener.local_addr().map(|a| format!("http://{a}")).unwrap_or_default();
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(%error, "fake service stopped");
        }
    });
    url
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_code_is_six_digits_standing_alone() {
        assert_eq!(super::six_digit_code("su codigo es 042917. Vence en 10 minutos").as_deref(), Some("042917"));
        assert_eq!(super::six_digit_code("RUT 12345678-5, codigo 123456").as_deref(), Some("123456"));
        assert_eq!(super::six_digit_code("sin codigo 12345"), None);
    }
}
