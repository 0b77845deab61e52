//! The OpenID Connect provider's HTTP face (see [`crate::oidc`]): discovery, `/oauth2/*`, and the two calls of
//! the UI's login page (`/api/authorize/{request}`, in the API's OpenAPI document). Protocol errors are answered
//! as RFC 6749 says (`{error, error_description}`, 400; 401 for a client or token that does not authenticate);
//! errors a browser meets before the platform's redirect URI is known good get a short page in Spanish instead.

use axum::Router;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json};
use base64::Engine as _;
use domain::api::{LoginRedirect, PendingLogin, SignInForm};

use super::error::ApiError;
use super::json::AppJson;
use super::rate_limit::ClientIp;
use crate::auth::{Provisional, authenticate};
use crate::oidc::{self, AuthorizeParams, Authorized, LoggedOut, LogoutParams, OidcError, TokenParams};
use crate::refusal::Refusal;
use crate::state::AppState;
use domain::ErrorCode;

/// The single sign-on session's cookie.
const SESSION_COOKIE: &str = "clave_sso";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oauth2/authorize", get(authorize).post(authorize_form))
        .route("/oauth2/token", axum::routing::post(token))
        .route("/oauth2/userinfo", get(userinfo).post(userinfo))
        .route("/oauth2/jwks", get(jwks))
        .route("/oauth2/logout", get(logout).post(logout_form))
        .route("/oauth2/revoke", axum::routing::post(revoke))
}

/// The login page's two calls, in the API (and its OpenAPI document): `/api/authorize/{request}`.
pub fn api_router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(pending, login))
}

impl IntoResponse for OidcError {
    fn into_response(self) -> Response {
        let (status, code, description) = match &self {
            OidcError::Protocol(code, why) => (StatusCode::BAD_REQUEST, *code, why.clone()),
            OidcError::InvalidClient => {
                (StatusCode::UNAUTHORIZED, "invalid_client", "the client is unknown or did not authenticate".into())
            }
            OidcError::InvalidToken => {
                (StatusCode::UNAUTHORIZED, "invalid_token", "the access token is not valid".into())
            }
            OidcError::Store(_) | OidcError::Internal(_) => {
                tracing::error!(error = %self, "oidc");
                (StatusCode::INTERNAL_SERVER_ERROR, "server_error", "internal error".into())
            }
        };
        let mut response =
            (status, Json(serde_json::json!({ "error": code, "error_description": description }))).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        match self {
            OidcError::InvalidClient => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"clave-sence\""));
            }
            OidcError::InvalidToken => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
            }
            _ => {}
        }
        response
    }
}

/// Text for HTML, in an element or a quoted attribute.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A page for a browser that cannot be sent back to the platform.
fn page(status: StatusCode, title: &str, text: &str) -> Response {
    page_with(status, title, &format!("<p>{}</p>", escape(text)))
}

fn page_with(status: StatusCode, title: &str, body_html: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"es\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{t}</title>\
         <body style=\"font-family:sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem\"><main><h1>{t}</h1>\
         {body_html}</main></body></html>",
        t = escape(title),
    );
    no_store((status, Html(html)).into_response())
}

pub(super) fn cookie(headers: &HeaderMap) -> Option<String> {
    cookie_named(headers, SESSION_COOKIE)
}

/// The value of the cookie `wanted`, if the request has a non-empty one.
pub(super) fn cookie_named(headers: &HeaderMap, wanted: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == wanted && !value.is_empty()).then(|| value.to_owned())
    })
}

/// `Set-Cookie` that makes this browser known for `rut` with the CS whose hash is `cs_hash` (see
/// [`crate::device`]): after a sign-in with RUT + CS, never at a kiosk.
pub(super) fn device_cookie(app: &AppState, rut: domain::Rut, cs_hash: Option<&str>) -> Option<HeaderValue> {
    let secure = if app.public_url().starts_with("https://") { "; Secure" } else { "" };
    let value = crate::device::after_sign_in(&app.sealer, rut, cs_hash?, app.now());
    let cookie = format!(
        "{}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
        crate::device::COOKIE,
        crate::device::LASTS_SECONDS
    );
    HeaderValue::from_str(&cookie).ok()
}

