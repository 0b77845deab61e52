//! "Ingresar con Clave Sence": the OpenID Connect provider driven by a relying-party library nobody here wrote
//! (the `openidconnect` crate): discovery, PKCE, the login page's call, the code exchange, the ID token's
//! signature and nonce, userinfo; then the refusals the standards require.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreProviderMetadata};
use openidconnect::{
    AdditionalClaims, AuthType, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse, UserInfoClaims,
};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use server::store::oidc::Client;

use crate::helpers::*;

const PLATFORM: &str = "https://plataforma.sence.cl/callback";
const LOGGED_OUT: &str = "https://plataforma.sence.cl/adios";

/// The `rut` claim, as ClaveÚnica's `RolUnico`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct RutClaim {
    numero: u32,
    dv: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SenceClaims {
    rut: Option<RutClaim>,
}
impl AdditionalClaims for SenceClaims {}

struct Provider {
    app: TestApp,
    /// A browser: keeps the session cookie, follows no redirects (each is checked).
    browser: reqwest::Client,
    /// The relying party's HTTP client.
    http: openidconnect::reqwest::Client,
    /// The secret of a second confidential client, `otra-plataforma`.
    other_secret: String,
}

/// The app with its public URL on its own port (the issuer must be the address the platform reaches), a
/// registered account, and confidential clients `plataforma` (secret returned) and `otra-plataforma`, and a
/// public one `app-movil`.
async fn provider() -> (Provider, String) {
    provider_with(|_| {}).await
}

async fn provider_with(configure: impl FnOnce(&mut server::Settings)) -> (Provider, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = spawn_app_with(|s| {
        s.http.listen = format!("127.0.0.1:{port}").parse().unwrap();
        s.public_url = format!("http://127.0.0.1:{port}");
        configure(s);
    })
    .await;
    app.register_default().await;
    let client = |id: &str| Client {
        id: id.into(),
        name: "Plataforma SENCE de ejemplo".into(),
        secret_hash: None,
        redirect_uris: vec![PLATFORM.into()],
        post_logout_uris: vec![LOGGED_OUT.into()],
        scopes: vec!["openid".into(), "rut".into(), "email".into()],
    };
    let secret = server::oidc::register_client(&app.store, client("plataforma"), true, 0).await.unwrap().unwrap();
    server::oidc::register_client(&app.store, client("app-movil"), false, 0).await.unwrap();
    let other_secret =
        server::oidc::register_client(&app.store, client("otra-plataforma"), true, 0).await.unwrap().unwrap();
    let browser =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let http = openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (Provider { app, browser, http, other_secret }, secret)
}

impl Provider {
    fn issuer(&self) -> String {
        self.app.address.clone()
    }

    async fn rp(&self, id: &str, secret: Option<&str>) -> impl RelyingParty {
        self.rp_with(id, secret, AuthType::BasicAuth).await
    }

