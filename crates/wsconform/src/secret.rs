//! Secrets never reach an output. Every value that came from the environment
//! and every roundtrip header or query value is registered here; every string
//! a reporter prints passes through [`Redactor::redact`] first.

use std::fmt;

use crate::outcome::Warning;

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

    /// Masks secrets in advisory findings, message and hint alike: they
    /// reach every report, as verdict messages and hints do.
    pub fn redact_warnings(&self, warnings: &mut [Warning]) {
        if self.is_empty() {
            return;
        }
        for w in warnings {
            w.message = self.redact(&w.message);
            w.hint = w.hint.as_deref().map(|h| self.redact(h));
        }
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
    fn warnings_are_masked_in_message_and_hint() {
        let mut r = Redactor::default();
        r.add("tok-9f8e7d");
        let mut w =
            vec![Warning { message: "the emulator echoed tok-9f8e7d".into(), hint: Some("rotate tok-9f8e7d".into()) }];
        r.redact_warnings(&mut w);
        assert_eq!(w[0].message, "the emulator echoed ***");
        assert_eq!(w[0].hint.as_deref(), Some("rotate ***"));
    }

    #[test]
    fn very_short_values_do_not_shred_text() {
        let mut r = Redactor::default();
        r.add("a");
        assert_eq!(r.redact("banana"), "banana");
    }
}
