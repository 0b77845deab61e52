//! End-to-end harness: the whole stack (fake Registro Civil, fake SMS gateway, SMTP sink, the server with its
//! embedded defaults serving the built UI, dev sink on) in this process, and Debian's Chromium driven through
//! chromedriver with fantoccini. Elements are found by the guide's visible labels and button texts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

pub const CAPTCHA: &str = "TEST5";

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// Where tests write screenshots and reports.
pub fn output_dir() -> PathBuf {
    let dir = root().join("tests").join("output");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The server and its fakes.
pub struct Stack {
    pub url: String,
    pub store: server::store::Store,
    pub sms: fakes::sms_gateway::FakeSmsGateway,
    _data: tempfile::TempDir,
}

impl Stack {
    pub async fn start() -> Stack {
        Stack::start_with(|_| {}).await
    }

    /// [`Stack::start`] with `configure` applied to the server's settings.
    pub async fn start_with(configure: impl FnOnce(&mut server::Settings)) -> Stack {
        let data = tempfile::tempdir().unwrap();
        let rc = fakes::registro_civil::FakeRegistroCivil::new(fakes::registro_civil::Fixtures::bundled().unwrap());
        let rc_url = fakes::spawn(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(), rc.router());
        let sms = fakes::sms_gateway::FakeSmsGateway::new();
        let sms_url = fakes::spawn(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(), sms.router());
        let smtp = fakes::smtp_sink::SmtpSink::new();
        let smtp_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let smtp_port = smtp_listener.local_addr().unwrap().port();
        smtp.spawn(smtp_listener);

        let mut settings = server::Settings::default();
        // The public URL is the issuer platforms check ("Ingresar con Clave Sence"): the real port, known first.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        settings.http.listen = format!("127.0.0.1:{port}").parse().unwrap();
        settings.public_url = format!("http://127.0.0.1:{port}");
        settings.http.ui_dir = root().join("ui").join("dist");
        assert!(settings.http.ui_dir.join("index.html").exists(), "build the UI first: cargo xtask ui");
        settings.data_dir = data.path().to_owned();
        settings.registro_civil.url = rc_url;
        settings.captcha.test_answer = Some(CAPTCHA.into());
        settings.notifications.sms.url = sms_url;
        settings.notifications.smtp.port = smtp_port;
        settings.notifications.worker.poll_ms = 100;
        configure(&mut settings);
        let app = server::Application::build(settings, server::Dependencies::default()).await.unwrap();
        let url = format!("http://127.0.0.1:{}", app.port());
        let store = app.state().store.clone();
        tokio::spawn(app.run_until(std::future::pending()));
        Stack { url, store, sms, _data: data }
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let response = reqwest::Client::new().post(format!("{}{path}", self.url)).json(&body).send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap()
    }

    /// A new bot check answered as the UI answers it: its proof of work solved.
    pub async fn solved_captcha(&self) -> Value {
        let check = self.post("/api/captchas", json!({})).await;
        json!({ "id": check["id"], "proof": fakes::bot::solve(&check["pow"]).expect("a solvable proof of work") })
    }

    /// Registers an account through the API (for flows that need one).
    pub async fn register(&self, rut: &str, email: &str, mobile: &str, cs: &str) {
        let flow = self.post("/api/registration", json!({})).await;
        let captcha = self.solved_captcha().await;
        let serial = fakes::registro_civil::Fixtures::bundled().unwrap().serial_of(rut).expect("a RUT of the fixtures");
        let form = json!({
            "rut": rut, "serial": serial, "question": "favorite_country", "answer": "Perú",
            "address": { "street": "Huérfanos", "number": "1273", "region": "13", "comuna": "13101" },
            "email": email, "mobile": mobile, "cs": cs, "cs_repeat": cs,
            "captcha": captcha,
        });
        let response = reqwest::Client::new()
            .post(format!("{}/api/registration/{}/form", self.url, flow["id"].as_str().unwrap()))
            .header("x-flow-key", flow["key"].as_str().unwrap())
            .json(&form)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "registration: {}", response.status());
    }

    /// The body of the newest `event` message the dev sink shows for `recipient`, waiting for delivery.
    pub async fn message_from_dev_sink(&self, recipient: &str, event: &str) -> (String, String) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let messages: Value =
                reqwest::get(format!("{}/dev/messages.json", self.url)).await.unwrap().json().await.unwrap();
            let found = messages
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["recipient"] == recipient && m["event"] == event)
                .cloned();
            if let Some(message) = found {
                return (message["channel"].as_str().unwrap().to_owned(), message["body"].as_str().unwrap().to_owned());
            }
            assert!(Instant::now() < deadline, "no {event} for {recipient} in the dev sink");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The provisional CS in the newest message the dev sink shows for `recipient`, waiting for delivery.
    pub async fn provisional_from_dev_sink(&self, recipient: &str) -> String {
        let (channel, body) = self.message_from_dev_sink(recipient, "provisional_issued").await;
        let marker = if channel == "sms" { "su clave Sence es: " } else { "Su Clave Sence provisoria es: " };
        let start = body.find(marker).unwrap() + marker.len();
        body[start..start + 8].to_owned()
    }

    /// The 6-digit code the dev sink shows in the newest message proving `recipient`.
    pub async fn code_from_dev_sink(&self, recipient: &str) -> String {
        let (_, body) = self.message_from_dev_sink(recipient, "contact_code").await;
        fakes::six_digit_code(&body).expect("a 6-digit code")
    }

    /// The path of the "No fui yo" link (`/n/<token>`) in the newest `event` notice to `recipient`.
    pub async fn no_fui_yo_from_dev_sink(&self, recipient: &str, event: &str) -> String {
        let (_, body) = self.message_from_dev_sink(recipient, event).await;
        let start = body.find("/n/").expect("a No fui yo link");
        body[start..start + 35].to_owned()
    }
}

