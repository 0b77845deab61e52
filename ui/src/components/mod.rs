//! Stateless widgets shared by the views, each with a visible label tied to its control, errors linked by
//! `aria-describedby` and announced through live regions.

mod blocks;
mod captcha;
mod codes;
mod fields;
mod keyboard;
mod layout;
mod status;
mod success;

pub use blocks::{AddressBlock, ContactBlock, CredentialsForm, use_address, use_contacts};
pub use captcha::{CaptchaField, FinalStep, use_captcha};
pub use codes::ContactCodes;
pub use fields::{Checkbox, Field, QuestionSelect, RegionComuna, RutField};
pub use keyboard::OnScreenKeyboard;
pub use layout::{Important, Section};
pub use status::{Banner, FormStatus, SubmitButton, use_form_status};
pub use success::SuccessDialog;
