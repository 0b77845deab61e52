// The ALTCHA proof of work: find n in 0..=max with SHA-256(salt + n) = challenge (hex). Batches of digests run
// concurrently, since each crypto.subtle call is asynchronous; ~1 000 per batch keeps the worker responsive.
const encoder = new TextEncoder();

function hex(buffer) {
  const bytes = new Uint8Array(buffer);
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += bytes[i].toString(16).padStart(2, "0");
  return out;
}

export async function solve(pow) {
  const started = Date.now();
  const batch = 1000;
  for (let start = 0; start <= pow.maxnumber; start += batch) {
    const end = Math.min(start + batch - 1, pow.maxnumber);
    const digests = [];
    for (let n = start; n <= end; n++) {
      digests.push(crypto.subtle.digest("SHA-256", encoder.encode(pow.salt + n)));
    }
    const hashes = await Promise.all(digests);
    for (let i = 0; i < hashes.length; i++) {
      if (hex(hashes[i]) === pow.challenge) return { number: start + i, took: Date.now() - started };
    }
  }
  return null;
}
