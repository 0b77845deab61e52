//! The citizen's flows in Debian's Chromium, found by the guide's visible labels: register (§2), recover
//! (§3.1, §3.2 with a new e-mail, §3.3), change with the provisional CS (§4), update (§5), a login refusal,
//! bad input on each form, a flow resumed from its URL (only where its key is: in the tab that opened it, or
//! handed over in the address's fragment as the kiosk's QR code does), and the kiosk's idle wipe forgetting
//! the keys. axe-core checks every screen and step; screenshots go to `tests/output/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use e2e::{Browser, CAPTCHA, Stack};

/// One browser at a time: two cores are shared with the server and the build.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

const RUT: &str = "12.345.678-5";

/// §2 with every refusal first: wrong check digit, short CS, mismatch, wrong captcha; then success.
#[tokio::test]
async fn a_citizen_registers_after_correcting_each_mistake() {
    let _serial = SERIAL.lock();
    let stack = Stack::start().await;
    let mut b = Browser::start(&stack.url, "register").await;
    b.goto("/").await;
    b.wait_text("Ingresar a las plataformas del Sence").await;
    let ready: f64 = b.client.execute("return window.__claveReady || -1", vec![]).await.unwrap().as_f64().unwrap();
    println!("first usable screen {ready:.0} ms after navigation start");
    b.checkpoint("inicio").await;
    b.click_link("Regístrese aquí.").await;
    b.wait_text("Registrar Persona Natural").await;
    b.checkpoint("registro-vacio").await;

    // The RUT formats itself, and a wrong check digit is said as soon as the field is left.
    b.fill_and_leave("Rut *", "123456785").await;
    assert_eq!(b.value("Rut *").await, "12.345.678-5");
    b.fill_and_leave("Rut *", "12.345.678-9").await;
    assert!(b.error_of("Rut *").await.contains("dígito verificador"), "{}", b.error_of("Rut *").await);
    b.checkpoint("registro-rut-erroneo").await;
    // The number alone: the check digit is said to be missing, not wrong.
    b.fill_and_leave("Rut *", "12345678").await;
    assert!(b.error_of("Rut *").await.contains("Falta el dígito verificador"), "{}", b.error_of("Rut *").await);
    b.fill_and_leave("Rut *", RUT).await;
    b.fill("Número de serie cédula de identidad *", "A123456789").await;

    b.select("Pregunta Secreta *", "MI PAÍS FAVORITO").await;
    b.fill("Respuesta Secreta *", "Perú").await;
    b.fill("Dirección Particular *", "Huérfanos").await;
    b.fill("N° de Dirección Particular *", "1273").await;
    b.select("Región *", "XIII - Metropolitana de Santiago").await;
    b.select("Comuna *", "Santiago").await;
    b.fill("Email *", "juana.perez@example.cl").await;
    b.fill("Celular *", "98765432").await;
    // "+56 9" shows once, before the box; the hint below says only "(8 Caracteres)", and a screen reader hears
    // "+56 9 (8 Caracteres)" from it.
    let shown = "const hint = document.getElementById('mobile-hint'); \
                 const seen = [...hint.childNodes].filter(n => !(n.classList && n.classList.contains('visually-hidden'))); \
                 return [document.getElementById('mobile').closest('.field').querySelector('.prefix').textContent, \
                         seen.map(n => n.textContent).join('').trim(), hint.textContent.trim()];";
    let texts = b.client.execute(shown, vec![]).await.unwrap();
    assert_eq!(texts, serde_json::json!(["+56 9", "(8 Caracteres)", "+56 9 (8 Caracteres)"]));
    // "Sin Celular" ticked and unticked: what was typed is still there.
    b.check("Sin Celular").await;
    b.check("Sin Celular").await;
    assert_eq!(b.value("Celular *").await, "98765432");
    b.fill_and_leave("Clave CS *", "corta").await;
    assert!(b.error_of("Clave CS *").await.contains("al menos 8 caracteres"));
    b.checkpoint("registro-clave-corta").await;
    b.fill("Clave CS *", "Mapocho#24").await;
    // Corrected: its refusal goes at once, not at the next submit.
    assert!(b.client.find(fantoccini::Locator::Id("cs-error")).await.is_err(), "the old refusal stayed");
    b.fill("Repetir Clave CS *", "Mapocho#25").await;
    b.click_button("Crear Cuenta").await;
    assert!(b.error_of("Repetir Clave CS *").await.contains("no coinciden"));
    b.checkpoint("registro-claves-distintas").await;

    b.fill("Repetir Clave CS *", "Mapocho#24").await;
    // No puzzle: the bot check was solved while the citizen typed, and says so.
    b.wait_text("Verificación completada").await;
    assert!(b.client.find(fantoccini::Locator::Id("captcha")).await.is_err(), "no letters to copy");
    b.click_button("Crear Cuenta").await;
    b.wait_text("Su Clave Sence fue creada correctamente.").await;
    b.checkpoint("registro-exito").await;
    b.click_button("Aceptar").await;
    b.wait_text("Persona Natural").await;

    // The same RUT again, sent by Enter on the button: the refusal is on the RUT's field, not only in the
    // banner by the button, and the focus goes there (the button, disabled while sending, dropped it).
    b.goto("/registro").await;
    b.wait_text("Registrar Persona Natural").await;
    b.fill_registration(RUT, "Mapocho#24").await;
    b.key_press("Crear Cuenta", '\u{E007}').await;
    assert!(b.error_of("Rut *").await.contains("ya tiene"), "{}", b.error_of("Rut *").await);
    let focused = b.eventually("return document.activeElement && document.activeElement.id", "rut".into()).await;
    assert_eq!(focused, "rut", "the focus lands on the refused field");
    b.checkpoint("registro-rut-ya-registrado").await;
    b.close().await;
}

