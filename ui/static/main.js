// Loads the wasm UI. A file (not an inline script) so the strict Content-Security-Policy needs no exception.
// Relative paths: the build puts every asset in one folder named by its content hash.
import init from "./ui.js";
init({ module_or_path: new URL("./ui_bg.wasm", import.meta.url) });
