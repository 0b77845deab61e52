//! Recovery (§3): the RUT and "Validar"; then the secret question with "No recuerdo la respuesta…" (§3.2/§3.3)
//! or, with no question on file, the ID card serial number (§3.1); then the masked e-mail with "¿El email es
//! correcto?" Sí/No; the captcha and "Recuperar Clave"; and the "Éxito" dialog.

use dioxus::prelude::*;
use domain::api::{
    CaptchaStep, Completion, FlowKind, FlowStep, FlowView, RecoveryAnswer, RecoveryContact, RecoverySerial,
    RecoveryStart,
};
use domain::{ErrorCode, FieldErrors, Rut};

use super::FlowId;
use super::flow::use_flow_page;
use crate::Route;
use crate::api::{self, Failure};
use crate::components::{
    Banner, CaptchaField, Checkbox, ContactCodes, Field, FinalStep, Important, RutField, Section, SubmitButton,
    SuccessDialog, use_captcha, use_form_status,
};

#[component]
pub fn Recover(flow: FlowId) -> Element {
    // The URL's flow id; `flow` below is the flow itself.
    let url = flow;
    let mut status = use_form_status();
    let rut = use_signal(String::new);
    let mut codes_accepted = use_signal(|| false);
    let answer = use_signal(String::new);
    let forgot = use_signal(|| false);
    let serial = use_signal(String::new);
    let mut email_correct = use_signal(|| None::<bool>);
    let new_email = use_signal(String::new);
    let new_mobile = use_signal(String::new);
    let mut captcha = use_captcha();
    let mut flow = use_signal(|| None::<FlowView>);
    let mut question = use_signal(|| None::<String>);
    let mut masked = use_signal(|| None::<String>);
    let mut serial_phase = use_signal(|| false);
    let mut done = use_signal(|| None::<Completion>);
    let navigator = use_navigator();
    let mut forgot_resumed = forgot;
    let page = use_flow_page(FlowKind::Recovery, &url, move |view: FlowView| {
        // The serial step with the question on file was reached by "No recuerdo…": the box stays ticked.
        forgot_resumed.set(view.step == FlowStep::Serial && view.question.is_some());
        question.set(view.question.clone());
        masked.set(view.email_masked.clone());
        serial_phase.set(view.step == FlowStep::Serial);
        done.set(view.completion);
        flow.set(Some(view));
    });

    let flow_id = move || flow.peek().as_ref().map(|f| f.id.clone()).unwrap_or_default();
    let step = flow.read().as_ref().map(|f| f.step);

    let start = move |e: FormEvent| {
        e.prevent_default();
        let mut request = RecoveryStart { rut: rut.peek().clone(), captcha: Default::default() };
        if let Err(code) = Rut::parse(&request.rut) {
            let mut fields = FieldErrors::new();
            fields.add("rut", code);
            status.invalid(fields);
            return;
        }
        if !status.begin() {
            return;
        }
        spawn(async move {
            request.captcha = captcha.settled().await;
            let opened = status.settle(api::post::<_, FlowView>("/api/recovery", &request).await);
            // Spent either way: the last step asks for a new one.
            captcha.refresh_for(request.rut.clone());
            if let Some(view) = opened {
                page.opened(&view.id);
                question.set(view.question.clone());
                serial_phase.set(view.step == FlowStep::Serial);
                flow.set(Some(view));
            }
        });
    };

    // "No recuerdo la respuesta a mi pregunta secreta": the serial number takes the answer's place.
    let mut forgot_box = forgot;
    // Unticked at the serial step: back to the answer.
    let on_forgot = move |on: bool| {
        if !status.begin() {
            forgot_box.set(!on);
            return;
        }
        let id = flow_id();
        spawn(async move {
            let forgot = RecoveryAnswer { answer: String::new(), forgot: on };
            match status.settle(api::post::<_, FlowView>(&format!("/api/recovery/{id}/answer"), &forgot).await) {
                Some(view) => {
                    serial_phase.set(on);
                    flow.set(Some(view));
                }
                None => forgot_box.set(!on),
            }
        });
    };

    let check_serial = move |e: FormEvent| {
        e.prevent_default();
        let request = RecoverySerial { serial: serial.peek().clone() };
        if !status.ready(request.parse()) {
            return;
        }
        let id = flow_id();
        spawn(async move {
            if let Some(view) =
                status.settle(api::post::<_, FlowView>(&format!("/api/recovery/{id}/serial"), &request).await)
            {
                masked.set(view.email_masked.clone());
                flow.set(Some(view));
            }
        });
    };

    // "Recuperar Clave": the answer (§3.3) or the contact choice (§3.1, §3.2), then the captcha.
    let finish = move |e: FormEvent| {
        e.prevent_default();
        let current = flow.peek().as_ref().map(|f| f.step);
        let contact = RecoveryContact {
            email_correct: email_correct.peek().unwrap_or(false),
            email: new_email.peek().clone(),
            mobile: new_mobile.peek().clone(),
        };
        if current == Some(FlowStep::Contact) {
            if email_correct.peek().is_none() {
                let mut fields = FieldErrors::new();
                fields.add("email_correct", ErrorCode::Required);
                status.invalid(fields);
                return;
            }
            if let Err(fields) = contact.parse() {
                status.invalid(fields);
                return;
            }
        }
        let answer_request = RecoveryAnswer { answer: answer.peek().clone(), forgot: false };
        if current == Some(FlowStep::Answer) && answer_request.answer.trim().is_empty() {
            let mut fields = FieldErrors::new();
            fields.add("answer", ErrorCode::Required);
            status.invalid(fields);
            return;
        }
        let mut captcha_step = CaptchaStep { captcha: Default::default() };
        if !status.begin() {
            return;
        }
        let id = flow_id();
        spawn(async move {
            let result: Result<FlowView, Failure> = async {
                let view: FlowView = match current {
                    Some(FlowStep::Answer) => api::post(&format!("/api/recovery/{id}/answer"), &answer_request).await?,
                    Some(FlowStep::Contact) => api::post(&format!("/api/recovery/{id}/contact"), &contact).await?,
                    _ => flow.peek().clone().ok_or(Failure::Network)?,
                };
                // New contacts: the codes sent to them before the captcha.
                if view.step == FlowStep::Verify {
                    return Ok(view);
                }
                flow.set(Some(view));
                captcha_step.captcha = captcha.settled().await;
                api::post(&format!("/api/recovery/{id}/captcha"), &captcha_step).await
            }
            .await;
            match status.settle(result) {
                Some(view) if view.step == FlowStep::Verify => flow.set(Some(view)),
                Some(view) => {
                    done.set(view.completion);
                    flow.set(Some(view));
                    crate::shell::notify("provisional_sent").await;
                }
                None => {
                    captcha.refresh_for(rut.peek().clone());
                }
            }
        });
    };

    if let Some(interlude) = page.interlude(tr!("recover.heading")) {
        return interlude;
    }
    let validated = step.is_some();
    let asks_answer = step == Some(FlowStep::Answer);
    let shows_contact = matches!(step, Some(FlowStep::Contact | FlowStep::Verify))
        || (serial_phase() && step == Some(FlowStep::Captcha));
    let codes = match flow.read().clone() {
        Some(FlowView { step: FlowStep::Verify, verify: Some(targets), id, .. }) => Some((id, targets)),
        _ => None,
    };
    let final_form = asks_answer || shows_contact || step == Some(FlowStep::Captcha);

    rsx! {
        h1 { {tr!("recover.heading")} }
        p { {tr!("recover.intro")} }
        Important { text: tr!("recover.important") }
        form { novalidate: true, onsubmit: start,
            Section { title: tr!("recover.section"),
                RutField { value: rut, status, readonly: validated }
            }
            if !validated {
                // Before the answer says whether the RUT has an account (see the README's rules).
                CaptchaField { captcha, status }
                Banner { status }
                div { class: "buttons", SubmitButton { label: tr!("common.validate"), status } }
            }
        }
        if let Some(code) = question() {
            div { class: "field",
                p { class: "label", {tr!("fields.question")} }
                p { class: "value", id: "question-on-file", {api::text(&format!("questions.{code}"))} }
            }
            if step == Some(FlowStep::Answer) || (step == Some(FlowStep::Serial) && forgot()) {
                Checkbox { id: "forgot", label: tr!("recover.forgot"), checked: forgot, onchange: on_forgot }
            }
        }
        if serial_phase() {
            form { novalidate: true, onsubmit: check_serial,
                Field { id: "serial", label: tr!("fields.serial"), value: serial, status, field: "serial", required: true,
                    hint: tr!("fields.serial_hint"), autocomplete: "off", readonly: step != Some(FlowStep::Serial) }
                if step == Some(FlowStep::Serial) {
                    Banner { status }
                    SubmitButton { label: tr!("common.validate"), status }
                }
            }
        }
        if final_form {
            form { novalidate: true, onsubmit: finish,
                if asks_answer {
                    Field { id: "answer", label: tr!("fields.answer"), value: answer, status, field: "answer", required: true, autocomplete: "off" }
                }
                if shows_contact {
                    p { {tr!("recover.will_send")} " " strong { id: "masked-email", {masked().unwrap_or_default()} } }
                    fieldset { class: "radios",
                        legend { {tr!("recover.email_correct")} }
                        div { class: "radio",
                            input { id: "email-yes", r#type: "radio", name: "email_correct", checked: email_correct() == Some(true),
                                disabled: step != Some(FlowStep::Contact), aria_describedby: "email_correct-error",
                                onchange: move |_| email_correct.set(Some(true)) }
                            label { r#for: "email-yes", {tr!("common.yes")} }
                        }
                        div { class: "radio",
                            input { id: "email-no", r#type: "radio", name: "email_correct", checked: email_correct() == Some(false),
                                disabled: step != Some(FlowStep::Contact), aria_describedby: "email_correct-error",
                                onchange: move |_| email_correct.set(Some(false)) }
                            label { r#for: "email-no", {tr!("common.no")} }
                        }
                        div { aria_live: "polite",
                            if status.error("email_correct").is_some() {
                                p { id: "email_correct-error", class: "error", {api::message(ErrorCode::Required, None)} }
                            }
                        }
                    }
                    if email_correct() == Some(false) {
                        Field { id: "new_email", label: tr!("fields.email_current"), value: new_email, status, field: "email",
                            required: true, kind: "email", autocomplete: "email", readonly: step != Some(FlowStep::Contact) }
                        Field { id: "new_mobile", label: tr!("fields.mobile_current"), value: new_mobile, status, field: "mobile",
                            required: true, kind: "tel", inputmode: "numeric", prefix: "+56 9", maxlength: "8", hint: tr!("fields.mobile_hint"),
                            readonly: step != Some(FlowStep::Contact) }
                    }
                }
                if codes.is_none() {
                    // After "Validar códigos" the same button comes back: say why (§3.1/§3.2 "No").
                    if codes_accepted() && step == Some(FlowStep::Captcha) {
                        p { class: "ok", role: "status", {tr!("codes.accepted")} }
                    }
                    FinalStep { captcha, status, label: tr!("recover.submit") }
                }
            }
            if let Some((id, targets)) = codes {
                ContactCodes { kind: "recovery", id, targets,
                    on_done: move |view: FlowView| {
                        captcha.refresh_for(rut.peek().clone());
                        codes_accepted.set(true);
                        flow.set(Some(view));
                    },
                }
            }
        } else {
            div { class: "buttons", Link { to: Route::Home {}, class: "button secondary", {tr!("common.back")} } }
        }
        if let Some(completion) = done() {
            SuccessDialog {
                lines: {
                    let mut lines = Vec::new();
                    if completion.sms { lines.push(tr!("recover.sms_line")); }
                    if completion.email { lines.push(tr!("recover.email_line")); }
                    lines.push(tr!("recover.reminder"));
                    lines
                },
                on_accept: move |_| {
                    super::change::hand_over(navigator, rut.peek().clone(), super::change::Why::ProvisionalSent);
                },
            }
        }
    }
}
