//! `golivec lsp` through the binary: a scripted client speaks JSON-RPC with Content-Length
//! framing over the server's standard input and output, so the transport is tested too.

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

/// How long the client waits for a message before it declares the server stuck. Not an
/// assertion on speed: a healthy server answers in milliseconds, and this only turns a hang
/// into a failure.
const PATIENCE: Duration = Duration::from_secs(60);

const URI: &str = "file:///work/plans/shop%20v2.golive";

/// A plan with every kind of declaration that hover and the outline describe.
const SHOP: &str = r#"plan shop {
  title  "Shop go-live"
  launch 2025-03-04T09:30:00[Europe/Paris]
  owner  lead
}

role lead "Tech lead"
env prod "Production" { url "https://shop.example" }
secret DEPLOY_TOKEN "Deploy token"
metric error_rate : percent "Errors" { probe sh "./metric.sh error_rate" }

gate go_no_go at T-30m {
  require error_rate < 1% for 10m
  on fail abort
}

phase deploy at T0 after go_no_go on prod {
  group "Release" {
    run "Deploy" sh "./deploy.sh" timeout 30m uses DEPLOY_TOKEN
  }
  on fail rollback incident
}

watch first_hour after deploy every 5m for 1h {
  error_rate < 1%
  on breach pause 5m then rollback incident
}

rollback incident {
  level critical when error_rate >= 5% or nodata {
    run "Roll back" sh "./deploy.sh rollback" timeout 15m
    page lead "Rolled back"
  }
  level degraded when error_rate < 5% {
    notify lead "Degraded"
  }
}

alert errors "Errors rising" severity critical when error_rate > 2% for 5m {
  page lead "Errors are rising"
}

window mornings "Tuesday to Thursday mornings" {
  days  tue..thu
  hours 09:00..12:00
  zone  "Europe/Paris"
  applies changes
}

freeze holidays "End of year" {
  from 2025-12-24T00:00:00[Europe/Paris] until 2025-12-26T00:00:00[Europe/Paris]
}
"#;

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Notifications read while waiting for a response.
    notifications: VecDeque<Value>,
    /// The diagnostics last published for each document, as [`Client::shown`] found them.
    shown: std::collections::HashMap<String, Value>,
    next_id: i64,
}

impl Client {
    fn spawn() -> Client {
        Client::spawn_with(&[])
    }

    /// Spawns `golivec lsp` with these options.
    fn spawn_with(options: &[&str]) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_golivec"))
            .arg("lsp")
            .args(options)
            .current_dir(crate::support::root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("golivec lsp starts");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, incoming) = std::sync::mpsc::channel();
        // Reads on a thread so that the test can wait with a deadline.
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        Client { child, stdin, incoming, notifications: VecDeque::new(), shown: Default::default(), next_id: 1 }
    }

    /// Spawns the server and completes the handshake, offering `encodings`.
    fn initialized(encodings: &[&str]) -> (Client, Value) {
        Client::initialized_with(&[], encodings)
    }

    /// Like [`Client::initialized`], the server started with `options`.
    fn initialized_with(options: &[&str], encodings: &[&str]) -> (Client, Value) {
        let mut client = Client::spawn_with(options);
        let result =
            client.request("initialize", json!({ "capabilities": { "general": { "positionEncodings": encodings } } }));
        client.notify("initialized", json!({}));
        (client, result)
    }

    fn send(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).expect("JSON");
        let stdin = self.stdin.as_mut().expect("stdin is open");
        write!(stdin, "Content-Length: {}\r\n\r\n", body.len()).expect("header written");
        stdin.write_all(&body).and_then(|()| stdin.flush()).expect("body written");
    }

    /// Sends a request and returns the whole response (with `result` or `error`).
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.receive();
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return message;
            }
            self.notifications.push_back(message);
        }
    }

    /// Sends a request and returns its result; an error response fails the test.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        assert!(response.get("error").is_none(), "{method} failed: {response}");
        response["result"].clone()
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// The parameters of the next notification named `method`.
    fn notification(&mut self, method: &str) -> Value {
        if let Some(index) = self.notifications.iter().position(|message| message["method"] == method) {
            return self.notifications.remove(index).map(|message| message["params"].clone()).unwrap_or_default();
        }
        loop {
            let message = self.receive();
            if message["method"] == method {
                return message["params"].clone();
            }
            self.notifications.push_back(message);
        }
    }

    /// The diagnostics the editor shows for `uri` once the server is done with what was sent
    /// before: the last ones published for it (a change that leaves them as they were
    /// publishes nothing).
    fn shown(&mut self, uri: &str) -> Value {
        self.sync(uri);
        self.shown.get(uri).cloned().unwrap_or_default()
    }

    /// Waits until the server is done with what was sent before; whether it published
    /// diagnostics for `uri` meanwhile. Requests and notifications are handled in order, so the
    /// answer to a request sent now comes after anything they caused.
    fn sync(&mut self, uri: &str) -> bool {
        let answer = self.call("golivec/sync", json!(null));
        assert_eq!(answer["error"]["code"], -32601, "{answer}");
        let mut published = false;
        let mut kept = VecDeque::new();
        for message in std::mem::take(&mut self.notifications) {
            if message["method"] == "textDocument/publishDiagnostics" && message["params"]["uri"] == uri {
                self.shown.insert(uri.to_string(), message["params"].clone());
                published = true;
            } else {
                kept.push_back(message);
            }
        }
        self.notifications = kept;
        published
    }

    fn receive(&mut self) -> Value {
        match self.incoming.recv_timeout(PATIENCE) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!("the server sent nothing for {PATIENCE:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
        }
    }

    fn open(&mut self, uri: &str, text: &str) -> Value {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "golive", "version": 1, "text": text } }),
        );
        let published = self.notification("textDocument/publishDiagnostics");
        self.shown.insert(uri.to_string(), published.clone());
        published
    }

    /// Shuts the server down as an editor does, and checks that it exits cleanly.
    fn finish(mut self) {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        assert_eq!(self.exit_code(), Some(0));
    }

    /// The server's exit code once its input is closed, waiting at most `PATIENCE`.
    fn exit_code(mut self) -> Option<i32> {
        drop(self.stdin.take());
        for _ in 0..PATIENCE.as_millis() / 10 {
            if let Some(status) = self.child.try_wait().expect("wait for the server") {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        panic!("the server did not exit");
    }
}

/// Reads one framed message; `None` at the end of the stream.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn snapshot(name: &str, value: &Value) {
    let text = serde_json::to_string_pretty(value).expect("JSON");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(crate::support::root().join("tests/it/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// The LSP position of the `nth` occurrence of `needle` in `text`, in UTF-16 or UTF-8 units.
fn position_of(text: &str, needle: &str, nth: usize, utf16: bool) -> Value {
    let offset = text.match_indices(needle).nth(nth).map(|(offset, _)| offset).expect("needle in text");
    let line_start = text[..offset].rfind('\n').map_or(0, |newline| newline + 1);
    let before = &text[line_start..offset];
    let character = if utf16 { before.encode_utf16().count() } else { before.len() };
    json!({ "line": text[..offset].matches('\n').count(), "character": character })
}

/// The codes of a `publishDiagnostics`, in order.
fn codes(published: &Value) -> Vec<&str> {
    published["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|diagnostic| diagnostic["code"].as_str())
        .collect()
}

fn at(text: &str, needle: &str, nth: usize) -> Value {
    json!({ "textDocument": { "uri": URI }, "position": position_of(text, needle, nth, true) })
}

#[test]
fn initialize_negotiates_utf8_when_offered_and_utf16_otherwise() {
    let (client, result) = Client::initialized(&["utf-8", "utf-16"]);
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(result["serverInfo"]["name"], "golivec");
    client.finish();
    let (client, result) = Client::initialized(&["utf-16"]);
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    snapshot("lsp-capabilities", &result["capabilities"]);
    client.finish();
    let (client, result) = Client::initialized(&[]);
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    client.finish();
}

#[test]
fn diagnostics_on_open_then_cleared_by_a_fix_and_on_close() {
    let (mut client, _) = Client::initialized(&[]);
    let text =
        std::fs::read_to_string(crate::support::root().join("tests/fixtures/errors/E0301-percent-vs-duration.golive"))
            .expect("fixture");
    let published = client.open(URI, &text);
    assert_eq!(published["uri"], URI);
    assert_eq!(published["diagnostics"][0]["code"], "E0301");
    snapshot("lsp-diagnostics-E0301", &published);

    let fixed = text.replace("< 200ms", "< 1%");
    assert_ne!(fixed, text);
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": URI, "version": 2 }, "contentChanges": [{ "text": fixed }] }),
    );
    let published = client.notification("textDocument/publishDiagnostics");
    assert_eq!(published["version"], 2);
    // The error is gone; the fixture's one warning (it has no rollback tree) stays.
    assert_eq!(codes(&published), ["W0803"]);

    // Breaking it again with a ranged change (sync is incremental).
    let start = position_of(&fixed, "1%", 0, true);
    let end = json!({ "line": start["line"], "character": start["character"].as_u64().unwrap_or_default() + 2 });
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": URI, "version": 3 },
                "contentChanges": [{ "range": { "start": start, "end": end }, "text": "200ms" }] }),
    );
    let published = client.notification("textDocument/publishDiagnostics");
    // Analysis (and so W0803) waits for a plan without errors.
    assert_eq!(codes(&published), ["E0301"]);

    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": URI } }));
    let published = client.notification("textDocument/publishDiagnostics");
    assert_eq!(published["diagnostics"], json!([]));
    client.finish();
}

