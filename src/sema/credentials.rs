//! Strings that look like credentials.
//!
//! A plan is committed to a repository and rendered into scripts, workflows and checklists; a
//! token written into it leaks everywhere at once. Secrets belong in `secret` declarations and
//! are read from the environment at run time.

use regex::Regex;
use std::sync::{LazyLock, OnceLock};

struct Pattern {
    what: &'static str,
    source: &'static str,
    /// Compiled the first time a text passes `possible`: most plans need one or two patterns.
    regex: OnceLock<Option<Regex>>,
    possible: Possible,
}

impl Pattern {
    fn regex(&self) -> Option<&Regex> {
        self.regex.get_or_init(|| Regex::new(self.source).ok()).as_ref()
    }
}

/// Which patterns a text could match, decided from its literal parts before any regular
/// expression runs: most strings of a plan (titles, URLs, commands) rule out every pattern in
/// one pass over their bytes, and the expressions are only compiled once some string needs them.
type Possible = fn(&Clues) -> bool;

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    let patterns: [(&str, &str, Possible); 10] = [
        ("an AWS access key", r"\b(AKIA|ASIA)[0-9A-Z]{16}\b", |clues| clues.aws),
        ("a GitHub token", r"\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})", |clues| clues.github),
        ("a Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}", |clues| clues.slack_token),
        ("a Slack webhook URL", r"hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{8,}", |clues| {
            clues.slack_hook
        }),
        ("a JSON Web Token", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", |clues| clues.jwt),
        ("a private key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----", |clues| clues.private_key),
        ("a Stripe secret key", r"\b[sr]k_(live|test)_[0-9A-Za-z]{16,}", |clues| clues.stripe),
        ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}", |clues| clues.google),
        ("a password in a URL", r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:[^/\s@$]{3,}@", |clues| clues.url_password),
        (
            "a credential assigned a literal value",
            r#"(?i)\b[A-Z0-9_]*(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|AUTH)[A-Z0-9_]*\s*[=:]\s*['"]?[A-Za-z0-9+/_.\-]{12,}"#,
            |clues| clues.assignment,
        ),
    ];
    patterns
        .into_iter()
        .map(|(what, source, possible)| Pattern { what, source, regex: OnceLock::new(), possible })
        .collect()
});

/// For each pattern, whether the text holds the literal parts it cannot match without. A
/// `false` is certain; a `true` only means the regular expression has to decide.
#[derive(Default)]
struct Clues {
    aws: bool,
    github: bool,
    slack_token: bool,
    slack_hook: bool,
    jwt: bool,
    private_key: bool,
    stripe: bool,
    google: bool,
    url_password: bool,
    assignment: bool,
}

impl Clues {
    fn of(text: &str) -> Clues {
        let bytes = text.as_bytes();
        let (mut upper_a, mut upper_b, mut upper_j, mut lower_x, mut underscore, mut dash) =
            (false, false, false, false, false, false);
        let (mut slash, mut colon, mut equals, mut at, mut non_ascii) = (false, false, false, false, false);
        for &byte in bytes {
            match byte {
                b'A' => upper_a = true,
                b'B' => upper_b = true,
                b'J' => upper_j = true,
                b'x' => lower_x = true,
                b'_' => underscore = true,
                b'-' => dash = true,
                b'/' => slash = true,
                b':' => colon = true,
                b'=' => equals = true,
                b'@' => at = true,
                128.. => non_ascii = true,
                _ => {}
            }
        }
        let has = |needle: &str| text.contains(needle);
        Clues {
            aws: upper_a && bytes.len() >= 20 && (has("AKIA") || has("ASIA")),
            github: underscore
                && (has("github_pat_")
                    || bytes.windows(4).any(|four| four.starts_with(b"gh") && four.get(3) == Some(&b'_'))),
            slack_token: lower_x && dash && has("xox"),
            slack_hook: slash && has("hooks.slack.com"),
            jwt: upper_j && has("eyJ"),
            private_key: dash && upper_b && has("-----BEGIN"),
            stripe: underscore && (has("k_live_") || has("k_test_")),
            google: upper_a && has("AIza"),
            url_password: colon && slash && at,
            // Case is ignored there: a credential word in any ASCII case, or spelled with a
            // non-ASCII letter that folds to an ASCII one (the Kelvin sign is a `k`).
            assignment: (colon || equals) && (non_ascii || has_credential_word(bytes)),
        }
    }

    fn any(&self) -> bool {
        self.aws
            || self.github
            || self.slack_token
            || self.slack_hook
            || self.jwt
            || self.private_key
            || self.stripe
            || self.google
            || self.url_password
            || self.assignment
    }
}

/// Whether a word of the last pattern (`PASSWORD`, `PASSWD`, `SECRET`, `TOKEN`, `API_KEY`,
/// `APIKEY`, `AUTH`) starts somewhere in `bytes`, in any ASCII case.
fn has_credential_word(bytes: &[u8]) -> bool {
    let starts_with =
        |at: usize, word: &[u8]| bytes.get(at..at + word.len()).is_some_and(|found| found.eq_ignore_ascii_case(word));
    bytes.iter().enumerate().any(|(at, byte)| match byte.to_ascii_lowercase() {
        b'p' => starts_with(at, b"passw"),
        b's' => starts_with(at, b"secret"),
        b't' => starts_with(at, b"token"),
        b'a' => starts_with(at, b"api") || starts_with(at, b"auth"),
        _ => false,
    })
}

/// The first credential-looking part of `text`: what it looks like and its byte range.
pub(super) fn find(text: &str) -> Option<(&'static str, std::ops::Range<usize>)> {
    let clues = Clues::of(text);
    if !clues.any() {
        return None;
    }
    PATTERNS.iter().filter(|pattern| (pattern.possible)(&clues)).find_map(|pattern| {
        pattern
            .regex()?
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
