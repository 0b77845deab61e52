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

init({ module_or_path: new URL("./ui_bg.wasm", import.meta.url) });
