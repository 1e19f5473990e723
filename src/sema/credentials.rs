//! Strings that look like credentials.
//!
//! A plan is committed to a repository and rendered into scripts, workflows and checklists; a
//! token written into it leaks everywhere at once. Secrets belong in `secret` declarations and
//! are read from the environment at run time.

use regex::Regex;
use std::sync::LazyLock;

struct Pattern {
    what: &'static str,
    regex: Regex,
}

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    [
        ("an AWS access key", r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
        ("a GitHub token", r"\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
        ("a Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
        ("a Slack webhook URL", r"hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{8,}"),
        ("a JSON Web Token", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        ("a private key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
        ("a Stripe secret key", r"\b[sr]k_(live|test)_[0-9A-Za-z]{16,}"),
        ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}"),
        ("a password in a URL", r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:[^/\s@$]{3,}@"),
        (
            "a credential assigned a literal value",
            r#"(?i)\b[A-Z0-9_]*(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|AUTH)[A-Z0-9_]*\s*[=:]\s*['"]?[A-Za-z0-9+/_.\-]{12,}"#,
        ),
    ]
    .into_iter()
    .filter_map(|(what, pattern)| Regex::new(pattern).ok().map(|regex| Pattern { what, regex }))
    .collect()
});

/// The first credential-looking part of `text`: what it looks like and its byte range.
pub(super) fn find(text: &str) -> Option<(&'static str, std::ops::Range<usize>)> {
    PATTERNS.iter().find_map(|pattern| {
        pattern
            .regex
            .find_iter(text)
            .find(|found| !is_placeholder(found.as_str()))
            .map(|found| (pattern.what, found.range()))
    })
}

/// Values that stand for a secret rather than being one: `xxx`, `***`, `<token>`, `changeme`.
fn is_placeholder(found: &str) -> bool {
    let value = found.rsplit(['=', ':']).next().unwrap_or(found).trim_matches(['"', '\'', ' ']);
    let lower = value.to_ascii_lowercase();
    value.chars().all(|c| matches!(c, 'x' | 'X' | '*' | '.' | '-' | '_'))
        || lower.contains("xxxx")
        || lower.starts_with('<')
        || lower.contains("changeme")
        || lower.contains("example")
        || lower.contains("placeholder")
        // A path to a file that holds the secret is not the secret.
        || value.starts_with('/')
        || value.starts_with("./")
}