/// `Set-Cookie` for the session: HttpOnly, SameSite=Lax (the platform's redirect to `/oauth2/authorize` is a
/// top-level navigation), Secure when served over https; no Max-Age: a browser closed (a kiosk wiped) ends it.
pub(super) fn session_cookie(app: &AppState, value: &str, remove: bool) -> HeaderValue {
    let secure = if app.public_url().starts_with("https://") { "; Secure" } else { "" };
    let value = if remove {
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
    } else {
        format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{secure}")
    };
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

async fn discovery(State(app): State<AppState>) -> Response {
    let issuer = app.public_url();
    let document = serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth2/authorize"),
        "token_endpoint": format!("{issuer}/oauth2/token"),
        "userinfo_endpoint": format!("{issuer}/oauth2/userinfo"),
        "jwks_uri": format!("{issuer}/oauth2/jwks"),
        "end_session_endpoint": format!("{issuer}/oauth2/logout"),
        "revocation_endpoint": format!("{issuer}/oauth2/revoke"),
        "scopes_supported": oidc::SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "sid", "rut", "email", "email_verified"],
        "prompt_values_supported": ["none", "login"],
        "authorization_response_iss_parameter_supported": true,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "claims_parameter_supported": false,
        "ui_locales_supported": ["es-CL"],
    });
    Json(document).into_response()
}

async fn authorize(
    State(app): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<AuthorizeParams>, QueryRejection>,
) -> Response {
    authorized(&app, &headers, query.ok().map(|Query(p)| p)).await
}

/// `POST /oauth2/authorize` with the same parameters form-encoded (OpenID Connect Core §3.1.2.1).
async fn authorize_form(
    State(app): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<AuthorizeParams>, FormRejection>,
) -> Response {
    authorized(&app, &headers, form.ok().map(|Form(p)| p)).await
}

async fn authorized(app: &AppState, headers: &HeaderMap, params: Option<AuthorizeParams>) -> Response {
    let Some(params) = params else {
        return page(
            StatusCode::BAD_REQUEST,
            "Solicitud inválida",
            "La plataforma envió una solicitud de ingreso que no se puede leer.",
        );
    };
    match oidc::authorize(app, params, cookie(headers).as_deref()).await {
        Ok(Authorized::Redirect(url)) => Redirect::to(&url).into_response(),
        Ok(Authorized::Login(id)) => Redirect::to(&format!("/ingresar/{id}")).into_response(),
        Err(OidcError::Protocol(_, why)) => page(
            StatusCode::BAD_REQUEST,
            "No se puede ingresar",
            &format!(
                "La plataforma que lo envió no está autorizada para esta solicitud ({why}). Vuelva a la plataforma e inténtelo de nuevo, o avise a SENCE."
            ),
        ),
        Err(error) => error.into_response(),
    }
}

/// A client's HTTP Basic credentials (`client_secret_basic`; also `POST /api/login`'s platforms).
pub(super) fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(value.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    // RFC 6749 §2.3.1: each part is form-urlencoded before joining.
    let decode = |s: &str| url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
    Some((decode(id)?, decode(secret)?))
}

/// A bearer token (`/oauth2/userinfo`; "Mi Clave Sence" in an app on another origin).
pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")
}

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The form of `/oauth2/token` and `/oauth2/revoke`, or RFC 6749's `invalid_request`.
fn form_params(form: Result<Form<TokenParams>, FormRejection>) -> Result<TokenParams, OidcError> {
    form.map(|Form(params)| params)
        .map_err(|_| OidcError::Protocol("invalid_request", "the body must be a form with each parameter once".into()))
}

async fn token(
    State(app): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<TokenParams>, FormRejection>,
) -> Response {
    let params = match form_params(form) {
        Ok(params) => params,
        Err(refused) => return refused.into_response(),
    };
    match oidc::token(&app, basic(&headers), params).await {
        Ok(body) => no_store(Json(body).into_response()),
        Err(error) => error.into_response(),
    }
}

async fn userinfo(State(app): State<AppState>, headers: HeaderMap) -> Response {
    match oidc::userinfo(&app, bearer(&headers)).await {
        Ok(claims) => no_store(Json(claims).into_response()),
        Err(error) => error.into_response(),
    }
}

