//! Labelled inputs. Each control has a visible `<label for>`, `aria-required`, `aria-invalid`, and its hint
//! and error linked by `aria-describedby`; the error sits in a polite live region so it is announced.

use dioxus::prelude::*;
use domain::{Region, Rut, SecretQuestion};

use super::FormStatus;
use crate::{api, shell};

fn describedby(id: &str, hint: bool, error: bool) -> String {
    let mut ids = Vec::new();
    if hint {
        ids.push(format!("{id}-hint"));
    }
    if error {
        ids.push(format!("{id}-error"));
    }
    ids.join(" ")
}

/// The label text with the guide's asterisk on required fields.
#[component]
fn Label(id: String, text: String, required: bool) -> Element {
    rsx! {
        label { r#for: "{id}", "{text}",
            if required { span { class: "req", aria_hidden: "true", " *" } }
        }
    }
}

#[component]
fn ErrorLine(id: String, field: String, status: FormStatus) -> Element {
    let error = status.error(&field);
    rsx! {
        div { aria_live: "polite",
            if let Some(code) = error {
                p { id: "{id}-error", class: "error", {api::message(code, None)} }
            }
        }
    }
}

/// A text input bound to `value`, whose refusals are those of API field `field`.
#[component]
pub fn Field(
    id: String,
    label: String,
    value: Signal<String>,
    status: FormStatus,
    field: String,
    #[props(default)] required: bool,
    #[props(default)] hint: Option<String>,
    #[props(default = "text".to_string())] kind: String,
    #[props(default)] autocomplete: Option<String>,
    #[props(default)] placeholder: Option<String>,
    #[props(default)] inputmode: Option<String>,
    #[props(default)] prefix: Option<String>,
    #[props(default)] maxlength: Option<String>,
    #[props(default)] readonly: bool,
    #[props(default)] onblur: Option<EventHandler<()>>,
) -> Element {
    let mut value = value;
    let mut status = status;
    let error = status.error(&field);
    let described = describedby(&id, hint.is_some(), error.is_some());
    let edited = field.clone();
    let shown_prefix = prefix.clone();
    rsx! {
        div { class: "field",
            Label { id: id.clone(), text: label, required }
            div { class: "control",
                if let Some(prefix) = prefix { span { class: "prefix", aria_hidden: "true", "{prefix}" } }
                input {
                    id: "{id}", name: "{id}", r#type: "{kind}", value: "{value}",
                    required, aria_required: required, aria_invalid: error.is_some(),
                    aria_describedby: described, autocomplete, placeholder, inputmode, maxlength, readonly,
                    // A refusal is about what was sent: editing the field takes it away.
                    oninput: move |e| {
                        value.set(e.value());
                        if status.errors.peek().get(&edited).is_some() {
                            status.set_field(&edited, None);
                        }
                    },
                    onblur: move |_| if let Some(handler) = onblur { handler.call(()) },
                }
            }
            // The prefix shows once, before the box; a screen reader (which skips it there) hears it with the
            // hint: "+56 9 (8 Caracteres)".
            if let Some(hint) = hint {
                p { id: "{id}-hint", class: "hint",
                    if let Some(prefix) = &shown_prefix { span { class: "visually-hidden", "{prefix} " } }
                    "{hint}"
                }
            }
            ErrorLine { id: id.clone(), field, status }
        }
    }
}

