//! GitHub Actions expressions (`${{ ... }}`), as documented on
//! <https://docs.github.com/en/actions/reference/workflows-and-actions/expressions>
//! ("Evaluate expressions in workflows and actions"):
//!
//! - literals: `null`, booleans, numbers (integers, decimals, exponents, hexadecimal), strings
//!   in single quotes with `''` for a quote;
//! - operators, tightest first: `( )`, `[ ]`, `.`, `!`, `< <= > >=`, `== !=`, `&&`, `||`;
//!   `&&` and `||` return one of their operands, not a boolean ("Operators");
//! - loose equality: operands of different types are converted to numbers (null 0, true 1,
//!   false 0, a string parsed or NaN, an array or object NaN); strings compare ignoring case;
//!   NaN equals nothing; objects and arrays are equal only when they are the same instance,
//!   which this evaluator, working on values, treats as never;
//! - falsy: `false`, `0`, `-0`, `""`, `null` (the page's list); NaN is treated as falsy too,
//!   as the runner's expression library does (not stated on the page);
//! - object filters `a.*.b` ("Object filters");
//! - functions `contains startsWith endsWith format join toJSON fromJSON` and the status
//!   functions `success() failure() always() cancelled()`; `hashFiles` and any other function
//!   is refused.
//!
//! Named values (contexts) are checked against the contexts a key may use ("Contexts reference",
//! <https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#context-availability>):
//! [`parse`] takes the allowed names, so a workflow that reads, say, `secrets` in a step `if`
//! is refused like GitHub refuses it.

use serde_json::{Map, Value};

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr {
    Literal(Value),
    Context(String),
    Property(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    /// `.*`: the object's values, or the array's elements, as an array.
    Filter(Box<Expr>),
    Not(Box<Expr>),
    Binary(Box<Expr>, Op, Box<Expr>),
    Call(String, Vec<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Op {
    And,
    Or,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// What the status functions answer where the expression is evaluated.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Status {
    pub(crate) success: bool,
    pub(crate) failure: bool,
    pub(crate) cancelled: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Number(f64),
    Str(String),
    Ident(String),
    Punct(&'static str),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(format!("unterminated string in `{text}`")),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        s.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&other) => {
                        s.push(other);
                        i += 1;
                    }
                }
            }
            tokens.push(Token::Str(s));
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit() || *n == '.'))
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit) && !after_value(&tokens))
        {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '.' || chars[i] == '-' || chars[i] == '+')
            {
                // A sign only follows an exponent.
                if (chars[i] == '-' || chars[i] == '+') && !matches!(chars[i - 1], 'e' | 'E') {
                    break;
                }
                i += 1;
            }
            let literal: String = chars[start..i].iter().collect();
            tokens.push(Token::Number(
                parse_number(&literal).ok_or_else(|| format!("bad number `{literal}` in `{text}`"))?,
            ));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '-') {
                i += 1;
            }
            tokens.push(Token::Ident(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let punct = ["==", "!=", "<=", ">=", "&&", "||"].into_iter().find(|p| *p == two);
            if let Some(p) = punct {
                tokens.push(Token::Punct(p));
                i += 2;
            } else {
                let one = ["(", ")", "[", "]", ".", ",", "!", "<", ">", "*"]
                    .into_iter()
                    .find(|p| p.starts_with(c))
                    .ok_or_else(|| format!("unexpected `{c}` in `{text}`"))?;
                tokens.push(Token::Punct(one));
                i += 1;
            }
        }
    }
    Ok(tokens)
}

fn after_value(tokens: &[Token]) -> bool {
    matches!(tokens.last(), Some(Token::Ident(_) | Token::Punct(")" | "]" | "*")))
}

/// A number literal or a string converted to a number (`Number('0x1F')` and friends).
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return Some(0.0);
    }
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let value = if let Some(hex) = body.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()? as f64
    } else if let Some(octal) = body.strip_prefix("0o") {
        i64::from_str_radix(octal, 8).ok()? as f64
    } else if body.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+')) {
        body.parse::<f64>().ok()?
    } else {
        match body {
            "Infinity" => f64::INFINITY,
            _ => return None,
        }
    };
    Some(if negative { -value } else { value })
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    contexts: &'a [&'a str],
    text: &'a str,
}