async fn jwks(State(app): State<AppState>) -> Response {
    match oidc::keys::jwks(&app, app.now()).await {
        Ok(keys) => Json(keys).into_response(),
        Err(error) => error.into_response(),
    }
}

async fn revoke(
    State(app): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<TokenParams>, FormRejection>,
) -> Response {
    let params = match form_params(form) {
        Ok(params) => params,
        Err(refused) => return refused.into_response(),
    };
    match oidc::revoke(&app, basic(&headers), params).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(error) => error.into_response(),
    }
}

async fn logout(
    State(app): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<LogoutParams>, QueryRejection>,
) -> Response {
    // An unreadable request is one without parameters: the citizen is asked, and only loses the way back.
    logged_out(&app, &headers, query.map(|Query(p)| p).unwrap_or_default(), false).await
}

/// `POST /oauth2/logout`: a platform's form (RP-Initiated Logout §2), or the citizen's answer on our page.
#[derive(Debug, Default, serde::Deserialize)]
struct LogoutForm {
    #[serde(flatten)]
    params: LogoutParams,
    /// "si" from our confirmation page's button.
    confirm: Option<String>,
}

async fn logout_form(
    State(app): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Response {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    // Our page's button, pressed on our page: a form posted from another site is no confirmation (and carries
    // no `SameSite=Lax` cookie anyway).
    let confirmed = form.confirm.as_deref() == Some("si") && same_origin(&app, &headers);
    logged_out(&app, &headers, form.params, confirmed).await
}

/// Whether the browser says the request comes from our own pages (`Sec-Fetch-Site`, else `Origin`).
fn same_origin(app: &AppState, headers: &HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match (header("sec-fetch-site"), header("origin")) {
        (Some(site), _) => site == "same-origin" || site == "none",
        (None, Some(origin)) => origin == app.public_url().trim_end_matches('/'),
        (None, None) => true,
    }
}

/// "¿Cerrar su sesión de Clave Sence?": a button that posts the same request back, confirmed.
fn confirm_page(params: &LogoutParams) -> Response {
    let hidden = [
        ("id_token_hint", &params.id_token_hint),
        ("client_id", &params.client_id),
        ("post_logout_redirect_uri", &params.post_logout_redirect_uri),
        ("state", &params.state),
    ]
    .iter()
    .filter_map(|(name, value)| {
        value.as_deref().map(|v| format!("<input type=\"hidden\" name=\"{name}\" value=\"{}\">", escape(v)))
    })
    .collect::<String>();
    page_with(
        StatusCode::OK,
        "¿Cerrar su sesión de Clave Sence?",
        &format!(
            "<p>Una página le pidió cerrar su sesión de Clave Sence en este navegador. Si no fue usted quien lo \
             pidió, elija «No, seguir con mi sesión».</p>\
             <form method=\"post\" action=\"/oauth2/logout\">{hidden}\
             <input type=\"hidden\" name=\"confirm\" value=\"si\">\
             <button type=\"submit\" style=\"font-size:1.1rem;padding:.6rem 1.2rem\">Cerrar sesión</button> \
             <a href=\"/\" style=\"margin-left:1rem\">No, seguir con mi sesión</a></form>"
        ),
    )
}

async fn logged_out(app: &AppState, headers: &HeaderMap, params: LogoutParams, confirmed: bool) -> Response {
    let mut response = match oidc::logout(app, params.clone(), cookie(headers).as_deref(), confirmed).await {
        Ok(LoggedOut::Confirm) => return confirm_page(&params),
        // Our page's form posted here, and the page's CSP (`form-action 'self'`) also binds the redirect that
        // answers it: the way back to the platform is a link, followed at once by `Refresh`.
        Ok(LoggedOut::Redirect(url)) if confirmed => {
            let mut page = page_with(
                StatusCode::OK,
                "Sesión cerrada",
                &format!(
                    "<p>Cerró su sesión de Clave Sence.</p><p><a href=\"{u}\">Volver a la plataforma</a></p>",
                    u = escape(&url)
                ),
            );
            if let Ok(refresh) = HeaderValue::from_str(&format!("0; url={url}")) {
                page.headers_mut().insert(header::REFRESH, refresh);
            }
            page
        }
        Ok(LoggedOut::Redirect(url)) => Redirect::to(&url).into_response(),
        Ok(LoggedOut::Closed) => {
            page(StatusCode::OK, "Sesión cerrada", "Cerró su sesión de Clave Sence. Ya puede cerrar esta ventana.")
        }
        Err(OidcError::Protocol(_, why)) => page(
            StatusCode::BAD_REQUEST,
            "Sesión cerrada",
            &format!("Cerró su sesión de Clave Sence, pero no podemos volver a la plataforma ({why})."),
        ),
        Err(error) => return error.into_response(),
    };
    response.headers_mut().insert(header::SET_COOKIE, session_cookie(app, "", true));
    response
}

/// The `{request}` of the login page's path; anything unreadable is an unknown request, in JSON.
struct RequestId(String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(id)) => Ok(RequestId(id)),
            Err(_) => Err(ApiError(Refusal::Denied(ErrorCode::FlowNotFound))),
        }
    }
}