/// A series of ranged edits, some sent together, leaves the document with the diagnostics a
/// fresh check of the same text gives: each edit lands where the text before it says, and the
/// re-check after an edit forgets nothing of the check before it (errors appear in one
/// declaration, move, and go; the warnings of a sound plan come back).
#[test]
fn ranged_edits_give_the_diagnostics_of_a_full_check() {
    let (mut client, _) = Client::initialized(&[]);
    client.open(URI, SHOP);
    let mut text = SHOP.to_string();
    // (needle, its occurrence, the text put in its place), applied in order; `None` splits the
    // edits into the didChange notifications that carry them.
    let edits: [Option<(&str, usize, &str)>; 10] = [
        Some(("< 1% for 10m", 0, "< 200ms for 10m")),
        None,
        Some(("timeout 30m", 0, "timeout 30")),
        Some(("incident", 1, "incidnet")),
        None,
        Some(("< 200ms for 10m", 0, "< 1% for 10m")),
        None,
        Some(("timeout 30", 0, "timeout 30m")),
        Some(("incidnet", 0, "incident")),
        Some(("role lead", 0, "phase extra after deploy { run \"x\" sh \"./x.sh\" timeout 1m }\nrole lead")),
    ];
    let mut version = 1;
    let mut seen: Vec<Vec<String>> = Vec::new();
    for batch in edits.split(Option::is_none) {
        let mut changes = Vec::new();
        for (needle, nth, replacement) in batch.iter().flatten() {
            let start = position_of(&text, needle, *nth, true);
            let end = position_of(&text, needle, *nth, true);
            let end = json!({ "line": end["line"], "character": end["character"].as_u64().unwrap_or_default() + needle.len() as u64 });
            let offset = text.match_indices(needle).nth(*nth).map(|(offset, _)| offset).expect("needle in text");
            text.replace_range(offset..offset + needle.len(), replacement);
            changes.push(json!({ "range": { "start": start, "end": end }, "text": replacement }));
        }
        version += 1;
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": URI, "version": version }, "contentChanges": changes }),
        );
        let incremental = client.notification("textDocument/publishDiagnostics");
        assert_eq!(incremental["version"], version);
        seen.push(codes(&incremental).into_iter().map(str::to_string).collect());
        let fresh_uri = format!("{URI}.v{version}.golive");
        let full = client.open(&fresh_uri, &text);
        assert_eq!(
            serde_json::to_string(&incremental["diagnostics"]).unwrap_or_default(),
            serde_json::to_string(&full["diagnostics"]).unwrap_or_default().replace(&fresh_uri, URI),
            "after edit {version}:\n{text}"
        );
        client.notify("textDocument/didClose", json!({ "textDocument": { "uri": fresh_uri } }));
        client.notification("textDocument/publishDiagnostics");
    }
    // The edits went through errors and back (a server that ignored them would fail above).
    assert!(seen[0].contains(&"E0301".to_string()), "{seen:?}");
    assert!(seen[1].len() > 1, "{seen:?}");
    assert!(seen[3].iter().all(|code| !code.starts_with('E')), "{seen:?}");
    client.finish();
}

