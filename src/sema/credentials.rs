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

// The bytes the literal parts of the patterns need, one bit each (`BYTE_CLUES`).
const UPPER_A: u32 = 1;
const UPPER_B: u32 = 1 << 1;
const UPPER_J: u32 = 1 << 2;
const LOWER_X: u32 = 1 << 3;
const UNDERSCORE: u32 = 1 << 4;
const DASH: u32 = 1 << 5;
const SLASH: u32 = 1 << 6;
const COLON: u32 = 1 << 7;
const EQUALS: u32 = 1 << 8;
const AT: u32 = 1 << 9;
const NON_ASCII: u32 = 1 << 10;
/// `hooks.slack.com` has a `k`, which most URLs and paths lack.
const LOWER_K: u32 = 1 << 11;
/// The letters of the credential words, in either case: a word cannot be in a text that
/// lacks one of its letters, and most texts with a `:` or `=` (URLs) lack one of each word's.
const WORD_LETTERS: &[u8] = b"acehiknoprstuw";
const WORD_LETTER_SHIFT: u32 = 12;

/// The bits of `letters` (a subset of `WORD_LETTERS`, in lower case).
const fn letter_bits(letters: &[u8]) -> u32 {
    let mut bits = 0;
    let mut at = 0;
    while at < letters.len() {
        let mut position = 0;
        while position < WORD_LETTERS.len() {
            if WORD_LETTERS[position] == letters[at] {
                bits |= 1 << (WORD_LETTER_SHIFT + position as u32);
            }
            position += 1;
        }
        at += 1;
    }
    bits
}

/// For each credential word, the letters it needs (`PASSW`, `SECRET`, `TOKEN`, `API`, `AUTH`).
const CREDENTIAL_WORDS: [u32; 5] =
    [letter_bits(b"pasw"), letter_bits(b"secrt"), letter_bits(b"token"), letter_bits(b"api"), letter_bits(b"auth")];

/// Each byte's clue bits: a whole text is summed up by OR-ing these, one table load per byte
/// (a `match` per byte cost four times as much, on every string of the plan).
static BYTE_CLUES: [u32; 256] = {
    let mut table = [0u32; 256];
    table[b'A' as usize] = UPPER_A;
    table[b'B' as usize] = UPPER_B;
    table[b'J' as usize] = UPPER_J;
    table[b'x' as usize] = LOWER_X;
    table[b'_' as usize] = UNDERSCORE;
    table[b'-' as usize] = DASH;
    table[b'/' as usize] = SLASH;
    table[b':' as usize] = COLON;
    table[b'=' as usize] = EQUALS;
    table[b'@' as usize] = AT;
    table[b'k' as usize] = LOWER_K;
    let mut position = 0;
    while position < WORD_LETTERS.len() {
        let letter = WORD_LETTERS[position];
        table[letter as usize] |= 1 << (WORD_LETTER_SHIFT + position as u32);
        table[letter.to_ascii_uppercase() as usize] |= 1 << (WORD_LETTER_SHIFT + position as u32);
        position += 1;
    }
    let mut byte = 128;
    while byte < 256 {
        table[byte] = NON_ASCII;
        byte += 1;
    }
    table
};

