//! A language server: diagnostics, hover, go to definition, references, rename, completion,
//! the outline and formatting for `.golive` files, over any [`Connection`] (`golivec lsp` gives it standard
//! input and output; tests can use `Connection::memory()`).
//!
//! `lsp-server` does the framing and gives messages on channels; this module owns the whole
//! life cycle (initialize, requests, shutdown, exit) so that no message, however malformed,
//! can end it with a panic. Requests are answered in order, one at a time: checking a plan
//! takes milliseconds, so there is nothing to cancel. Diagnostics are published when a document
//! opens and after each change that changes them (what the client shows, ranges included): a
//! keystroke that leaves them as they were sends nothing.

mod completion;
mod document;
mod format;
mod navigation;

use crate::source::SourceMap;
use document::{Checking, Document, Encoding};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CompletionItem, CompletionOptions, CompletionParams, DidChangeTextDocumentParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DocumentFormattingParams, DocumentSymbol, DocumentSymbolParams, GotoDefinitionParams,
    Hover, HoverContents, HoverParams, HoverProviderCapability, InitializeParams, InitializeResult, Location,
    MarkupContent, MarkupKind, OneOf, PositionEncodingKind, PublishDiagnosticsParams, ReferenceParams, RenameOptions,
    RenameParams, ServerCapabilities, ServerInfo, TextDocumentPositionParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextEdit, Uri, WorkspaceEdit,
};
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// Serves one client until it sends `exit`. `Ok` when it asked to shut down first, as the
/// protocol wants; an error when it did not, or the connection closed or broke.
pub fn run(connection: &Connection) -> Result<(), String> {
    run_with(connection, SourceMap::new)
}

/// Serves `connection`; each check starts from `new_sources()`, whose loader reads the files
/// a plan imports (the command line gives one that reads the file system).
pub fn run_with(connection: &Connection, new_sources: fn() -> SourceMap) -> Result<(), String> {
    run_with_targets(connection, new_sources, crate::analysis::Targets::default())
}

/// Like [`run_with`], reporting the limits of `targets` too, as `golivec lint --target` does
/// (`golivec lsp --target workflow`).
pub fn run_with_targets(
    connection: &Connection,
    new_sources: fn() -> SourceMap,
    targets: crate::analysis::Targets,
) -> Result<(), String> {
    let checking = Checking { new_sources, targets };
    let mut server: Option<Server> = None;
    let mut shutting_down = false;
    for message in &connection.receiver {
        let outgoing: Vec<Message> = match message {
            Message::Request(request) => {
                let response = match (&mut server, request.method.as_str()) {
                    (None, "initialize") => {
                        let (response, started) = initialize(request, checking);
                        server = started;
                        response
                    }
                    (None, _) => error(request.id, ErrorCode::ServerNotInitialized, "the server is not initialized"),
                    (Some(_), "initialize") => {
                        error(request.id, ErrorCode::InvalidRequest, "initialize was already received")
                    }
                    (Some(_), _) if shutting_down => {
                        error(request.id, ErrorCode::InvalidRequest, "the server is shutting down")
                    }
                    (Some(_), "shutdown") => {
                        shutting_down = true;
                        Response::new_ok(request.id, ())
                    }
                    (Some(server), _) => server.request(request),
                };
                vec![Message::Response(response)]
            }
            Message::Notification(notification) if notification.method == "exit" => {
                return if shutting_down { Ok(()) } else { Err("exit without shutdown".to_string()) };
            }
            // Before `initialize` and after `shutdown`, notifications are dropped.
            Message::Notification(notification) => match &mut server {
                Some(server) if !shutting_down => {
                    // As for requests: a bug costs this one notification, not the session.
                    let handled =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.notification(notification)));
                    handled.unwrap_or_default().into_iter().map(Message::Notification).collect()
                }
                _ => Vec::new(),
            },
            // The server sends no requests, so a response answers nothing.
            Message::Response(_) => Vec::new(),
        };
        for message in outgoing {
            connection.sender.send(message).map_err(|_| "the connection to the client broke".to_string())?;
        }
        if let Some(server) = &mut server {
            for retired in server.retired.drain(..) {
                server.dropper.drop_later(retired);
            }
        }
    }
    Err("the client closed the connection without exit".to_string())
}