/// §3.3 (right answer), then §4 with the provisional CS from the dev sink, then §5; §4 and §5 reloaded midway.
#[tokio::test]
async fn a_citizen_recovers_with_the_answer_changes_the_provisional_cs_and_updates_data() {
    let _serial = SERIAL.lock();
    let stack = Stack::start().await;
    stack.register(RUT, "juana.perez@example.cl", "98765432", "Mapocho#24").await;
    let mut b = Browser::start(&stack.url, "recover-change-update").await;
    b.goto("/").await;
    b.click_link("Recuperar CS aquí.").await;
    b.wait_text("Recuperar CS (Clave Sence) Persona Natural").await;
    b.checkpoint("recuperar-rut").await;
    b.fill("Rut *", RUT).await;
    b.click_button("Validar").await;
    b.wait_text("MI PAÍS FAVORITO").await;
    b.fill("Respuesta Secreta *", "Chile").await;
    b.click_button("Recuperar Clave").await;
    assert!(b.error_of("Respuesta Secreta *").await.contains("no es correcta"));
    b.checkpoint("recuperar-respuesta-erronea").await;
    b.fill("Respuesta Secreta *", "peru").await;
    b.click_button("Recuperar Clave").await;
    b.wait_text("será enviada por SMS a su celular dentro de los próximos 10 minutos").await;
    b.wait_text("será enviada a su e-Mail dentro de los próximos 10 minutos").await;
    b.checkpoint("recuperar-exito").await;
    let provisional = stack.provisional_from_dev_sink("+56998765432").await;
    // Typed from an SMS: no look-alikes.
    assert!(!provisional.contains(['I', 'O', '0', '1']), "{provisional}");
    b.click_button("Aceptar").await;

    // §4: "Aceptar" leads to the change, where the provisional CS is the current one; the RUT comes along.
    b.wait_text("Cambiar CS (Clave Sence) Persona Natural").await;
    b.wait_text("Le enviamos una Clave Sence provisoria por SMS y e-mail").await;
    b.checkpoint("cambiar-validar").await;
    assert_eq!(b.value("Rut *").await, RUT);
    b.fill("CS Actual *", &provisional).await;
    b.click_button("Validar").await;
    // A reload keeps the flow: the new CS is asked for (the RUT and current CS are not shown back).
    b.field("CS Nueva *").await;
    let flow = path(&b).await;
    assert!(flow.starts_with("/cambiar/"), "{flow}");
    b.goto(&flow).await;
    b.fill("CS Nueva *", "Alameda").await;
    b.fill("Repetir CS Nueva *", "Alameda").await;
    b.click_button("Cambiar Clave").await;
    assert!(b.error_of("CS Nueva *").await.contains("al menos 8 caracteres"));
    b.checkpoint("cambiar-clave-corta").await;
    b.fill("CS Nueva *", "Alameda-77").await;
    b.fill("Repetir CS Nueva *", "Alameda-77").await;
    b.checkpoint("cambiar-nueva").await;
    b.click_button("Cambiar Clave").await;
    b.wait_text("Generación de nueva clave Sence satisfactoria.").await;
    b.checkpoint("cambiar-exito").await;
    b.click_button("Aceptar").await;

    // §5: update address and contacts. A new screen takes the focus to its content (a screen reader says so).
    b.click_link("Actualice sus datos aquí.").await;
    b.wait_text("Actualizar Datos Persona Natural").await;
    assert_eq!(b.focused_id().await, "contenido");
    b.fill_and_leave("Rut *", "12.345.678-K").await;
    assert!(b.error_of("Rut *").await.contains("dígito verificador"));
    b.fill("Rut *", RUT).await;
    b.fill("Clave Sence *", "Alameda-77").await;
    b.click_button("Validar").await;
    b.wait_text("Datos de Seguridad").await;
    b.fill("Respuesta Secreta *", "Perú").await;
    b.checkpoint("actualizar-seguridad").await;
    b.click_button("Validar").await;
    b.wait_text("Email Actual").await;
    // Validated, the question is locked; the contacts come in the guide's order.
    let question = b.field("Pregunta Secreta *").await;
    assert_eq!(question.prop("disabled").await.unwrap().as_deref(), Some("true"));
    let labels = b.labels().await;
    let order: Vec<_> = ["Email Actual *", "Teléfono Particular", "Celular Nuevo *", "Teléfono Trabajo"]
        .iter()
        .map(|l| labels.iter().position(|x| x == l).unwrap_or_else(|| panic!("{l} not in {labels:?}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{labels:?}");
    // A reload at the data step: the data on file again.
    let flow = path(&b).await;
    assert!(flow.starts_with("/actualizar/"), "{flow}");
    b.goto(&flow).await;
    b.wait_text("Email Actual").await;
    assert_eq!(b.value("Dirección Particular *").await, "Huérfanos");
    b.fill("Dirección Particular *", "Av. Brasil").await;
    b.select("Región *", "V - Valparaíso").await;
    b.select("Comuna *", "Valparaíso").await;
    b.fill("Email Actual *", "juana.p@example.org").await;
    b.checkpoint("actualizar-datos").await;
    b.click_button("Actualizar datos").await;
    // The new e-mail proves itself with the code sent to it.
    b.wait_text("Confirme sus nuevos datos de contacto").await;
    b.checkpoint("actualizar-codigo").await;
    let code = stack.code_from_dev_sink("juana.p@example.org").await;
    b.fill("Código enviado a j****p@example.org *", &code).await;
    b.click_button("Validar códigos").await;
    b.wait_text("Sus datos han sido actualizados correctamente.").await;
    b.checkpoint("actualizar-exito").await;
    // The notice names what changed: the question stayed.
    let (_, notice) = stack.message_from_dev_sink("juana.p@example.org", "data_updated").await;
    assert!(notice.contains("(domicilio y datos de contacto)"), "{notice}");
    // The guide's last menu item.
    b.click_button("Aceptar").await;
    b.click_link("Más información").await;
    b.wait_text("Más información sobre la Clave Sence").await;
    b.checkpoint("mas-informacion").await;
    b.close().await;
}

/// §3.1 (no question on file: serial number) and §3.2 (forgotten answer, new e-mail and mobile).
#[tokio::test]
async fn a_citizen_recovers_with_the_id_card_serial_number() {
    let _serial = SERIAL.lock();
    let stack = Stack::start().await;
    server::legacy::import(&stack.store, "11.111.111-1,pedro.soto@example.cl,+56911112222\n".as_bytes(), 0)
        .await
        .unwrap();
    stack.register(RUT, "juana.perez@example.cl", "98765432", "Mapocho#24").await;
    let mut b = Browser::start(&stack.url, "recover-serial").await;

    // §3.1
    b.goto("/recuperar").await;
    b.fill("Rut *", "11.111.111-1").await;
    b.click_button("Validar").await;
    b.fill("Número de serie cédula de identidad *", "999.999.999").await;
    b.click_button("Validar").await;
    assert!(b.error_of("Número de serie cédula de identidad *").await.contains("no corresponde"));
    b.checkpoint("serie-erronea").await;
    b.fill("Número de serie cédula de identidad *", "100.200.300").await;
    b.click_button("Validar").await;
    b.wait_text("pe****to@example.cl").await;
    b.check("Sí").await;
    b.checkpoint("serie-email-confirmado").await;
    b.click_button("Recuperar Clave").await;
    b.wait_text("será enviada por SMS a su celular").await;
    b.checkpoint("serie-exito").await;
    stack.provisional_from_dev_sink("+56911112222").await;

    // §3.2 with a new e-mail and mobile.
    b.goto("/recuperar").await;
    b.fill("Rut *", RUT).await;
    b.click_button("Validar").await;
    b.check("No recuerdo la respuesta a mi pregunta secreta").await;
    b.field("Número de serie cédula de identidad *").await;
    // Still there and ticked beside the serial, as in the guide: unticked, the answer is asked again.
    b.check("No recuerdo la respuesta a mi pregunta secreta").await;
    b.fill("Respuesta Secreta *", "").await;
    assert!(b.client.find(fantoccini::Locator::Id("serial")).await.is_err(), "the serial went with the box");
    b.check("No recuerdo la respuesta a mi pregunta secreta").await;
    b.fill("Número de serie cédula de identidad *", "A123456789").await;
    b.click_button("Validar").await;
    b.wait_text("ju****ez@example.cl").await;
    b.check("No").await;
    b.fill("Email Actual *", "juana.nueva@example.cl").await;
    b.fill("Celular Actual *", "95554444").await;
    b.checkpoint("olvido-nuevo-email").await;
    b.click_button("Recuperar Clave").await;
    b.wait_text("Confirme sus nuevos datos de contacto").await;
    b.fill("Código enviado a ju****va@example.cl *", &stack.code_from_dev_sink("juana.nueva@example.cl").await).await;
    b.fill("Código enviado a +56 9 **** **44 *", &stack.code_from_dev_sink("+56995554444").await).await;
    b.checkpoint("olvido-codigos").await;
    b.click_button("Validar códigos").await;
    b.wait_text("Validación de seguridad anti-Robots").await;
    // The same button comes back: the screen says the codes were accepted and what to press now.
    b.wait_text("Códigos correctos: su nuevo email y celular quedaron comprobados").await;
    b.click_button("Recuperar Clave").await;
    b.wait_text("será enviada a su e-Mail").await;
    b.checkpoint("olvido-exito").await;
    stack.provisional_from_dev_sink("juana.nueva@example.cl").await;
    stack.provisional_from_dev_sink("+56995554444").await;
    b.close().await;
}

/// The browser's language chooses the first one (Kreyòl here); the picker on every screen changes it; the
/// registration form offers the screen's language for the account's notices.
#[tokio::test]
async fn the_browsers_language_comes_first_and_the_picker_changes_it() {
    let _serial = SERIAL.lock();
    let stack = Stack::start().await;
    let mut b = Browser::start_in(&stack.url, "languages", "ht,fr-FR").await;
    b.goto("/").await;
    b.wait_text("Sistèm Clave Sence").await;
    assert_eq!(b.page_lang().await, "ht");
    b.checkpoint("kreyol-inicio").await;
    b.click_link("Enskri").await;
    b.wait_text("Lang pou avi yo (imèl ak SMS)").await;
    // The browser's back and forward buttons move between screens (the router's history is the UI's own).
    b.client.back().await.unwrap();
    b.wait_text("Sistèm Clave Sence").await;
    assert_eq!(b.client.current_url().await.unwrap().path(), "/");
    b.client.forward().await.unwrap();
    b.wait_text("Lang pou avi yo (imèl ak SMS)").await;
    assert_eq!(b.client.current_url().await.unwrap().path(), "/registro");
    // Back returns to where the screen was left, once it is drawn again.
    let leave = "window.scrollTo(0, 400); document.querySelector('a[href=\"/mas-informacion\"]').click()";
    b.client.execute(leave, vec![]).await.unwrap();
    b.wait_text("Plis enfòmasyon sou Clave Sence").await;
    b.client.back().await.unwrap();
    b.wait_text("Lang pou avi yo (imèl ak SMS)").await;
    let scrolled = b.eventually("return Math.round(window.scrollY)", serde_json::json!(400)).await;
    assert_eq!(scrolled, 400, "the scroll of the screen returned to");
    assert_eq!(b.value("Lang pou avi yo (imèl ak SMS)").await, "ht");
    b.checkpoint("kreyol-registro").await;
    // What was typed stays when the language changes, and the bot check is not asked for again.
    b.fill("Imèl *", "juana.perez@example.cl").await;
    let asked = "return performance.getEntriesByType('resource').filter(e => e.name.endsWith('/api/captchas')).length";
    b.eventually(&format!("{asked} > 0"), true.into()).await;
    let before = b.client.execute(asked, vec![]).await.unwrap();
    assert!(before.as_u64() > Some(0), "the registration asked for its bot check");
    b.select("Lang", "English").await;
    b.wait_text("Language of notices (e-mail and SMS)").await;
    assert_eq!(b.value("E-mail *").await, "juana.perez@example.cl", "the field kept what was typed");
    assert_eq!(b.client.execute(asked, vec![]).await.unwrap(), before, "no new bot check");
    b.select("Language", "Español").await;
    b.wait_text("Registrar Persona Natural").await;
    assert_eq!(b.page_lang().await, "es-CL");
    b.close().await;
}

/// A language whose texts cannot be fetched leaves the screen in Spanish and the picker on "Español", so the
/// citizen can try again; nothing half-switched (a Spanish page announced as English).
#[tokio::test]
async fn a_language_that_cannot_be_fetched_leaves_the_screen_as_it_was() {
    let _serial = SERIAL.lock();
    let stack = Stack::start().await;
    let b = Browser::start(&stack.url, "language-offline").await;
    b.cdp("Network.enable", serde_json::json!({})).await;
    b.cdp("Network.setBlockedURLs", serde_json::json!({ "urls": ["*/locales/en.json"] })).await;
    b.goto("/registro").await;
    b.wait_text("Registrar Persona Natural").await;
    b.select("Idioma", "English").await;
    let picker = b.eventually("return document.getElementById('language').value", serde_json::json!("es")).await;
    assert_eq!(picker, "es", "the picker returns to the language on screen");
    b.wait_text("Registrar Persona Natural").await;
    assert_eq!(b.page_lang().await, "es-CL");
    b.close().await;
}

/// Before a flow expires the citizen is warned and can extend it (WCAG 2.2.1), then finish it.
#[tokio::test]
async fn a_flow_about_to_expire_warns_and_is_extended() {
    let _serial = SERIAL.lock();
    // Two minutes and five seconds: the warning (at two minutes left) comes five seconds in.
    let stack = Stack::start_with(|s| s.security.flow_ttl_seconds = 125).await;
    stack.register(RUT, "juana.perez@example.cl", "98765432", "Mapocho#24").await;
    let mut b = Browser::start(&stack.url, "flow-expiry").await;
    b.goto("/recuperar").await;
    b.fill("Rut *", RUT).await;
    b.click_button("Validar").await;
    b.wait_text("MI PAÍS FAVORITO").await;
    b.wait_text("¿Necesita más tiempo?").await;
    b.checkpoint("tramite-por-vencer").await;
    b.click_button("Continuar con el trámite").await;
    let gone = "return document.evaluate(\"//*[contains(normalize-space(.), '¿Necesita más tiempo?')]\", document, \
                null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue === null";
    assert_eq!(b.eventually(gone, serde_json::json!(true)).await, true, "the warning stayed");
    b.fill("Respuesta Secreta *", "peru").await;
    b.click_button("Recuperar Clave").await;
    b.wait_text("será enviada por SMS a su celular").await;
    b.close().await;
}

/// Every screen reflows at 320 CSS pixels (WCAG 1.4.10, the width of 1280 px at 400 %) and at 640 (200 %),
/// with no horizontal scrolling; in forced-colours mode (Windows' high contrast) each passes axe.
#[tokio::test]
async fn every_screen_reflows_at_320_pixels_and_passes_axe_in_forced_colours() {
    let _serial = SERIAL.lock();
    let stack = Stack::start().await;
    let mut b = Browser::start(&stack.url, "reflow").await;
    let screens = [
        "/",
        "/registro",
        "/recuperar",
        "/cambiar",
        "/actualizar",
        "/mas-informacion",
        "/privacidad",
        "/mi-clave-sence",
    ];
    for width in [320, 640] {
        let metrics = serde_json::json!({ "width": width, "height": 800, "deviceScaleFactor": 1, "mobile": false });
        b.cdp("Emulation.setDeviceMetricsOverride", metrics).await;
        for screen in screens {
            b.goto(screen).await;
            b.wait_for(fantoccini::Locator::Css("main h1"), screen).await;
            let script = "return [document.documentElement.scrollWidth, window.innerWidth]";
            let sizes = b.client.execute(script, vec![]).await.unwrap();
            let (scroll, inner) = (sizes[0].as_i64().unwrap(), sizes[1].as_i64().unwrap());
            assert!(scroll <= inner, "{screen} at {width} px scrolls sideways: {scroll} > {inner}");
        }
        b.checkpoint(&format!("reflow-{width}px")).await;
    }
    b.cdp("Emulation.clearDeviceMetricsOverride", serde_json::json!({})).await;
    let forced = serde_json::json!({ "features": [{ "name": "forced-colors", "value": "active" }] });
    b.cdp("Emulation.setEmulatedMedia", forced).await;
    for screen in ["/", "/registro", "/recuperar"] {
        b.goto(screen).await;
        b.wait_for(fantoccini::Locator::Css("main h1"), screen).await;
        b.checkpoint(&format!("colores-forzados{}", screen.replace('/', "-"))).await;
    }
    b.close().await;
}

/// Every flow by keyboard only (Tab, typing, Space, Enter; no pointer), with the accessibility tree checked
/// at each step: the names and roles a screen reader announces, and a live region for refusals.
#[tokio::test]
async fn every_flow_by_keyboard_only_with_its_accessibility_tree() {
    const ENTER: char = '\u{E007}';
    const SPACE: char = '\u{E00D}';
    let _serial = SERIAL.lock();
    let stack = Stack::start().await;
    let mut b = Browser::start(&stack.url, "keyboard").await;

    // §2: registration.
    b.goto("/").await;
    b.wait_text("Ingresar a las plataformas del Sence").await;
    b.expect_tree(
        "inicio",
        false,
        &["link: Regístrese aquí.", "link: Recuperar CS aquí.", "combobox: Idioma", "navigation: Menú principal"],
    )
    .await;
    b.key_press("Regístrese aquí.", ENTER).await;
    b.wait_text("Registrar Persona Natural").await;
    b.expect_tree(
        "registro",
        true,
        &[
            "heading: Registrar Persona Natural",
            "textbox: Rut",
            "combobox: Pregunta Secreta",
            "textbox: Email",
            "checkbox: Sin Celular",
            "button: Crear Cuenta",
            "group: Validación de seguridad anti-Robots",
        ],
    )
    .await;
    b.key_fill("Rut *", RUT).await;
    let serial = fakes::registro_civil::Fixtures::bundled().unwrap().serial_of(RUT).unwrap();
    b.key_fill("Número de serie cédula de identidad *", &serial).await;
    b.key_fill("Pregunta Secreta *", "MI P").await;
    b.key_fill("Respuesta Secreta *", "Perú").await;
    b.key_fill("Dirección Particular *", "Huérfanos").await;
    b.key_fill("N° de Dirección Particular *", "1273").await;
    b.key_fill("Región *", "XIII").await;
    b.key_fill("Comuna *", "Santiago").await;
    b.key_fill("Email *", "juana.perez@example.cl").await;
    b.key_fill("Celular *", "98765432").await;
    b.key_fill("Clave CS *", "Mapocho#24").await;
    b.key_fill("Repetir Clave CS *", "Mapocho#24").await;
    b.wait_text("Verificación completada").await;
    b.key_press("Crear Cuenta", ENTER).await;
    b.wait_text("Su Clave Sence fue creada correctamente.").await;
    b.expect_tree("registro-exito", true, &["dialog: Éxito", "button: Aceptar"]).await;
    b.key_press("Aceptar", ENTER).await;

    // §3.3: recovery with the answer.
    b.wait_text("Persona Natural").await;
    b.key_press("Recuperar CS aquí.", ENTER).await;
    b.wait_text("Recuperar CS (Clave Sence) Persona Natural").await;
    b.key_fill("Rut *", RUT).await;
    b.key_press("Validar", ENTER).await;
    b.wait_text("MI PAÍS FAVORITO").await;
    b.expect_tree(
        "recuperar",
        true,
        &[
            "textbox: Respuesta Secreta",
            "checkbox: No recuerdo la respuesta a mi pregunta secreta",
            "button: Recuperar Clave",
        ],
    )
    .await;
    b.key_fill("Respuesta Secreta *", "peru").await;
    b.key_press("Recuperar Clave", ENTER).await;
    b.wait_text("será enviada por SMS a su celular").await;
    let provisional = stack.provisional_from_dev_sink("+56998765432").await;
    b.key_press("Aceptar", ENTER).await;

    // §4: change, from the provisional CS.
    b.wait_text("Cambiar CS (Clave Sence) Persona Natural").await;
    b.key_fill("Rut *", RUT).await;
    b.key_fill("CS Actual *", &provisional).await;
    b.key_press("Validar", ENTER).await;
    b.field("CS Nueva *").await;
    b.expect_tree("cambiar", true, &["textbox: CS Nueva", "textbox: Repetir CS Nueva", "button: Cambiar Clave"]).await;
    b.key_fill("CS Nueva *", "Alameda-77").await;
    b.key_fill("Repetir CS Nueva *", "Alameda-77").await;
    b.key_press("Cambiar Clave", ENTER).await;
    b.wait_text("Generación de nueva clave Sence satisfactoria.").await;
    b.key_press("Aceptar", ENTER).await;

    // §5: update, with "Sin Celular" ticked by Space.
    b.goto("/actualizar").await;
    b.wait_text("Actualizar Datos Persona Natural").await;
    b.key_fill("Rut *", RUT).await;
    b.key_fill("Clave Sence *", "Alameda-77").await;
    b.key_press("Validar", ENTER).await;
    b.wait_text("Datos de Seguridad").await;
    b.key_fill("Respuesta Secreta *", "Perú").await;
    b.key_press("Validar", ENTER).await;
    b.wait_text("Email Actual").await;
    b.expect_tree(
        "actualizar",
        true,
        &["textbox: Email Actual", "combobox: Idioma de los avisos (e-mail y SMS)", "button: Actualizar datos"],
    )
    .await;
    b.key_press("Sin Celular", SPACE).await;
    b.key_press("Actualizar datos", ENTER).await;
    b.wait_text("Sus datos han sido actualizados correctamente.").await;
    b.checkpoint("teclado-actualizar-exito").await;
    b.close().await;
}

/// When risk rises (here: every check from this address), the image with "Refrescar" appears, and a longer
/// proof of work runs beside it: the citizen passes either by typing the letters or by simply waiting.
#[tokio::test]
async fn a_risky_check_shows_the_image_and_passes_by_its_letters_or_by_waiting() {
    let _serial = SERIAL.lock();
    let stack = Stack::start_with(|s| {
        s.captcha.address_checks_before_image = 0;
        // Longer than an ordinary check, short enough for a test; the service's default is in the bench.
        s.captcha.pow_max_number_risky = 300_000;
    })
    .await;
    stack.register(RUT, "juana.perez@example.cl", "98765432", "Mapocho#24").await;
    let mut b = Browser::start(&stack.url, "bot-check-risky").await;
    b.goto("/recuperar").await;
    b.fill("Rut *", RUT).await;
    b.wait_for(fantoccini::Locator::Css("img.captcha-image"), "the image").await;
    b.checkpoint("verificacion-con-imagen").await;
    // By the letters, before the proof of work is done.
    b.fill("Captcha", CAPTCHA).await;
    b.click_button("Validar").await;
    b.wait_text("MI PAÍS FAVORITO").await;
    // By waiting: no letters typed.
    b.fill("Respuesta Secreta *", "peru").await;
    b.wait_for(fantoccini::Locator::Css("img.captcha-image"), "the new image").await;
    b.wait_text("Verificación completada").await;
    b.click_button("Recuperar Clave").await;
    b.wait_text("será enviada por SMS a su celular").await;
    b.checkpoint("verificacion-larga-exito").await;
    b.close().await;
}

/// The flow's id is in the URL once the RUT is validated: Back leaves the flow, Forward and a reload come back
/// to the same step (the question), the recovery goes on to the end, and its URL then shows the "Éxito" again.
/// A made-up flow id is refused, with a way to start again.
#[tokio::test]
async fn a_recovery_resumes_from_its_url_after_a_reload() {
    let _serial = SERIAL.lock();
    let stack = Stack::start().await;
    stack.register(RUT, "juana.perez@example.cl", "98765432", "Mapocho#24").await;
    let mut b = Browser::start(&stack.url, "recover-reload").await;
    b.goto("/").await;
    b.click_link("Recuperar CS aquí.").await;
    b.fill("Rut *", RUT).await;
    b.click_button("Validar").await;
    b.wait_text("MI PAÍS FAVORITO").await;
    let flow = path(&b).await;
    let id = flow.strip_prefix("/recuperar/").unwrap_or_else(|| panic!("no flow id in {flow}"));
    assert!(id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()), "{flow}");

    // The start's entry was replaced: Back goes home, Forward resumes the flow.
    b.client.back().await.unwrap();
    b.wait_text("Ingresar a las plataformas del Sence").await;
    assert_eq!(path(&b).await, "/");
    b.client.forward().await.unwrap();
    b.wait_text("MI PAÍS FAVORITO").await;

    // A reload at the question: the same step, with nothing answered yet.
    b.goto(&flow).await;
    b.wait_text("MI PAÍS FAVORITO").await;
    assert_eq!(path(&b).await, flow);
    assert_eq!(b.value("Respuesta Secreta *").await, "");
    b.checkpoint("recuperar-recargado").await;
    b.fill("Respuesta Secreta *", "peru").await;
    b.click_button("Recuperar Clave").await;
    b.wait_text("será enviada por SMS a su celular").await;
    stack.provisional_from_dev_sink("+56998765432").await;
    b.goto(&flow).await;
    b.wait_text("será enviada a su e-Mail dentro de los próximos 10 minutos").await;
    b.checkpoint("recuperar-recargado-exito").await;

    b.goto("/recuperar/0123456789abcdef0123456789abcdef").await;
    b.wait_text("No encontramos este trámite.").await;
    b.checkpoint("tramite-desconocido").await;
    b.click_link("Comenzar de nuevo").await;
    assert_eq!(b.value("Rut *").await, "");
    assert_eq!(path(&b).await, "/recuperar");
    b.close().await;
}

/// The path of the page on screen.
async fn path(b: &Browser) -> String {
    b.client.current_url().await.unwrap().path().to_owned()
}

/// The key this tab holds for the flow `id` (the UI keeps it in `sessionStorage`).
async fn flow_key(b: &Browser, id: &str) -> Option<String> {
    let script = "return sessionStorage.getItem('clave.flow.' + arguments[0])";
    b.client.execute(script, vec![id.into()]).await.unwrap().as_str().map(str::to_owned)
}

/// The flow id in `flow` (`/recuperar/<id>`), checked to be one.
fn flow_id(flow: &str) -> String {
    let id = flow.strip_prefix("/recuperar/").unwrap_or_else(|| panic!("no flow id in {flow}"));
    assert!(id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()), "{flow}");
    id.to_owned()
}

