//! `actions/upload-artifact@v4` and `actions/download-artifact@v4` into a run-wide store (one
//! directory per artifact), following their v4 READMEs, `action.yml` files and sources
//! (upload-artifact `src/shared/search.ts`, download-artifact `src/download-artifact.ts` at the
//! `v4` tag) and "Store and share data with workflow artifacts"
//! (<https://docs.github.com/en/actions/tutorials/store-and-share-data>): artifacts are shared
//! between the jobs of one run.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// The run's artifacts: `<dir>/<name>/...` holds the files of artifact `name`.
pub(crate) struct Store {
    pub(crate) dir: PathBuf,
    next_id: Mutex<u64>,
}

/// What a step printed and set, or why it failed.
pub(crate) struct Done {
    pub(crate) log: String,
    pub(crate) outputs: Vec<(String, String)>,
}

impl Store {
    pub(crate) fn new(dir: PathBuf) -> std::io::Result<Store> {
        std::fs::create_dir_all(&dir)?;
        Ok(Store { dir, next_id: Mutex::new(1) })
    }

    /// The artifacts' names, sorted.
    pub(crate) fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// `actions/upload-artifact@v4`.
    pub(crate) fn upload(&self, workspace: &Path, with: &BTreeMap<String, String>) -> Result<Done, String> {
        let mut log = String::new();
        // action.yml: `name` defaults to 'artifact'; `path` is required.
        let name = with.get("name").cloned().unwrap_or_else(|| "artifact".into());
        // The artifact client refuses names with these characters (`validateArtifactName` in
        // @actions/artifact).
        if name.is_empty() || name.chars().any(|c| "\":<>|*?\r\n\\/".contains(c)) {
            return Err(format!("Artifact name is not valid: {name:?}"));
        }
        let patterns =
            with.get("path").filter(|p| !p.trim().is_empty()).ok_or("Input required and not supplied: path")?;
        let hidden = flag(with, "include-hidden-files")?;
        let overwrite = flag(with, "overwrite")?;
        // "retention-days": "Minimum 1 day. Maximum 90 days"; 0 means the default.
        if let Some(days) = with.get("retention-days") {
            let days: u32 = days.trim().parse().map_err(|_| format!("retention-days: `{days}` is not a number"))?;
            if days > 90 {
                return Err(format!("retention-days: {days} is more than 90"));
            }
        }
        let (files, root) = search(workspace, patterns, hidden)?;
        if files.is_empty() {
            // "if-no-files-found": warn (default), error or ignore.
            let message =
                format!("No files were found with the provided path: {patterns}. No artifacts will be uploaded.");
            return match with.get("if-no-files-found").map(String::as_str).unwrap_or("warn") {
                "error" => Err(message),
                "warn" => Ok(Done { log: format!("Warning: {message}\n"), outputs: Vec::new() }),
                "ignore" => Ok(Done { log: format!("{message}\n"), outputs: Vec::new() }),
                other => Err(format!("if-no-files-found: `{other}` is not warn, error or ignore")),
            };
        }
        let mut next_id = self.next_id.lock().expect("artifact store lock");
        let target = self.dir.join(&name);
        if target.exists() {
            // README, "Breaking changes": uploading to the same named artifact twice is an error;
            // action.yml, `overwrite`: "If true, an artifact with a matching name will be deleted
            // before a new one is uploaded. If false, the action will fail if an artifact for the
            // given name already exists."
            if !overwrite {
                return Err(format!(
                    "Failed to CreateArtifact: an artifact with this name already exists on the workflow run: {name}"
                ));
            }
            std::fs::remove_dir_all(&target).map_err(|e| e.to_string())?;
            log.push_str(&format!("Artifact '{name}' deleted (overwrite: true)\n"));
        }
        for file in &files {
            let relative =
                file.strip_prefix(&root).map_err(|_| format!("{} is not under {}", file.display(), root.display()))?;
            let to = target.join(relative);
            std::fs::create_dir_all(to.parent().ok_or("no parent")?).map_err(|e| e.to_string())?;
            std::fs::copy(file, &to).map_err(|e| format!("{}: {e}", file.display()))?;
            log.push_str(&format!("  {}\n", relative.display()));
        }
        let id = *next_id;
        *next_id += 1;
        log.insert_str(
            0,
            &format!("Uploaded artifact '{name}' (id {id}), {} file(s) from root {}:\n", files.len(), root.display()),
        );
        Ok(Done {
            log,
            outputs: vec![("artifact-id".into(), id.to_string()), ("artifact-url".into(), format!("artifact://{id}"))],
        })
    }