/// A change that leaves the diagnostics as they were (the same findings at the same places)
/// publishes nothing: the editor still shows them. One that moves them publishes them again at
/// their new places, as a fresh open of the same text gives them.
#[test]
fn a_change_that_leaves_the_diagnostics_as_they_were_publishes_nothing() {
    let (mut client, _) = Client::initialized(&[]);
    let text =
        std::fs::read_to_string(crate::support::root().join("tests/fixtures/errors/E0301-percent-vs-duration.golive"))
            .expect("fixture")
            .replace("< 200ms", "< 1%");
    let opened = client.open(URI, &text);
    assert_eq!(codes(&opened), ["W0803"], "{opened}");
    let change = |client: &mut Client, version: u32, start: Value, end: Value, new_text: &str| {
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": URI, "version": version },
                    "contentChanges": [{ "range": { "start": start, "end": end }, "text": new_text }] }),
        );
    };
    // A letter of the title: nothing to publish.
    let title = position_of(&text, "Units", 0, true);
    let after = json!({ "line": title["line"], "character": title["character"].as_u64().unwrap_or_default() + 1 });
    change(&mut client, 2, title.clone(), after.clone(), "B");
    assert!(!client.sync(URI), "the same diagnostics were published again");
    assert_eq!(client.shown(URI), opened);
    // A line break at the top moves every finding a line down: published, as a fresh check.
    let top = json!({ "line": 0, "character": 0 });
    change(&mut client, 3, top.clone(), top.clone(), "\n");
    assert!(client.sync(URI), "moved diagnostics were not published");
    let moved = client.shown(URI);
    assert_eq!(moved["version"], 3);
    let fresh_uri = format!("{URI}.moved.golive");
    let fresh = client.open(&fresh_uri, &format!("\n{}", text.replacen("Units", "Bnits", 1)));
    assert_eq!(moved["diagnostics"].to_string(), fresh["diagnostics"].to_string().replace(&fresh_uri, URI), "{moved}");
    assert_eq!(
        moved["diagnostics"][0]["range"]["start"]["line"].as_u64(),
        opened["diagnostics"][0]["range"]["start"]["line"].as_u64().map(|line| line + 1)
    );
    // Taken out again: the first diagnostics, published again.
    change(&mut client, 4, top, json!({ "line": 1, "character": 0 }), "");
    assert!(client.sync(URI));
    assert_eq!(client.shown(URI)["diagnostics"], opened["diagnostics"]);
    client.finish();
}

/// The server reports what `golivec lint` reports: the limits of a target only when it is
/// started with `--target`, as `lint` is; W0905, a lint, always.
#[test]
fn target_limits_only_with_target() {
    let root = crate::support::root();
    let long_job =
        std::fs::read_to_string(root.join("tests/fixtures/errors/W1002-runner-waits-a-day.golive")).expect("fixture");
    let unattended =
        std::fs::read_to_string(root.join("tests/fixtures/errors/W0905-check-in-phase.golive")).expect("fixture");
    let (mut client, _) = Client::initialized(&[]);
    assert_eq!(codes(&client.open(URI, &long_job)), Vec::<&str>::new());
    assert_eq!(codes(&client.open("file:///work/plans/unattended.golive", &unattended)), ["W0905"]);
    client.finish();
    let (mut client, _) = Client::initialized_with(&["--target", "workflow"], &[]);
    assert_eq!(codes(&client.open(URI, &long_job)), ["W1002"]);
    assert_eq!(codes(&client.open("file:///work/plans/unattended.golive", &unattended)), ["W0905"]);
    client.finish();
}

#[test]
fn columns_follow_the_negotiated_encoding() {
    // `nobody` follows é and an emoji on its line: 2 + 4 extra bytes in UTF-8, 1 extra unit
    // (the surrogate pair) in UTF-16.
    let text = "plan p {\n  title \"Café 🚀\"; owner nobody\n}\n";
    for (offered, utf16) in [(&["utf-8"][..], false), (&["utf-16"][..], true)] {
        let (mut client, _) = Client::initialized(offered);
        let published = client.open(URI, text);
        let diagnostic = &published["diagnostics"][0];
        assert_eq!(diagnostic["code"], "E0201", "{published}");
        assert_eq!(diagnostic["range"]["start"], position_of(text, "nobody", 0, utf16));
        let end = position_of(text, "\n}", 0, utf16);
        assert_eq!(diagnostic["range"]["end"], json!({ "line": 1, "character": end["character"] }));
        // Positions sent by the client are read in the same encoding.
        let position = position_of(text, "nobody", 0, utf16);
        let hover =
            client.request("textDocument/hover", json!({ "textDocument": { "uri": URI }, "position": position }));
        assert_eq!(hover, Value::Null, "an undeclared name has nothing to show");
        let position = position_of(text, "p {", 0, utf16);
        let hover =
            client.request("textDocument/hover", json!({ "textDocument": { "uri": URI }, "position": position }));
        assert!(hover["contents"]["value"].as_str().unwrap_or_default().contains("Café 🚀"), "{hover}");
        client.finish();
    }
    let (utf8, utf16) = (position_of(text, "nobody", 0, false), position_of(text, "nobody", 0, true));
    assert_ne!(utf8, utf16, "the text must tell the encodings apart");
}