/// Opens a recovery for the registered RUT up to its question; the flow's path and key.
async fn open_recovery(b: &Browser) -> (String, String) {
    b.click_link("Recuperar CS aquí.").await;
    b.fill("Rut *", RUT).await;
    b.click_button("Validar").await;
    b.wait_text("MI PAÍS FAVORITO").await;
    let flow = path(b).await;
    let key = flow_key(b, &flow_id(&flow)).await.unwrap_or_else(|| panic!("no key kept for {flow}"));
    assert!(key.len() == 32 && key.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')), "{key}");
    assert!(!b.client.current_url().await.unwrap().as_str().contains(&key), "the key is never in the address");
    (flow, key)
}

/// A flow's address alone opens nothing: another browser (its own profile, so none of the first tab's
/// `sessionStorage`) is told the flow is unknown, and offered to start again. With the key in the address's
/// fragment (as the kiosk's QR code hands it to a phone) it resumes the flow at the same step, takes the key
/// out of the address, and goes on to the end with it.
#[tokio::test]
async fn a_flow_address_resumes_elsewhere_only_with_its_key() {
    let _serial = SERIAL.lock();
    let stack = Stack::start().await;
    stack.register(RUT, "juana.perez@example.cl", "98765432", "Mapocho#24").await;
    let b = Browser::start(&stack.url, "flow-key").await;
    b.goto("/").await;
    let (flow, key) = open_recovery(&b).await;
    let id = flow_id(&flow);
    b.close().await;

    let mut other = Browser::start(&stack.url, "flow-key-address-alone").await;
    other.goto(&flow).await;
    other.wait_text("No encontramos este trámite.").await;
    other.wait_text("Comenzar de nuevo").await;
    assert_eq!(flow_key(&other, &id).await, None);
    other.checkpoint("tramite-sin-llave").await;
    other.click_link("Comenzar de nuevo").await;
    assert_eq!(path(&other).await, "/recuperar");
    other.close().await;

    let mut phone = Browser::start(&stack.url, "flow-key-handed-over").await;
    phone.goto(&format!("{flow}#k={key}")).await;
    phone.wait_text("MI PAÍS FAVORITO").await;
    let href = phone.client.current_url().await.unwrap();
    assert_eq!(href.fragment(), None, "{href}");
    assert!(!href.as_str().contains(&key), "{href}");
    let shown: String =
        phone.client.execute("return location.href", vec![]).await.unwrap().as_str().unwrap_or_default().to_owned();
    assert_eq!(shown, format!("{}{flow}", stack.url));
    assert_eq!(flow_key(&phone, &id).await.as_deref(), Some(key.as_str()));
    phone.checkpoint("tramite-con-llave").await;
    // Every step sends the key: the recovery ends on the phone, and a reload there still shows it.
    phone.fill("Respuesta Secreta *", "peru").await;
    phone.click_button("Recuperar Clave").await;
    phone.wait_text("será enviada por SMS a su celular").await;
    stack.provisional_from_dev_sink("+56998765432").await;
    phone.goto(&flow).await;
    phone.wait_text("será enviada a su e-Mail dentro de los próximos 10 minutos").await;
    phone.close().await;
}

/// What the desktop shell puts in a kiosk's page, stood in for: kiosk settings (10 s idle, warned for the
/// last 4), and a `__TAURI__` whose `handoff_qr` notes the path it is asked to encode.
const KIOSK_SHELL: &str = "window.CLAVE_SHELL = { kiosk: true, timeout: 10, warning: 4 };\
    window.__claveHandoffs = [];\
    window.__TAURI__ = { core: { invoke: async (cmd, args) => {\
        if (cmd === 'handoff_qr') window.__claveHandoffs.push(args.path);\
        return null;\
    } } };";

/// At a kiosk (a touch screen, no keyboard): a registration typed entirely on the on-screen keyboard, with the
/// large-text and high-contrast switches; left idle, the wipe empties the keyboard's buffer with the fields.
#[tokio::test]
async fn a_kiosk_registration_is_typed_on_the_on_screen_keyboard() {
    let _serial = SERIAL.lock();
    let stack = Stack::start().await;
    let mut b = Browser::start(&stack.url, "kiosk-keyboard").await;
    b.before_every_page(KIOSK_SHELL).await;
    b.goto("/registro").await;
    b.wait_text("Registrar Persona Natural").await;
    b.click_button("Texto grande").await;
    b.click_button("Alto contraste").await;
    let flags = b
        .client
        .execute("return [document.documentElement.dataset.text, document.documentElement.dataset.contrast]", vec![])
        .await
        .unwrap();
    assert_eq!(flags, serde_json::json!(["large", "high"]));
    b.touch_registration("12345678-5", "Mapocho#24").await;
    // The last field is a secret: the keyboard's buffer shows dots.
    let buffer = b.client.find(fantoccini::Locator::Id("keyboard-buffer")).await.unwrap().text().await.unwrap();
    assert_eq!(buffer, "••••••••••");
    b.checkpoint("kiosko-teclado-clave").await;
    assert_eq!(b.value("Rut *").await, RUT, "typed and formatted");
    b.click_button("Crear Cuenta").await;
    b.wait_text("Su Clave Sence fue creada correctamente.").await;
    b.click_button("Aceptar").await;

    // Idle: the wipe leaves nothing in the fields, the keyboard's buffer or the switches.
    b.click_link("Regístrese aquí.").await;
    b.touch_type("Email *", "otra").await;
    assert_eq!(b.client.find(fantoccini::Locator::Id("keyboard-buffer")).await.unwrap().text().await.unwrap(), "otra");
    b.wait_text("¿Sigue ahí?").await;
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    b.wait_text("Sistema Clave Sence").await;
    b.click_link("Regístrese aquí.").await;
    b.touch_type("Email *", "").await;
    assert_eq!(b.value("Email *").await, "");
    assert_eq!(b.client.find(fantoccini::Locator::Id("keyboard-buffer")).await.unwrap().text().await.unwrap(), "");
    let flags = b
        .client
        .execute(
            "return [document.documentElement.dataset.text || '', document.documentElement.dataset.contrast || '']",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(flags, serde_json::json!(["", ""]));
    b.close().await;
}

/// At a kiosk, the "Continúe en su celular" QR code holds the open flow's address with its key in the
/// fragment. Left idle, the kiosk wipes everything, the flow keys too: Back to the previous citizen's flow
/// finds nothing to reopen, and offers to start again.
#[tokio::test]
async fn a_kiosk_hands_over_the_flow_key_and_forgets_it_when_idle() {
    let _serial = SERIAL.lock();
    let stack = Stack::start().await;
    stack.register(RUT, "juana.perez@example.cl", "98765432", "Mapocho#24").await;
    let mut b = Browser::start(&stack.url, "kiosk-flow-key").await;
    b.before_every_page(KIOSK_SHELL).await;
    b.goto("/").await;
    let (flow, key) = open_recovery(&b).await;
    let handed = format!("{flow}#k={key}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let asked = b.client.execute("return window.__claveHandoffs", vec![]).await.unwrap();
        if asked.as_array().is_some_and(|paths| paths.iter().any(|p| p.as_str() == Some(handed.as_str()))) {
            break;
        }
        assert!(Instant::now() < deadline, "the QR code was asked for {asked}, not {handed}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The citizen moves on to another screen, then walks away.
    b.click_link("Cambiar CS").await;
    b.wait_text("Cambiar CS (Clave Sence) Persona Natural").await;
    b.wait_text("¿Sigue ahí?").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while path(&b).await != "/" {
        assert!(Instant::now() < deadline, "no wipe");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.wait_text("Ingresar a las plataformas del Sence").await;
    let script = "return Object.keys(sessionStorage).filter(k => k.startsWith('clave.flow.')).length";
    assert_eq!(b.client.execute(script, vec![]).await.unwrap(), 0, "flow keys left after the wipe");

    b.client.back().await.unwrap();
    b.wait_text("No encontramos este trámite.").await;
    assert_eq!(path(&b).await, flow);
    b.wait_text("Comenzar de nuevo").await;
    b.checkpoint("kiosko-tramite-olvidado").await;
    b.close().await;
}

/// The login page a platform sends the citizen to shows the refusal in Spanish; a network failure keeps what
/// was typed; Enter in the last field submits.
#[tokio::test]
async fn a_wrong_clave_is_refused_with_a_spanish_message() {
    let _serial = SERIAL.lock();
    let stack = Stack::start().await;
    stack.register(RUT, "juana.perez@example.cl", "98765432", "Mapocho#24").await;
    let site = platform(&stack, "plataforma-login", "Plataforma SENCE de ejemplo").await;
    let mut b = Browser::start(&stack.url, "login").await;
    b.client.goto(&site).await.unwrap();
    b.click_link("Ingresar con Clave Sence").await;
    b.fill("Rut *", RUT).await;
    b.fill("Clave Sence *", "Mapocho#25").await;
    b.click_button("Ingresar").await;
    assert!(b.banner().await.contains("El RUT o la Clave Sence no son correctos"), "{}", b.banner().await);
    b.checkpoint("login-rechazado").await;
    // The network fails: a message, the data stays, and the same button retries.
    b.fill("Clave Sence *", "Mapocho#24").await;
    b.client.execute("window.CLAVE_API_BASE = 'http://127.0.0.1:9'", vec![]).await.unwrap();
    b.click_button("Ingresar").await;
    assert!(b.banner().await.contains("No pudimos comunicarnos con el servidor"), "{}", b.banner().await);
    assert_eq!(b.value("Rut *").await, RUT);
    b.checkpoint("login-sin-red").await;
    b.client.execute("window.CLAVE_API_BASE = ''", vec![]).await.unwrap();
    // By keyboard: Enter in the last field submits, and the platform has the citizen.
    b.field("Clave Sence *").await.send_keys("\u{E007}").await.unwrap();
    b.wait_text("Ingresó con Clave Sence").await;
    b.close().await;
}

/// A sample SENCE platform (the `openidconnect` crate, nothing of ours) on its own port, registered at the
/// provider: its base URL.
async fn platform(stack: &Stack, id: &str, name: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let client = server::store::oidc::Client {
        id: id.into(),
        name: name.into(),
        secret_hash: None,
        redirect_uris: vec![format!("{base}/callback")],
        post_logout_uris: vec![format!("{base}/adios")],
        scopes: vec!["openid".into(), "rut".into(), "email".into()],
    };
    let secret = server::oidc::register_client(&stack.store, client, true, 0).await.unwrap().unwrap();
    let settings = fakes::sample_platform::PlatformSettings {
        base_url: base.clone(),
        issuer: stack.url.clone(),
        client_id: id.into(),
        client_secret: secret,
        name: name.into(),
    };
    fakes::spawn(listener, fakes::sample_platform::SamplePlatform::new(settings).router());
    base
}

/// "Ingresar con Clave Sence" (OpenID Connect): a platform sends the citizen to the login page, which names
/// it; RUT + Clave Sence; back at the platform with a code, which it trades for tokens, verifies the ID token
/// and reads userinfo. A second platform gets in without typing (single sign-on). Logging out at one ends the
/// session at Clave Sence and both platforms' access.
#[tokio::test]
async fn platforms_log_a_citizen_in_with_clave_sence_and_out_together() {
    let _serial = SERIAL.lock();
    let stack = Stack::start().await;
    stack.register(RUT, "juana.perez@example.cl", "98765432", "Mapocho#24").await;
    let first = platform(&stack, "plataforma-a", "Plataforma SENCE de ejemplo").await;
    let second = platform(&stack, "plataforma-b", "Otra plataforma SENCE").await;
    let mut b = Browser::start(&stack.url, "oidc").await;
    b.client.goto(&first).await.unwrap();
    b.click_link("Ingresar con Clave Sence").await;
    b.wait_text("La plataforma «Plataforma SENCE de ejemplo» le pide ingresar con su Clave Sence").await;
    assert!(b.client.current_url().await.unwrap().path().starts_with("/ingresar/"));
    b.wait_text("Su RUT.").await;
    b.checkpoint("ingresar").await;
    b.fill("Rut *", RUT).await;
    b.fill("Clave Sence *", "Mapocho#25").await;
    b.click_button("Ingresar").await;
    assert!(b.banner().await.contains("El RUT o la Clave Sence no son correctos"), "{}", b.banner().await);
    b.fill("Clave Sence *", "Mapocho#24").await;
    b.click_button("Ingresar").await;
    b.wait_text("Ingresó con Clave Sence").await;
    let text = |id: &'static str| {
        let client = b.client.clone();
        async move { client.find(fantoccini::Locator::Id(id)).await.unwrap().text().await.unwrap() }
    };
    assert_eq!(text("rut").await, "12345678-5");
    assert_eq!(text("email").await, "juana.perez@example.cl");
    let sub = text("sub").await;

    // The second platform: straight back, the same citizen, nothing typed.
    b.client.goto(&second).await.unwrap();
    b.click_link("Ingresar con Clave Sence").await;
    b.wait_text("Ingresó con Clave Sence").await;
    assert_eq!(text("sub").await, sub);
    assert!(b.client.current_url().await.unwrap().as_str().starts_with(&second));

    // Logout at the first: back to its goodbye page; the second's access ends too, and logging in asks again.
    b.client.goto(&first).await.unwrap();
    b.click_link("Cerrar sesión").await;
    b.wait_text("Cerró su sesión.").await;
    b.client.goto(&second).await.unwrap();
    b.wait_text("Para continuar, ingrese con su Clave Sence.").await;
    b.click_link("Ingresar con Clave Sence").await;
    b.wait_text("le pide ingresar con su Clave Sence").await;
    b.checkpoint("ingresar-de-nuevo").await;
    b.close().await;
}

/// A citizen who recovered the Clave Sence logs in to a platform with the provisional one: straight into
/// "Cambie su CS", and once it is changed, back to the login page and on to the platform.
#[tokio::test]
async fn a_provisional_clave_leads_to_the_change_and_back_to_the_platform() {
    let _serial = SERIAL.lock();
    let stack = Stack::start().await;
    stack.register(RUT, "juana.perez@example.cl", "98765432", "Mapocho#24").await;
    // A recovery with the secret answer, through the API.
    let http = reqwest::Client::new();
    let step = |path: String, key: Option<String>, body: serde_json::Value| {
        let mut request = http.post(format!("{}{path}", stack.url)).json(&body);
        if let Some(key) = key {
            request = request.header("x-flow-key", key);
        }
        async move { request.send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    let flow =
        step("/api/recovery".into(), None, serde_json::json!({ "rut": RUT, "captcha": stack.solved_captcha().await }))
            .await;
    let (id, key) = (flow["id"].as_str().unwrap().to_owned(), flow["key"].as_str().unwrap().to_owned());
    step(format!("/api/recovery/{id}/answer"), Some(key.clone()), serde_json::json!({ "answer": "Perú" })).await;
    let done = step(
        format!("/api/recovery/{id}/captcha"),
        Some(key),
        serde_json::json!({ "captcha": stack.solved_captcha().await }),
    )
    .await;
    assert_eq!(done["step"], "done", "{done}");
    let provisional = stack.provisional_from_dev_sink("juana.perez@example.cl").await;

    let site = platform(&stack, "plataforma-provisoria", "Plataforma SENCE de ejemplo").await;
    let mut b = Browser::start(&stack.url, "oidc-provisional").await;
    b.client.goto(&site).await.unwrap();
    b.click_link("Ingresar con Clave Sence").await;
    b.fill("Rut *", RUT).await;
    b.fill("Clave Sence *", &provisional).await;
    b.click_button("Ingresar").await;
    b.wait_text("Cambiar CS (Clave Sence) Persona Natural").await;
    // The RUT comes along (never the CS), and the screen says why the citizen is here.
    b.wait_text("Ingresó una Clave Sence provisoria").await;
    assert_eq!(b.value("Rut *").await, RUT);
    assert_eq!(b.value("CS Actual *").await, "", "the CS is never carried");
    b.change_clave(&provisional, "Alameda-77").await;
    b.click_button("Aceptar").await;
    b.wait_text("le pide ingresar con su Clave Sence").await;
    b.checkpoint("de-vuelta-al-ingreso").await;
    b.fill("Rut *", RUT).await;
    b.fill("Clave Sence *", "Alameda-77").await;
    b.click_button("Ingresar").await;
    b.wait_text("Ingresó con Clave Sence").await;
    b.close().await;
}

/// "Mi Clave Sence" (my data masked then in full, my activity, the privacy notice from the footer) and "No fui
/// yo" from a change notice's link: the page says what it reports, the click freezes the account, and "Mi
/// Clave Sence" then refuses with the frozen account's message.
#[tokio::test]
async fn a_citizen_sees_their_account_and_reports_a_change_that_was_not_theirs() {
    let _serial = SERIAL.lock();
    let stack = Stack::start().await;
    stack.register(RUT, "juana.perez@example.cl", "98765432", "Mapocho#24").await;
    let mut b = Browser::start(&stack.url, "mi-clave-sence").await;
    b.goto("/").await;
    b.click_link("Mi Clave Sence: vea sus datos, su actividad y sus sesiones.").await;
    b.wait_text("Ingrese con su Clave Sence").await;
    b.checkpoint("mi-clave-ingreso").await;
    b.fill("Rut *", RUT).await;
    b.fill("Clave Sence *", "Mapocho#24").await;
    b.click_button("Ingresar").await;
    b.wait_text("Mis datos").await;
    b.wait_text("ju****ez@example.cl").await;
    b.wait_text("(sin confirmar: revise el mensaje que le enviamos al registrarse)").await;
    b.wait_text("Ingreso a Mi Clave Sence").await;
    b.wait_text("Huérfanos 1273, Santiago, Metropolitana de Santiago").await;
    b.checkpoint("mi-clave-datos").await;
    b.click_button("Mostrar mis datos de contacto completos").await;
    b.wait_text("juana.perez@example.cl").await;
    b.checkpoint("mi-clave-datos-completos").await;
    // The registration's link confirms the e-mail.
    let (_, body) = stack.message_from_dev_sink("juana.perez@example.cl", "email_confirmation").await;
    let start = body.find("/confirmar/").unwrap();
    b.goto(&body[start..start + 43]).await;
    b.wait_text("Confirme su email").await;
    b.checkpoint("confirmar-email").await;
    b.click_button("Confirmar mi email").await;
    b.wait_text("Listo: su email quedó confirmado.").await;
    b.goto("/mi-clave-sence").await;
    b.wait_text("Mis datos").await;
    b.wait_text("Confirmación del email").await;
    b.click_link("Aviso de privacidad").await;
    b.wait_text("Aviso de privacidad de Clave Sence").await;
    b.checkpoint("privacidad").await;

    // Someone changes the CS; the owner opens the e-mail's link.
    b.goto("/cambiar").await;
    b.fill("Rut *", RUT).await;
    b.change_clave("Mapocho#24", "Alameda-77").await;
    let link = stack.no_fui_yo_from_dev_sink("juana.perez@example.cl", "cs_changed").await;
    b.goto(&link).await;
    b.wait_text("se cambió su Clave Sence").await;
    b.checkpoint("no-fui-yo").await;
    b.click_button("No fui yo: congelar mi cuenta").await;
    b.wait_text("su cuenta quedó congelada").await;
    b.checkpoint("no-fui-yo-hecho").await;
    // The link again: already used.
    b.goto(&link).await;
    b.wait_text("Este enlace ya se usó").await;
    // Frozen: Mi Clave Sence says so, with the way back.
    b.goto("/mi-clave-sence").await;
    b.fill("Rut *", RUT).await;
    b.fill("Clave Sence *", "Alameda-77").await;
    b.click_button("Ingresar").await;
    b.wait_text("Su cuenta está congelada porque se informó «No fui yo»").await;
    b.checkpoint("congelada").await;
    b.close().await;
}