    /// A relying party that authenticates as `auth` says (the library's default is HTTP Basic).
    async fn rp_with(&self, id: &str, secret: Option<&str>, auth: AuthType) -> impl RelyingParty {
        let metadata =
            CoreProviderMetadata::discover_async(IssuerUrl::new(self.issuer()).unwrap(), &self.http).await.unwrap();
        CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(id.into()),
            secret.map(|s| ClientSecret::new(s.into())),
        )
        .set_redirect_uri(RedirectUrl::new(PLATFORM.into()).unwrap())
        .set_auth_type(auth)
    }

    /// Follows the browser from the platform's authorization URL: to the login page (RUT + CS typed), or
    /// straight back when a session exists. The query of the redirect back to the platform.
    async fn browse(&self, authorize_url: &str, login: Option<(&str, &str)>) -> Vec<(String, String)> {
        let response = self.browser.get(authorize_url).send().await.unwrap();
        assert!(response.status().is_redirection(), "{}", response.status());
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let back = match location.strip_prefix("/ingresar/") {
            Some(id) => {
                let (rut, cs) = login.expect("a login page, with credentials to type");
                let pending: serde_json::Value = self
                    .browser
                    .get(format!("{}/api/authorize/{id}", self.issuer()))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert_eq!(pending["client_name"], "Plataforma SENCE de ejemplo");
                let response = self
                    .browser
                    .post(format!("{}/api/authorize/{id}", self.issuer()))
                    .json(&json!({ "rut": rut, "cs": cs }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                let body: serde_json::Value = response.json().await.unwrap();
                body["redirect"].as_str().unwrap().to_owned()
            }
            None => location,
        };
        assert!(back.starts_with(PLATFORM), "{back}");
        url::Url::parse(&back).unwrap().query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
    }
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// What the tests call on a configured `CoreClient` (its type names every endpoint's state).
trait RelyingParty {
    fn start(&self, scopes: &[&str]) -> (String, CsrfToken, Nonce, openidconnect::PkceCodeVerifier);
    async fn exchange(
        &self,
        code: &str,
        verifier: openidconnect::PkceCodeVerifier,
        http: &openidconnect::reqwest::Client,
    ) -> Result<openidconnect::core::CoreTokenResponse, String>;
    fn verify(&self, response: &openidconnect::core::CoreTokenResponse, nonce: &Nonce) -> Result<String, String>;
    fn verify_id_token(&self, id_token: &str, nonce: &Nonce) -> Result<String, String>;
    async fn userinfo(
        &self,
        response: &openidconnect::core::CoreTokenResponse,
        http: &openidconnect::reqwest::Client,
    ) -> Result<UserInfoClaims<SenceClaims, CoreGenderClaim>, String>;
}

impl RelyingParty for fakes::sample_platform::DiscoveredClient {
    fn start(&self, scopes: &[&str]) -> (String, CsrfToken, Nonce, openidconnect::PkceCodeVerifier) {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = self
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .set_pkce_challenge(challenge);
        for scope in scopes {
            request = request.add_scope(Scope::new((*scope).into()));
        }
        let (url, state, nonce) = request.url();
        (url.to_string(), state, nonce, verifier)
    }

    async fn exchange(
        &self,
        code: &str,
        verifier: openidconnect::PkceCodeVerifier,
        http: &openidconnect::reqwest::Client,
    ) -> Result<openidconnect::core::CoreTokenResponse, String> {
        self.exchange_code(AuthorizationCode::new(code.into()))
            .map_err(|e| e.to_string())?
            .set_pkce_verifier(verifier)
            .request_async(http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(r) => r.error().to_string(),
                other => other.to_string(),
            })
    }

    fn verify(&self, response: &openidconnect::core::CoreTokenResponse, nonce: &Nonce) -> Result<String, String> {
        self.verify_id_token(&response.id_token().ok_or("no ID token")?.to_string(), nonce)
    }

    fn verify_id_token(&self, id_token: &str, nonce: &Nonce) -> Result<String, String> {
        let id_token: openidconnect::core::CoreIdToken = id_token.parse().map_err(|e| format!("{e:?}"))?;
        let claims = id_token.claims(&self.id_token_verifier(), nonce).map_err(|e| e.to_string())?;
        Ok(claims.subject().to_string())
    }

    async fn userinfo(
        &self,
        response: &openidconnect::core::CoreTokenResponse,
        http: &openidconnect::reqwest::Client,
    ) -> Result<UserInfoClaims<SenceClaims, CoreGenderClaim>, String> {
        self.user_info(response.access_token().clone(), None)
            .map_err(|e| e.to_string())?
            .request_async(http)
            .await
            .map_err(|e| e.to_string())
    }
}

#[tokio::test]
async fn a_platform_logs_a_citizen_in_with_the_openidconnect_crate() {
    logs_in_with_the_openidconnect_crate(AuthType::BasicAuth).await;
}

/// The same with `client_secret_post`, the method several libraries use when given only a secret.
#[tokio::test]
async fn a_platform_logs_a_citizen_in_with_the_openidconnect_crate_posting_its_secret() {
    logs_in_with_the_openidconnect_crate(AuthType::RequestBody).await;
}

/// The whole walk, with `profile` asked as several libraries do by default: it is ignored (we hold no names),
/// and nothing else changes.
async fn logs_in_with_the_openidconnect_crate(auth: AuthType) {
    let (provider, secret) = provider().await;
    let discovery: serde_json::Value = reqwest::get(format!("{}/.well-known/openid-configuration", provider.issuer()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        discovery["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post", "none"])
    );
    let rp = provider.rp_with("plataforma", Some(&secret), auth.clone()).await;
    let (url, state, nonce, verifier) = rp.start(&["profile", "rut", "email"]);
    let back = provider.browse(&url, Some((RUT, CS))).await;
    assert_eq!(param(&back, "state"), Some(state.secret().as_str()));
    assert_eq!(param(&back, "iss"), Some(provider.issuer().as_str()), "RFC 9207");
    let code = param(&back, "code").unwrap();
    let tokens = rp.exchange(code, verifier, &provider.http).await.unwrap();
    let sub = rp.verify(&tokens, &nonce).unwrap();
    assert!(!sub.contains("12345678"), "sub is opaque: {sub}");
    // The same ID token with one claim changed: the library refuses its signature.
    let text = tokens.id_token().unwrap().to_string();
    let (head, rest) = text.split_once('.').unwrap();
    let (body, signature) = rest.split_once('.').unwrap();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims = String::from_utf8(b64.decode(body).unwrap()).unwrap().replace(&sub, "otro-ciudadano");
    let forged = format!("{head}.{}.{signature}", b64.encode(claims));
    assert!(rp.verify_id_token(&forged, &nonce).is_err(), "a tampered ID token is refused");
    assert_eq!(rp.verify_id_token(&text, &nonce).unwrap(), sub);
    let info = rp.userinfo(&tokens, &provider.http).await.unwrap();
    assert_eq!(info.subject().as_str(), sub);
    assert_eq!(info.additional_claims().rut, Some(RutClaim { numero: 12_345_678, dv: "5".into() }));
    assert_eq!(info.email().map(|e| e.as_str()), Some("juana.perez@example.cl"));
    assert!(info.name().is_none() && info.given_name().is_none(), "profile: no claim we do not hold");
    assert_eq!(tokens.scopes().map(|s| s.len()), Some(3), "openid rut email: {:?}", tokens.scopes());

    // A second platform gets in without typing: single sign-on.
    let other = provider.rp_with("otra-plataforma", Some(&provider.other_secret), auth).await;
    let (url, _, nonce, verifier) = other.start(&["rut"]);
    let back = provider.browse(&url, None).await;
    let tokens = other.exchange(param(&back, "code").unwrap(), verifier, &provider.http).await.unwrap();
    assert_eq!(other.verify(&tokens, &nonce).unwrap(), sub, "the same citizen, the same sub");

    // A public client (a phone app) proves no identity: the citizen sees the page even with a session
    // (RFC 8252 §8.6), then the app trades its code with PKCE alone.
    let phone = provider.rp("app-movil", None).await;
    let (url, _, nonce, verifier) = phone.start(&["rut"]);
    let back = provider.browse(&url, Some((RUT, CS))).await;
    let tokens = phone.exchange(param(&back, "code").unwrap(), verifier, &provider.http).await.unwrap();
    assert_eq!(phone.verify(&tokens, &nonce).unwrap(), sub);

    // The same code again: refused, and what it got is revoked.
    let (url, _, _, verifier) = rp.start(&["rut"]);
    let back = provider.browse(&url, None).await;
    let code = param(&back, "code").unwrap().to_owned();
    let tokens = rp.exchange(&code, verifier, &provider.http).await.unwrap();
    assert!(rp.userinfo(&tokens, &provider.http).await.is_ok());
    let again = rp.exchange(&code, PkceCodeChallenge::new_random_sha256().1, &provider.http).await;
    assert_eq!(again.unwrap_err(), "invalid_grant");
    assert!(rp.userinfo(&tokens, &provider.http).await.is_err(), "tokens of a replayed code are revoked");
}

#[tokio::test]
async fn the_provider_refuses_what_the_standards_refuse() {
    let (provider, secret) = provider().await;
    let rp = provider.rp("plataforma", Some(&secret)).await;

    // A wrong PKCE verifier.
    let (url, _, _, _) = rp.start(&[]);
    let back = provider.browse(&url, Some((RUT, CS))).await;
    let wrong = PkceCodeChallenge::new_random_sha256().1;
    assert_eq!(rp.exchange(param(&back, "code").unwrap(), wrong, &provider.http).await.unwrap_err(), "invalid_grant");

    // At the token endpoint: no verifier; a redirect_uri other than the authorization request's.
    let (url, _, _, _) = rp.start(&[]);
    let back = provider.browse(&url, None).await;
    let token = |form: Vec<(&'static str, String)>| {
        let request = provider.browser.post(format!("{}/oauth2/token", provider.issuer()));
        request.basic_auth("plataforma", Some(&secret)).form(&form).send()
    };
    let code = param(&back, "code").unwrap().to_owned();
    let base = vec![("grant_type", "authorization_code".to_owned()), ("code", code)];
    let missing = token([base.clone(), vec![("redirect_uri", PLATFORM.to_owned())]].concat()).await.unwrap();
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert_eq!(missing.json::<serde_json::Value>().await.unwrap()["error"], "invalid_request");
    let (url, _, _, verifier) = rp.start(&[]);
    let back = provider.browse(&url, None).await;
    let other = token(vec![
        ("grant_type", "authorization_code".to_owned()),
        ("code", param(&back, "code").unwrap().to_owned()),
        ("redirect_uri", format!("{PLATFORM}/extra")),
        ("code_verifier", verifier.secret().clone()),
    ])
    .await
    .unwrap();
    assert_eq!(other.json::<serde_json::Value>().await.unwrap()["error"], "invalid_grant");

    // A wrong client secret; an unknown client.
    let impostor = provider.rp("plataforma", Some("not-the-secret")).await;
    let (url, _, _, verifier) = impostor.start(&[]);
    let back = provider.browse(&url, None).await;
    assert_eq!(
        impostor.exchange(param(&back, "code").unwrap(), verifier, &provider.http).await.unwrap_err(),
        "invalid_client"
    );
    let unknown = provider.rp("nadie", None).await;
    let (url, _, _, _) = unknown.start(&[]);
    let page = provider.browser.get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST, "an unknown client is not redirected anywhere");

    // A redirect URI not registered (or with something added): an error page, never a redirect there.
    for evil in [
        "https://evil.example/callback",
        "https://plataforma.sence.cl/callback/../x",
        "https://plataforma.sence.cl/callback?x=1",
    ] {
        let (url, _, _, _) = rp.start(&[]);
        let url = url.replace(&urlencode(PLATFORM), &urlencode(evil));
        let page = provider.browser.get(&url).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::BAD_REQUEST, "{evil}");
        assert!(page.headers().get("location").is_none());
    }

    // response_type other than code; no PKCE: back to the platform with the error.
    let (url, _, _, _) = rp.start(&[]);
    let back = provider.browse(&url.replace("response_type=code", "response_type=token"), None).await;
    assert_eq!(param(&back, "error"), Some("unsupported_response_type"));
    let stripped: String = url.split('&').filter(|p| !p.starts_with("code_challenge")).collect::<Vec<_>>().join("&");
    let back = provider.browse(&stripped, None).await;
    assert_eq!(param(&back, "error"), Some("invalid_request"));

    // An expired code.
    let (url, _, _, verifier) = rp.start(&[]);
    let back = provider.browse(&url, None).await;
    provider.app.clock.advance(61);
    assert_eq!(
        rp.exchange(param(&back, "code").unwrap(), verifier, &provider.http).await.unwrap_err(),
        "invalid_grant"
    );

    // Logout with the platform's ID token as hint: an unregistered post-logout URI is refused (no open
    // redirect), and the session ends all the same; a registered one is where the browser goes.
    let (url, _, _, verifier) = rp.start(&[]);
    let back = provider.browse(&url, None).await;
    let tokens = rp.exchange(param(&back, "code").unwrap(), verifier, &provider.http).await.unwrap();
    let hint = urlencode(&tokens.id_token().unwrap().to_string());
    let logout = format!(
        "{}/oauth2/logout?id_token_hint={hint}&client_id=plataforma&post_logout_redirect_uri=",
        provider.issuer()
    );
    let page = provider.browser.get(format!("{logout}{}", urlencode("https://evil.example/"))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    let gone = provider.browser.get(format!("{logout}{}&state=s1", urlencode(LOGGED_OUT))).send().await.unwrap();
    assert_eq!(gone.headers()["location"], format!("{LOGGED_OUT}?state=s1"));
    let (url, _, _, _) = rp.start(&[]);
    let response = provider.browser.get(&url).send().await.unwrap();
    assert!(response.headers()["location"].to_str().unwrap().starts_with("/ingresar/"), "logged out: log in again");
}