#[test]
fn hover_shows_kind_timing_dependencies_and_rollback_trees() {
    let (mut client, _) = Client::initialized(&[]);
    let published = client.open(URI, SHOP);
    assert_eq!(published["diagnostics"], json!([]), "the plan is clean");
    let mut hovers = serde_json::Map::new();
    for (name, needle, nth) in [
        ("watch declaration", "first_hour", 0),
        ("phase reference", "deploy every", 0),
        ("gate reference", "go_no_go on", 0),
        ("role reference", "lead\n}", 0),
        ("env reference", "prod {", 0),
        ("secret reference", "DEPLOY_TOKEN\n", 0),
        ("metric reference", "error_rate <", 0),
        ("tree reference", "incident\n}", 0),
        ("plan", "shop {", 0),
        ("alert", "errors \"", 0),
        ("window", "mornings", 0),
        ("freeze", "holidays", 0),
    ] {
        let hover = client.request("textDocument/hover", at(SHOP, needle, nth));
        hovers.insert(name.to_string(), hover);
    }
    snapshot("lsp-hover", &Value::Object(hovers));
    let watch = client.request("textDocument/hover", at(SHOP, "first_hour", 0));
    let text = watch["contents"]["value"].as_str().unwrap_or_default();
    for expected in [
        "**watch** `first_hour`",
        "after `deploy`",
        "starts T0 at the earliest, T+30m at the latest",
        "finishes T+1h at the earliest, T+1h30m at the latest",
        "on breach rollback `incident`",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    let window = client.request("textDocument/hover", at(SHOP, "mornings", 0));
    let text = window["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("`applies changes`: every node that can change something"), "{text}");
    // Neither on a keyword nor in blank space.
    assert_eq!(client.request("textDocument/hover", at(SHOP, "phase", 0)), Value::Null);
    client.finish();
}

#[test]
fn definition_goes_from_a_reference_to_its_declaration() {
    let (mut client, _) = Client::initialized(&[]);
    client.open(URI, SHOP);
    for (reference, declaration) in [
        ("deploy every", "deploy at"),
        ("go_no_go on", "go_no_go at"),
        ("lead\n}", "lead \"Tech"),
        ("prod {", "prod \"Production"),
        ("DEPLOY_TOKEN\n", "DEPLOY_TOKEN \""),
        ("error_rate <", "error_rate :"),
        ("incident\n}", "incident {"),
    ] {
        let location = client.request("textDocument/definition", at(SHOP, reference, 0));
        assert_eq!(location["uri"], URI);
        assert_eq!(location["range"]["start"], position_of(SHOP, declaration, 0, true), "{reference:?}");
    }
    // A declaration is its own definition.
    let location = client.request("textDocument/definition", at(SHOP, "incident {", 0));
    assert_eq!(location["range"]["start"], position_of(SHOP, "incident {", 0, true));
    assert_eq!(client.request("textDocument/definition", at(SHOP, "title", 0)), Value::Null);
    client.finish();
}

#[test]
fn document_symbols_outline_the_plan() {
    let (mut client, _) = Client::initialized(&[]);
    client.open(URI, SHOP);
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": URI } }));
    let names: Vec<&str> =
        symbols.as_array().into_iter().flatten().filter_map(|symbol| symbol["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "shop",
            "lead",
            "prod",
            "DEPLOY_TOKEN",
            "error_rate",
            "go_no_go",
            "deploy",
            "first_hour",
            "incident",
            "errors",
            "mornings",
            "holidays"
        ]
    );
    snapshot("lsp-document-symbols", &symbols);
    // Editors reject an outline whose selection is outside its range, or a child outside its
    // parent.
    let mut stack: Vec<(&Value, Option<&Value>)> =
        symbols.as_array().into_iter().flatten().map(|symbol| (symbol, None)).collect();
    while let Some((symbol, parent)) = stack.pop() {
        assert!(contains(&symbol["range"], &symbol["selectionRange"]), "{symbol}");
        if let Some(parent) = parent {
            assert!(contains(&parent["range"], &symbol["range"]), "{symbol} outside {parent}");
        }
        stack.extend(symbol["children"].as_array().into_iter().flatten().map(|child| (child, Some(symbol))));
    }
    client.finish();
}

fn contains(outer: &Value, inner: &Value) -> bool {
    let key = |position: &Value| (position["line"].as_u64(), position["character"].as_u64());
    key(&outer["start"]) <= key(&inner["start"]) && key(&inner["end"]) <= key(&outer["end"])
}

#[test]
fn formatting_gives_the_layout_of_golivec_fmt() {
    let (mut client, _) = Client::initialized(&[]);
    let messy = "plan p {   title \"P\" }\nrole  ops   \"Ops\" ;role lead \"Lead\"\n";
    client.open(URI, messy);
    let params = json!({ "textDocument": { "uri": URI }, "options": { "tabSize": 2, "insertSpaces": true } });
    let edits = client.request("textDocument/formatting", params.clone());
    let output = crate::support::golivec(&["fmt", "-"], Some(messy.as_bytes()));
    let formatted = crate::support::stdout(&output);
    assert_eq!(edits[0]["newText"], formatted.as_str(), "{edits}");
    assert_eq!(edits[0]["range"]["start"], json!({ "line": 0, "character": 0 }));
    // A formatted document needs no edit; one with a syntax error is left alone.
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": URI, "version": 2 }, "contentChanges": [{ "text": formatted }] }),
    );
    client.shown(URI);
    assert_eq!(client.request("textDocument/formatting", params.clone()), json!([]));
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": URI, "version": 3 }, "contentChanges": [{ "text": "plan p {" }] }),
    );
    client.shown(URI);
    assert_eq!(client.request("textDocument/formatting", params), json!([]));
    client.finish();
}

#[test]
fn bad_requests_get_errors_and_the_server_keeps_serving() {
    let mut client = Client::spawn();
    let early = client.call("textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], -32002, "{early}");
    client.request("initialize", json!({ "capabilities": {} }));
    client.notify("initialized", json!({}));
    let unknown = client.call("golivec/unknown", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    let bad = client.call("textDocument/hover", json!({ "position": "here" }));
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    let again = client.call("initialize", json!({ "capabilities": {} }));
    assert_eq!(again["error"]["code"], -32600, "{again}");
    // Bad notifications are dropped without an answer; the server still serves.
    client.notify("textDocument/didOpen", json!({ "textDocument": 7 }));
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": URI, "version": 2 }, "contentChanges": [] }),
    );
    client.notify("$/somethingNew", json!(null));
    let hover = client.request("textDocument/hover", at(SHOP, "lead", 0));
    assert_eq!(hover, Value::Null, "no such document is open");
    // Positions far outside the text are clamped, not trusted.
    client.open(URI, SHOP);
    let far = json!({ "textDocument": { "uri": URI }, "position": { "line": 4_000_000_000u32, "character": 4_000_000_000u32 } });
    assert_eq!(client.request("textDocument/hover", far), Value::Null);
    let far = json!({ "textDocument": { "uri": URI }, "position": { "line": 0, "character": 4_000_000_000u32 } });
    assert_eq!(client.request("textDocument/definition", far), Value::Null);
    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    let late = client.call("textDocument/hover", at(SHOP, "lead", 0));
    assert_eq!(late["error"]["code"], -32600, "{late}");
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), Some(0));
}