/// Parses one expression (the text between `${{` and `}}`), refusing named values not in
/// `contexts`.
pub(crate) fn parse(text: &str, contexts: &[&str]) -> Result<Expr, String> {
    let mut parser = Parser { tokens: tokenize(text)?, at: 0, contexts, text };
    let expr = parser.or()?;
    if parser.at != parser.tokens.len() {
        return Err(format!("unexpected {:?} in `{text}`", parser.tokens[parser.at]));
    }
    Ok(expr)
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn eat(&mut self, punct: &str) -> bool {
        if matches!(self.peek(), Some(Token::Punct(p)) if *p == punct) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, punct: &str) -> Result<(), String> {
        if self.eat(punct) {
            Ok(())
        } else {
            Err(format!("expected `{punct}` in `{}`", self.text))
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.eat("||") {
            left = Expr::Binary(Box::new(left), Op::Or, Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.equality()?;
        while self.eat("&&") {
            left = Expr::Binary(Box::new(left), Op::And, Box::new(self.equality()?));
        }
        Ok(left)
    }

    fn equality(&mut self) -> Result<Expr, String> {
        let mut left = self.comparison()?;
        loop {
            let op = if self.eat("==") {
                Op::Eq
            } else if self.eat("!=") {
                Op::Ne
            } else {
                return Ok(left);
            };
            left = Expr::Binary(Box::new(left), op, Box::new(self.comparison()?));
        }
    }

    fn comparison(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        loop {
            let op = if self.eat("<=") {
                Op::Le
            } else if self.eat(">=") {
                Op::Ge
            } else if self.eat("<") {
                Op::Lt
            } else if self.eat(">") {
                Op::Gt
            } else {
                return Ok(left);
            };
            left = Expr::Binary(Box::new(left), op, Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat("!") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Result<Expr, String> {
        let mut expr = self.primary()?;
        loop {
            if self.eat(".") {
                if self.eat("*") {
                    expr = Expr::Filter(Box::new(expr));
                } else {
                    match self.tokens.get(self.at).cloned() {
                        Some(Token::Ident(name)) => {
                            self.at += 1;
                            expr = Expr::Property(Box::new(expr), name);
                        }
                        _ => return Err(format!("expected a property name in `{}`", self.text)),
                    }
                }
            } else if self.eat("[") {
                if self.eat("*") {
                    self.expect("]")?;
                    expr = Expr::Filter(Box::new(expr));
                } else {
                    let index = self.or()?;
                    self.expect("]")?;
                    expr = Expr::Index(Box::new(expr), Box::new(index));
                }
            } else {
                return Ok(expr);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let token = self.tokens.get(self.at).cloned().ok_or_else(|| format!("unexpected end of `{}`", self.text))?;
        self.at += 1;
        match token {
            Token::Number(n) => Ok(Expr::Literal(number(n))),
            Token::Str(s) => Ok(Expr::Literal(Value::String(s))),
            Token::Punct("(") => {
                let inner = self.or()?;
                self.expect(")")?;
                Ok(inner)
            }
            Token::Ident(name) => {
                if self.eat("(") {
                    let mut args = Vec::new();
                    if !self.eat(")") {
                        loop {
                            args.push(self.or()?);
                            if self.eat(")") {
                                break;
                            }
                            self.expect(",")?;
                        }
                    }
                    check_call(&name, args.len())?;
                    return Ok(Expr::Call(name.to_ascii_lowercase(), args));
                }
                match name.as_str() {
                    "true" => Ok(Expr::Literal(Value::Bool(true))),
                    "false" => Ok(Expr::Literal(Value::Bool(false))),
                    "null" => Ok(Expr::Literal(Value::Null)),
                    _ if self.contexts.iter().any(|c| c.eq_ignore_ascii_case(&name)) => {
                        Ok(Expr::Context(name.to_ascii_lowercase()))
                    }
                    _ => Err(format!(
                        "unrecognized named-value `{name}` in `{}` (available here: {})",
                        self.text,
                        self.contexts.join(", ")
                    )),
                }
            }
            Token::Punct(p) => Err(format!("unexpected `{p}` in `{}`", self.text)),
        }
    }
}

fn check_call(name: &str, count: usize) -> Result<(), String> {
    let (min, max) = match name.to_ascii_lowercase().as_str() {
        "success" | "failure" | "always" | "cancelled" => (0, 0),
        "contains" | "startswith" | "endswith" => (2, 2),
        "format" => (1, usize::MAX),
        "join" => (1, 2),
        "tojson" | "fromjson" => (1, 1),
        _ => return Err(format!("function `{name}` is not implemented by this executor")),
    };
    if count < min || count > max {
        return Err(format!("`{name}` takes {min} to {max} arguments, not {count}"));
    }
    Ok(())
}

/// True when the expression calls a status function: then a job's or step's `if` is not
/// wrapped in `success() && (...)` ("Status check functions": "A default status check of
/// success() is applied unless you include one of these functions").
pub(crate) fn has_status_function(expr: &Expr) -> bool {
    match expr {
        Expr::Call(name, args) => {
            matches!(name.as_str(), "success" | "failure" | "always" | "cancelled")
                || args.iter().any(has_status_function)
        }
        Expr::Literal(_) | Expr::Context(_) => false,
        Expr::Property(inner, _) | Expr::Filter(inner) | Expr::Not(inner) => has_status_function(inner),
        Expr::Index(a, b) | Expr::Binary(a, _, b) => has_status_function(a) || has_status_function(b),
    }
}

/// A number as a JSON value, integral numbers as integers (so `toJSON` prints `3`, not `3.0`).
pub(crate) fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

pub(crate) fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0 && !n.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

fn to_number(value: &Value) -> f64 {
    match value {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => parse_number(s).unwrap_or(f64::NAN),
        Value::Array(_) | Value::Object(_) => f64::NAN,
    }
}

/// A value as text, as interpolation and the string functions see it ("Literals" and the
/// type-casting table of "Operators": null is '', booleans 'true'/'false'; arrays and objects
/// are 'Array' and 'Object').
pub(crate) fn to_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => {
            let n = n.as_f64().unwrap_or(f64::NAN);
            if n.fract() == 0.0 && n.abs() < 9.0e15 {
                format!("{}", n as i64)
            } else {
                format!("{n}")
            }
        }
        Value::String(s) => s.clone(),
        Value::Array(_) => "Array".into(),
        Value::Object(_) => "Object".into(),
    }
}

fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.to_lowercase() == y.to_lowercase(),
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => false,
        _ => {
            let (x, y) = (to_number(a), to_number(b));
            x == y
        }
    }
}

fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Some(x.to_lowercase().cmp(&y.to_lowercase())),
        _ => to_number(a).partial_cmp(&to_number(b)),
    }
}

fn lookup(object: &Map<String, Value>, key: &str) -> Value {
    object
        .get(key)
        .or_else(|| object.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
        .cloned()
        .unwrap_or(Value::Null)
}

/// `value.key`, applied to each element when `value` came out of a filter (an array that a
/// `.*` made): GitHub's filtered arrays keep filtering.
fn property(value: &Value, key: &str, filtered: bool) -> Value {
    match value {
        Value::Object(object) => lookup(object, key),
        Value::Array(items) if filtered => {
            Value::Array(items.iter().map(|item| property(item, key, false)).filter(|v| !v.is_null()).collect())
        }
        _ => Value::Null,
    }
}

/// Evaluates `expr` against the contexts in `values` (lower-case names).
pub(crate) fn eval(expr: &Expr, values: &Map<String, Value>, status: Status) -> Result<Value, String> {
    Ok(eval_inner(expr, values, status)?.0)
}

/// The value and whether it is the output of an object filter.
fn eval_inner(expr: &Expr, values: &Map<String, Value>, status: Status) -> Result<(Value, bool), String> {
    let plain = |v: Value| Ok((v, false));
    match expr {
        Expr::Literal(v) => plain(v.clone()),
        Expr::Context(name) => plain(values.get(name).cloned().unwrap_or(Value::Null)),
        Expr::Property(inner, key) => {
            let (value, filtered) = eval_inner(inner, values, status)?;
            Ok((property(&value, key, filtered), filtered))
        }
        Expr::Index(inner, index) => {
            let (value, filtered) = eval_inner(inner, values, status)?;
            let index = eval(index, values, status)?;
            let found = match (&value, &index) {
                (Value::Array(items), _) if !filtered => {
                    let i = to_number(&index);
                    if i.fract() == 0.0 && i >= 0.0 {
                        items.get(i as usize).cloned().unwrap_or(Value::Null)
                    } else {
                        Value::Null
                    }
                }
                (_, Value::String(key)) => property(&value, key, filtered),
                _ => Value::Null,
            };
            Ok((found, filtered))
        }
        Expr::Filter(inner) => {
            let (value, filtered) = eval_inner(inner, values, status)?;
            let items = match value {
                Value::Object(object) => object.into_iter().map(|(_, v)| v).collect(),
                Value::Array(items) if !filtered => items,
                Value::Array(items) => items
                    .into_iter()
                    .flat_map(|item| match item {
                        Value::Object(object) => object.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
                        Value::Array(inner) => inner,
                        _ => Vec::new(),
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Ok((Value::Array(items), true))
        }
        Expr::Not(inner) => plain(Value::Bool(!truthy(&eval(inner, values, status)?))),
        Expr::Binary(a, op, b) => {
            let left = eval(a, values, status)?;
            match op {
                // "&&": returns the left operand when it is falsy, else the right one.
                Op::And => {
                    if truthy(&left) {
                        plain(eval(b, values, status)?)
                    } else {
                        plain(left)
                    }
                }
                Op::Or => {
                    if truthy(&left) {
                        plain(left)
                    } else {
                        plain(eval(b, values, status)?)
                    }
                }
                _ => {
                    let right = eval(b, values, status)?;
                    let ordering = compare(&left, &right);
                    let result = match op {
                        Op::Eq => loose_eq(&left, &right),
                        Op::Ne => !loose_eq(&left, &right),
                        Op::Lt => ordering == Some(std::cmp::Ordering::Less),
                        Op::Le => matches!(ordering, Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)),
                        Op::Gt => ordering == Some(std::cmp::Ordering::Greater),
                        Op::Ge => matches!(ordering, Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)),
                        Op::And | Op::Or => unreachable!("handled above"),
                    };
                    plain(Value::Bool(result))
                }
            }
        }
        Expr::Call(name, args) => {
            let mut evaluated = Vec::with_capacity(args.len());
            for arg in args {
                evaluated.push(eval(arg, values, status)?);
            }
            plain(call(name, &evaluated, status)?)
        }
    }
}

fn call(name: &str, args: &[Value], status: Status) -> Result<Value, String> {
    let text = |i: usize| args.get(i).map(to_text).unwrap_or_default();
    Ok(match name {
        "success" => Value::Bool(status.success),
        "failure" => Value::Bool(status.failure),
        "always" => Value::Bool(true),
        "cancelled" => Value::Bool(status.cancelled),
        // "contains(search, item)": an array holds an element loosely equal to item, or the
        // string contains item, ignoring case.
        "contains" => Value::Bool(match &args[0] {
            Value::Array(items) => items.iter().any(|item| loose_eq(item, &args[1])),
            _ => text(0).to_lowercase().contains(&text(1).to_lowercase()),
        }),
        "startswith" => Value::Bool(text(0).to_lowercase().starts_with(&text(1).to_lowercase())),
        "endswith" => Value::Bool(text(0).to_lowercase().ends_with(&text(1).to_lowercase())),
        "format" => Value::String(format_string(&text(0), &args[1..])?),
        // "join(array, optionalSeparator)": the separator defaults to ','; a string is returned
        // as it is.
        "join" => {
            let separator = if args.len() > 1 { text(1) } else { ",".into() };
            match &args[0] {
                Value::Array(items) => Value::String(items.iter().map(to_text).collect::<Vec<_>>().join(&separator)),
                other => Value::String(to_text(other)),
            }
        }
        "tojson" => Value::String(serde_json::to_string_pretty(&args[0]).map_err(|e| e.to_string())?),
        "fromjson" => serde_json::from_str(&text(0)).map_err(|e| format!("fromJSON: {e}: {}", text(0)))?,
        other => return Err(format!("function `{other}` is not implemented")),
    })
}

/// `format('{0} {{literal}}', x)`: `{N}` replaced by the Nth argument, `{{` and `}}` escape
/// braces.
fn format_string(template: &str, args: &[Value]) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut digits = String::new();
                for d in chars.by_ref() {
                    if d == '}' {
                        break;
                    }
                    digits.push(d);
                }
                let index: usize = digits.parse().map_err(|_| format!("format: bad placeholder in `{template}`"))?;
                out.push_str(&to_text(
                    args.get(index).ok_or_else(|| format!("format: no argument {index} for `{template}`"))?,
                ));
            }
            '}' => return Err(format!("format: unmatched `}}` in `{template}`")),
            other => out.push(other),
        }
    }
    Ok(out)
}

