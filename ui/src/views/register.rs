//! Registration (§2): the whole form in the guide's order, the captcha, "Crear Cuenta" and "Volver".

use dioxus::prelude::*;
use domain::api::{FlowKind, FlowStep, FlowView, RegisterForm};
use domain::{ErrorCode, clave};

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

    if let Some(interlude) = page.interlude(tr!("register.heading")) {
        return interlude;
    }

    rsx! {
        h1 { {tr!("register.heading")} }
        p { {tr!("register.intro")} }
        Important { text: tr!("register.info") }
        form { novalidate: true, onsubmit: submit,
            Section { title: tr!("register.section_registration"),
                RutField { value: rut, status }
                Field { id: "serial", label: tr!("fields.serial"), value: serial, status, field: "serial", required: true,
                    hint: tr!("fields.serial_hint"), autocomplete: "off" }
                QuestionSelect { value: question, status }
                Field { id: "answer", label: tr!("fields.answer"), value: answer, status, field: "answer", required: true, autocomplete: "off" }
            }
            Section { title: tr!("register.section_address"),
                AddressBlock { address, status }
            }
            Section { title: tr!("register.section_contact"),
                ContactBlock { contacts, status, email_label: tr!("fields.email"), mobile_label: tr!("fields.mobile") }
                crate::language::NoticeLanguage { value: notices_in }
            }
            Section { title: tr!("register.section_clave"),
                Field { id: "cs", label: tr!("fields.cs"), value: cs, status, field: "cs", required: true, kind: "password",
                    autocomplete: "new-password", hint: tr!("fields.cs_hint"), onblur: check_cs }
                Field { id: "cs_repeat", label: tr!("fields.cs_repeat"), value: cs_repeat, status, field: "cs_repeat", required: true,
                    kind: "password", autocomplete: "new-password" }
            }
            FinalStep { captcha, status, label: tr!("register.submit") }
        }
        if done() {
            SuccessDialog {
                lines: vec![
                    tr!("register.done_line"),
                    tr!("register.done_next"),
                    tr!("register.email_line"),
                ],
                on_accept: move |_| { navigator.push(super::sign_in::after_flow()); },
            }
        }
    }
}
