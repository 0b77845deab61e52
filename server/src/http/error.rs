//! `ApiError`: every refusal of the HTTP layer, mapped to a status and the stable `{code, fields,
//! retry_after}` body whose codes are the UI's i18n keys. Internal errors are logged and answered with the
//! bare `internal` code: nothing about the database or the host leaves the server.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::api::ErrorBody;
use domain::{ErrorCode, FieldErrors};

use crate::secrets::HashError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Fields refused, by field.
    #[error("validation failed")]
    Validation(FieldErrors),
    /// A refusal that concerns the request as a whole.
    #[error("refused: {0}")]
    Refused(ErrorCode),
    /// Too many failures or requests: wait `retry_after` seconds.
    #[error("throttled: {code}")]
    Throttled { code: ErrorCode, retry_after: i64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A refusal of one field.
    pub fn field(field: &str, code: ErrorCode) -> Self {
        let mut fields = FieldErrors::new();
        fields.add(field, code);
        ApiError::Validation(fields)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        ApiError::Internal(error.into())
    }
}

impl From<HashError> for ApiError {
    fn from(error: HashError) -> Self {
        match error {
            HashError::Busy => ApiError::Throttled { code: ErrorCode::ServerBusy, retry_after: 1 },
            HashError::Failed(message) => ApiError::Internal(anyhow::anyhow!(message)),
        }
    }
}

impl From<FieldErrors> for ApiError {
    fn from(fields: FieldErrors) -> Self {
        ApiError::Validation(fields)
    }
}

/// The HTTP status of a refusal code.
fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode::*;
    match code {
        RutAlreadyRegistered | FlowWrongStep => StatusCode::CONFLICT,
        AccountNotFound | FlowNotFound | NotFound => StatusCode::NOT_FOUND,
        FlowExpired => StatusCode::GONE,
        InvalidCredentials => StatusCode::UNAUTHORIZED,
        ProvisionalMustChange | ProvisionalExpired => StatusCode::FORBIDDEN,
        AccountLocked | TooManyAttempts | RateLimited | ServerBusy => StatusCode::TOO_MANY_REQUESTS,
        RegistroCivilUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        InvalidRequest => StatusCode::BAD_REQUEST,
        Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            ApiError::Validation(fields) => {
                let code = match fields.0.values().next() {
                    Some(code) if fields.0.len() == 1 => *code,
                    _ => ErrorCode::InvalidRequest,
                };
                (StatusCode::UNPROCESSABLE_ENTITY, ErrorBody { code, fields, retry_after: None })
            }
            ApiError::Refused(code) => {
                (status_of(code), ErrorBody { code, fields: FieldErrors::new(), retry_after: None })
            }
            ApiError::Throttled { code, retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorBody { code, fields: FieldErrors::new(), retry_after: Some(retry_after.max(1) as u64) },
            ),
            ApiError::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error");
                let code = ErrorCode::Internal;
                (status_of(code), ErrorBody { code, fields: FieldErrors::new(), retry_after: None })
            }
        };
        let retry_after = body.retry_after;
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(seconds) = retry_after {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}
