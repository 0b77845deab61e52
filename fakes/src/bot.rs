//! What a bot (or a test) does with the bot check: solve the ALTCHA proof of work by brute force, as the UI's
//! Web Worker does, and answer with the payload the protocol defines (base64 of its JSON).

use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The number that solves `pow` (`{algorithm, challenge, maxnumber, salt, signature}`), if any.
pub fn solve_number(pow: &Value) -> Option<u64> {
    let salt = pow["salt"].as_str()?;
    let challenge = pow["challenge"].as_str()?;
    let max = pow["maxnumber"].as_u64()?;
    (0..=max).find(|n| {
        let digest = Sha256::digest(format!("{salt}{n}"));
        digest.iter().map(|b| format!("{b:02x}")).collect::<String>() == challenge
    })
}

/// The ALTCHA payload that answers `pow` with `number`.
pub fn payload(pow: &Value, number: u64) -> String {
    let payload = json!({
        "algorithm": pow["algorithm"], "challenge": pow["challenge"], "number": number,
        "salt": pow["salt"], "signature": pow["signature"],
    });
    base64::engine::general_purpose::STANDARD.encode(payload.to_string())
}

/// The proof that solves `pow`: the payload to send as the answer's `proof`.
pub fn solve(pow: &Value) -> Option<String> {
    solve_number(pow).map(|number| payload(pow, number))
}
