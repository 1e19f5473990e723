//! Quoting for the Markdown checklist: the one place where plan strings are escaped. Every
//! string a plan author wrote (titles, messages, commands, URLs, condition texts) goes through
//! one of these before it reaches the output, so that none can leave its place: a title cannot
//! open a comment or a table cell, a command cannot close its code block, a label cannot end a
//! Mermaid string.

/// Characters that mean something inline in CommonMark, GFM or GitHub's renderer (`$` opens
/// math, `~` strikes through, `&` starts an entity, `@` makes an e-mail link).
const INLINE_SPECIAL: &[char] = &['\\', '`', '*', '_', '[', ']', '<', '>', '#', '|', '~', '$', '&', '@'];

/// One line of plan text: control characters (newlines, tabs) become spaces and the ends are
/// trimmed, since Markdown would not show that whitespace and trailing spaces make line breaks.
fn one_line(text: &str) -> String {
    let spaced: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.trim().to_string()
}

/// Where the `.` or `)` is when `line` starts like an ordered list item: digits, then `.` or
/// `)`, then a space or nothing.
fn ordered_item_marker(line: &str) -> Option<usize> {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    let mut after = line[digits..].chars();
    let marker = matches!(after.next(), Some('.' | ')')) && after.next().is_none_or(char::is_whitespace);
    (digits > 0 && marker).then_some(digits)
}

/// Whether the character at byte `at` of `text` would make a bare link: the `:` of `://`, or
/// the `.` of `www.`. GFM links these without brackets; escaping one character prevents it.
fn makes_bare_link(text: &str, at: usize, c: char) -> bool {
    match c {
        ':' => text[at..].starts_with("://"),
        '.' => text[..at].to_ascii_lowercase().ends_with("www"),
        _ => false,
    }
}