#[test]
fn exit_without_shutdown_or_a_closed_input_exits_one() {
    let (mut client, _) = Client::initialized(&[]);
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), Some(1));
    let (client, _) = Client::initialized(&[]);
    assert_eq!(client.exit_code(), Some(1));
}

#[test]
fn malformed_framing_ends_the_server_without_a_panic() {
    let mut client = Client::spawn();
    let stdin = client.stdin.as_mut().expect("stdin is open");
    stdin.write_all(b"Content-Length: 5\r\n\r\n{oops").and_then(|()| stdin.flush()).expect("written");
    assert_eq!(client.exit_code(), Some(1));
}

#[test]
fn the_library_serves_an_in_memory_connection() {
    use lsp_server::{Connection, Message, Notification, Request, RequestId};
    let (server, client) = Connection::memory();
    let serving = std::thread::spawn(move || golivec::lsp::run(&server));
    let send = |message: Message| client.sender.send(message).expect("the server is listening");
    let receive = || client.receiver.recv_timeout(PATIENCE).expect("the server answers");
    send(Request::new(RequestId::from(1), "initialize".to_string(), json!({ "capabilities": {} })).into());
    let Message::Response(response) = receive() else { panic!("a response to initialize") };
    assert_eq!(response.id, RequestId::from(1));
    send(Notification::new("initialized".to_string(), json!({})).into());
    let open = json!({ "textDocument": { "uri": URI, "languageId": "golive", "version": 1, "text": SHOP } });
    send(Notification::new("textDocument/didOpen".to_string(), open).into());
    let Message::Notification(published) = receive() else { panic!("diagnostics") };
    assert_eq!(published.method, "textDocument/publishDiagnostics");
    send(Request::new(RequestId::from(2), "shutdown".to_string(), Value::Null).into());
    let Message::Response(response) = receive() else { panic!("a response to shutdown") };
    assert_eq!(response.id, RequestId::from(2));
    send(Notification::new("exit".to_string(), Value::Null).into());
    assert_eq!(serving.join().expect("the server thread ends"), Ok(()));
}

#[test]
fn templates_and_modules_in_the_editor() {
    let (mut client, _) = Client::initialized(&[]);
    // A wrong argument is reported at the call; an error in the pasted text of a standard
    // module (a `role` where a tree goes) is shown at the call in this document.
    let text = "use std.canary\nplan p { title \"P\" }\nrole ops \"Ops\"\n\
                template pause_briefly(pause_for: duration = 1m) { wait pause_for }\n\
                phase deploy { pause_briefly(pause_for = 5%) }\n\
                rollout r after deploy {\n  canary.by_flag(flag = \"f\", flag_command = \"./flag.sh\", tree = ops)\n}\n";
    let published = client.open(URI, text);
    let mut found = codes(&published);
    found.sort_unstable();
    assert_eq!(found, ["E0203", "E0309"], "{published}");
    let diagnostics = published["diagnostics"].as_array().cloned().unwrap_or_default();
    let pasted = diagnostics.iter().find(|diagnostic| diagnostic["code"] == "E0203").expect("E0203");
    assert_eq!(pasted["range"]["start"], position_of(text, "ops)", 0, true), "{pasted}");
    // From a call to the `use` of its module, and to a template of the same file.
    let location = client.request("textDocument/definition", at(text, "canary.by_flag", 0));
    assert_eq!(location["range"]["start"], position_of(text, "canary", 0, true));
    let location = client.request("textDocument/definition", at(text, "pause_briefly(pause_for = 5%", 0));
    assert_eq!(location["range"]["start"], position_of(text, "pause_briefly(pause_for: duration", 0, true));
    let hover = client.request("textDocument/hover", at(text, "canary.by_flag", 0));
    assert!(hover.to_string().contains("canary.by_flag(flag: string"), "{hover}");
    client.finish();
}

#[test]
fn definition_reaches_into_imported_files() {
    let (mut client, _) = Client::initialized(&[]);
    let root = crate::support::root();
    let path = root.join("tests/fixtures/ok/modules-diamond.golive");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let file_uri = |path: &std::path::Path| format!("file://{}", path.display()).replace(' ', "%20");
    let uri = file_uri(&path);
    let published = client.open(&uri, &text);
    // The imports are read from the disk: the plan checks clean.
    assert!(codes(&published).iter().all(|code| code.starts_with('W')), "{published}");
    let at_uri = |needle: &str| {
        let mut params = at(&text, needle, 0);
        params["textDocument"]["uri"] = json!(uri);
        params
    };
    // `ops` is declared in ../modules/checks.golive, imported through both diamond sides.
    let location = client.request("textDocument/definition", at_uri("ops;"));
    let checks = root.join("tests/fixtures/modules/checks.golive");
    assert_eq!(location["uri"], file_uri(&checks), "{location}");
    assert_eq!(location["range"]["start"], json!({ "line": 1, "character": 5 }));
    // A `use` of a file leads to the file.
    let location = client.request("textDocument/definition", at_uri("diamond-left"));
    let left = root.join("tests/fixtures/modules/diamond-left.golive");
    assert_eq!(location["uri"], file_uri(&left), "{location}");
    client.finish();
}

