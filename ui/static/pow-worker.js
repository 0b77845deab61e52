// Solves the bot check's proof of work off the page's thread, so typing never stutters.
import { solve } from "./pow.js";

self.onmessage = async (event) => {
  self.postMessage(await solve(event.data));
};
