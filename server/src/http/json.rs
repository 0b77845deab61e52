//! `AppJson`: axum's `Json` with our error shape, so malformed or oversized bodies get a 4xx with a stable
//! code instead of axum's plain-text rejection (axum `examples/error-handling`). Every body of this API is a
//! JSON object: serde would also read a struct from an array (`[]` as a request with every field defaulted),
//! so anything else is refused before parsing.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::ErrorCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::refusal::Refusal;

pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let invalid = || ApiError(Refusal::Denied(ErrorCode::InvalidRequest));
        if !is_json(req.headers()) {
            return Err(invalid());
        }
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError(Refusal::Denied(ErrorCode::PayloadTooLarge))
            } else {
                invalid()
            }
        })?;
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(invalid());
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(value)) => Ok(AppJson(value)),
            Err(rejection) => Err(reject(&rejection)),
        }
    }
}

/// `application/json` or `application/<something>+json`, as axum's `Json` accepts, in UTF-8: a `charset`
/// other than UTF-8 is refused, never read as if it were UTF-8 (RFC 8259 §8.1: JSON is UTF-8).
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let utf8 = parts.filter_map(|p| p.split_once('=')).all(|(name, value)| {
        !name.trim().eq_ignore_ascii_case("charset")
            || matches!(value.trim().trim_matches('"').to_ascii_lowercase().as_str(), "utf-8" | "utf8")
    });
    utf8 && (essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json")))
}

fn reject(rejection: &JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError(Refusal::Denied(ErrorCode::PayloadTooLarge))
    } else {
        tracing::debug!(status = %rejection.status(), "rejected request body");
        ApiError(Refusal::Denied(ErrorCode::InvalidRequest))
    }
}

impl<T: Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}
