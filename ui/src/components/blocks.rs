//! Blocks of fields shared by several forms: address and contacts (registration §2(4), update §5(5)), and RUT +
//! Clave Sence (the login page, Mi Clave Sence).

use dioxus::prelude::*;
use domain::AddressForm;
use domain::api::AccountData;

use super::{Banner, Checkbox, Field, FormStatus, RegionComuna, RutField, Section, SubmitButton};

/// The address fields' signals.
#[derive(Clone, Copy, PartialEq)]
pub struct AddressSignals {
    pub street: Signal<String>,
    pub number: Signal<String>,
    pub block: Signal<String>,
    pub apartment: Signal<String>,
    pub region: Signal<String>,
    pub comuna: Signal<String>,
}

pub fn use_address() -> AddressSignals {
    AddressSignals {
        street: use_signal(String::new),
        number: use_signal(String::new),
        block: use_signal(String::new),
        apartment: use_signal(String::new),
        region: use_signal(String::new),
        comuna: use_signal(String::new),
    }
}

impl AddressSignals {
    pub fn form(&self) -> AddressForm {
        AddressForm {
            street: self.street.peek().clone(),
            number: self.number.peek().clone(),
            block: self.block.peek().clone(),
            apartment: self.apartment.peek().clone(),
            region: self.region.peek().clone(),
            comuna: self.comuna.peek().clone(),
        }
    }

    pub fn fill(&mut self, form: &AddressForm) {
        self.street.set(form.street.clone());
        self.number.set(form.number.clone());
        self.block.set(form.block.clone());
        self.apartment.set(form.apartment.clone());
        self.region.set(form.region.clone());
        self.comuna.set(form.comuna.clone());
    }
}

#[component]
pub fn AddressBlock(address: AddressSignals, status: FormStatus) -> Element {
    rsx! {
        Field { id: "street", label: tr!("fields.street"), value: address.street, status, field: "address.street", required: true,
            placeholder: tr!("fields.street_placeholder"), autocomplete: "address-line1" }
        Field { id: "number", label: tr!("fields.number"), value: address.number, status, field: "address.number", required: true, maxlength: "10" }
        Field { id: "block", label: tr!("fields.block"), value: address.block, status, field: "address.block", maxlength: "10" }
        Field { id: "apartment", label: tr!("fields.apartment"), value: address.apartment, status, field: "address.apartment", maxlength: "10" }
        RegionComuna { region: address.region, comuna: address.comuna, status }
    }
}

/// The contact fields' signals.
#[derive(Clone, Copy, PartialEq)]
pub struct ContactSignals {
    pub email: Signal<String>,
    pub home_phone: Signal<String>,
    pub work_phone: Signal<String>,
    pub mobile: Signal<String>,
    pub no_mobile: Signal<bool>,
}

pub fn use_contacts() -> ContactSignals {
    ContactSignals {
        email: use_signal(String::new),
        home_phone: use_signal(String::new),
        work_phone: use_signal(String::new),
        mobile: use_signal(String::new),
        no_mobile: use_signal(|| false),
    }
}

impl ContactSignals {
    /// The contacts on file (update §5(5) prefills them).
    pub fn fill(&mut self, data: &AccountData) {
        self.email.set(data.email.clone());
        self.home_phone.set(data.home_phone.clone());
        self.work_phone.set(data.work_phone.clone());
        self.mobile.set(data.mobile.clone());
        self.no_mobile.set(data.mobile.is_empty());
    }
}

/// Labels differ between registration ("Email", "Celular") and update ("Email Actual", "Celular Nuevo").
#[component]
pub fn ContactBlock(
    contacts: ContactSignals,
    status: FormStatus,
    email_label: String,
    mobile_label: String,
    /// §5's order: the mobile before "Teléfono Trabajo" (§2 has it last).
    #[props(default)]
    mobile_before_work: bool,
) -> Element {
    let mut status = status;
    let no_mobile = (contacts.no_mobile)();
    let work = rsx! {
        Field { id: "work_phone", label: tr!("fields.work_phone"), value: contacts.work_phone, status, field: "work_phone",
            kind: "tel", inputmode: "tel", autocomplete: "off" }
    };
    rsx! {
        Field { id: "email", label: email_label, value: contacts.email, status, field: "email", required: true, kind: "email", autocomplete: "email" }
        Field { id: "home_phone", label: tr!("fields.home_phone"), value: contacts.home_phone, status, field: "home_phone",
            kind: "tel", inputmode: "tel", hint: tr!("fields.phone_hint"), autocomplete: "tel-national" }
        if !mobile_before_work { {work.clone()} }
        if !no_mobile {
            Field { id: "mobile", label: mobile_label, value: contacts.mobile, status, field: "mobile", required: true,
                kind: "tel", inputmode: "numeric", prefix: "+56 9", maxlength: "8", hint: tr!("fields.mobile_hint"), autocomplete: "off" }
        }
        Checkbox { id: "no_mobile", label: tr!("fields.no_mobile"), checked: contacts.no_mobile,
            // What was typed stays for when the box is unticked; only its refusal goes.
            onchange: move |on: bool| if on { status.set_field("mobile", None) } }
        if mobile_before_work { {work} }
    }
}

/// RUT + Clave Sence, the banner and "Ingresar": the login page and "Mi Clave Sence".
#[component]
pub fn CredentialsForm(
    id: String,
    title: String,
    rut: Signal<String>,
    cs: Signal<String>,
    status: FormStatus,
    onsubmit: EventHandler<FormEvent>,
) -> Element {
    rsx! {
        form { novalidate: true, onsubmit: move |e| onsubmit.call(e),
            Section { title,
                RutField { id: "{id}-rut", value: rut, status }
                Field { id: "{id}-cs", label: tr!("fields.clave_sence"), value: cs, status, field: "cs", required: true,
                    kind: "password", autocomplete: "current-password" }
            }
            Banner { status }
            SubmitButton { label: tr!("home.login_submit"), status }
        }
    }
}