#[test]
fn a_finding_inside_an_imported_file_is_shown_at_the_use() {
    let (mut client, _) = Client::initialized(&[]);
    let path = crate::support::root().join("tests/fixtures/errors/E0209-import-cycle.golive");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let uri = format!("file://{}", path.display()).replace(' ', "%20");
    let published = client.open(&uri, &text);
    // The cycle is found in cycle-b.golive, two imports away: shown at this file's `use`.
    assert_eq!(codes(&published), ["E0209"], "{published}");
    let diagnostic = &published["diagnostics"][0];
    assert_eq!(diagnostic["range"]["start"], position_of(&text, "use \"../modules/cycle-a", 0, true));
    let message = diagnostic["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("in ") && message.contains("cycle-b.golive:1:1: "), "{message}");
    client.finish();
}

/// The text after applying a rename's edits for `uri` (non-overlapping, applied from the end).
fn apply_edits(text: &str, edit: &Value, uri: &str) -> String {
    let mut edits: Vec<&Value> = edit["changes"][uri].as_array().expect("edits for the document").iter().collect();
    let offset = |position: &Value| {
        let line = position["line"].as_u64().expect("line") as usize;
        let character = position["character"].as_u64().expect("character") as usize;
        text.split_inclusive('\n').take(line).map(str::len).sum::<usize>() + character
    };
    edits.sort_by_key(|edit| std::cmp::Reverse(offset(&edit["range"]["start"])));
    let mut renamed = text.to_string();
    for edit in edits {
        let (start, end) = (offset(&edit["range"]["start"]), offset(&edit["range"]["end"]));
        renamed.replace_range(start..end, edit["newText"].as_str().expect("new text"));
    }
    renamed
}

#[test]
fn references_list_every_use_of_a_name() {
    let (mut client, _) = Client::initialized(&["utf-8"]);
    client.open(URI, SHOP);
    let with_declaration = json!({ "includeDeclaration": true });
    let mut params = at(SHOP, "incident\n}", 0);
    params["context"] = with_declaration;
    let found = client.request("textDocument/references", params.clone());
    let starts: Vec<&Value> =
        found.as_array().expect("locations").iter().map(|location| &location["range"]["start"]).collect();
    assert_eq!(
        starts,
        [
            &position_of(SHOP, "incident\n}", 0, false),
            &position_of(SHOP, "incident\n}", 1, false),
            &position_of(SHOP, "incident {", 0, false)
        ],
        "two references and the declaration, in order"
    );
    params["context"] = json!({ "includeDeclaration": false });
    assert_eq!(client.request("textDocument/references", params).as_array().map(Vec::len), Some(2));
    client.finish();
}

#[test]
fn rename_changes_the_declaration_and_every_reference_and_refuses_a_clash() {
    let (mut client, _) = Client::initialized(&["utf-8"]);
    client.open(URI, SHOP);
    let range = client.request("textDocument/prepareRename", at(SHOP, "lead\n}", 0));
    assert_eq!(range["start"], position_of(SHOP, "lead\n}", 0, false));
    let mut params = at(SHOP, "lead\n}", 0);
    params["newName"] = json!("release_manager");
    let edit = client.request("textDocument/rename", params.clone());
    let renamed = apply_edits(SHOP, &edit, URI);
    assert_eq!(renamed.matches("release_manager").count(), 5, "{renamed}");
    assert_eq!(renamed.matches("lead").count(), 1, "only the title's `Tech lead` keeps the word: {renamed}");
    let (_, checked) = golivec::check_source("renamed.golive", &renamed);
    assert!(!checked.has_errors(), "the renamed plan has errors: {:?}", checked.diagnostics);
    // A name that is taken, or not a name at all, is refused with a message.
    for taken in ["prod", "two words", "and"] {
        params["newName"] = json!(taken);
        let response = client.call("textDocument/rename", params.clone());
        assert!(
            response["error"]["message"].as_str().is_some_and(|message| message.contains("cannot replace")),
            "{taken}: {response}"
        );
    }
    // Only names declared here are renamed: not a keyword, not a word inside a string.
    assert_eq!(client.request("textDocument/prepareRename", at(SHOP, "title", 0)), Value::Null);
    assert_eq!(client.request("textDocument/prepareRename", at(SHOP, "Shop", 0)), Value::Null);
    client.finish();
}

#[test]
fn rename_leaves_a_template_parameter_of_the_same_name_alone() {
    let plan = "plan p { owner lead }\nrole lead \"Lead\"\ntemplate ask(lead: role) {\n  check \"ready?\" by lead\n}\nphase a {\n  ask(lead = lead)\n}\n";
    let (mut client, _) = Client::initialized(&["utf-8"]);
    client.open(URI, plan);
    let mut params = at(plan, "lead \"Lead", 0);
    params["newName"] = json!("boss");
    let renamed = apply_edits(plan, &client.request("textDocument/rename", params), URI);
    assert_eq!(
        renamed,
        "plan p { owner boss }\nrole boss \"Lead\"\ntemplate ask(lead: role) {\n  check \"ready?\" by lead\n}\nphase a {\n  ask(lead = boss)\n}\n"
    );
    client.finish();
}

/// The labels of the completion at a position of the open document.
fn labels(client: &mut Client, line: u32, character: u32) -> Vec<String> {
    let params = json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": character } });
    let items = client.request("textDocument/completion", params);
    items.as_array().expect("items").iter().map(|item| item["label"].as_str().unwrap_or_default().to_string()).collect()
}

#[test]
fn completion_offers_the_block_s_keywords_then_names() {
    let plan = "use std.http\nplan p { owner lead }\nrole lead \"Lead\"\nphase a {\n  \n}\nphase b after a {\n  group \"g\" {\n    \n  }\n}\n\n";
    let (mut client, _) = Client::initialized(&["utf-8"]);
    client.open(URI, plan);
    // An empty line in a phase: its statements and the templates it can call.
    let in_phase = labels(&mut client, 4, 2);
    for expected in ["run", "require", "tolerate", "on", "http.check"] {
        assert!(in_phase.iter().any(|label| label == expected), "{expected} missing from {in_phase:?}");
    }
    assert!(!in_phase.iter().any(|label| label == "phase" || label == "lead"), "{in_phase:?}");
    // In a group: steps only (a `tolerate` there is read, but only to be refused).
    let in_group = labels(&mut client, 8, 4);
    assert!(
        in_group.iter().any(|label| label == "run")
            && !in_group.iter().any(|label| label == "require" || label == "tolerate"),
        "{in_group:?}"
    );
    // After `after ` (the cursor before `a`): the names the plan declares.
    let after = labels(&mut client, 6, 14);
    assert!(after.iter().any(|label| label == "a") && after.iter().any(|label| label == "lead"), "{after:?}");
    assert!(!after.iter().any(|label| label == "run"), "{after:?}");
    // At the top level: declarations.
    let top = labels(&mut client, 11, 0);
    assert!(top.iter().any(|label| label == "phase") && !top.iter().any(|label| label == "run"), "{top:?}");
    client.finish();
}

#[test]
fn completion_knows_metric_sources_and_prometheus_servers() {
    let plan = "plan p {}\nprometheus main {\n  \n}\nmetric errors : percent {\n  \n}\n\n";
    let (mut client, _) = Client::initialized(&["utf-8"]);
    client.open(URI, plan);
    let in_server = labels(&mut client, 2, 2);
    for expected in ["url", "header", "description"] {
        assert!(in_server.iter().any(|label| label == expected), "{expected} missing from {in_server:?}");
    }
    let in_metric = labels(&mut client, 5, 2);
    for expected in ["probe", "prometheus", "http", "unit"] {
        assert!(in_metric.iter().any(|label| label == expected), "{expected} missing from {in_metric:?}");
    }
    let top = labels(&mut client, 7, 0);
    assert!(top.iter().any(|label| label == "prometheus"), "{top:?}");
    client.finish();
}

#[test]
fn hover_on_a_watch_shows_the_cadences_of_its_conditions() {
    let plan = "plan p {}\nmetric memory : size { probe sh \"./m.sh\" }\nwatch soak at T0 every 1m for 1h {\n  memory < 1GB every 10m\n}\n";
    let (mut client, _) = Client::initialized(&[]);
    client.open(URI, plan);
    let hover = client.request("textDocument/hover", at(plan, "soak", 0));
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("`memory < 1GB` sampled every `10m`"), "{text}");
    // The references of a metric include those in a condition with its own cadence.
    let references = client.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": URI }, "position": { "line": 1, "character": 8 }, "context": { "includeDeclaration": false } }),
    );
    assert_eq!(references.as_array().map(Vec::len), Some(1), "{references}");
    client.finish();
}