    /// `actions/download-artifact@v4`.
    pub(crate) fn download(&self, workspace: &Path, with: &BTreeMap<String, String>) -> Result<Done, String> {
        // action.yml: `path` defaults to $GITHUB_WORKSPACE; a relative path is resolved against
        // the working directory, which is the workspace.
        let path = match with.get("path").filter(|p| !p.is_empty()) {
            Some(path) => workspace.join(path),
            None => workspace.to_path_buf(),
        };
        let merge = flag(with, "merge-multiple")?;
        let mut log = String::new();
        let _guard = self.next_id.lock().expect("artifact store lock");
        if let Some(name) = with.get("name").filter(|n| !n.is_empty()) {
            // src/download-artifact.ts: a single named artifact goes to `path` itself, and a
            // missing one throws "Artifact '<name>' not found".
            if !self.dir.join(name).is_dir() {
                return Err(format!("Unable to download artifact(s): Artifact '{name}' not found"));
            }
            copy_tree(&self.dir.join(name), &path)?;
            log.push_str(&format!("Downloaded artifact '{name}' to {}\n", path.display()));
        } else {
            // `pattern` ("A glob pattern matching the artifacts that should be downloaded"),
            // else every artifact of the run; at v4 each goes into `path/<name>/` unless
            // merge-multiple is true (in later majors a single match goes to `path` itself).
            let pattern = with.get("pattern").filter(|p| !p.is_empty());
            let names: Vec<String> = self
                .names()
                .into_iter()
                .filter(|name| {
                    pattern.is_none_or(|p| {
                        segment_matches(&p.chars().collect::<Vec<_>>(), &name.chars().collect::<Vec<_>>())
                    })
                })
                .collect();
            for name in &names {
                let to = if merge { path.clone() } else { path.join(name) };
                copy_tree(&self.dir.join(name), &to)?;
                log.push_str(&format!("Downloaded artifact '{name}' to {}\n", to.display()));
            }
            if names.is_empty() {
                log.push_str("No artifacts found\n");
            }
        }
        std::fs::create_dir_all(&path).map_err(|e| e.to_string())?;
        Ok(Done { log, outputs: vec![("download-path".into(), path.to_string_lossy().into_owned())] })
    }
}

