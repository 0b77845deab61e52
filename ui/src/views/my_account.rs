//! "Mi Clave Sence": after RUT + CS, what SENCE keeps about the citizen (contacts masked until asked), their
//! activity of the last 12 months, "Descargar mis datos", "Cerrar todas las sesiones", and a request to block
//! or delete the account. Runs on the server's session cookie: nothing of it is kept in the page.

use dioxus::prelude::*;
use domain::api::{AccountRequestForm, ActivityItem, MyData, SignInForm};
use domain::{Comuna, Region};
use rust_i18n::t;

use crate::api::{self, Failure};
use crate::components::{CredentialsForm, use_form_status};

/// A time as Chile reads it (`America/Santiago`), whatever the device's zone.
pub fn chile_time(unix: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"timeZone".into(), &"America/Santiago".into());
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    date.to_locale_string("es-CL", &options).into()
}

/// A text of `group` for a code from the server, or the code itself when there is none.
fn label(group: &str, code: &str) -> String {
    let key = format!("my_account.{group}_{code}");
    let text = api::text(&key);
    if text == key || text.ends_with(&key) { code.to_owned() } else { text }
}

#[component]
pub fn MyAccount() -> Element {
    let reveal = use_signal(|| false);
    let mut version = use_signal(|| 0u32);
    let data = use_resource(move || async move {
        let _ = version();
        api::get::<MyData>(if reveal() { "/api/account?ver=1" } else { "/api/account" }).await
    });
    let data = data.read();
    match &*data {
        None => rsx! { h1 { {tr!("my_account.heading")} } p { aria_busy: "true", {tr!("sign_in.loading")} } },
        Some(Err(Failure::Network)) => {
            rsx! { h1 { {tr!("my_account.heading")} } p { role: "alert", {tr!("common.network_error")} } }
        }
        Some(Err(Failure::Refused(_))) => rsx! { MySignIn { on_signed: move |_| version += 1 } },
        Some(Ok(data)) => {
            let data = data.clone();
            rsx! { Overview { data, reveal, version } }
        }
    }
}

/// The answer to a bearer sign-in.
#[derive(serde::Deserialize)]
struct Session {
    session: String,
}

/// "Descargar mis datos" where a link cannot carry the session (an app on another origin): fetched, then saved.
async fn download_export() -> Result<(), Failure> {
    use wasm_bindgen::JsCast as _;
    let text = api::get_text("/api/account/export").await?;
    let saved = (|| {
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(&text));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("application/json");
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
        let document = web_sys::window()?.document()?;
        let link: web_sys::HtmlAnchorElement = document.create_element("a").ok()?.dyn_into().ok()?;
        link.set_href(&url);
        link.set_download("mis-datos-clave-sence.json");
        link.click();
        web_sys::Url::revoke_object_url(&url).ok()
    })();
    saved.ok_or(Failure::Network)
}

#[component]
fn MySignIn(on_signed: EventHandler<()>) -> Element {
    let mut status = use_form_status();
    let rut = use_signal(String::new);
    let cs = use_signal(String::new);
    let submit = move |e: FormEvent| {
        e.prevent_default();
        let form = SignInForm {
            rut: rut.peek().clone(),
            cs: cs.peek().clone(),
            kiosk: crate::shell::kiosk().is_some(),
            bearer: api::cross_origin(),
        };
        if !status.ready(form.parse()) {
            return;
        }
        spawn(async move {
            let signed = if form.bearer {
                api::post::<_, Session>("/api/account/session", &form)
                    .await
                    .map(|s| api::set_account_session(Some(s.session)))
            } else {
                api::post_empty("/api/account/session", &form).await
            };
            if status.settle(signed).is_some() {
                on_signed.call(());
            }
        });
    };
    rsx! {
        h1 { {tr!("my_account.heading")} }
        p { {tr!("my_account.intro")} }
        CredentialsForm { id: "mine", title: tr!("my_account.sign_in"), rut, cs, status, onsubmit: submit }
    }
}

