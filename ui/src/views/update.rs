//! Update personal data (§5): "Validar Datos" (RUT + Clave Sence), "Datos de Seguridad" (secret question and
//! answer), then address and contacts, the captcha and "Actualizar datos".

use dioxus::prelude::*;
use domain::api::{Credentials, FlowKind, FlowStep, FlowView, SecurityForm, UpdateForm};

use super::FlowId;
use super::flow::use_flow_page;
use crate::Route;
use crate::api;
use crate::components::{
    AddressBlock, Banner, ContactBlock, ContactCodes, Field, FinalStep, QuestionSelect, RutField, Section,
    SubmitButton, SuccessDialog, use_address, use_captcha, use_contacts, use_form_status,
};

#[component]
pub fn Update(flow: FlowId) -> Element {
    // The URL's flow id; `flow` below is the flow itself.
    let url = flow;
    let mut status = use_form_status();
    let rut = use_signal(String::new);
    let cs = use_signal(String::new);
    let mut question = use_signal(String::new);
    let answer = use_signal(String::new);
    let mut address = use_address();
    let mut contacts = use_contacts();
    let mut notices_in = use_signal(|| *crate::language::LANGUAGE.peek());
    let mut captcha = use_captcha();
    let mut flow = use_signal(|| None::<FlowView>);
    let mut done = use_signal(|| false);
    let navigator = use_navigator();
    let page = use_flow_page(FlowKind::Update, &url, move |view: FlowView| {
        question.set(view.question.clone().unwrap_or_default());
        if let Some(data) = &view.data {
            address.fill(&data.address);
            contacts.fill(data);
            notices_in.set(data.language);
        }
        done.set(view.step == FlowStep::Done);
        flow.set(Some(view));
    });
    let flow_id = move || flow.peek().as_ref().map(|f| f.id.clone()).unwrap_or_default();
    let step = flow.read().as_ref().map(|f| f.step);

    let validate = move |e: FormEvent| {
        e.prevent_default();
        let credentials = Credentials { rut: rut.peek().clone(), cs: cs.peek().clone() };
        if !status.ready(credentials.parse()) {
            return;
        }
        spawn(async move {
            if let Some(view) = status.settle(api::post::<_, FlowView>("/api/update", &credentials).await) {
                page.opened(&view.id);
                question.set(view.question.clone().unwrap_or_default());
                flow.set(Some(view));
            }
        });
    };
    let security = move |e: FormEvent| {
        e.prevent_default();
        let form = SecurityForm { question: question.peek().clone(), answer: answer.peek().clone() };
        if !status.ready(form.parse()) {
            return;
        }
        let id = flow_id();
        spawn(async move {
            if let Some(view) =
                status.settle(api::post::<_, FlowView>(&format!("/api/update/{id}/security"), &form).await)
            {
                if let Some(data) = &view.data {
                    address.fill(&data.address);
                    contacts.fill(data);
                    notices_in.set(data.language);
                }
                flow.set(Some(view));
            }
        });
    };
    let save = move |e: FormEvent| {
        e.prevent_default();
        let mut form = UpdateForm {
            address: address.form(),
            email: contacts.email.peek().clone(),
            home_phone: contacts.home_phone.peek().clone(),
            work_phone: contacts.work_phone.peek().clone(),
            mobile: contacts.mobile.peek().clone(),
            no_mobile: *contacts.no_mobile.peek(),
            captcha: Default::default(),
            language: Some(*notices_in.peek()),
        };
        if !status.ready(form.parse()) {
            return;
        }
        let id = flow_id();
        spawn(async move {
            form.captcha = captcha.settled().await;
            match status.settle(api::post::<_, FlowView>(&format!("/api/update/{id}/data"), &form).await) {
                // A new e-mail or mobile: the codes sent to them first.
                Some(view) if view.step == FlowStep::Verify => flow.set(Some(view)),
                Some(_) => {
                    done.set(true);
                    crate::shell::notify("data_updated").await;
                }
                None => {
                    captcha.refresh_for(rut.peek().clone());
                }
            }
        });
    };

    if let Some(interlude) = page.interlude(tr!("update.heading")) {
        return interlude;
    }
    // The security step stays on screen once answered; not when resumed past it (the server no longer says
    // the question then).
    let shows_security = step == Some(FlowStep::Security) || (step.is_some() && !question.read().is_empty());

    rsx! {
        h1 { {tr!("update.heading")} }
        p { {tr!("update.intro")} }
        p { class: "important", {tr!("update.info")} " " Link { to: Route::Register { flow: FlowId::START }, {tr!("update.register_here")} } }
        form { novalidate: true, onsubmit: validate,
            Section { title: tr!("update.section_validate"),
                RutField { value: rut, status, readonly: step.is_some() }
                Field { id: "cs", label: tr!("fields.clave_sence"), value: cs, status, field: "cs", required: true,
                    kind: "password", autocomplete: "current-password", readonly: step.is_some() }
                if step.is_none() {
                    Banner { status }
                    SubmitButton { label: tr!("common.validate"), status }
                }
            }
        }
        if shows_security {
            form { novalidate: true, onsubmit: security,
                Section { title: tr!("update.section_security"),
                    p { {tr!("update.security_note")} }
                    // Validated, the question is the one answered: locked, as the data step keeps it.
                    QuestionSelect { value: question, status, disabled: step != Some(FlowStep::Security) }
                    Field { id: "answer", label: tr!("fields.answer"), value: answer, status, field: "answer", required: true,
                        autocomplete: "off", readonly: step != Some(FlowStep::Security) }
                    if step == Some(FlowStep::Security) {
                        Banner { status }
                        SubmitButton { label: tr!("common.validate"), status }
                    }
                }
            }
        }
        if let Some(FlowView { step: FlowStep::Verify, verify: Some(targets), id, .. }) = flow.read().clone() {
            ContactCodes { kind: "update", id, targets,
                on_done: move |view: FlowView| {
                    done.set(view.step == FlowStep::Done);
                    flow.set(Some(view));
                    spawn(async move { crate::shell::notify("data_updated").await; });
                },
            }
        } else if step == Some(FlowStep::Data) || (step == Some(FlowStep::Done)) {
            form { novalidate: true, onsubmit: save,
                Section { title: tr!("update.section_address"),
                    AddressBlock { address, status }
                }
                Section { title: tr!("update.section_contact"),
                    ContactBlock { contacts, status, email_label: tr!("fields.email_current"), mobile_label: tr!("fields.mobile_new"),
                        mobile_before_work: true }
                    crate::language::NoticeLanguage { value: notices_in }
                }
                FinalStep { captcha, status, label: tr!("update.submit") }
            }
        } else {
            div { class: "buttons", Link { to: Route::Home {}, class: "button secondary", {tr!("common.back")} } }
        }
        if done() {
            SuccessDialog {
                lines: vec![tr!("update.done_line"), tr!("update.email_line")],
                on_accept: move |_| { navigator.push(Route::Home {}); },
            }
        }
    }
}
