//! Logging. RUTs are logged only masked (`Rut`'s `Debug`), secrets are `SecretString`s that cannot be
//! formatted, and e-mail addresses and phones have masked `Debug` impls too.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber: `RUST_LOG` or `info` for this crate and `warn` elsewhere.
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,server=info,clave_sence=info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).try_init();
}