/// What the login page shows of a platform's pending request.
#[utoipa::path(get, path = "/authorize/{request}", tag = "authorize",
    params(("request" = String, Path, description = "The pending request, sealed (from `/oauth2/authorize`'s redirect)")),
    responses((status = 200, body = PendingLogin),
        (status = 404, description = "flow_not_found: not a request of ours, or expired", body = domain::api::ErrorBody)))]
async fn pending(State(app): State<AppState>, RequestId(id): RequestId) -> Result<Json<PendingLogin>, ApiError> {
    let Some((client, request)) = oidc::pending(&app, &id).await.map_err(internal)? else {
        return Err(ApiError(Refusal::Denied(ErrorCode::FlowNotFound)));
    };
    Ok(Json(PendingLogin { id, client_name: client.name, scope: request.scope }))
}

fn internal(error: OidcError) -> ApiError {
    tracing::error!(%error, "oidc");
    ApiError(Refusal::Denied(ErrorCode::Internal))
}

/// The login page's RUT + CS: the same checks, counts and refusals as `POST /api/login`; then the session
/// cookie (none at a kiosk) and where to send the browser.
#[utoipa::path(post, path = "/authorize/{request}", tag = "authorize", request_body = SignInForm,
    params(("request" = String, Path, description = "The pending request, sealed")),
    responses((status = 200, body = LoginRedirect, description = "signed in: the session cookie is set (not at a kiosk)"),
        (status = 401, description = "invalid_credentials", body = domain::api::ErrorBody),
        (status = 403, description = "account_frozen, account_needs_recovery, provisional_must_change, provisional_expired", body = domain::api::ErrorBody),
        (status = 404, description = "flow_not_found: not a request of ours, or expired", body = domain::api::ErrorBody)))]
async fn login(
    State(app): State<AppState>,
    RequestId(id): RequestId,
    client: ClientIp,
    headers: HeaderMap,
    AppJson(request): AppJson<SignInForm>,
) -> Result<Response, ApiError> {
    let (rut, cs) = request.parse()?;
    let Some((_, pending)) = oidc::pending(&app, &id).await.map_err(internal)? else {
        return Err(ApiError(Refusal::Denied(ErrorCode::FlowNotFound)));
    };
    crate::store::audit::set_platform(&pending.client_id);
    let signed_in =
        authenticate(&app, rut, &cs, Provisional::Refuse, crate::store::audit::Action::OidcLogin, client.0).await?;
    let previous = cookie(&headers);
    let (session, redirect) =
        oidc::logged_in(&app, &pending, rut, request.kiosk, previous.as_deref()).await.map_err(internal)?;
    let mut response = no_store(Json(LoginRedirect { redirect }).into_response());
    // At a kiosk the session has already ended: no cookie, and any left from before is removed; nor does the
    // kiosk become the citizen's known browser.
    response.headers_mut().insert(header::SET_COOKIE, session_cookie(&app, &session, request.kiosk));
    if let Some(known) = device_cookie(&app, rut, signed_in.account.cs_hash.as_deref()).filter(|_| !request.kiosk) {
        response.headers_mut().append(header::SET_COOKIE, known);
    }
    Ok(response)
}
