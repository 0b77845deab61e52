//! `AppJson`: axum's `Json` with our error shape, so malformed or oversized bodies get a 4xx with a stable
//! code instead of axum's plain-text rejection (axum `examples/error-handling`).

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
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(AppJson(value)),
            Err(rejection) => Err(reject(&rejection)),
        }
    }
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
