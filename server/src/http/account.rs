//! "Mi Clave Sence" (`/api/account…`, on the single sign-on cookie) and "No fui yo" (`/api/disavowals/{token}`,
//! no login: the notice's link is the proof).

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::api::{AccountRequestForm, ActivityItem, DisavowView, MyData, SignInForm};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::json::AppJson;
use super::oidc::{bearer, cookie, device_cookie, session_cookie};
use super::rate_limit::ClientIp;
use crate::state::AppState;
use crate::{disavow, my_account};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in))
        .routes(routes!(data))
        .routes(routes!(activity))
        .routes(routes!(export))
        .routes(routes!(end_sessions))
        .routes(routes!(request))
        .routes(routes!(disavowal, report))
        .routes(routes!(confirm_email))
}

/// The registration's e-mail confirmed by the link sent to it (the page's button).
#[utoipa::path(post, path = "/confirmations/{token}", tag = "account", params(("token" = String, Path)),
    responses((status = 204), (status = 404, description = "link_invalid", body = domain::api::ErrorBody),
        (status = 410, description = "link_used", body = domain::api::ErrorBody)))]
pub async fn confirm_email(State(app): State<AppState>, Path(token): Path<String>) -> Result<StatusCode, ApiError> {
    crate::email_confirmation::confirm(&app, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// RUT + CS for "Mi Clave Sence": sets the session cookie (HttpOnly), or with `bearer` answers `{session}`.
/// `kiosk`: a 15-minute session.
#[utoipa::path(post, path = "/account/session", tag = "account", request_body = SignInForm,
    responses((status = 204, description = "the session cookie is set"),
        (status = 200, description = "`bearer`: `{\"session\": \"…\"}`, to send as `Authorization: Bearer`"),
        (status = 401, description = "invalid_credentials", body = domain::api::ErrorBody),
        (status = 403, description = "account_frozen, provisional_must_change", body = domain::api::ErrorBody)))]
pub async fn sign_in(
    State(app): State<AppState>,
    client: ClientIp,
    headers: HeaderMap,
    AppJson(form): AppJson<SignInForm>,
) -> Result<Response, ApiError> {
    let (rut, cs) = form.parse()?;
    let (session, cs_hash) =
        my_account::sign_in(&app, rut, &cs, form.kiosk, client.0, session_of(&headers).as_deref()).await?;
    if form.bearer {
        let mut response = axum::Json(serde_json::json!({ "session": session })).into_response();
        response.headers_mut().insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
        return Ok(response);
    }
    let mut response =
        ([(header::SET_COOKIE, session_cookie(&app, &session, false))], StatusCode::NO_CONTENT).into_response();
    if let Some(known) = device_cookie(&app, rut, cs_hash.as_deref()).filter(|_| !form.kiosk) {
        response.headers_mut().append(header::SET_COOKIE, known);
    }
    Ok(response)
}

/// The session a request names: the cookie, or `Authorization: Bearer` (an app on another origin).
fn session_of(headers: &HeaderMap) -> Option<String> {
    cookie(headers).or_else(|| bearer(headers).map(str::to_owned))
}

/// "Mis datos": everything kept about the citizen; contacts masked unless `ver=1`.
#[utoipa::path(get, path = "/account", tag = "account",
    params(("ver" = Option<String>, Query, description = "`1`: contacts in full; anything else, masked")),
    responses((status = 200, body = MyData), (status = 401, description = "not_signed_in", body = domain::api::ErrorBody)))]
pub async fn data(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<AppJson<MyData>, ApiError> {
    // Read by hand: no query string, however odd, is refused here.
    let reveal = query.is_some_and(|q| q.split('&').any(|pair| pair == "ver=1"));
    let rut = my_account::signed_in(&app, session_of(&headers).as_deref()).await?;
    Ok(AppJson(my_account::data(&app, rut, reveal).await?))
}

/// "Mi actividad": the last 12 months, newest first.
#[utoipa::path(get, path = "/account/activity", tag = "account",
    responses((status = 200, body = Vec<ActivityItem>), (status = 401, description = "not_signed_in", body = domain::api::ErrorBody)))]
pub async fn activity(State(app): State<AppState>, headers: HeaderMap) -> Result<AppJson<Vec<ActivityItem>>, ApiError> {
    let rut = my_account::signed_in(&app, session_of(&headers).as_deref()).await?;
    Ok(AppJson(my_account::activity(&app, rut).await?))
}

/// "Descargar mis datos": the account and its activity as a JSON file (`docs/export.schema.json`).
#[utoipa::path(get, path = "/account/export", tag = "account",
    responses((status = 200, description = "mis-datos-clave-sence.json", content_type = "application/json"),
        (status = 401, description = "not_signed_in", body = domain::api::ErrorBody)))]
pub async fn export(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let rut = my_account::signed_in(&app, session_of(&headers).as_deref()).await?;
    let document = my_account::export(&app, rut).await?;
    let disposition = "attachment; filename=\"mis-datos-clave-sence.json\"";
    Ok(([(header::CONTENT_DISPOSITION, disposition)], axum::Json(document)).into_response())
}

/// "Cerrar todas las sesiones": every session of the citizen, here and on every platform.
#[utoipa::path(post, path = "/account/sessions/end", tag = "account",
    responses((status = 204), (status = 401, description = "not_signed_in", body = domain::api::ErrorBody)))]
pub async fn end_sessions(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let rut = my_account::signed_in(&app, session_of(&headers).as_deref()).await?;
    my_account::end_sessions(&app, rut).await?;
    Ok(([(header::SET_COOKIE, session_cookie(&app, "", true))], StatusCode::NO_CONTENT).into_response())
}

/// A request to block or delete the account, for SENCE staff.
#[utoipa::path(post, path = "/account/requests", tag = "account", request_body = AccountRequestForm,
    responses((status = 204), (status = 401, description = "not_signed_in", body = domain::api::ErrorBody),
        (status = 422, description = "kind: invalid_request", body = domain::api::ErrorBody)))]
pub async fn request(
    State(app): State<AppState>,
    headers: HeaderMap,
    AppJson(form): AppJson<AccountRequestForm>,
) -> Result<StatusCode, ApiError> {
    let rut = my_account::signed_in(&app, session_of(&headers).as_deref()).await?;
    my_account::request(&app, rut, &form.kind).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// "No fui yo": what the link will report.
#[utoipa::path(get, path = "/disavowals/{token}", tag = "account", params(("token" = String, Path)),
    responses((status = 200, body = DisavowView), (status = 404, description = "link_invalid", body = domain::api::ErrorBody),
        (status = 410, description = "link_used", body = domain::api::ErrorBody)))]
pub async fn disavowal(
    State(app): State<AppState>,
    Path(token): Path<String>,
) -> Result<AppJson<DisavowView>, ApiError> {
    let pending = disavow::pending(&app, &token).await?;
    Ok(AppJson(DisavowView { event: pending.event, at: pending.at }))
}

/// "No fui yo": freezes the account (see `disavow`).
#[utoipa::path(post, path = "/disavowals/{token}", tag = "account", params(("token" = String, Path)),
    responses((status = 204), (status = 404, description = "link_invalid", body = domain::api::ErrorBody),
        (status = 410, description = "link_used", body = domain::api::ErrorBody)))]
pub async fn report(State(app): State<AppState>, Path(token): Path<String>) -> Result<StatusCode, ApiError> {
    disavow::report(&app, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}
