//! "Plataforma SENCE de ejemplo": a SENCE platform as it would use "Ingresar con Clave Sence", written with an
//! off-the-shelf OpenID Connect library (the `openidconnect` crate) and nothing of ours. A page with the
//! button; the redirect with PKCE, state and nonce; the code exchanged; the ID token verified; userinfo read;
//! the claims shown; and "Cerrar sesión" through the provider's logout. `cargo xtask run` starts it beside the
//! backend so a newcomer sees the login as a platform does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreProviderMetadata};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};

/// The sample platform's client at the development backend (registered by its `dev` profile). A development
/// secret, known to everyone: the backend refuses to start in production with it.
pub const DEV_CLIENT_ID: &str = "plataforma-ejemplo";
pub const DEV_CLIENT_SECRET: &str = "secreto-de-desarrollo-plataforma-ejemplo";

/// The platform's registration at the provider.
#[derive(Debug, Clone)]
pub struct PlatformSettings {
    /// This platform's own address (`http://127.0.0.1:8093`).
    pub base_url: String,
    /// The provider (Clave Sence's public URL).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
}

/// The `rut` claim, as the provider sends it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RutClaim {
    pub numero: u32,
    pub dv: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SenceClaims {
    rut: Option<RutClaim>,
}
impl AdditionalClaims for SenceClaims {}

/// What the platform knows of a signed-in citizen.
#[derive(Debug, Clone)]
struct Citizen {
    sub: String,
    rut: Option<String>,
    email: Option<String>,
    id_token: String,
    access_token: openidconnect::AccessToken,
}

#[derive(Default)]
struct Memory {
    /// state → (nonce, PKCE verifier, the browser's login cookie), while the citizen is at the provider.
    pending: HashMap<String, (String, String, String)>,
    /// This platform's own session cookie → the citizen.
    sessions: HashMap<String, Citizen>,
}

#[derive(Clone)]
pub struct SamplePlatform {
    settings: Arc<PlatformSettings>,
    memory: Arc<Mutex<Memory>>,
    http: openidconnect::reqwest::Client,
}

/// The platform's own session cookie: named after the client, since cookies do not tell ports apart (two
/// sample platforms on one machine would share it).
fn cookie_name(platform: &SamplePlatform) -> String {
    format!("plataforma_sesion_{}", platform.settings.client_id)
}

impl SamplePlatform {
    pub fn new(settings: PlatformSettings) -> SamplePlatform {
        let http = openidconnect::reqwest::ClientBuilder::new()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        SamplePlatform { settings: Arc::new(settings), memory: Arc::default(), http }
    }

    pub fn router(self) -> Router {
        Router::new()
            .route("/", get(home))
            .route("/ingresar", get(sign_in))
            .route("/callback", get(callback))
            .route("/salir", get(sign_out))
            .route("/adios", get(goodbye))
            .with_state(self)
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn page(title: &str, body: &str) -> Response {
    Html(format!(
        "<!doctype html><html lang=\"es\"><meta charset=\"utf-8\"><title>{title}</title>\
         <body style=\"font-family:sans-serif;max-width:40rem;margin:3rem auto\"><h1>{title}</h1>{body}</body></html>"
    ))
    .into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn session_of(platform: &SamplePlatform, headers: &HeaderMap) -> Option<String> {
    cookie_of(headers, &cookie_name(platform))
}

/// The cookie that ties a login begun here to the browser that began it (login CSRF: a callback URL sent to
/// someone else must not log them in as whoever began it).
fn login_cookie_name(platform: &SamplePlatform) -> String {
    format!("plataforma_ingreso_{}", platform.settings.client_id)
}

fn cookie_of(headers: &HeaderMap, cookie: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (name, value) = c.trim().split_once('=')?;
        (name == cookie).then(|| value.to_owned())
    })
}

fn random() -> String {
    CsrfToken::new_random().secret().clone()
}

async fn home(State(platform): State<SamplePlatform>, headers: HeaderMap) -> Response {
    let name = escape(&platform.settings.name);
    let session = session_of(&platform, &headers);
    let citizen = session.as_ref().and_then(|s| platform.memory().sessions.get(s).cloned());
    // Still signed in at Clave Sence? A logout there (from any platform) revokes our access token.
    let citizen = match citizen {
        Some(c) if still_valid(&platform, &c).await => Some(c),
        Some(_) => {
            if let Some(s) = &session {
                platform.memory().sessions.remove(s);
            }
            None
        }
        None => None,
    };
    match citizen {
        Some(c) => page(
            &name,
            &format!(
                "<p>Ingresó con Clave Sence. La plataforma recibió:</p><dl>\
                 <dt>sub</dt><dd id=\"sub\">{}</dd><dt>RUT</dt><dd id=\"rut\">{}</dd><dt>Correo</dt><dd id=\"email\">{}</dd></dl>\
                 <p><a href=\"/salir\">Cerrar sesión</a></p>",
                escape(&c.sub),
                escape(c.rut.as_deref().unwrap_or("—")),
                escape(c.email.as_deref().unwrap_or("—"))
            ),
        ),
        None => page(
            &name,
            "<p>Para continuar, ingrese con su Clave Sence.</p><p><a href=\"/ingresar\">Ingresar con Clave Sence</a></p>",
        ),
    }
}

async fn still_valid(platform: &SamplePlatform, citizen: &Citizen) -> bool {
    let Ok(client) = client(platform).await else { return false };
    let Ok(request) = client.user_info(citizen.access_token.clone(), None) else { return false };
    let info: Result<UserInfoClaims<SenceClaims, CoreGenderClaim>, _> = request.request_async(&platform.http).await;
    info.is_ok()
}

/// An `openidconnect` client made from a provider's discovery document (its type names which endpoints the
/// document gave).
pub type DiscoveredClient = openidconnect::Client<
    openidconnect::EmptyAdditionalClaims,
    openidconnect::core::CoreAuthDisplay,
    CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    openidconnect::core::CoreJsonWebKey,
    openidconnect::core::CoreAuthPrompt,
    openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    openidconnect::core::CoreTokenResponse,
    openidconnect::core::CoreTokenIntrospectionResponse,
    openidconnect::core::CoreRevocableToken,
    openidconnect::core::CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// The provider's client, from its discovery document (fetched each time: this is a demonstration).
async fn client(platform: &SamplePlatform) -> Result<DiscoveredClient, String> {
    let settings = &platform.settings;
    let issuer = IssuerUrl::new(settings.issuer.clone()).map_err(|e| e.to_string())?;
    let metadata = CoreProviderMetadata::discover_async(issuer, &platform.http).await.map_err(|e| e.to_string())?;
    let redirect = RedirectUrl::new(format!("{}/callback", settings.base_url)).map_err(|e| e.to_string())?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(settings.client_id.clone()),
        Some(ClientSecret::new(settings.client_secret.clone())),
    )
    .set_redirect_uri(redirect))
}

