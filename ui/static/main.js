// Loads the wasm UI. A file (not an inline script) so the strict Content-Security-Policy needs no exception.
// Relative paths: the build puts every asset in one folder named by its content hash.
import init from "./ui.js";
import { solve } from "./pow.js";

// The UI's bot check calls this with the server's ALTCHA challenge and gets the ALTCHA payload (base64 of its
// JSON), or null. The work runs in a Web Worker; where a worker cannot start, on this thread.
globalThis.claveSolvePow = (pow) =>
  new Promise((resolve) => {
    const done = (solution) =>
      resolve(solution && btoa(JSON.stringify({
        algorithm: pow.algorithm, challenge: pow.challenge, number: solution.number,
        salt: pow.salt, signature: pow.signature, took: solution.took,
      })));
    let worker;
    try {
      worker = new Worker(new URL("./pow-worker.js", import.meta.url), { type: "module" });
    } catch {
      solve(pow).then(done);
      return;
    }
    worker.onmessage = (event) => { worker.terminate(); done(event.data); };
    worker.onerror = () => { worker.terminate(); solve(pow).then(done); };
    worker.postMessage(pow);
  });

// The texts of a language other than the built-in Spanish, as JSON text, or null (the UI then stays in Spanish).
// The first screen waits for them when the browser prefers that language, so a stalled fetch gives up.
globalThis.claveLocale = (code) => {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), 5000);
  return fetch(new URL(`./locales/${code}.json`, import.meta.url), { signal: stop.signal })
    .then((response) => (response.ok ? response.text() : null))
    .catch(() => null)
    .finally(() => clearTimeout(timer));
};

// After a refusal the submit button was disabled while the answer came, so the focus fell to the page: it goes
// to the first refused field, or to the form's message when no field is refused (WCAG 3.3.1), once the UI has
// drawn them. A citizen who moved the focus meanwhile keeps it where it is.
globalThis.claveFocusRefusal = () => {
  let tries = 0;
  const attempt = () => {
    const lost = !document.activeElement || document.activeElement === document.body;
    if (!lost) return;
    const field = document.querySelector('[aria-invalid="true"]:not([readonly])');
    const banner = document.querySelector(".banner");
    const target = field || banner;
    if (target) {
      if (target === banner) banner.tabIndex = -1;
      target.focus();
    } else if (++tries < 20) {
      setTimeout(attempt, 25);
    }
  };
  setTimeout(attempt, 0);
};

init({ module_or_path: new URL("./ui_bg.wasm", import.meta.url) });

// The kiosk's on-screen keyboard types into the focused field as a physical keyboard would: the text at the
// caret (at the end where a field has no caret API, as e-mail fields), then an `input` event for the UI.
globalThis.claveKeyboard = (key) => {
  const field = document.activeElement;
  if (!field || field.tagName !== "INPUT" || field.readOnly || field.type === "checkbox" || field.type === "radio") {
    return false;
  }
  let start = null;
  try { start = field.selectionStart; } catch { start = null; }
  if (start === null) {
    field.value = key === "Backspace" ? field.value.slice(0, -1) : field.value + key;
  } else {
    const end = field.selectionEnd;
    if (key === "Backspace") {
      field.setRangeText("", start === end ? Math.max(0, start - 1) : start, end, "end");
    } else {
      field.setRangeText(key, start, end, "end");
    }
  }
  field.dispatchEvent(new Event("input", { bubbles: true }));
  return true;
};

// A field taken by the keyboard is brought to the middle of the screen, clear of the keyboard below.
globalThis.claveKeyboardShow = () => {
  const field = document.activeElement;
  if (field && field.scrollIntoView) field.scrollIntoView({ block: "center" });
};

// Resolves once the focus has moved (the next focusin or focusout, after the focus lands: moving between two
// fields sends both), so the kiosk keyboard follows the focus without polling it.
globalThis.claveFocusMoved = () =>
  new Promise((resolve) => {
    const stop = new AbortController();
    const moved = () => { stop.abort(); setTimeout(resolve, 0); };
    document.addEventListener("focusin", moved, { signal: stop.signal });
    document.addEventListener("focusout", moved, { signal: stop.signal });
  });

// "Siguiente": the next field of the page, as Tab would.
globalThis.claveKeyboardNext = () => {
  const fields = [...document.querySelectorAll("main input:not([readonly]):not([type=hidden]), main select")]
    .filter((f) => !f.disabled && f.offsetParent !== null);
  const at = fields.indexOf(document.activeElement);
  const next = fields[at + 1] || fields[0];
  if (next) next.focus();
};