/// "Rut *": formats itself as `12.345.678-5` and says a wrong check digit as soon as the citizen leaves it.
#[component]
pub fn RutField(
    value: Signal<String>,
    status: FormStatus,
    #[props(default = "rut".to_string())] id: String,
    #[props(default)] readonly: bool,
) -> Element {
    let mut value = value;
    let mut status = status;
    let remember = use_signal(|| false);
    let can_remember = shell::can_remember();
    // Inside the desktop or phone app, the RUT remembered in the OS keyring fills the field.
    use_future(move || async move {
        let mut remember = remember;
        if let Some(rut) = shell::remembered_rut().await {
            if value.peek().is_empty() {
                value.set(rut);
            }
            remember.set(true);
        }
    });
    let check = move |_| {
        let raw = value.peek().clone();
        if raw.trim().is_empty() {
            return;
        }
        match Rut::parse(&raw) {
            Ok(rut) => {
                let display = rut.to_string();
                if display != raw {
                    value.set(display.clone());
                }
                if status.error("rut").is_some() {
                    status.set_field("rut", None);
                }
                if *remember.peek() {
                    spawn(async move { shell::remember_rut(&display).await });
                }
            }
            Err(code) => status.set_field("rut", Some(code)),
        }
    };
    let toggle = move |on: bool| {
        let raw = value.peek().clone();
        spawn(async move {
            match (on, Rut::parse(&raw)) {
                (true, Ok(rut)) => shell::remember_rut(&rut.to_string()).await,
                (true, Err(_)) => {}
                (false, _) => shell::forget_rut().await,
            }
        });
    };
    let remember_id = format!("{id}-remember");
    rsx! {
        Field {
            id, label: tr!("fields.rut"), value, status, field: "rut", required: true,
            hint: tr!("fields.rut_hint"), autocomplete: "username", maxlength: "12", readonly,
            onblur: check,
        }
        if can_remember {
            Checkbox { id: remember_id, label: tr!("fields.remember_rut"), checked: remember, onchange: toggle }
        }
    }
}

/// A checkbox with its label after it ("Sin Celular", "No recuerdo la respuesta…").
#[component]
pub fn Checkbox(
    id: String,
    label: String,
    checked: Signal<bool>,
    #[props(default)] onchange: Option<EventHandler<bool>>,
) -> Element {
    let mut checked = checked;
    rsx! {
        div { class: "checkbox",
            input {
                id: "{id}", r#type: "checkbox", checked: checked(),
                onchange: move |e| {
                    let on = e.checked();
                    checked.set(on);
                    if let Some(handler) = onchange { handler.call(on) }
                },
            }
            label { r#for: "{id}", "{label}" }
        }
    }
}

/// A select with "Seleccione" first.
#[component]
pub fn SelectField(
    id: String,
    label: String,
    value: Signal<String>,
    options: Vec<(String, String)>,
    status: FormStatus,
    field: String,
    #[props(default)] required: bool,
    #[props(default)] onchange: Option<EventHandler<String>>,
    #[props(default)] disabled: bool,
) -> Element {
    let mut value = value;
    let error = status.error(&field);
    let described = describedby(&id, false, error.is_some());
    let current = value();
    rsx! {
        div { class: "field",
            Label { id: id.clone(), text: label, required }
            select {
                id: "{id}", name: "{id}", required, disabled, aria_required: required, aria_invalid: error.is_some(), aria_describedby: described,
                onchange: move |e| {
                    let chosen = e.value();
                    value.set(chosen.clone());
                    if let Some(handler) = onchange { handler.call(chosen) }
                },
                option { value: "", selected: current.is_empty(), {tr!("common.select")} }
                for (code, name) in options {
                    option { key: "{code}", value: "{code}", selected: current == code, "{name}" }
                }
            }
            ErrorLine { id: id.clone(), field, status }
        }
    }
}

/// "Pregunta Secreta *": the fixed list of questions.
#[component]
pub fn QuestionSelect(value: Signal<String>, status: FormStatus, #[props(default)] disabled: bool) -> Element {
    let options = SecretQuestion::ALL
        .iter()
        .map(|q| (q.code().to_owned(), crate::api::text(&format!("questions.{}", q.code()))))
        .collect::<Vec<_>>();
    rsx! {
        SelectField { id: "question", label: tr!("fields.question"), value, options, status, field: "question", required: true, disabled }
    }
}

/// "Región *" then "Comuna *": the comunas offered are those of the chosen región.
#[component]
pub fn RegionComuna(region: Signal<String>, comuna: Signal<String>, status: FormStatus) -> Element {
    let mut comuna = comuna;
    let regions =
        Region::all().map(|r| (r.code().to_owned(), format!("{} - {}", r.roman(), r.name()))).collect::<Vec<_>>();
    let comunas = Region::parse(&region())
        .map(|r| r.comunas().map(|c| (c.code().to_owned(), c.name().to_owned())).collect::<Vec<_>>())
        .unwrap_or_default();
    rsx! {
        SelectField {
            id: "region", label: tr!("fields.region"), value: region, options: regions, status,
            field: "address.region", required: true, onchange: move |_| comuna.set(String::new()),
        }
        SelectField { id: "comuna", label: tr!("fields.comuna"), value: comuna, options: comunas, status, field: "address.comuna", required: true }
    }
}
