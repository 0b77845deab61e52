//! Registration (§2): the whole form in the guide's order, the captcha, "Crear Cuenta" and "Volver".

use dioxus::prelude::*;
use domain::api::{FlowKind, FlowStep, FlowView, RegisterForm};
use domain::{ErrorCode, clave};
use rust_i18n::t;

use super::FlowId;
use super::flow::use_flow_page;
use crate::api::{self, Failure};
use crate::components::{
    AddressBlock, ContactBlock, Field, FinalStep, Important, QuestionSelect, RutField, Section, SuccessDialog,
    use_address, use_captcha, use_contacts, use_form_status,
};

#[component]
pub fn Register(flow: FlowId) -> Element {
    // The URL's flow id; `flow` below is the id of the flow the form is sent to.
    let url = flow;
    let mut status = use_form_status();
    let rut = use_signal(String::new);
    let serial = use_signal(String::new);
    let question = use_signal(String::new);
    let answer = use_signal(String::new);
    let address = use_address();
    let contacts = use_contacts();
    let notices_in = use_signal(|| *crate::language::LANGUAGE.peek());
    let cs = use_signal(String::new);
    let cs_repeat = use_signal(String::new);
    let mut captcha = use_captcha();
    let mut done = use_signal(|| false);
    let mut flow = use_signal(|| None::<String>);
    let navigator = use_navigator();
    let page = use_flow_page(FlowKind::Registration, &url, move |view: FlowView| {
        done.set(view.step == FlowStep::Done);
        flow.set(Some(view.id));
    });

    let check_cs = move |_| {
        let raw = cs.peek().clone();
        if !raw.is_empty() {
            status.set_field("cs", clave::check_shape(&raw).err());
        }
    };
    let submit = move |e: FormEvent| {
        e.prevent_default();
        let mut form = RegisterForm {
            rut: rut.peek().clone(),
            serial: serial.peek().clone(),
            question: question.peek().clone(),
            answer: answer.peek().clone(),
            address: address.form(),
            email: contacts.email.peek().clone(),
            home_phone: contacts.home_phone.peek().clone(),
            work_phone: contacts.work_phone.peek().clone(),
            mobile: contacts.mobile.peek().clone(),
            no_mobile: *contacts.no_mobile.peek(),
            cs: cs.peek().clone(),
            cs_repeat: cs_repeat.peek().clone(),
            captcha: Default::default(),
            language: *notices_in.peek(),
        };
        if !status.ready(form.parse()) {
            return;
        }
        spawn(async move {
            form.captcha = captcha.settled().await;
            let result: Result<FlowView, Failure> = async {
                // The flow of an earlier refused submit is sent the form again, unless it expired meanwhile.
                if let Some(id) = flow.peek().clone() {
                    match api::post(&format!("/api/registration/{id}/form"), &form).await {
                        Err(Failure::Refused(body))
                            if matches!(body.code, ErrorCode::FlowExpired | ErrorCode::FlowNotFound) => {}
                        sent => return sent,
                    }
                }
                let opened: FlowView = api::post("/api/registration", &serde_json::json!({})).await?;
                flow.set(Some(opened.id.clone()));
                page.opened(&opened.id);
                api::post(&format!("/api/registration/{}/form", opened.id), &form).await
            }
            .await;
            match status.settle(result) {
                Some(_) => {
                    done.set(true);
                }
                None => {
                    captcha.refresh_for(form.rut.clone());
                }
            }
        });
    };

    if let Some(interlude) = page.interlude(t!("register.heading").to_string()) {
        return interlude;
    }

    rsx! {
        h1 { {tr!("register.heading")} }
        p { {tr!("register.intro")} }
        Important { text: t!("register.info").to_string() }
        form { novalidate: true, onsubmit: submit,
            Section { title: t!("register.section_registration").to_string(),
                RutField { value: rut, status }
                Field { id: "serial", label: t!("fields.serial").to_string(), value: serial, status, field: "serial", required: true,
                    hint: t!("fields.serial_hint").to_string(), autocomplete: "off" }
                QuestionSelect { value: question, status }
                Field { id: "answer", label: t!("fields.answer").to_string(), value: answer, status, field: "answer", required: true, autocomplete: "off" }
            }
            Section { title: t!("register.section_address").to_string(),
                AddressBlock { address, status }
            }
            Section { title: t!("register.section_contact").to_string(),
                ContactBlock { contacts, status, email_label: t!("fields.email").to_string(), mobile_label: t!("fields.mobile").to_string() }
                crate::language::NoticeLanguage { value: notices_in }
            }
            Section { title: t!("register.section_clave").to_string(),
                Field { id: "cs", label: t!("fields.cs").to_string(), value: cs, status, field: "cs", required: true, kind: "password",
                    autocomplete: "new-password", hint: t!("fields.cs_hint").to_string(), onblur: check_cs }
                Field { id: "cs_repeat", label: t!("fields.cs_repeat").to_string(), value: cs_repeat, status, field: "cs_repeat", required: true,
                    kind: "password", autocomplete: "new-password" }
            }
            FinalStep { captcha, status, label: t!("register.submit").to_string() }
        }
        if done() {
            SuccessDialog {
                lines: vec![
                    t!("register.done_line").to_string(),
                    t!("register.done_next").to_string(),
                    t!("register.email_line").to_string(),
                ],
                on_accept: move |_| { navigator.push(super::sign_in::after_flow()); },
            }
        }
    }
}