/// Answers `initialize`: negotiates the position encoding and states what the server does.
fn initialize(request: Request, checking: Checking) -> (Response, Option<Server>) {
    let params: InitializeParams = match params(&request) {
        Ok(params) => params,
        Err(response) => return (response, None),
    };
    let offered = params.capabilities.general.and_then(|general| general.position_encodings).unwrap_or_default();
    let encoding = if offered.contains(&PositionEncodingKind::UTF8) { Encoding::Utf8 } else { Encoding::Utf16 };
    let capabilities = ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            // Edits arrive as ranges: a keystroke in a long plan sends a few bytes, not the plan.
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            ..Default::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions::default()),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        ..Default::default()
    };
    let result = InitializeResult {
        capabilities,
        server_info: Some(ServerInfo {
            name: "golivec".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    (
        Response::new_ok(request.id, result),
        Some(Server {
            encoding,
            documents: HashMap::new(),
            checking,
            retired: Vec::new(),
            dropper: document::Dropper::default(),
        }),
    )
}

/// The state of an initialized server: the open documents, by URI.
struct Server {
    encoding: Encoding,
    documents: HashMap<String, Document>,
    checking: Checking,
    /// Checks a change replaced, dropped after the messages it caused are sent.
    retired: Vec<document::Retired>,
    /// Where they are dropped.
    dropper: document::Dropper,
}

impl Server {
    fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        // Handlers return errors instead of panicking; this only keeps a bug from ending the
        // session, answering the one request that hit it.
        let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.dispatch(&request)));
        match answer {
            Ok(Ok(result)) => Response::new_ok(id, result),
            Ok(Err(response)) => response,
            Err(_) => error(id, ErrorCode::InternalError, "internal error: the request could not be answered"),
        }
    }

    fn dispatch(&mut self, request: &Request) -> Result<serde_json::Value, Response> {
        let value = |result: Result<serde_json::Value, serde_json::Error>| {
            result.map_err(|_| error(request.id.clone(), ErrorCode::InternalError, "the answer could not be encoded"))
        };
        match request.method.as_str() {
            "textDocument/hover" => {
                let params: HoverParams = params(request)?;
                let position = params.text_document_position_params;
                value(serde_json::to_value(self.hover(&position.text_document.uri, position.position)))
            }
            "textDocument/definition" => {
                let params: GotoDefinitionParams = params(request)?;
                let position = params.text_document_position_params;
                value(serde_json::to_value(self.definition(&position.text_document.uri, position.position)))
            }
            "textDocument/documentSymbol" => {
                let params: DocumentSymbolParams = params(request)?;
                value(serde_json::to_value(self.symbols(&params.text_document.uri)))
            }
            "textDocument/formatting" => {
                let params: DocumentFormattingParams = params(request)?;
                value(serde_json::to_value(self.formatting(&params.text_document.uri)))
            }
            "textDocument/completion" => {
                let params: CompletionParams = params(request)?;
                let position = params.text_document_position;
                value(serde_json::to_value(self.completion(&position.text_document.uri, position.position)))
            }
            "textDocument/references" => {
                let params: ReferenceParams = params(request)?;
                let position = params.text_document_position;
                let include_declaration = params.context.include_declaration;
                value(serde_json::to_value(self.references(
                    &position.text_document.uri,
                    position.position,
                    include_declaration,
                )))
            }
            "textDocument/prepareRename" => {
                let params: TextDocumentPositionParams = params(request)?;
                let renamed = self.renamed(&params.text_document.uri, params.position);
                let range = renamed.map(|(document, written)| document.range(written.span, self.encoding));
                value(serde_json::to_value(range))
            }
            "textDocument/rename" => {
                let params: RenameParams = params(request)?;
                let position = params.text_document_position;
                match self.rename(&position.text_document.uri, position.position, &params.new_name) {
                    Ok(edit) => value(serde_json::to_value(edit)),
                    Err(message) => Err(error(request.id.clone(), ErrorCode::InvalidParams, &message)),
                }
            }
            method => Err(error(request.id.clone(), ErrorCode::MethodNotFound, &format!("unknown method `{method}`"))),
        }
    }

    /// Handles a notification; returns the notifications to send back.
    fn notification(&mut self, notification: Notification) -> Vec<Notification> {
        // A notification cannot be answered, so one with bad parameters is dropped.
        match notification.method.as_str() {
            "textDocument/didOpen" => {
                let Ok(params) = serde_json::from_value::<DidOpenTextDocumentParams>(notification.params) else {
                    return Vec::new();
                };
                let document = params.text_document;
                let key = document.uri.as_str().to_string();
                let mut opened = Document::new(document.uri, document.version, document.text, self.checking);
                let published = publish(&mut opened, self.encoding);
                self.documents.insert(key, opened);
                published.into_iter().collect()
            }
            "textDocument/didChange" => {
                let Ok(params) = serde_json::from_value::<DidChangeTextDocumentParams>(notification.params) else {
                    return Vec::new();
                };
                let encoding = self.encoding;
                let checking = self.checking;
                let Some(document) = self.documents.get_mut(params.text_document.uri.as_str()) else {
                    return Vec::new();
                };
                let text = document.apply_changes(params.content_changes, encoding);
                let retired = document.set_text(params.text_document.version, text, checking);
                // Nothing is sent when the diagnostics are those the client has.
                let published = publish(document, encoding);
                self.retired.push(retired);
                published.into_iter().collect()
            }
            "textDocument/didClose" => {
                let Ok(params) = serde_json::from_value::<DidCloseTextDocumentParams>(notification.params) else {
                    return Vec::new();
                };
                self.documents.remove(params.text_document.uri.as_str());
                let cleared =
                    PublishDiagnosticsParams { uri: params.text_document.uri, diagnostics: Vec::new(), version: None };
                vec![Notification::new("textDocument/publishDiagnostics".to_string(), cleared)]
            }
            _ => Vec::new(),
        }
    }

    fn hover(&self, uri: &Uri, position: lsp_types::Position) -> Option<Hover> {
        let document = self.documents.get(uri.as_str())?;
        let ast = &document.checked.ast;
        let written = navigation::Names::new(ast).at(document.offset(position, self.encoding))?;
        let value = match navigation::declaration(ast, written.name) {
            Some(item) => navigation::hover(item, &document.text, &document.checked),
            // Declared in a file this one imports (shared roles, metrics, nodes, trees).
            None => document.imported_hover(written.name)?,
        };
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value }),
            range: Some(document.range(written.span, self.encoding)),
        })
    }

    fn definition(&self, uri: &Uri, position: lsp_types::Position) -> Option<Location> {
        let document = self.documents.get(uri.as_str())?;
        let ast = &document.checked.ast;
        let offset = document.offset(position, self.encoding);
        if let Some(file) = document.imported_file_at(offset) {
            return Some(file);
        }
        let written = navigation::Names::new(ast).at(offset)?;
        match navigation::declaration(ast, written.name) {
            Some(item) => {
                Some(Location { uri: document.uri.clone(), range: document.range(item.name().span, self.encoding) })
            }
            None => document.imported_declaration(written.name, self.encoding),
        }
    }

    fn completion(&self, uri: &Uri, position: lsp_types::Position) -> Option<Vec<CompletionItem>> {
        let document = self.documents.get(uri.as_str())?;
        let offset = document.offset(position, self.encoding);
        Some(completion::items(&document.checked.ast, &document.text, offset, |decl| document.imported_text(decl)))
    }

    /// Every place the name under the cursor is written in this document.
    fn references(&self, uri: &Uri, position: lsp_types::Position, include_declaration: bool) -> Option<Vec<Location>> {
        let document = self.documents.get(uri.as_str())?;
        let ast = &document.checked.ast;
        let written = navigation::Names::new(ast).at(document.offset(position, self.encoding))?;
        let declared = navigation::declaration(ast, written.name).map(|item| item.name().span);
        let locations = navigation::occurrences(ast, written.name)
            .into_iter()
            .filter(|span| include_declaration || Some(*span) != declared)
            .map(|span| Location { uri: document.uri.clone(), range: document.range(span, self.encoding) })
            .collect();
        Some(locations)
    }

    /// The name under the cursor, when it can be renamed: it is declared in this document (a
    /// name declared in an imported file is renamed there).
    fn renamed(&self, uri: &Uri, position: lsp_types::Position) -> Option<(&Document, navigation::Written<'_>)> {
        let document = self.documents.get(uri.as_str())?;
        let ast = &document.checked.ast;
        let written = navigation::Names::new(ast).at(document.offset(position, self.encoding))?;
        navigation::declaration(ast, written.name)?;
        Some((document, written))
    }

    /// Renames a declaration and every reference to it, refusing a new name that would make
    /// the plan worse (not a name, a reserved word, or a name already declared): the renamed
    /// text is checked, and it must not have more errors than before.
    fn rename(&self, uri: &Uri, position: lsp_types::Position, new_name: &str) -> Result<WorkspaceEdit, String> {
        let Some((document, written)) = self.renamed(uri, position) else {
            return Err("there is no name declared in this file here".to_string());
        };
        let found = navigation::occurrences(&document.checked.ast, written.name);
        let mut renamed = document.text.clone();
        for span in found.iter().rev() {
            renamed.replace_range(span.start as usize..span.end as usize, new_name);
        }
        let errors = |checked: &crate::Checked| {
            checked.diagnostics.iter().filter(|diagnostic| diagnostic.severity == crate::diag::Severity::Error).count()
        };
        let after = Document::new(document.uri.clone(), document.version, renamed, self.checking);
        if errors(&after.checked) > errors(&document.checked) {
            return Err(format!("`{new_name}` cannot replace `{}`: it is not a free name here", written.name));
        }
        let edits = found
            .iter()
            .map(|span| TextEdit { range: document.range(*span, self.encoding), new_text: new_name.to_string() })
            .collect();
        Ok(WorkspaceEdit { changes: Some(HashMap::from([(document.uri.clone(), edits)])), ..Default::default() })
    }

    fn symbols(&self, uri: &Uri) -> Option<Vec<DocumentSymbol>> {
        let document = self.documents.get(uri.as_str())?;
        let outline = navigation::outline(&document.checked.ast);
        Some(outline.into_iter().map(|symbol| self.symbol(document, symbol)).collect())
    }

    // `deprecated` is a field of the type, itself deprecated; it must still be given.
    #[allow(deprecated)]
    fn symbol(&self, document: &Document, symbol: navigation::Symbol) -> DocumentSymbol {
        let children: Vec<DocumentSymbol> =
            symbol.children.into_iter().map(|child| self.symbol(document, child)).collect();
        DocumentSymbol {
            name: symbol.name,
            detail: symbol.detail,
            kind: symbol.kind,
            tags: None,
            deprecated: None,
            range: document.range(symbol.span, self.encoding),
            selection_range: document.range(symbol.selection, self.encoding),
            children: if children.is_empty() { None } else { Some(children) },
        }
    }

    fn formatting(&self, uri: &Uri) -> Option<Vec<TextEdit>> {
        let document = self.documents.get(uri.as_str())?;
        let edits = match format::format(&document.text) {
            Some(formatted) if formatted != document.text => {
                let whole = crate::source::Span::new(document.checked.file, 0, document.text.len());
                vec![TextEdit { range: document.range(whole, self.encoding), new_text: formatted }]
            }
            _ => Vec::new(),
        };
        Some(edits)
    }
}

/// The diagnostics of `document`, as a notification; `None` when the client has them already.
fn publish(document: &mut Document, encoding: Encoding) -> Option<Notification> {
    let params = document.publish(encoding)?;
    Some(Notification { method: "textDocument/publishDiagnostics".to_string(), params })
}

/// The request's parameters, or an `InvalidParams` error response.
fn params<P: DeserializeOwned>(request: &Request) -> Result<P, Response> {
    serde_json::from_value(request.params.clone()).map_err(|problem| {
        error(
            request.id.clone(),
            ErrorCode::InvalidParams,
            &format!("invalid parameters for `{}`: {problem}", request.method),
        )
    })
}

fn error(id: RequestId, code: ErrorCode, message: &str) -> Response {
    Response::new_err(id, code as i32, message.to_string())
}