impl Clues {
    fn of(text: &str) -> Clues {
        let bytes = text.as_bytes();
        let mut found = 0u32;
        for &byte in bytes {
            found |= BYTE_CLUES[usize::from(byte)];
        }
        let any = |bits: u32| found & bits != 0;
        let all = |bits: u32| found & bits == bits;
        let has = |needle: &str| text.contains(needle);
        Clues {
            aws: all(UPPER_A) && bytes.len() >= 20 && (has("AKIA") || has("ASIA")),
            github: all(UNDERSCORE)
                && (has("github_pat_")
                    || bytes.windows(4).any(|four| four.starts_with(b"gh") && four.get(3) == Some(&b'_'))),
            slack_token: all(LOWER_X | DASH) && has("xox"),
            slack_hook: all(SLASH | LOWER_K) && has("hooks.slack.com"),
            jwt: all(UPPER_J) && has("eyJ"),
            private_key: all(DASH | UPPER_B) && has("-----BEGIN"),
            stripe: all(UNDERSCORE) && (has("k_live_") || has("k_test_")),
            google: all(UPPER_A) && has("AIza"),
            url_password: all(COLON | SLASH | AT) && has_url_password_shape(bytes),
            // Case is ignored there: a credential word in any ASCII case, or spelled with a
            // non-ASCII letter that folds to an ASCII one (the Kelvin sign is a `k`).
            assignment: any(COLON | EQUALS)
                && (any(NON_ASCII)
                    || (CREDENTIAL_WORDS.iter().any(|&word| all(word)) && has_credential_assignment(bytes))),
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

/// Whether a run of ASCII word characters holding a credential word is followed, after spaces,
/// by `=` or `:` and a value of 12 token characters: what the last pattern needs
/// (`API_KEY = ...`, `token: ...`).
/// URLs such as `https://api.example.com/health` have the word but not the assignment, and
/// they used to compile that pattern, a third of the time of checking a small plan. Linear:
/// each run is looked at once. Only for ASCII texts (the caller lets others through).
fn has_credential_assignment(bytes: &[u8]) -> bool {
    let is_word = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'_';
    // `\s` of the pattern, in ASCII (the vertical tab included).
    let is_space = |byte: u8| matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C);
    let mut at = 0;
    while at < bytes.len() {
        if !is_word(bytes[at]) {
            at += 1;
            continue;
        }
        let start = at;
        while at < bytes.len() && is_word(bytes[at]) {
            at += 1;
        }
        let run = &bytes[start..at];
        let mut after = at;
        while after < bytes.len() && is_space(bytes[after]) {
            after += 1;
        }
        if matches!(bytes.get(after), Some(b'=' | b':')) && has_credential_word(run) {
            // Then a value: spaces, perhaps a quote, and 12 characters of a token at least
            // (`Authentication: all roles tested` has the word and the colon, not the value).
            let mut value = after + 1;
            while value < bytes.len() && is_space(bytes[value]) {
                value += 1;
            }
            if matches!(bytes.get(value), Some(b'"' | b'\'')) {
                value += 1;
            }
            let is_token = |byte: &u8| byte.is_ascii_alphanumeric() || b"+/_.-".contains(byte);
            if bytes.get(value..).is_some_and(|rest| rest.iter().take(12).filter(|byte| is_token(byte)).count() == 12) {
                return true;
            }
        }
    }
    false
}

/// Whether `bytes` has what the password-in-a-URL pattern needs after a `://`: a user of one
/// byte at least that is none of `/`, `:`, `@` and white space, a `:`, then 3 bytes at least that
/// are none of `/`, `@`, `$` and white space, and an `@`. A necessary condition, not the
/// pattern (the scheme and non-ASCII white space are left to it): commands such as `curl ...
/// "$URL/flags" | jq -sRr @uri` have the three bytes but not this, and compiling the pattern
/// for them was a third of the instructions of checking a small plan.
fn has_url_password_shape(bytes: &[u8]) -> bool {
    let is_space = |byte: u8| matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C);
    let mut from = 0;
    while let Some(found) = bytes.get(from..).and_then(|rest| rest.windows(3).position(|three| three == b"://")) {
        let after = from + found + 3;
        from = after;
        let rest = bytes.get(after..).unwrap_or_default();
        let user = rest.iter().position(|&byte| byte == b'/' || byte == b':' || byte == b'@' || is_space(byte));
        let Some(user) = user.filter(|&user| user > 0 && rest.get(user) == Some(&b':')) else { continue };
        let password = rest.get(user + 1..).unwrap_or_default();
        let end = password.iter().position(|&byte| byte == b'/' || byte == b'@' || byte == b'$' || is_space(byte));
        if end.is_some_and(|end| end >= 3 && password.get(end) == Some(&b'@')) {
            return true;
        }
    }
    false
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