#[tokio::test]
async fn prompt_login_and_max_age_ask_for_the_clave_again_and_prompt_none_never_asks() {
    let (provider, secret) = provider().await;
    let rp = provider.rp("plataforma", Some(&secret)).await;
    let (url, _, _, _) = rp.start(&[]);
    let back = provider.browse(&format!("{url}&prompt=none"), None).await;
    assert_eq!(param(&back, "error"), Some("login_required"), "no session, and no page may be shown");
    provider.browse(&url, Some((RUT, CS))).await;
    let browser = &provider.browser;
    let login_page = |url: String| async move {
        let response = browser.get(&url).send().await.unwrap();
        response.headers()["location"].to_str().unwrap().starts_with("/ingresar/")
    };
    assert!(!login_page(url.clone()).await, "a session: straight back");
    assert!(login_page(format!("{url}&prompt=login")).await);
    provider.app.clock.advance(10);
    assert!(login_page(format!("{url}&max_age=5")).await, "logged in 10 s ago, at most 5 allowed");
    assert!(!login_page(format!("{url}&max_age=60")).await);
    provider.app.clock.advance(31 * 60);
    assert!(login_page(url).await, "30 minutes idle end the session");
}

#[tokio::test]
async fn a_token_signed_before_a_key_rotation_verifies_until_its_key_retires() {
    let (provider, secret) = provider_with(|s| {
        s.oidc.key_rotation_seconds = 1_000;
        s.oidc.key_prepublish_seconds = 100;
        s.oidc.id_token_ttl_seconds = 600;
        // A retired key stays published as long as a session that began with it may send it as a logout hint.
        s.oidc.session_max_seconds = 600;
    })
    .await;
    let keys = || async {
        let jwks: serde_json::Value =
            reqwest::get(format!("{}/oauth2/jwks", provider.issuer())).await.unwrap().json().await.unwrap();
        jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    // Each login types the CS: by the second, the first's session has ended (600 s at most).
    let login = || {
        let provider = &provider;
        let secret = secret.clone();
        async move {
            let rp = provider.rp("plataforma", Some(&secret)).await;
            let (url, _, nonce, verifier) = rp.start(&[]);
            let back = provider.browse(&url, Some((RUT, CS))).await;
            let tokens = rp.exchange(param(&back, "code").unwrap(), verifier, &provider.http).await.unwrap();
            (tokens, nonce)
        }
    };
    let verifies = |tokens: openidconnect::core::CoreTokenResponse, nonce: Nonce| {
        let provider = &provider;
        let secret = secret.clone();
        // A platform that fetches the JWKS now.
        async move { provider.rp("plataforma", Some(&secret)).await.verify(&tokens, &nonce) }
    };
    let (old, old_nonce) = login().await;
    assert_eq!(keys().await.len(), 1);
    provider.app.clock.advance(950);
    assert_eq!(keys().await.len(), 2, "the next key is published before it signs");
    provider.app.clock.advance(100);
    let (new, new_nonce) = login().await;
    assert!(verifies(new, new_nonce).await.is_ok(), "signed with the new key");
    assert!(verifies(old.clone(), old_nonce.clone()).await.is_ok(), "the old key is still published");
    provider.app.clock.advance(600);
    assert_eq!(keys().await.len(), 1, "the old key retired once its last token and session ended");
    assert!(verifies(old, old_nonce).await.is_err(), "and its tokens no longer verify");
}

/// At a SENCE office kiosk the login page says so: the citizen gets in, and no session is left for whoever
/// uses the screen next.
#[tokio::test]
async fn a_login_at_a_kiosk_leaves_no_session_behind() {
    let (provider, secret) = provider().await;
    let rp = provider.rp("plataforma", Some(&secret)).await;
    let (url, _, _, verifier) = rp.start(&[]);
    let response = provider.browser.get(&url).send().await.unwrap();
    let id = response.headers()["location"].to_str().unwrap().trim_start_matches("/ingresar/").to_owned();
    let response = provider
        .browser
        .post(format!("{}/api/authorize/{id}", provider.issuer()))
        .json(&json!({ "rut": RUT, "cs": CS, "kiosk": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"), "no session cookie");
    let body: serde_json::Value = response.json().await.unwrap();
    let back = url::Url::parse(body["redirect"].as_str().unwrap()).unwrap();
    let code = back.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    assert!(rp.exchange(&code, verifier, &provider.http).await.is_ok(), "the platform gets its tokens");
    let (url, _, _, _) = rp.start(&[]);
    let next = provider.browser.get(&url).send().await.unwrap();
    assert!(next.headers()["location"].to_str().unwrap().starts_with("/ingresar/"), "the next citizen must log in");
}

/// A changed Clave Sence ends every session and token of the citizen: whoever knew the old one keeps nothing.
/// A confirmed logout the platform got wrong (a hint that is no token of ours) still ends the session.
#[tokio::test]
async fn a_changed_clave_and_any_logout_end_the_sessions() {
    let (provider, secret) = provider().await;
    let rp = provider.rp("plataforma", Some(&secret)).await;
    let login_page = |url: String| {
        let browser = provider.browser.clone();
        async move {
            browser.get(&url).send().await.unwrap().headers()["location"].to_str().unwrap().starts_with("/ingresar/")
        }
    };
    let (url, _, _, verifier) = rp.start(&[]);
    let back = provider.browse(&url, Some((RUT, CS))).await;
    let tokens = rp.exchange(param(&back, "code").unwrap(), verifier, &provider.http).await.unwrap();
    assert!(!login_page(url.clone()).await, "a session");
    let (status, flow) = provider.app.open("change", &json!({ "rut": RUT, "cs": CS })).await;
    assert_eq!(status, StatusCode::CREATED, "{flow}");
    let captcha = provider.app.captcha().await;
    let new = json!({ "cs": "Alameda-77", "cs_repeat": "Alameda-77", "captcha": captcha });
    let (status, done) = provider.app.step("change", &flow, "new-cs", &new).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(login_page(url.clone()).await, "the change ended the session");
    assert!(rp.userinfo(&tokens, &provider.http).await.is_err(), "and revoked its tokens");

    provider.browse(&url, Some((RUT, "Alameda-77"))).await;
    assert!(!login_page(url.clone()).await);
    // A hint that is no token of ours proves nothing: the citizen is asked, and the answer ends the session
    // even though the way back to the platform is lost.
    let wrong = provider
        .browser
        .post(format!("{}/oauth2/logout", provider.issuer()))
        .form(&[("id_token_hint", "not-a-token"), ("confirm", "si")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert!(wrong.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert!(login_page(url).await, "the session ended anyway");
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The same login with a relying party written in Python with Authlib (`tests/authlib_rp.py`): discovery,
/// PKCE, the ID token's ES256 signature, `iss`, `aud` and nonce, a tampered token refused, userinfo. Needs a
/// Python with Authlib: `CLAVE_AUTHLIB_PYTHON` (`cargo xtask test` installs one and runs this).
#[tokio::test]
#[ignore = "needs CLAVE_AUTHLIB_PYTHON (cargo xtask test sets it)"]
async fn a_platform_written_with_authlib_logs_a_citizen_in() {
    let python = std::env::var("CLAVE_AUTHLIB_PYTHON").expect("CLAVE_AUTHLIB_PYTHON: a python3 with authlib");
    let (provider, secret) = provider().await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("authlib_rp.py");
    let issuer = provider.issuer();
    // Authlib's default client authentication, then the one libraries use when given only a secret.
    for method in [None, Some("client_secret_post")] {
        let output = tokio::process::Command::new(&python)
            .arg(&script)
            .args([issuer.as_str(), "plataforma", secret.as_str(), PLATFORM, RUT, CS])
            .args(method)
            .output()
            .await
            .expect("run python");
        let stdout = String::from_utf8_lossy(&output.stdout);
        println!("{method:?}: {stdout}");
        assert!(output.status.success(), "{method:?}: {stdout}\n{}", String::from_utf8_lossy(&output.stderr));
        assert!(stdout.contains("tampered id token rejected") && stdout.contains("userinfo ok"), "{stdout}");
    }
}

/// A second citizen (11.111.111-1) with its own CS.
const OTHER_RUT: &str = "11.111.111-1";
const OTHER_CS: &str = "Maipú-1818";

async fn register_other(app: &TestApp) {
    let mut form = register_form(&app.captcha().await);
    form.rut = OTHER_RUT.into();
    form.serial = "100200300".into();
    form.email = "pedro.soto@example.cl".into();
    form.cs = OTHER_CS.into();
    form.cs_repeat = OTHER_CS.into();
    let (status, body) = app.register(&form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Whether `browser` is sent to the login page by the platform's authorization URL (no live session for it).
async fn asks_to_log_in(browser: &reqwest::Client, url: &str) -> bool {
    let response = browser.get(url).send().await.unwrap();
    response.headers()["location"].to_str().unwrap().starts_with("/ingresar/")
}

/// OpenID Connect Core §3.1.2.1: the authorization endpoint takes POST (form-encoded) as well as GET; RP-Initiated
/// Logout §2: so does the logout endpoint. A platform's logout form posted from its own site carries no
/// `SameSite=Lax` cookie: the hint's `sid` ends the session all the same.
#[tokio::test]
async fn authorize_and_logout_accept_post_as_the_standards_require() {
    let (provider, secret) = provider().await;
    let rp = provider.rp("plataforma", Some(&secret)).await;
    let (url, _, nonce, verifier) = rp.start(&["rut"]);
    let (endpoint, query) = url.split_once('?').unwrap();
    let posted = provider
        .browser
        .post(endpoint)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(query.to_owned())
        .send()
        .await
        .unwrap();
    assert!(posted.status().is_redirection(), "{}", posted.status());
    let location = posted.headers()["location"].to_str().unwrap().to_owned();
    let id = location.strip_prefix("/ingresar/").expect("the login page");
    let answer = provider
        .browser
        .post(format!("{}/api/authorize/{id}", provider.issuer()))
        .json(&json!({ "rut": RUT, "cs": CS }))
        .send()
        .await
        .unwrap();
    let back: serde_json::Value = answer.json().await.unwrap();
    let back = url::Url::parse(back["redirect"].as_str().unwrap()).unwrap();
    let code = back.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let tokens = rp.exchange(&code, verifier, &provider.http).await.unwrap();
    rp.verify(&tokens, &nonce).unwrap();
    assert!(!asks_to_log_in(&provider.browser, &url).await, "a session");

    // The platform's logout form, posted from its site: no cookie comes with it.
    let cookieless = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let hint = tokens.id_token().unwrap().to_string();
    let response = cookieless
        .post(format!("{}/oauth2/logout", provider.issuer()))
        .form(&[("id_token_hint", hint.as_str()), ("post_logout_redirect_uri", LOGGED_OUT), ("state", "s2")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], format!("{LOGGED_OUT}?state=s2"));
    assert!(asks_to_log_in(&provider.browser, &url).await, "the hinted session ended");
    assert!(rp.userinfo(&tokens, &provider.http).await.is_err(), "and its tokens");
}

/// `max_age=0` means a login now, even in the second of the last one; `prompt=none` with a hint naming another
/// citizen than the session's answers `login_required`, never a code for the session's citizen.
#[tokio::test]
async fn max_age_zero_and_a_hint_of_another_citizen_never_reuse_the_session() {
    let (provider, secret) = provider().await;
    register_other(&provider.app).await;
    let rp = provider.rp("plataforma", Some(&secret)).await;
    let (url, _, _, verifier) = rp.start(&[]);
    let back = provider.browse(&url, Some((RUT, CS))).await;
    let mine = rp.exchange(param(&back, "code").unwrap(), verifier, &provider.http).await.unwrap();
    assert!(asks_to_log_in(&provider.browser, &format!("{url}&max_age=0")).await, "the same second");
    assert!(!asks_to_log_in(&provider.browser, &url).await);
    let back = provider.browse(&format!("{url}&max_age=0&prompt=none"), None).await;
    assert_eq!(param(&back, "error"), Some("login_required"));

    // Another browser where the other citizen signs in: its ID token is the hint.
    let (url2, _, _, verifier2) = rp.start(&[]);
    let elsewhere =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let id = elsewhere.get(&url2).send().await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/ingresar/")
        .to_owned();
    let answer: serde_json::Value = elsewhere
        .post(format!("{}/api/authorize/{id}", provider.issuer()))
        .json(&json!({ "rut": OTHER_RUT, "cs": OTHER_CS }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = url::Url::parse(answer["redirect"].as_str().unwrap())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let theirs = rp.exchange(&code, verifier2, &provider.http).await.unwrap();
    let hint = |tokens: &openidconnect::core::CoreTokenResponse| urlencode(&tokens.id_token().unwrap().to_string());

    let back = provider.browse(&format!("{url}&prompt=none&id_token_hint={}", hint(&theirs)), None).await;
    assert_eq!(param(&back, "error"), Some("login_required"), "another citizen's hint");
    assert!(asks_to_log_in(&provider.browser, &format!("{url}&id_token_hint={}", hint(&theirs))).await);
    let back = provider.browse(&format!("{url}&prompt=none&id_token_hint=not-a-token"), None).await;
    assert_eq!(param(&back, "error"), Some("login_required"), "a hint that is not ours");
    let back = provider.browse(&format!("{url}&prompt=none&id_token_hint={}", hint(&mine)), None).await;
    assert!(param(&back, "code").is_some(), "the session's own citizen: {back:?}");
}

/// RFC 7009 §2.1: a platform may revoke only its own tokens; another's is refused with an error and stays valid.
/// RFC 6749 §2.3: one client authentication method per request.
#[tokio::test]
async fn a_platform_cannot_revoke_another_platforms_token_nor_authenticate_twice() {
    let (provider, secret) = provider().await;
    let rp = provider.rp("plataforma", Some(&secret)).await;
    let (url, _, _, verifier) = rp.start(&["rut"]);
    let back = provider.browse(&url, Some((RUT, CS))).await;
    let tokens = rp.exchange(param(&back, "code").unwrap(), verifier, &provider.http).await.unwrap();
    let token = tokens.access_token().secret().clone();
    let revoke = format!("{}/oauth2/revoke", provider.issuer());
    let refused = provider
        .browser
        .post(&revoke)
        .basic_auth("otra-plataforma", Some(&provider.other_secret))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(refused.json::<serde_json::Value>().await.unwrap()["error"], "unauthorized_client");
    assert!(rp.userinfo(&tokens, &provider.http).await.is_ok(), "still valid");
    let twice = provider
        .browser
        .post(&revoke)
        .basic_auth("plataforma", Some(&secret))
        .form(&[("token", token.as_str()), ("client_id", "plataforma"), ("client_secret", secret.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(twice.json::<serde_json::Value>().await.unwrap()["error"], "invalid_request");
    let wrong_secret = provider
        .browser
        .post(&revoke)
        .form(&[("token", token.as_str()), ("client_id", "plataforma"), ("client_secret", "not-it")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_secret.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_secret.json::<serde_json::Value>().await.unwrap()["error"], "invalid_client");
    let unknown = provider
        .browser
        .post(&revoke)
        .form(&[("token", "nunca-emitido"), ("client_id", "plataforma"), ("client_secret", secret.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::OK, "an unknown token: nothing to say (§2.2)");
    let own = provider
        .browser
        .post(&revoke)
        .form(&[("token", token.as_str()), ("client_id", "plataforma"), ("client_secret", secret.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    assert!(rp.userinfo(&tokens, &provider.http).await.is_err(), "revoked by its own platform");
}

/// A bare link to the logout endpoint (from any site) does not end the session: the citizen is asked
/// ("¿Cerrar su sesión de Clave Sence?"), and only the answer posted from our own page ends it.
#[tokio::test]
async fn a_logout_without_a_valid_hint_asks_the_citizen_first() {
    let (provider, secret) = provider().await;
    let rp = provider.rp("plataforma", Some(&secret)).await;
    let (url, _, _, _) = rp.start(&[]);
    provider.browse(&url, Some((RUT, CS))).await;
    let logout = format!("{}/oauth2/logout", provider.issuer());
    for asked in [logout.clone(), format!("{logout}?id_token_hint=not-a-token")] {
        let page = provider.browser.get(&asked).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.headers().get("set-cookie").is_none(), "{asked}");
        let html = page.text().await.unwrap();
        assert!(html.contains("¿Cerrar su sesión de Clave Sence?") && html.contains("name=\"confirm\""), "{html}");
        assert!(!asks_to_log_in(&provider.browser, &url).await, "still in after {asked}");
    }
    // Another site's form that says "confirm": its origin is not ours.
    let forged = provider
        .browser
        .post(&logout)
        .header("origin", "https://evil.example")
        .form(&[("confirm", "si")])
        .send()
        .await
        .unwrap();
    assert!(forged.text().await.unwrap().contains("¿Cerrar su sesión"), "asked again");
    assert!(!asks_to_log_in(&provider.browser, &url).await);
    // The citizen's answer on our page, with the platform's way back carried along.
    let confirmed = provider
        .browser
        .post(&logout)
        .header("origin", provider.issuer())
        .form(&[
            ("confirm", "si"),
            ("client_id", "plataforma"),
            ("post_logout_redirect_uri", LOGGED_OUT),
            ("state", "s3"),
        ])
        .send()
        .await
        .unwrap();
    // Posted from our page: the way back is a link (and `Refresh`), not a redirect the page's CSP would block.
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert_eq!(confirmed.headers()["refresh"], format!("0; url={LOGGED_OUT}?state=s3"));
    assert!(confirmed.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert!(confirmed.text().await.unwrap().contains(&format!("href=\"{LOGGED_OUT}?state=s3\"")));
    assert!(asks_to_log_in(&provider.browser, &url).await, "ended");
    // With no session there is nothing to ask.
    let page = provider.browser.get(&logout).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("Sesión cerrada"));
}

/// Only a browser's GET or HEAD of a UI route gets the page; an endpoint we do not have, under `/oauth2/`,
/// `/api/` or with any other method, is a JSON refusal.
#[tokio::test]
async fn unknown_protocol_paths_and_methods_are_refused_not_served_the_page() {
    let (provider, _) = provider().await;
    let client = reqwest::Client::new();
    for (method, path, status, code) in [
        (reqwest::Method::POST, "/oauth2/introspect", StatusCode::NOT_FOUND, "not_found"),
        (reqwest::Method::GET, "/oauth2/device", StatusCode::NOT_FOUND, "not_found"),
        (reqwest::Method::GET, "/.well-known/webfinger", StatusCode::NOT_FOUND, "not_found"),
        (reqwest::Method::POST, "/api/nada", StatusCode::NOT_FOUND, "not_found"),
        (reqwest::Method::POST, "/recuperar", StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
        (reqwest::Method::DELETE, "/", StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
    ] {
        let response = client.request(method.clone(), format!("{}{path}", provider.issuer())).send().await.unwrap();
        assert_eq!(response.status(), status, "{method} {path}");
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        assert_eq!(body["code"], code, "{method} {path}");
    }
}

/// A platform's request waits in the login page's address, sealed: asking a thousand times stores nothing,
/// and an address that was not sealed by us (or was altered) is no request.
#[tokio::test]
async fn pending_login_requests_are_sealed_in_the_address_not_stored() {
    let (provider, secret) = provider().await;
    let rp = provider.rp("plataforma", Some(&secret)).await;
    let (url, _, _, _) = rp.start(&[]);
    let mut ids = Vec::new();
    for _ in 0..200 {
        let response = provider.browser.get(&url).send().await.unwrap();
        ids.push(response.headers()["location"].to_str().unwrap().trim_start_matches("/ingresar/").to_owned());
    }
    let stored: (i64,) =
        provider.app.store.db().fetch_one("SELECT COUNT(*) FROM oidc_requests", server::params![]).await.unwrap();
    assert_eq!(stored.0, 0, "nothing stored");
    let pending = |id: String| {
        let browser = provider.browser.clone();
        let url = format!("{}/api/authorize/{id}", provider.issuer());
        async move { browser.get(url).send().await.unwrap().status() }
    };
    assert_eq!(pending(ids[0].clone()).await, StatusCode::OK);
    let mut altered = ids[1].clone().into_bytes();
    altered[20] = if altered[20] == b'A' { b'B' } else { b'A' };
    assert_eq!(pending(String::from_utf8(altered).unwrap()).await, StatusCode::NOT_FOUND);
    assert_eq!(pending("cualquier-cosa".into()).await, StatusCode::NOT_FOUND);
    provider.app.clock.advance(31 * 60);
    assert_eq!(pending(ids[2].clone()).await, StatusCode::NOT_FOUND, "expired after 30 minutes");
}
