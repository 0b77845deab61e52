//! HTTP adapter: `POST {url}/v1/documentos/verificar` with `{"run": "12345678-5", "numero_serie": "..."}`,
//! answered `{"estado": "vigente" | "no_vigente" | "no_coincide"}`. Timeouts, connection errors, 5xx and
//! unknown answers all mean "unavailable": the citizen is told to try later, never that the serial is wrong.

use std::time::Duration;

use domain::{Rut, SerialNumber};
use serde::{Deserialize, Serialize};

use super::{DocumentStatus, DocumentVerifier, PingFuture, Unavailable, VerifyFuture};

pub struct HttpDocumentVerifier {
    client: reqwest::Client,
    base: String,
    endpoint: String,
}

#[derive(Serialize)]
struct VerifyRequest<'a> {
    run: String,
    numero_serie: &'a str,
}

#[derive(Deserialize)]
struct VerifyResponse {
    estado: String,
}

impl HttpDocumentVerifier {
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder().timeout(timeout).connect_timeout(timeout).tcp_nodelay(true).build()?;
        let base = base_url.trim_end_matches('/').to_owned();
        Ok(HttpDocumentVerifier { client, endpoint: format!("{base}/v1/documentos/verificar"), base })
    }
}

impl DocumentVerifier for HttpDocumentVerifier {
    /// Any answer below 500 from the service's base address: it is up and reachable.
    fn ping(&self) -> PingFuture<'_> {
        Box::pin(async move {
            let response =
                self.client.get(&self.base).send().await.map_err(|e| Unavailable(e.without_url().to_string()))?;
            if response.status().is_server_error() {
                return Err(Unavailable(format!("status {}", response.status())));
            }
            Ok(())
        })
    }

    fn verify<'a>(&'a self, rut: Rut, serial: &'a SerialNumber) -> VerifyFuture<'a> {
        Box::pin(async move {
            let response = self
                .client
                .post(&self.endpoint)
                .json(&VerifyRequest { run: rut.canonical(), numero_serie: serial.as_ref() })
                .send()
                .await
                .map_err(|e| Unavailable(e.without_url().to_string()))?;
            if !response.status().is_success() {
                return Err(Unavailable(format!("status {}", response.status())));
            }
            let body: VerifyResponse = response.json().await.map_err(|e| Unavailable(e.without_url().to_string()))?;
            match body.estado.as_str() {
                "vigente" => Ok(DocumentStatus::Vigente),
                "no_vigente" => Ok(DocumentStatus::NoVigente),
                "no_coincide" => Ok(DocumentStatus::NoCoincide),
                other => Err(Unavailable(format!("unknown estado {other:?}"))),
            }
        })
    }
}
