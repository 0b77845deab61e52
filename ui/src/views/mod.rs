//! One view per route; each walks the steps of its flow.

mod change;
mod confirm_email;
mod disavow;
mod flow;
mod home;
mod info;
mod layout;
mod my_account;
mod privacy;
mod recover;
mod register;
mod sign_in;
mod update;

pub use change::Change;
pub use confirm_email::ConfirmEmail;
pub use disavow::Disavow;
pub use flow::FlowId;
pub use home::Home;
pub use info::Info;
pub use layout::{Layout, NotFound};
pub use my_account::MyAccount;
pub use privacy::Privacy;
pub use recover::Recover;
pub use register::Register;
pub use sign_in::SignIn;
pub use update::Update;
