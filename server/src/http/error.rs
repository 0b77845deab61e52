//! `ApiError`: the HTTP face of a [`Refusal`], mapped to a status and the stable `{code, fields,
//! retry_after}` body whose codes are the UI's i18n keys. Internal errors are logged and answered with the
//! bare `internal` code: nothing about the database or the host leaves the server.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::api::ErrorBody;
use domain::{ErrorCode, FieldErrors};

use crate::refusal::Refusal;

#[derive(Debug)]
pub struct ApiError(pub Refusal);

impl<E: Into<Refusal>> From<E> for ApiError {
    fn from(error: E) -> Self {
        ApiError(error.into())
    }
}

/// The HTTP status of a refusal code. Exhaustive on purpose: a new code does not compile until it has one.
fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode::*;
    match code {
        RutAlreadyRegistered | FlowWrongStep => StatusCode::CONFLICT,
        AccountNotFound | FlowNotFound | NotFound | LinkInvalid => StatusCode::NOT_FOUND,
        MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        FlowExpired | LinkUsed | EmailAlreadyConfirmed => StatusCode::GONE,
        InvalidCredentials | PlatformUnauthorized | NotSignedIn => StatusCode::UNAUTHORIZED,
        ProvisionalMustChange | ProvisionalExpired | AccountNeedsRecovery | AccountFrozen | EmailUnconfirmed => {
            StatusCode::FORBIDDEN
        }
        AccountLocked | TooManyAttempts | RateLimited | ServerBusy => StatusCode::TOO_MANY_REQUESTS,
        RegistroCivilUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        InvalidRequest => StatusCode::BAD_REQUEST,
        Internal => StatusCode::INTERNAL_SERVER_ERROR,
        // Field values and the captcha: the request was understood, a value was not acceptable.
        Required | RutInvalid | RutCheckDigit | RutCheckDigitMissing | CsTooShort | CsTooLong | CsInvalidCharacter
        | CsTooCommon | CsEqualsRut | CsMismatch | EmailInvalid | MobileInvalid | PhoneInvalid | SerialInvalid
        | QuestionUnknown | AnswerInvalid | RegionUnknown | ComunaUnknown | ComunaNotInRegion | TextTooLong
        | TextInvalid | CaptchaWrong | CaptchaExpired | BotCheckFailed | BotCheckEscalated | AnswerWrong
        | QuestionMismatch | SerialMismatch | DocumentNotVigente | CodeWrong | CodeExpired | CodeInvalid => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self.0 {
            Refusal::Fields(fields) => {
                let code = match fields.0.values().next() {
                    Some(code) if fields.0.len() == 1 => *code,
                    _ => ErrorCode::InvalidRequest,
                };
                (StatusCode::UNPROCESSABLE_ENTITY, ErrorBody { code, fields, retry_after: None })
            }
            Refusal::Denied(code) => {
                (status_of(code), ErrorBody { code, fields: FieldErrors::new(), retry_after: None })
            }
            Refusal::Throttled { code, retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorBody { code, fields: FieldErrors::new(), retry_after: Some(retry_after.max(1) as u64) },
            ),
            Refusal::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error");
                let code = ErrorCode::Internal;
                (status_of(code), ErrorBody { code, fields: FieldErrors::new(), retry_after: None })
            }
        };
        let retry_after = body.retry_after;
        // The rest of an oversized body is not read: the connection cannot carry another request.
        let close = body.code == ErrorCode::PayloadTooLarge;
        let mut response = (status, axum::Json(body)).into_response();
        if close {
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Some(seconds) = retry_after {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}
