// Loads the wasm UI. A file (not an inline script) so the strict Content-Security-Policy needs no exception.
import init from "/ui.js";
init({ module_or_path: "/ui_bg.wasm" });