#[test]
fn completion_offers_metric_types_and_the_units_of_the_type() {
    let plan = "plan p {}\nmetric cache : s\nmetric heap : size {\n  unit \n}\n";
    let (mut client, _) = Client::initialized(&["utf-8"]);
    client.open(URI, plan);
    let types = labels(&mut client, 1, 16);
    for expected in ["percent", "duration", "size", "bool"] {
        assert!(types.iter().any(|label| label == expected), "{expected} missing from {types:?}");
    }
    let units = labels(&mut client, 3, 7);
    assert_eq!(units, ["B", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB"]);
    client.finish();
}

#[test]
fn completion_offers_the_templates_of_an_imported_file() {
    let (mut client, _) = Client::initialized(&["utf-8"]);
    // A document beside the fixtures (its imports resolve from its path; its text is the
    // editor's, so the file need not exist).
    let path = crate::support::root().join("tests/fixtures/ok/completion-in-editor.golive");
    let uri = format!("file://{}", path.display()).replace(' ', "%20");
    let text =
        "use \"../modules/checks.golive\" as probes\nplan p { owner lead }\nrole lead \"Lead\"\nphase a {\n  \n}\n";
    client.open(&uri, text);
    let params = json!({ "textDocument": { "uri": uri }, "position": { "line": 4, "character": 2 } });
    let items = client.request("textDocument/completion", params);
    let items = items.as_array().expect("items");
    let health = items.iter().find(|item| item["label"] == "probes.health").expect("probes.health offered");
    assert_eq!(health["detail"], "probes.health(url: string, status: number = 200, budget: duration = 500ms)");
    assert!(items.iter().any(|item| item["label"] == "probes.stages"), "{items:?}");
    client.finish();
}

/// A byte offset of `text` as an LSP position in UTF-16 code units.
fn utf16_position(text: &str, offset: usize) -> Value {
    let line_start = text[..offset].rfind('\n').map_or(0, |newline| newline + 1);
    json!({ "line": text[..offset].matches('\n').count(), "character": text[line_start..offset].encode_utf16().count() })
}

/// The server takes ranged changes (`TextDocumentSyncKind::INCREMENTAL`): a series of edits,
/// several to a notification, each range relative to the text the one before left, gives the
/// diagnostics that the whole edited text gives when sent in full. The edits insert and delete
/// line breaks and characters outside the Basic Multilingual Plane (two UTF-16 units).
#[test]
fn incremental_changes_give_the_diagnostics_of_the_full_text() {
    let (mut client, result) = Client::initialized(&[]);
    assert_eq!(result["capabilities"]["textDocumentSync"]["change"], 2, "incremental sync");
    let mut text = std::fs::read_to_string(crate::support::root().join("examples/memolib-go-live.golive"))
        .expect("example")
        .replace("Go-live", "Go-live 🚀 é");
    let (edited, full) = ("file:///tmp/edited.golive", "file:///tmp/full.golive");
    client.open(edited, &text);
    client.open(full, &text);
    let inserts = ["", "x", "\n", "🚀", "é\n  ", "}", "phase extra { run \"x\" sh \"./x\" timeout 1m }\n", "# c\n"];
    let mut rng = crate::support::Rng(20);
    for version in 2..40 {
        let mut changes = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let boundary = |rng: &mut crate::support::Rng, text: &str| {
                let mut at = rng.below(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                at
            };
            let start = boundary(&mut rng, &text);
            let mut end = (start + rng.below(12)).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let insert = inserts[rng.below(inserts.len())];
            changes.push(json!({
                "range": { "start": utf16_position(&text, start), "end": utf16_position(&text, end) },
                "text": insert,
            }));
            text.replace_range(start..end, insert);
        }
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": edited, "version": version }, "contentChanges": changes }),
        );
        let from_edits = client.shown(edited);
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": full, "version": version }, "contentChanges": [{ "text": text }] }),
        );
        let from_full = client.shown(full);
        assert_eq!(from_edits["uri"], edited);
        // The same findings; related places name each its own document.
        let found = from_full["diagnostics"].to_string().replace(full, edited);
        assert_eq!(from_edits["diagnostics"].to_string(), found, "after version {version}:\n{text}");
        // And those of a fresh check: what the editor kept when nothing was published is right.
        let fresh_uri = format!("file:///tmp/fresh{version}.golive");
        let fresh = client.open(&fresh_uri, &text)["diagnostics"].to_string().replace(&fresh_uri, edited);
        assert_eq!(from_edits["diagnostics"].to_string(), fresh, "after version {version}:\n{text}");
        client.notify("textDocument/didClose", json!({ "textDocument": { "uri": fresh_uri } }));
        client.notification("textDocument/publishDiagnostics");
    }
    client.finish();
}

