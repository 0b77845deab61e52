//! The privacy notice (Ley 21.719): who processes the data, for what, for how long, and the citizen's rights
//! and how to use them. Linked from every screen's footer.

use dioxus::prelude::*;

use crate::Route;

#[component]
pub fn Privacy() -> Element {
    rsx! {
        h1 { {tr!("privacy.heading")} }
        p { {tr!("privacy.controller")} }
        h2 { {tr!("privacy.what_heading")} }
        ul {
            li { {tr!("privacy.what_account")} }
            li { {tr!("privacy.what_secrets")} }
            li { {tr!("privacy.what_activity")} }
            li { {tr!("privacy.what_messages")} }
        }
        h2 { {tr!("privacy.why_heading")} }
        p { {tr!("privacy.why")} }
        h2 { {tr!("privacy.how_long_heading")} }
        ul {
            li { {tr!("privacy.keep_account")} }
            li { {tr!("privacy.keep_activity")} }
            li { {tr!("privacy.keep_flows")} }
            li { {tr!("privacy.keep_messages")} }
        }
        h2 { {tr!("privacy.rights_heading")} }
        p { {tr!("privacy.rights")} }
        ul {
            li { Link { to: Route::MyAccount {}, {tr!("privacy.rights_online")} } }
            li { {tr!("privacy.rights_office")} }
            li { {tr!("privacy.rights_authority")} }
        }
    }
}