async fn sign_in(State(platform): State<SamplePlatform>) -> Response {
    let client = match client(&platform).await {
        Ok(client) => client,
        Err(error) => return page("Clave Sence no responde", &escape(&error)),
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("rut".into()))
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    let binding = random();
    let pending = (nonce.secret().clone(), verifier.secret().clone(), binding.clone());
    platform.memory().pending.insert(state.secret().clone(), pending);
    let mut response = Redirect::to(url.as_str()).into_response();
    let cookie = format!("{}={binding}; Path=/; HttpOnly; SameSite=Lax", login_cookie_name(&platform));
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

#[derive(Debug, Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
}

async fn callback(
    State(platform): State<SamplePlatform>,
    headers: HeaderMap,
    Query(answer): Query<Callback>,
) -> Response {
    // RFC 9207: every answer, an error too, must come from the provider we sent the citizen to.
    if answer.iss.as_deref() != Some(platform.settings.issuer.as_str()) {
        return page("No se pudo ingresar", "<p>La respuesta no viene de Clave Sence.</p>");
    }
    let pending = answer.state.as_deref().and_then(|s| platform.memory().pending.remove(s));
    let browser = cookie_of(&headers, &login_cookie_name(&platform));
    let pending = pending.filter(|(_, _, binding)| browser.as_deref() == Some(binding.as_str()));
    let Some((nonce, verifier, _)) = pending else {
        return page(
            "No se pudo ingresar",
            "<p>La respuesta no corresponde a un ingreso iniciado en este navegador.</p>",
        );
    };
    if let Some(error) = answer.error {
        return page("No se pudo ingresar", &format!("<p>Clave Sence respondió: {}</p>", escape(&error)));
    }
    let Some(code) = answer.code else {
        return page("No se pudo ingresar", "<p>La respuesta no trae un código.</p>");
    };
    match finish(&platform, code, nonce, verifier).await {
        Ok(citizen) => {
            let session = random();
            platform.memory().sessions.insert(session.clone(), citizen);
            let mut response = Redirect::to("/").into_response();
            if let Ok(cookie) =
                HeaderValue::from_str(&format!("{}={session}; Path=/; HttpOnly; SameSite=Lax", cookie_name(&platform)))
            {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(error) => page("No se pudo ingresar", &format!("<p>{}</p>", escape(&error))),
    }
}

async fn finish(platform: &SamplePlatform, code: String, nonce: String, verifier: String) -> Result<Citizen, String> {
    let client = client(platform).await?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| e.to_string())?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&platform.http)
        .await
        .map_err(|e| format!("token: {e}"))?;
    let id_token = tokens.id_token().ok_or("sin ID token")?;
    let claims =
        id_token.claims(&client.id_token_verifier(), &Nonce::new(nonce)).map_err(|e| format!("ID token: {e}"))?;
    let info: UserInfoClaims<SenceClaims, CoreGenderClaim> = client
        .user_info(tokens.access_token().clone(), None)
        .map_err(|e| e.to_string())?
        .request_async(&platform.http)
        .await
        .map_err(|e| format!("userinfo: {e}"))?;
    Ok(Citizen {
        sub: claims.subject().to_string(),
        rut: info.additional_claims().rut.as_ref().map(|r| format!("{}-{}", r.numero, r.dv)),
        email: info.email().map(|e| e.to_string()),
        id_token: id_token.to_string(),
        access_token: tokens.access_token().clone(),
    })
}

async fn sign_out(State(platform): State<SamplePlatform>, headers: HeaderMap) -> Response {
    let citizen = session_of(&platform, &headers).and_then(|s| platform.memory().sessions.remove(&s));
    let Some(citizen) = citizen else { return Redirect::to("/").into_response() };
    let mut url = match url::Url::parse(&format!("{}/oauth2/logout", platform.settings.issuer)) {
        Ok(url) => url,
        Err(_) => return Redirect::to("/").into_response(),
    };
    url.query_pairs_mut()
        .append_pair("id_token_hint", &citizen.id_token)
        .append_pair("post_logout_redirect_uri", &format!("{}/adios", platform.settings.base_url))
        .append_pair("state", &random());
    Redirect::to(url.as_str()).into_response()
}

async fn goodbye(State(platform): State<SamplePlatform>) -> Response {
    page(
        &escape(&platform.settings.name),
        "<p id=\"adios\">Cerró su sesión.</p><p><a href=\"/\">Volver al inicio</a></p>",
    )
}
