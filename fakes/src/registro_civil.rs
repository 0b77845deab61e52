//! Fake Registro Civil: `POST /v1/documentos/verificar` with `{"run", "numero_serie"}` answers
//! `{"estado": "vigente" | "no_vigente" | "no_coincide"}` from a fixtures file. `POST /control/down` with
//! `{"down": true}` makes it answer 503, to test "service unavailable".

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, Deserialize)]
pub struct Document {
    pub run: String,
    pub numero_serie: String,
    pub vigente: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Fixtures {
    pub documents: Vec<Document>,
}

impl Fixtures {
    /// The fixtures shipped with the crate (`fixtures/registro_civil.json`).
    pub fn bundled() -> anyhow::Result<Fixtures> {
        Ok(serde_json::from_str(include_str!("../fixtures/registro_civil.json"))?)
    }

    /// The serial number of `rut`'s card (`12.345.678-5` or `12345678-5`), as a test types it.
    pub fn serial_of(&self, rut: &str) -> Option<String> {
        let canonical = rut.replace('.', "").to_uppercase();
        self.documents.iter().find(|d| d.run.eq_ignore_ascii_case(&canonical)).map(|d| d.numero_serie.clone())
    }

    pub fn load(path: &std::path::Path) -> anyhow::Result<Fixtures> {
        Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
    }
}

#[derive(Clone)]
pub struct FakeRegistroCivil {
    documents: Arc<HashMap<String, Document>>,
    down: Arc<AtomicBool>,
}

impl FakeRegistroCivil {
    pub fn new(fixtures: Fixtures) -> Self {
        let documents = fixtures.documents.into_iter().map(|d| (d.run.to_uppercase(), d)).collect();
        FakeRegistroCivil { documents: Arc::new(documents), down: Arc::default() }
    }

    /// Makes the service answer 503 (or recover).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/v1/documentos/verificar", post(verify))
            .route("/control/down", post(control))
            .with_state(self.clone())
    }
}

#[derive(Deserialize)]
struct VerifyRequest {
    run: String,
    numero_serie: String,
}

async fn verify(
    State(fake): State<FakeRegistroCivil>,
    Json(request): Json<VerifyRequest>,
) -> Result<Json<serde_json::Value>, StatusCode> {
    if fake.down.load(Ordering::SeqCst) {
        return Err(StatusCode::SERVICE_UNAVAILABLE);
    }
    let estado = match fake.documents.get(&request.run.to_uppercase()) {
        Some(doc) if doc.numero_serie.eq_ignore_ascii_case(&request.numero_serie) => {
            if doc.vigente {
                "vigente"
            } else {
                "no_vigente"
            }
        }
        _ => "no_coincide",
    };
    Ok(Json(json!({ "estado": estado })))
}

#[derive(Deserialize)]
struct Control {
    down: bool,
}

async fn control(State(fake): State<FakeRegistroCivil>, Json(control): Json<Control>) -> StatusCode {
    fake.set_down(control.down);
    StatusCode::NO_CONTENT
}