/// A boolean input (`core.getBooleanInput`: true/True/TRUE, false/False/FALSE, else an error).
fn flag(with: &BTreeMap<String, String>, key: &str) -> Result<bool, String> {
    match with.get(key).map(String::as_str) {
        None | Some("") => Ok(false),
        Some("true" | "True" | "TRUE") => Ok(true),
        Some("false" | "False" | "FALSE") => Ok(false),
        Some(other) => Err(format!("Input does not meet YAML 1.2 \"Core Schema\" specification: {key} ({other})")),
    }
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(|e| e.to_string())?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| format!("{}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// A path made absolute against `base`, with `.` and `..` resolved lexically.
fn normalize(base: &Path, path: &str) -> PathBuf {
    let joined = base.join(path);
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn has_wildcard(segment: &str) -> bool {
    segment.contains(['*', '?', '['])
}

struct Pattern {
    negate: bool,
    /// The absolute path's segments after `/`.
    segments: Vec<String>,
    /// The longest leading part without wildcards (@actions/glob's "search path").
    search: PathBuf,
}

fn pattern(workspace: &Path, line: &str) -> Pattern {
    let (negate, text) = match line.strip_prefix('!') {
        Some(rest) => (true, rest.trim()),
        None => (false, line),
    };
    let absolute = normalize(workspace, text);
    let segments: Vec<String> =
        absolute.components().skip(1).map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let literal = segments.iter().take_while(|s| !has_wildcard(s)).count();
    let mut search = PathBuf::from("/");
    search.extend(&segments[..literal]);
    Pattern { negate, segments, search }
}

/// One path segment against one pattern segment: `*`, `?` and `[...]` classes.
fn segment_matches(pattern: &[char], text: &[char]) -> bool {
    match pattern.first() {
        None => text.is_empty(),
        Some('*') => (0..=text.len()).any(|skip| segment_matches(&pattern[1..], &text[skip..])),
        Some('?') => !text.is_empty() && segment_matches(&pattern[1..], &text[1..]),
        Some('[') => {
            let Some(close) = pattern.iter().skip(2).position(|c| *c == ']').map(|p| p + 2) else {
                return text.first() == Some(&'[') && segment_matches(&pattern[1..], &text[1..]);
            };
            let Some(first) = text.first() else { return false };
            let class = &pattern[1..close];
            let (negated, class) = match class.first() {
                Some('!' | '^') => (true, &class[1..]),
                _ => (false, class),
            };
            let mut found = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == '-' {
                    found |= class[i] <= *first && *first <= class[i + 2];
                    i += 3;
                } else {
                    found |= class[i] == *first;
                    i += 1;
                }
            }
            found != negated && segment_matches(&pattern[close + 1..], &text[1..])
        }
        Some(c) => text.first() == Some(c) && segment_matches(&pattern[1..], &text[1..]),
    }
}

/// Whether a path (segments) matches a pattern (segments), `**` matching any number of
/// segments. A match of a directory also matches what is under it (@actions/glob's
/// `implicitDescendants`, on by default).
fn path_matches(pattern: &[String], path: &[String]) -> bool {
    match pattern.first() {
        None => true, // implicit descendants
        Some(segment) if segment == "**" => (0..=path.len()).any(|skip| path_matches(&pattern[1..], &path[skip..])),
        Some(segment) => match path.first() {
            None => false,
            Some(first) => {
                let p: Vec<char> = segment.chars().collect();
                let t: Vec<char> = first.chars().collect();
                segment_matches(&p, &t) && path_matches(&pattern[1..], &path[1..])
            }
        },
    }
}

fn segments(path: &Path) -> Vec<String> {
    path.components().skip(1).map(|c| c.as_os_str().to_string_lossy().into_owned()).collect()
}

/// Every file at or under `path`, leaving out hidden ones unless `hidden` (README: "Hidden
/// files are defined as any file beginning with `.` or files within folders beginning with
/// `.`"; @actions/glob checks the base name of every item it walks, the search path included).
fn walk(path: &Path, hidden: bool, out: &mut Vec<PathBuf>) {
    if !hidden && path.file_name().is_some_and(|name| name.to_string_lossy().starts_with('.')) {
        return;
    }
    // upload-artifact's search.ts: "Directories will be rejected if attempted to be uploaded",
    // so only files are kept; `metadata` follows symbolic links like its `fs.stat`.
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
                .unwrap_or_default();
            entries.sort();
            for entry in entries {
                walk(&entry, hidden, out);
            }
        }
        Ok(_) => out.push(path.to_path_buf()),
        Err(_) => {}
    }
}

/// The files `patterns` (one a line, `!` excludes) select, and the artifact's root directory
/// (upload-artifact's `findFilesToUpload`).
fn search(workspace: &Path, patterns: &str, hidden: bool) -> Result<(Vec<PathBuf>, PathBuf), String> {
    let patterns: Vec<Pattern> = patterns
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| pattern(workspace, line))
        .collect();
    let mut files = Vec::new();
    for include in patterns.iter().filter(|p| !p.negate) {
        let mut found = Vec::new();
        walk(&include.search, hidden, &mut found);
        for file in found {
            if path_matches(&include.segments, &segments(&file)) && !files.contains(&file) {
                files.push(file);
            }
        }
    }
    // "Exclude paths do not affect the directory structure."
    files.retain(|file| !patterns.iter().filter(|p| p.negate).any(|p| path_matches(&p.segments, &segments(file))));
    files.sort();
    // @actions/glob's getSearchPaths: the include patterns' search paths, without those under
    // another one.
    let mut searches: Vec<PathBuf> = Vec::new();
    for include in patterns.iter().filter(|p| !p.negate) {
        if !searches.iter().any(|s| include.search.starts_with(s)) {
            searches.retain(|s| !s.starts_with(&include.search));
            searches.push(include.search.clone());
        }
    }
    let root = if searches.len() > 1 {
        // "If multiple paths are provided as input, the least common ancestor of all the search
        // paths will be used as the root directory of the artifact."
        let all: Vec<Vec<String>> = searches.iter().map(|s| segments(s)).collect();
        let mut common = PathBuf::from("/");
        for (i, segment) in all[0].iter().enumerate() {
            if all.iter().all(|s| s.get(i) == Some(segment)) {
                common.push(segment);
            } else {
                break;
            }
        }
        common
    } else if let Some(search) = searches.first() {
        // "Special case for a single file artifact that is uploaded without a directory or
        // wildcard pattern": the root is the file's parent directory.
        if files.len() == 1 && &files[0] == search {
            search.parent().map(Path::to_path_buf).unwrap_or_default()
        } else {
            search.clone()
        }
    } else {
        return Err("no path to upload (only exclusions)".into());
    };
    Ok((files, root))
}
