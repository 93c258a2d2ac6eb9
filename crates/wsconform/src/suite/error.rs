//! Errors in suite files, each at `file:line:col` with a help line.

use std::fmt;
use std::ops::Range;

/// A suite file that cannot be used, located at `file:line:col`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteError {
    pub file: String,
    /// 1-based; `None` when the file could not be read at all.
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub key: Option<String>,
    pub message: String,
    pub help: Option<String>,
}

impl std::error::Error for SuiteError {}

impl fmt::Display for SuiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.col) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: ", self.file)?,
            _ => write!(f, "{}: ", self.file)?,
        }
        if let Some(k) = &self.key {
            write!(f, "`{k}`: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

impl SuiteError {
    pub(super) fn io(file: &str, e: &std::io::Error) -> Self {
        Self {
            file: file.into(),
            line: None,
            col: None,
            key: None,
            message: format!("cannot read the suite file: {e}"),
            help: None,
        }
    }

    pub(super) fn at(file: &str, text: &str, span: Range<usize>, key: Option<&str>, message: String) -> Self {
        let (line, col) = line_col(text, span.start);
        Self { file: file.into(), line: Some(line), col: Some(col), key: key.map(Into::into), message, help: None }
    }

    pub(super) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(super) fn from_toml(file: &str, text: &str, e: &toml::de::Error) -> Self {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim().to_owned();
        let mut err = Self::at(file, text, span, None, message.clone());
        if let Some(help) = did_you_mean(&message) {
            err = err.with_help(help);
        }
        err
    }
}

/// 1-based line and column (in characters) of a byte offset.
/// The 1-based line where the dotted `key` is written in suite `text`: a
/// table's header (`cloudfront` → `[cloudfront]`) or a value's key
/// (`custom_domain.mapping_key`, `url`). `None` when it is not there or the
/// text is not TOML. Reports use it to point at the suite line a finding is about.
pub fn key_line(text: &str, key: &str) -> Option<usize> {
    let root = toml::de::DeTable::parse(text).ok()?;
    let mut table = root.get_ref();
    let mut parts = key.split('.').peekable();
    while let Some(part) = parts.next() {
        let (k, v) = table.iter().find(|(k, _)| k.get_ref().as_ref() == part)?;
        if parts.peek().is_none() {
            return Some(line_col(text, k.span().start).0);
        }
        table = v.get_ref().as_table()?;
    }
    None
}

pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// Turns serde's "unknown field `x`, expected one of `a`, `b`" (or
/// "unknown variant") into a suggestion for the closest known name.
pub(super) fn did_you_mean(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `").or_else(|| message.strip_prefix("unknown variant `"))?;
    let (given, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let best = candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(given, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    Some(format!("did you mean `{}`?", best.1))
}