/// The `${{ ... }}` pieces of a string: `(literal text, expression text)` pairs; the last
/// expression is `None`.
pub(crate) fn split_template(text: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        let end = find_close(after).ok_or_else(|| format!("unclosed `${{{{` in `{text}`"))?;
        parts.push((rest[..start].to_string(), Some(after[..end].to_string())));
        rest = &after[end + 2..];
    }
    parts.push((rest.to_string(), None));
    Ok(parts)
}

/// The `}}` that closes an expression, skipping string literals (which may hold `}}`).
fn find_close(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => in_string = !in_string,
            b'}' if !in_string && bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Value {
        let values: Map<String, Value> = serde_json::from_str(
            r#"{"needs": {"a": {"result": "success", "outputs": {"x": "true"}}, "b": {"result": "failure", "outputs": {}}},
                "inputs": {"dry_run": true, "n": 3}}"#,
        )
        .expect("json");
        eval(&parse(text, &["needs", "inputs"]).expect("parses"), &values, Status::default()).expect("evaluates")
    }

    #[test]
    fn documented_examples() {
        assert_eq!(run("'It''s open source!'"), Value::String("It's open source!".into()));
        assert_eq!(run("1 == '1'"), Value::Bool(true));
        assert_eq!(run("null == 0"), Value::Bool(true));
        assert_eq!(run("'ABC' == 'abc'"), Value::Bool(true));
        assert_eq!(run("'' && 'x'"), Value::String(String::new()));
        assert_eq!(run("'' || 'x'"), Value::String("x".into()));
        assert_eq!(run("join(needs.*.result, ',')"), Value::String("success,failure".into()));
        assert_eq!(run("join(needs.*.outputs.x)"), Value::String("true".into()));
        assert_eq!(run("contains(join(needs.*.outputs.x, ','), 'true')"), Value::Bool(true));
        assert_eq!(run("format('{0} {{x}} {1}', 'a', 1.5)"), Value::String("a {x} 1.5".into()));
        assert_eq!(run("inputs.dry_run == true && inputs.n > 2"), Value::Bool(true));
        assert_eq!(run("toJSON(inputs.n)"), Value::String("3".into()));
        assert_eq!(run("fromJSON('[1, 2]')[1]"), number(2.0));
        assert_eq!(run("needs['a'].result"), Value::String("success".into()));
        assert_eq!(run("contains(fromJSON('[\"A\"]'), 'a')"), Value::Bool(true));
        assert!(parse("secrets.X", &["needs"]).is_err());
        assert!(parse("hashFiles('x')", &[]).is_err());
    }
}