#[component]
fn Overview(data: MyData, reveal: Signal<bool>, version: Signal<u32>) -> Element {
    let mut reveal = reveal;
    let mut version = version;
    let activity = use_resource(move || async move {
        let _ = version();
        api::get::<Vec<ActivityItem>>("/api/account/activity").await
    });
    let mut said = use_signal(|| None::<String>);
    let end_all = move |_| {
        spawn(async move {
            match api::post_empty("/api/account/sessions/end", &serde_json::json!({})).await {
                Ok(()) => {
                    api::set_account_session(None);
                    version += 1;
                }
                Err(_) => said.set(Some(tr!("common.network_error"))),
            }
        });
    };
    let ask = move |kind: &'static str| {
        spawn(async move {
            let form = AccountRequestForm { kind: kind.to_owned() };
            match api::post_empty("/api/account/requests", &form).await {
                Ok(()) => {
                    said.set(Some(tr!("my_account.request_sent")));
                    version += 1;
                }
                Err(_) => said.set(Some(tr!("common.network_error"))),
            }
        });
    };
    let comuna = data.comuna.as_deref().and_then(|c| Comuna::parse(c).ok());
    let region = data.region.as_deref().and_then(|r| Region::parse(r).ok());
    let none = tr!("my_account.none");
    let or_none = |value: &Option<String>| value.clone().unwrap_or_else(|| none.clone());
    let address = match (&data.street, &data.number) {
        (Some(street), Some(number)) => {
            let extra: Vec<String> = [&data.block, &data.apartment].into_iter().flatten().cloned().collect();
            let extra = if extra.is_empty() { String::new() } else { format!(", {}", extra.join(", ")) };
            format!(
                "{street} {number}{extra}, {}, {}",
                comuna.map_or("", Comuna::name),
                region.map_or("", Region::name)
            )
        }
        _ => none.clone(),
    };
    let question = data.question.as_deref().map_or(none.clone(), |q| api::text(&format!("questions.{q}")));
    let activity = activity.read();
    rsx! {
        h1 { {tr!("my_account.heading")} }
        if let Some(frozen) = data.frozen_at {
            p { class: "important", role: "status", {t!("my_account.frozen", at = chile_time(frozen)).into_owned()} }
        }
        div { class: "status-region", role: "status", aria_live: "polite",
            if let Some(message) = said() { p { class: "banner", "{message}" } }
        }
        section { class: "box", aria_labelledby: "mine-data",
            h2 { id: "mine-data", {tr!("my_account.data_heading")} }
            dl { class: "facts",
                dt { {tr!("my_account.rut")} } dd { "{data.rut}" }
                dt { {tr!("my_account.question")} } dd { "{question}" }
                dt { {tr!("my_account.address")} } dd { "{address}" }
                dt { {tr!("my_account.email")} }
                dd { "{data.email}" if !data.email_confirmed { " " {tr!("my_account.email_unconfirmed")} } }
                dt { {tr!("my_account.mobile")} } dd { {data.mobile.clone().unwrap_or_else(|| tr!("fields.no_mobile"))} }
                dt { {tr!("my_account.home_phone")} } dd { {or_none(&data.home_phone)} }
                dt { {tr!("my_account.work_phone")} } dd { {or_none(&data.work_phone)} }
                dt { {tr!("my_account.created")} } dd { {chile_time(data.created_at)} " (" {label("origin", &data.origin)} ")" }
                dt { {tr!("my_account.updated")} } dd { {chile_time(data.updated_at)} }
                dt { {tr!("my_account.sessions")} } dd { "{data.sessions}" }
            }
            p { class: "hint", {tr!("my_account.kept")} }
            button { r#type: "button", aria_pressed: if reveal() { "true" } else { "false" },
                onclick: move |_| reveal.toggle(),
                if reveal() { {tr!("my_account.hide")} } else { {tr!("my_account.show")} }
            }
        }
        section { class: "box", aria_labelledby: "mine-activity",
            h2 { id: "mine-activity", {tr!("my_account.activity_heading")} }
            p { {tr!("my_account.activity_intro")} }
            match &*activity {
                Some(Ok(lines)) if lines.is_empty() => rsx! { p { {tr!("my_account.activity_none")} } },
                Some(Ok(lines)) => rsx! {
                    table { class: "activity",
                        caption { class: "visually-hidden", {tr!("my_account.activity_heading")} }
                        thead { tr {
                            th { scope: "col", {tr!("my_account.col_when")} }
                            th { scope: "col", {tr!("my_account.col_what")} }
                            th { scope: "col", {tr!("my_account.col_outcome")} }
                            th { scope: "col", {tr!("my_account.col_where")} }
                        } }
                        tbody {
                            for line in lines.iter() {
                                tr {
                                    td { {chile_time(line.at)} }
                                    td { {label("event", &line.event)} if let Some(p) = &line.platform { " (" "{p}" ")" } }
                                    td { {label("outcome", &line.outcome)} }
                                    td { {[line.place.clone(), line.device.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ")} }
                                }
                            }
                        }
                    }
                },
                Some(Err(_)) => rsx! { p { role: "alert", {tr!("common.network_error")} } },
                None => rsx! { p { aria_busy: "true", {tr!("sign_in.loading")} } },
            }
        }
        section { class: "box", aria_labelledby: "mine-actions",
            h2 { id: "mine-actions", {tr!("my_account.actions_heading")} }
            ul { class: "actions",
                if api::cross_origin() {
                    li { button { r#type: "button",
                        onclick: move |_| async move {
                            if download_export().await.is_err() {
                                said.set(Some(tr!("common.network_error")));
                            }
                        },
                        {tr!("my_account.export")} } }
                } else {
                    li { a { href: "/api/account/export", download: "mis-datos-clave-sence.json", {tr!("my_account.export")} } }
                }
                li { button { r#type: "button", onclick: end_all, {tr!("my_account.end_sessions")} } }
                li { button { r#type: "button", onclick: move |_| ask("block"), {tr!("my_account.request_block")} } }
                li { button { r#type: "button", onclick: move |_| ask("delete"), {tr!("my_account.request_delete")} } }
            }
            p { class: "hint", {tr!("my_account.delete_keeps")} }
            if !data.requests.is_empty() {
                h3 { {tr!("my_account.requests_heading")} }
                ul {
                    for request in data.requests.iter() {
                        li { {label("request_kind", &request.kind)} ": " {chile_time(request.created_at)} " — "
                            if request.handled_at.is_some() { {tr!("my_account.request_handled")} } else { {tr!("my_account.request_pending")} } }
                    }
                }
            }
        }
    }
}
