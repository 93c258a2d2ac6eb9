//! Secrets never reach an output. Every value that came from the environment
//! and every roundtrip header or query value is registered here; every string
//! a reporter prints passes through [`Redactor::redact`] first.

use std::fmt;

/// Shown in place of a secret.
pub const MASK: &str = "***";

/// Secrets shorter than this are not masked inside other text: masking a
/// two-letter value would shred every word that contains it. Such values are
/// still never printed on their own (headers and query values are always
/// shown as `***`).
const MIN_MASKED_LEN: usize = 4;

#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    pub fn add(&mut self, secret: &str) {
        if secret.len() >= MIN_MASKED_LEN && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_owned());
            // Longest first, so a secret that contains another is masked whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
        // Also mask the URL-encoded form: query values appear encoded in URLs.
        let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        if encoded != secret && encoded.len() >= MIN_MASKED_LEN && !self.secrets.contains(&encoded) {
            self.secrets.push(encoded);
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    pub fn merge(&mut self, other: &Redactor) {
        for s in &other.secrets {
            self.add(s);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_plain_and_url_encoded_forms() {
        let mut r = Redactor::default();
        r.add("s3cr3t token");
        assert_eq!(r.redact("Authorization: s3cr3t token"), "Authorization: ***");
        assert_eq!(r.redact("wss://h/p?t=s3cr3t+token"), "wss://h/p?t=***");
    }

    #[test]
    fn longer_secret_wins_over_its_prefix() {
        let mut r = Redactor::default();
        r.add("abcd");
        r.add("abcdefgh");
        assert_eq!(r.redact("x abcdefgh y"), "x *** y");
    }

    #[test]
    fn very_short_values_do_not_shred_text() {
        let mut r = Redactor::default();
        r.add("a");
        assert_eq!(r.redact("banana"), "banana");
    }
}
