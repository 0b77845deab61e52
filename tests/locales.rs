//! Every visible text comes from `locales/`: every language (es, en, ht) has the same keys with the same
//! placeholders, every key the code asks for exists, and every key in the files is used (literally in
//! `ui/src`, or through the dynamic families `errors.<code>` and `questions.<code>`, which must cover every
//! code). The e-mail and SMS templates under `server/templates/` exist in every language with the same
//! placeholders too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use domain::{ErrorCode, SecretQuestion};

fn flatten(prefix: &str, value: &serde_yaml::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_yaml::Value::Mapping(map) => {
            for (key, value) in map {
                let key = key.as_str().unwrap();
                let full = if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") };
                flatten(&full, value, out);
            }
        }
        _ => {
            out.insert(prefix.to_owned());
        }
    }
}

fn values(prefix: &str, value: &serde_yaml::Value, out: &mut std::collections::BTreeMap<String, String>) {
    match value {
        serde_yaml::Value::Mapping(map) => {
            for (key, value) in map {
                let key = key.as_str().unwrap();
                let full = if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") };
                values(&full, value, out);
            }
        }
        other => {
            out.insert(prefix.to_owned(), other.as_str().unwrap_or_default().to_owned());
        }
    }
}

fn texts(locale: &str) -> std::collections::BTreeMap<String, String> {
    let text = std::fs::read_to_string(e2e::root().join("locales").join(locale).join(format!("{locale}.yml"))).unwrap();
    let mut out = std::collections::BTreeMap::new();
    values("", &serde_yaml::from_str(&text).unwrap(), &mut out);
    out
}

fn keys(locale: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(e2e::root().join("locales").join(locale).join(format!("{locale}.yml"))).unwrap();
    let mut out = BTreeSet::new();
    flatten("", &serde_yaml::from_str(&text).unwrap(), &mut out);
    out
}

/// The names between `open` and `close` in `text` (`%{minutes}`, `{{clave}}`), sorted.
fn placeholders(text: &str, open: &str, close: &str) -> Vec<String> {
    let mut names: Vec<String> =
        text.split(open).skip(1).map(|piece| piece.split(close).next().unwrap_or_default().to_owned()).collect();
    names.sort();
    names.dedup();
    names
}

/// Keys named literally in the UI's code: `t!("…")` and `tr!("…")`.
fn used_literally() -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut stack = vec![e2e::root().join("ui").join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let code = std::fs::read_to_string(&path).unwrap();
            for marker in ["t!(\"", "tr!(\""] {
                let mut rest = code.as_str();
                while let Some(at) = rest.find(marker) {
                    // `t!(` but not `format!(` or `print!(`: the macro name must start a word.
                    let standalone = rest[..at].chars().last().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                    let after = &rest[at + marker.len()..];
                    if standalone {
                        used.insert(after.split('"').next().unwrap().to_owned());
                    }
                    rest = after;
                }
            }
        }
    }
    used
}

fn dynamic() -> BTreeSet<String> {
    let errors = ErrorCode::ALL.iter().map(|c| format!("errors.{}", c.as_str()));
    let questions = SecretQuestion::ALL.iter().map(|q| format!("questions.{}", q.code()));
    // What the login page says a platform will receive, one text per scope offered besides `openid`.
    let scopes = server::oidc::SCOPES.iter().filter(|s| **s != "openid").map(|s| format!("sign_in.scope_{s}"));
    // "Mi Clave Sence" and "No fui yo": the words of the activity page and of the notices.
    let words =
        |prefix: &'static str, codes: &'static [&'static str]| codes.iter().map(move |c| format!("{prefix}{c}"));
    let actions = domain::activity::Action::ALL.iter().map(|a| format!("my_account.event_{}", a.as_str()));
    let outcomes = domain::activity::Outcome::ALL.iter().map(|o| format!("my_account.outcome_{}", o.as_str()));
    let activity = actions
        .chain(outcomes)
        .chain(words("my_account.request_kind_", domain::activity::REQUEST_KINDS))
        .chain(words("my_account.origin_", domain::activity::ORIGINS))
        .chain(words("disavow.event_", domain::activity::NOTICES));
    errors.chain(questions).chain(scopes).chain(activity).collect()
}

#[test]
fn every_language_has_the_same_keys_and_placeholders() {
    let es = texts("es");
    for language in domain::Language::ALL {
        let code = language.code();
        let other = texts(code);
        let missing: Vec<_> = es.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !es.contains_key(*k)).collect();
        assert!(missing.is_empty() && extra.is_empty(), "{code}: missing {missing:?}, extra {extra:?}");
        for (key, spanish) in &es {
            assert!(!other[key].trim().is_empty(), "{code}: {key} is empty");
            assert_eq!(placeholders(&other[key], "%{", "}"), placeholders(spanish, "%{", "}"), "{code}: {key}");
        }
    }
}

#[test]
fn every_message_template_exists_in_every_language_with_the_same_placeholders() {
    let root = e2e::root().join("server").join("templates");
    let mut checked = 0;
    for event in std::fs::read_dir(&root).unwrap() {
        let event = event.unwrap().path();
        for file in std::fs::read_dir(&event).unwrap() {
            let file = file.unwrap().path();
            let Some(stem) = file.to_str().unwrap().strip_suffix(".es") else { continue };
            let spanish = placeholders(&std::fs::read_to_string(&file).unwrap(), "{{", "}}");
            for language in domain::Language::ALL {
                let path = format!("{stem}.{}", language.code());
                let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{path} is missing"));
                assert!(!text.trim().is_empty(), "{path} is empty");
                assert_eq!(placeholders(&text, "{{", "}}"), spanish, "{path}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 16, "only {checked} templates found");
}

#[test]
fn every_key_the_ui_asks_for_exists() {
    let es = keys("es");
    let missing: Vec<_> = used_literally().union(&dynamic()).filter(|k| !es.contains(*k)).cloned().collect();
    assert!(missing.is_empty(), "keys used but not in locales/es/es.yml: {missing:?}");
}

#[test]
fn every_key_in_the_locales_is_used() {
    let used: BTreeSet<String> = used_literally().union(&dynamic()).cloned().collect();
    let unused: Vec<_> = keys("es").into_iter().filter(|k| !used.contains(k)).collect();
    assert!(unused.is_empty(), "keys in locales/es/es.yml that no code uses: {unused:?}");
}