#[test]
fn a_plan_using_a_shared_file_completes_hovers_and_finds_its_names() {
    let (mut client, _) = Client::initialized(&["utf-8"]);
    // A document beside the shared example: its `use` resolves from its path.
    let path = crate::support::root().join("examples/shared/editing.golive");
    let uri = format!("file://{}", path.display()).replace(' ', "%20");
    let text = "use \"./common.golive\" as common\nplan p { owner tech_lead }\nvariant hotfix {\n  \n  skip go\n}\ngate go at T-15m { approve tech_lead, ops }\n";
    client.open(&uri, text);
    let position = |line: u32, character: u32| json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } });
    let labels = |client: &mut Client, line: u32, character: u32| -> Vec<String> {
        let items = client.request("textDocument/completion", position(line, character));
        items
            .as_array()
            .expect("items")
            .iter()
            .map(|item| item["label"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    // In a variant: its statements.
    let in_variant = labels(&mut client, 3, 2);
    for expected in ["launch", "skip", "in", "title"] {
        assert!(in_variant.iter().any(|label| label == expected), "{expected} missing from {in_variant:?}");
    }
    assert!(!in_variant.iter().any(|label| label == "run"), "{in_variant:?}");
    // After `skip `: names, the shared file's included.
    let names = labels(&mut client, 4, 7);
    for expected in ["go", "tech_lead", "error_rate", "incident"] {
        assert!(names.iter().any(|label| label == expected), "{expected} missing from {names:?}");
    }
    // Hover and definition of a role the shared file declares.
    let hover = client.request("textDocument/hover", position(6, 30));
    let shown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(shown.contains("**role** `tech_lead`") && shown.contains("common.golive"), "{hover}");
    let definition = client.request("textDocument/definition", position(6, 30));
    assert!(
        definition["uri"].as_str().is_some_and(|uri| uri.ends_with("examples/shared/common.golive")),
        "{definition}"
    );
    // The skipped gate is a name of this file: its definition is here.
    let definition = client.request("textDocument/definition", position(4, 8));
    assert_eq!(definition["range"]["start"]["line"], 6, "{definition}");
    client.finish();
}

#[test]
fn completion_and_hover_know_a_recheck_s_outcomes() {
    let plan = "plan p {}\nmetric error_rate : percent { probe sh \"./m.sh\" }\nphase deploy { run sh \"./d.sh\" }\nwatch soak after deploy for 1h every 1m {\n  error_rate < 1%\n  on breach rollback incident\n}\nrollback incident {\n  level critical when error_rate >= 5% or nodata { run sh \"./rollback.sh\" }\n  level degraded when error_rate < 5% {\n    recheck after 10m resume when error_rate < 1% otherwise escalate\n    recheck \n    recheck after 5m \n    recheck stay \n    recheck resume when error_rate < 1% otherwise \n  }\n}\n";
    let (mut client, _) = Client::initialized(&["utf-8"]);
    // The lines being typed are not whole statements yet: the completion answers all the same.
    client.open(URI, plan);
    let expect = |labels: Vec<String>, wanted: &[&str], unwanted: &[&str]| {
        for word in wanted {
            assert!(labels.iter().any(|label| label == word), "{word} missing from {labels:?}");
        }
        for word in unwanted {
            assert!(!labels.iter().any(|label| label == word), "{word} offered in {labels:?}");
        }
    };
    expect(labels(&mut client, 11, 12), &["after", "resume", "stay", "escalate"], &["run", "error_rate", "when"]);
    expect(labels(&mut client, 12, 21), &["resume", "stay", "escalate"], &["after", "error_rate"]);
    expect(labels(&mut client, 13, 17), &["when"], &["resume", "error_rate"]);
    expect(labels(&mut client, 14, 51), &["resume", "stay", "escalate"], &["when", "error_rate"]);
    // In the condition: the plan's names, and `otherwise`.
    expect(labels(&mut client, 10, 34), &["error_rate", "otherwise"], &["after"]);
    let hover = client.request("textDocument/hover", at(plan, "incident\n}", 0));
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    for expected in [
        "`recheck after 10m resume when error_rate < 1% otherwise escalate`: when the condition holds, resumes the run",
        "otherwise (or with no data), escalates to a more severe level",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    client.finish();
}