/// Plain text for inline Markdown (headings, list items, paragraphs, table cells): shown
/// literally, on one line. Escapes the inline punctuation, what would start a block at the start
/// of a line (`-`, `+`, `=`, `1.`), and bare links; `<!--` cannot appear raw since `<` is escaped.
pub fn md_inline(text: &str) -> String {
    let line = one_line(text);
    let mut out = String::with_capacity(line.len() + 8);
    // `-`, `+` and `=` start a list, a rule or a heading underline only at the start of a line;
    // for `1.` the marker is escaped, since a `\` before a digit would show.
    if line.starts_with(['-', '+', '=']) {
        out.push('\\');
    }
    let marker = ordered_item_marker(&line);
    for (at, c) in line.char_indices() {
        if INLINE_SPECIAL.contains(&c) || Some(at) == marker || makes_bare_link(&line, at, c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Plan text for a GFM table cell. A cell is one line of inline text, and GFM splits a row on
/// every unescaped `|` before any other parsing (code spans included): [`md_inline`] already
/// folds newlines into spaces and escapes `|`, so a cell is that. Named apart so that templates
/// say where a string goes, and so that no code span (whose `|` would split) is put in a cell.
pub fn md_cell(text: &str) -> String {
    md_inline(text)
}

/// The longest run of backticks in `text`.
fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// An inline code span showing `text` literally (names, URLs, conditions). The fence is one
/// backtick longer than any run inside, and padded with spaces when the text starts or ends
/// with a backtick. Not for table cells: there a `|` would still split the cell.
pub fn md_code(text: &str) -> String {
    let line = one_line(text);
    if line.is_empty() {
        return String::new();
    }
    let fence = "`".repeat(longest_backtick_run(&line) + 1);
    let pad = if line.starts_with('`') || line.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{line}{pad}{fence}")
}

/// A fenced code block holding `content` exactly (line endings normalised to `\n`), tagged with
/// `language`. The fence is longer than any backtick run inside, so no line of the content can
/// close it. No trailing newline: the template places the block and what follows it.
pub fn code_block(content: &str, language: &str) -> String {
    let content = content.replace("\r\n", "\n").replace('\r', "\n");
    let content = content.strip_suffix('\n').unwrap_or(&content);
    let fence = "`".repeat(longest_backtick_run(content).max(2) + 1);
    if content.is_empty() {
        format!("{fence}{language}\n{fence}")
    } else {
        format!("{fence}{language}\n{content}\n{fence}")
    }
}

/// Text for a quoted Mermaid label (`["..."]`, `|"..."|`): shown literally on one line. Mermaid
/// reads `#name;` and `#35;` as entity codes and passes labels to HTML, so the characters that
/// could end the string, start an entity, a directive (`%%`), markup or a Markdown string
/// become entity codes themselves.
pub fn mermaid_label(text: &str) -> String {
    let line = one_line(text);
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '%' => out.push_str("#37;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md_inline_escapes_inline_punctuation() {
        assert_eq!(md_inline("*bold* _em_ `code`"), r"\*bold\* \_em\_ \`code\`");
        assert_eq!(md_inline("a | b"), r"a \| b");
        assert_eq!(md_inline("[link](x) <b> #1"), r"\[link\](x) \<b\> \#1");
        assert_eq!(md_inline(r"back\slash"), r"back\\slash");
        assert_eq!(md_inline("~~gone~~ R&D &amp;"), r"\~\~gone\~\~ R\&D \&amp;");
    }

    #[test]
    fn md_inline_never_lets_a_comment_or_html_open() {
        let escaped = md_inline("before <!-- hidden --> after");
        assert!(!escaped.replace(r"\<", "").contains('<'), "{escaped}");
        assert_eq!(escaped, r"before \<!-- hidden --\> after");
    }

    #[test]
    fn md_inline_keeps_shell_and_template_syntax_literal() {
        assert_eq!(md_inline("$(rm -rf /)"), r"\$(rm -rf /)");
        assert_eq!(md_inline("${{ secrets.X }}"), r"\${{ secrets.X }}");
    }

    #[test]
    fn md_inline_folds_lines_and_trims() {
        assert_eq!(md_inline("  one\ntwo\r\nthree\tfour  "), "one two  three four");
        assert_eq!(md_inline("\n"), "");
    }

    #[test]
    fn md_inline_escapes_what_would_start_a_block() {
        assert_eq!(md_inline("- item"), r"\- item");
        assert_eq!(md_inline("+ item"), r"\+ item");
        assert_eq!(md_inline("==="), r"\===");
        assert_eq!(md_inline("---"), r"\---");
        assert_eq!(md_inline("1. Final checks"), r"1\. Final checks");
        assert_eq!(md_inline("12) twelve"), r"12\) twelve");
        assert_eq!(md_inline("3."), r"3\.");
        assert_eq!(md_inline("# title"), r"\# title");
        assert_eq!(md_inline("> quote"), r"\> quote");
        // Not list markers: left alone.
        assert_eq!(md_inline("0.5% of traffic"), "0.5% of traffic");
        assert_eq!(md_inline("a - b + c"), "a - b + c");
    }

    #[test]
    fn md_inline_prevents_bare_links() {
        assert_eq!(md_inline("see https://x.org"), r"see https\://x.org");
        assert_eq!(md_inline("www.x.org"), r"www\.x.org");
        assert_eq!(md_inline("ops@x.org"), r"ops\@x.org");
    }

    #[test]
    fn md_inline_keeps_unicode() {
        assert_eq!(md_inline("Déploiement → 本番 🚀"), "Déploiement → 本番 🚀");
    }

    #[test]
    fn md_cell_is_one_line_with_pipes_escaped() {
        assert_eq!(md_cell("a|b\nc"), r"a\|b c");
        assert_eq!(md_cell(r"a\|b"), r"a\\\|b");
    }

    #[test]
    fn md_code_fences_are_longer_than_any_backtick_run() {
        assert_eq!(md_code("error_rate < 1%"), "`error_rate < 1%`");
        assert_eq!(md_code("a `b` c"), "``a `b` c``");
        assert_eq!(md_code("```"), "```` ``` ````");
        assert_eq!(md_code("`x"), "`` `x ``");
        assert_eq!(md_code("a\nb"), "`a b`");
        assert_eq!(md_code("  "), "");
    }

    #[test]
    fn code_block_cannot_be_closed_by_its_content() {
        assert_eq!(code_block("echo hi", "sh"), "```sh\necho hi\n```");
        assert_eq!(code_block("echo ```\n```\n", "sh"), "````sh\necho ```\n```\n````");
        assert_eq!(code_block("a ````` b", "sh"), "``````sh\na ````` b\n``````");
        assert_eq!(code_block("", "sh"), "```sh\n```");
    }

    #[test]
    fn code_block_keeps_the_content_exactly() {
        let command = "for i in 1 2; do\n  echo \"$i\" | tee -a log  \ndone\n\n# <!-- not a comment -->";
        assert_eq!(code_block(command, "sh"), format!("```sh\n{command}\n```"));
        assert_eq!(code_block("a\r\nb", "sh"), "```sh\na\nb\n```");
    }

    #[test]
    fn mermaid_label_cannot_end_its_string() {
        assert_eq!(mermaid_label(r#"declared "broken""#), "declared #quot;broken#quot;");
        assert_eq!(mermaid_label("a # b"), "a #35; b");
        assert_eq!(mermaid_label("#quot;"), "#35;quot;");
        assert_eq!(mermaid_label("<b>a|b</b> 5% `x` &"), "#lt;b#gt;a#124;b#lt;/b#gt; 5#37; #96;x#96; #amp;");
        assert_eq!(mermaid_label("one\ntwo"), "one two");
    }
}