/// chromedriver and one Chromium session.
pub struct Browser {
    pub client: Client,
    driver: Child,
    /// The WebDriver's port.
    port: u16,
    base: String,
    shots: PathBuf,
    step: usize,
    axe: String,
    _profile: tempfile::TempDir,
}

/// Opens a WebDriver session on the driver at `port`, retrying while the driver starts.
async fn connect(caps: Value, port: u16, seconds: u64, what: &str) -> Client {
    let caps: serde_json::Map<String, Value> = caps.as_object().unwrap().clone();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        match ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return client,
            Err(error) => {
                assert!(Instant::now() < deadline, "{what}: {error}");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium; screenshots go to `tests/output/<name>/`.
    pub async fn start(base: &str, name: &str) -> Browser {
        Browser::start_in(base, name, "es-CL,es").await
    }

    /// [`Browser::start`] with the browser's preferred languages set to `languages` (`ht,fr`).
    pub async fn start_in(base: &str, name: &str, languages: &str) -> Browser {
        // Both TLS backends may be compiled in (through different crates); pick one for the WebDriver client.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (apt-get install chromium-driver)");
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                         "--window-size=1280,1400", format!("--user-data-dir={}", profile.path().display())],
                "prefs": { "intl.accept_languages": languages }
            }
        });
        let client = connect(caps, port, 30, "chromedriver did not start").await;
        let shots = output_dir().join(name);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).unwrap();
        let axe = std::fs::read_to_string(root().join("tests/e2e/node_modules/axe-core/axe.min.js"))
            .expect("axe-core (cargo xtask setup)");
        Browser { client, driver, port, base: base.to_owned(), shots, step: 0, axe, _profile: profile }
    }

    /// Starts tauri-driver (which drives WebKitWebDriver) and the real desktop app at `app`, with `env`.
    /// Needs a display (Xvfb) and a session bus with an unlocked Secret Service: `cargo xtask test` sets them up.
    pub async fn desktop(app: &Path, env: &[(&str, &str)], name: &str) -> Browser {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (port, native) = (free_port(), free_port());
        let mut command = Command::new("tauri-driver");
        command
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (key, value) in env {
            command.env(key, value);
        }
        let driver = command.spawn().expect("tauri-driver (cargo xtask setup installs it)");
        let caps = json!({ "browserName": "wry", "tauri:options": { "application": app } });
        let client = connect(caps, port, 60, "tauri-driver did not start the app").await;
        let shots = output_dir().join(name);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).unwrap();
        Browser {
            client,
            driver,
            port,
            base: String::new(),
            shots,
            step: 0,
            axe: String::new(),
            _profile: tempfile::tempdir().unwrap(),
        }
    }

    /// Runs `script` in every page this Chromium loads from now on, before the page's own scripts (Chrome
    /// DevTools' `Page.addScriptToEvaluateOnNewDocument`, through chromedriver): e.g. a stand-in for what the
    /// desktop shell puts in the page.
    pub async fn before_every_page(&self, script: &str) {
        let session = self.client.session_id().await.unwrap().unwrap();
        let response = reqwest::Client::new()
            .post(format!("http://127.0.0.1:{}/session/{session}/goog/cdp/execute", self.port))
            .json(&json!({ "cmd": "Page.addScriptToEvaluateOnNewDocument", "params": { "source": script } }))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "chromedriver refused the script: {}", response.status());
    }

    /// A screenshot of the window as it is (no accessibility run).
    pub async fn shot(&mut self, name: &str) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.step += 1;
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{:02}-{name}.png", self.step)), png).unwrap();
    }

    pub async fn goto(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    pub async fn wait_for(&self, locator: Locator<'_>, what: &str) -> Element {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(element) = self.client.find(locator).await {
                return element;
            }
            assert!(Instant::now() < deadline, "not found: {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The control whose visible label is `label` (e.g. "Rut *").
    pub async fn field(&self, label: &str) -> Element {
        let xpath = format!("//label[normalize-space(.)='{label}']");
        let label_el = self.wait_for(Locator::XPath(&xpath), label).await;
        let id = label_el.attr("for").await.unwrap().unwrap_or_else(|| panic!("label {label} has no for"));
        self.wait_for(Locator::Id(&id), label).await
    }

    /// Replaces a field's text as a person does: select all (Ctrl+A), then type. (WebDriver's "clear" would
    /// also blur the field, which a person never does between two keystrokes.)
    pub async fn fill(&self, label: &str, text: &str) {
        let field = self.field(label).await;
        field.send_keys("\u{E009}a\u{E009}\u{E003}").await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Types into a field and leaves it (Tab), as a citizen moving on.
    pub async fn fill_and_leave(&self, label: &str, text: &str) {
        self.fill(label, text).await;
        self.field(label).await.send_keys("\u{E004}").await.unwrap();
    }

    pub async fn value(&self, label: &str) -> String {
        self.field(label).await.prop("value").await.unwrap().unwrap_or_default()
    }

    /// Chooses the option with visible text `option` in the select labelled `label`.
    pub async fn select(&self, label: &str, option: &str) {
        let select = self.field(label).await;
        self.center(&select).await;
        let xpath = format!(".//option[normalize-space(.)='{option}']");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(opt) = select.find(Locator::XPath(&xpath)).await {
                opt.click().await.unwrap();
                return;
            }
            assert!(Instant::now() < deadline, "no option {option} in {label}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn click_button(&self, text: &str) {
        let xpath = format!("//button[normalize-space(.)='{text}' and not(@disabled)]");
        let button = self.wait_for(Locator::XPath(&xpath), text).await;
        self.center(&button).await;
        button.click().await.unwrap();
    }

    /// Scrolls `element` to the middle of the window, as a citizen does before touching it (at a kiosk the
    /// on-screen keyboard covers the bottom of the screen).
    async fn center(&self, element: &Element) {
        let script = "arguments[0].scrollIntoView({ block: 'center' })";
        self.client.execute(script, vec![serde_json::to_value(element).unwrap()]).await.unwrap();
    }

    pub async fn click_link(&self, text: &str) {
        let xpath = format!("//a[normalize-space(.)='{text}']");
        let link = self.wait_for(Locator::XPath(&xpath), text).await;
        self.center(&link).await;
        link.click().await.unwrap();
    }

    /// Clicks a checkbox or radio by its label.
    pub async fn check(&self, label: &str) {
        self.field(label).await.click().await.unwrap();
    }

    /// A Chrome DevTools command (`Emulation.setCPUThrottlingRate`, …) through chromedriver.
    pub async fn cdp(&self, command: &'static str, params: Value) -> Value {
        self.client.issue_cmd(Cdp(command, params)).await.unwrap()
    }

    /// Presses the keys of `text` (characters, or WebDriver key codes such as Tab `\u{E004}`) on whatever has
    /// the focus, as one sequence.
    pub async fn keys(&self, text: &str) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let mut actions = KeyActions::new("keyboard".into());
        for key in text.chars() {
            actions = actions.then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
        }
        self.client.perform_actions(actions).await.unwrap();
    }

    /// What a citizen hears for the focused element: its label, else its name or text.
    async fn focused_name(&self) -> String {
        let script = "const e = document.activeElement; if (!e || e === document.body) return ''; \
            const l = e.labels && e.labels[0]; \
            return (l ? l.textContent : (e.getAttribute('aria-label') || e.textContent)).replace(/\\s+/g, ' ').trim();";
        self.client.execute(script, vec![]).await.unwrap().as_str().unwrap_or_default().to_owned()
    }

    /// Keyboard only: Tab (at most 120 times, forwards) until the focus is on `name` (a field's label, a
    /// button's or link's text).
    pub async fn tab_to(&self, name: &str) {
        for _ in 0..120 {
            if self.focused_name().await == name {
                return;
            }
            self.keys("\u{E004}").await;
        }
        panic!("Tab never reached {name}");
    }

    /// Keyboard only: Tab to the field labelled `label` and type `text` (a select takes the option's first
    /// letters).
    pub async fn key_fill(&self, label: &str, text: &str) {
        self.tab_to(label).await;
        self.keys(text).await;
    }

    /// Keyboard only: Tab to `name` and press Enter (a button or link) or Space (a checkbox or radio).
    pub async fn key_press(&self, name: &str, key: char) {
        self.tab_to(name).await;
        self.keys(&key.to_string()).await;
    }

    /// The accessibility tree as assistive technology gets it (Chromium's, through CDP): every named node as
    /// `role: name`, and the number of live regions.
    pub async fn accessibility_tree(&self) -> (Vec<String>, usize) {
        let tree = self.cdp("Accessibility.getFullAXTree", json!({})).await;
        let mut named = Vec::new();
        let mut live = 0;
        for node in tree["nodes"].as_array().cloned().unwrap_or_default() {
            let role = node["role"]["value"].as_str().unwrap_or_default();
            let name = node["name"]["value"].as_str().unwrap_or_default().trim();
            if !name.is_empty() && node["ignored"] != json!(true) {
                named.push(format!("{role}: {name}"));
            }
            let properties = node["properties"].as_array().cloned().unwrap_or_default();
            if properties.iter().any(|p| p["name"] == "live" && p["value"]["value"] != "off") {
                live += 1;
            }
        }
        (named, live)
    }

    /// Checks that the accessibility tree has each of `expected` (`role: name`; letter case aside, since the
    /// style's capitals reach the tree) and, on a form (`form`), a live region for its refusals.
    pub async fn expect_tree(&self, step: &str, form: bool, expected: &[&str]) {
        let (named, live) = self.accessibility_tree().await;
        let named: Vec<String> =
            named.iter().filter(|n| !n.starts_with("InlineTextBox")).map(|n| n.to_lowercase()).collect();
        for want in expected {
            let want = want.to_lowercase();
            assert!(named.contains(&want), "{step}: no {want} in the accessibility tree: {named:?}");
        }
        assert!(!form || live > 0, "{step}: no live region to announce refusals");
    }

    /// Kiosk: touches the on-screen keyboard's key labelled `key`.
    pub async fn touch_key(&self, key: &str) {
        let xpath = format!("//div[contains(@class,'keyboard')]//button[normalize-space(.)=\"{key}\"]");
        let key = self.wait_for(Locator::XPath(&xpath), key).await;
        self.center(&key).await;
        key.click().await.unwrap();
    }

    /// Kiosk: touches the field labelled `label`, then types `text` on the on-screen keyboard only (capitals
    /// through "Mayúsculas", other signs through "Símbolos" when the letters' pad lacks them).
    pub async fn touch_type(&self, label: &str, text: &str) {
        let field = self.field(label).await;
        self.center(&field).await;
        field.click().await.unwrap();
        let id = field.attr("id").await.unwrap().unwrap_or_default();
        self.wait_for(Locator::Css(&format!("div.keyboard[data-field='{id}']")), "the keyboard for the field").await;
        for c in text.chars() {
            let key = c.to_string();
            let on_pad = format!("//div[contains(@class,'keyboard')]//button[normalize-space(.)=\"{key}\"]");
            if c == ' ' {
                self.touch_key("Espacio").await;
            } else if c.is_uppercase() {
                self.touch_key("Mayúsculas").await;
                self.touch_key(&key).await;
            } else if self.client.find(Locator::XPath(&on_pad)).await.is_ok() {
                self.touch_key(&key).await;
            } else {
                self.touch_key("Símbolos").await;
                self.touch_key(&key).await;
                self.touch_key("Símbolos").await;
            }
        }
    }

    /// Kiosk: the registration form (§2) for `rut` (typed without dots, as on the pad), every field typed on
    /// the on-screen keyboard and the selects touched; the Clave Sence is typed last, twice.
    pub async fn touch_registration(&self, rut: &str, cs: &str) {
        self.touch_type("Rut *", rut).await;
        let serial = fakes::registro_civil::Fixtures::bundled().unwrap().serial_of(rut).expect("a RUT of the fixtures");
        self.touch_type("Número de serie cédula de identidad *", &serial).await;
        self.select("Pregunta Secreta *", "MI PAÍS FAVORITO").await;
        self.touch_type("Respuesta Secreta *", "peru").await;
        self.touch_type("Dirección Particular *", "Huerfanos").await;
        self.touch_type("N° de Dirección Particular *", "1273").await;
        self.select("Región *", "XIII - Metropolitana de Santiago").await;
        self.select("Comuna *", "Santiago").await;
        self.touch_type("Email *", "juana.perez@example.cl").await;
        self.touch_type("Celular *", "98765432").await;
        self.touch_type("Clave CS *", cs).await;
        self.touch_type("Repetir Clave CS *", cs).await;
    }

    /// The `id` of the focused element.
    pub async fn focused_id(&self) -> String {
        let id = self.client.execute("return document.activeElement && document.activeElement.id", vec![]).await;
        id.unwrap().as_str().unwrap_or_default().to_owned()
    }

    /// The labels of the form's fields, in the order a citizen meets them.
    pub async fn labels(&self) -> Vec<String> {
        let script = "return [...document.querySelectorAll('main label')].map(l => l.textContent.trim())";
        let labels = self.client.execute(script, vec![]).await.unwrap();
        labels.as_array().unwrap().iter().map(|l| l.as_str().unwrap_or_default().to_owned()).collect()
    }

    /// What `script` (a `return …`) gives once it gives `expected`, or what it gives after 3 s: for a state
    /// the page reaches a moment after an action (a scroll restored, a picker reset).
    pub async fn eventually(&self, script: &str, expected: Value) -> Value {
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            let value = self.client.execute(script, vec![]).await.unwrap();
            if value == expected || Instant::now() >= deadline {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The page's language (`<html lang>`).
    pub async fn page_lang(&self) -> String {
        let lang = self.client.execute("return document.documentElement.lang", vec![]).await.unwrap();
        lang.as_str().unwrap_or_default().to_owned()
    }

    /// Waits until `text` is visible somewhere on the page.
    pub async fn wait_text(&self, text: &str) {
        let xpath = format!("//*[contains(normalize-space(.), \"{text}\")]");
        self.wait_for(Locator::XPath(&xpath), text).await;
    }

    /// The error shown for the field labelled `label` (waits for it).
    pub async fn error_of(&self, label: &str) -> String {
        let field = self.field(label).await;
        let id = field.attr("id").await.unwrap().unwrap();
        self.wait_for(Locator::Id(&format!("{id}-error")), &format!("error of {label}")).await.text().await.unwrap()
    }

    /// The text of the form's message area.
    pub async fn banner(&self) -> String {
        self.wait_for(Locator::Css(".banner"), "banner").await.text().await.unwrap()
    }

    /// Fills the registration form (§2) for RUT 12.345.678-5 as a citizen does, everything right; the RUT field
    /// is left to `rut` typed and left (so it formats itself).
    pub async fn fill_registration(&self, rut: &str, cs: &str) {
        self.fill_and_leave("Rut *", rut).await;
        let serial = fakes::registro_civil::Fixtures::bundled().unwrap().serial_of(rut).expect("a RUT of the fixtures");
        self.fill("Número de serie cédula de identidad *", &serial).await;
        self.select("Pregunta Secreta *", "MI PAÍS FAVORITO").await;
        self.fill("Respuesta Secreta *", "Perú").await;
        self.fill("Dirección Particular *", "Huérfanos").await;
        self.fill("N° de Dirección Particular *", "1273").await;
        self.select("Región *", "XIII - Metropolitana de Santiago").await;
        self.select("Comuna *", "Santiago").await;
        self.fill("Email *", "juana.perez@example.cl").await;
        self.fill("Celular *", "98765432").await;
        self.fill("Clave CS *", cs).await;
        self.fill("Repetir Clave CS *", cs).await;
    }

    /// Runs axe-core (WCAG 2.0/2.1/2.2 A and AA) on the page as it is, then saves a screenshot.
    /// §4 from its first screen, everything right: the current (or provisional) CS, "Validar", the new one
    /// twice, "Cambiar Clave" (the bot check solves itself), until the success message. The RUT is already in its field.
    pub async fn change_clave(&self, current: &str, new: &str) {
        self.fill("CS Actual *", current).await;
        self.click_button("Validar").await;
        self.fill("CS Nueva *", new).await;
        self.fill("Repetir CS Nueva *", new).await;
        self.click_button("Cambiar Clave").await;
        self.wait_text("Generación de nueva clave Sence satisfactoria.").await;
    }

    pub async fn checkpoint(&mut self, name: &str) {
        tokio::time::sleep(Duration::from_millis(150)).await;
        self.client.execute(&self.axe, vec![]).await.unwrap();
        let script = "const done = arguments[arguments.length - 1];\
            axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22a','wcag22aa'] } })\
               .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.html).slice(0, 3) }))))\
               .catch(e => done([{ id: 'axe-error', help: String(e) }]));";
        let violations = self.client.execute_async(script, vec![]).await.unwrap();
        self.step += 1;
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{:02}-{name}.png", self.step)), png).unwrap();
        assert_eq!(violations, json!([]), "axe violations on {name}");
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A Chrome DevTools command through chromedriver (`/session/<id>/goog/cdp/execute`).
#[derive(Debug)]
struct Cdp(&'static str, Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "cmd": self.0, "params": self.1 }).to_string()))
    }
}
