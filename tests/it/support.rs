//! Helpers shared by the tests: paths, running the binary, rendering diagnostics.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `golivec` with `args`, feeding `stdin`, and returns its output.
pub(crate) fn golivec(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_golivec"));
    command.args(args).current_dir(root()).env_remove("NO_COLOR");
    command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("the golivec binary runs");
    if let Some(input) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // A process that exits early closes the pipe; that is its answer, not a test failure.
        let _ = pipe.write_all(input);
    }
    child.wait_with_output().expect("golivec finishes")
}

/// Checks `text` through the public API, lints included, and renders every diagnostic as
/// people see it.
pub(crate) fn render(name: &str, text: &str) -> (golivec::Checked, String) {
    render_in(&root(), name, text)
}

/// Like [`render`], with the files the plan imports read from `dir`.
pub(crate) fn render_in(dir: &Path, name: &str, text: &str) -> (golivec::Checked, String) {
    render_for(dir, name, text, golivec::analysis::Targets::default())
}

/// The targets named by a `target=workflow` word of a Markdown block's info string, or a
/// `# target: workflow` line of a fixture (`shell`, `workflow`, `alerts`, comma separated).
pub(crate) fn targets(names: &str) -> golivec::analysis::Targets {
    let mut targets = golivec::analysis::Targets::default();
    for name in names.split(',').map(str::trim) {
        match name {
            "shell" => targets.runbook = true,
            "workflow" => {
                targets.runbook = true;
                targets.workflow = true;
            }
            "alerts" | "alerts-test" => targets.alerts = true,
            other => panic!("`{other}` is not a target with limits (shell, workflow, alerts)"),
        }
    }
    targets
}

/// Like [`render_in`], reporting the limits of `targets` too (`golivec lint --target`).
pub(crate) fn render_for(
    dir: &Path,
    name: &str,
    text: &str,
    targets: golivec::analysis::Targets,
) -> (golivec::Checked, String) {
    render_variant(dir, name, text, targets, None)
}

/// [`render_for`], building the plan's variant `variant` (`--variant`) when one is named.
pub(crate) fn render_variant(
    dir: &Path,
    name: &str,
    text: &str,
    targets: golivec::analysis::Targets,
    variant: Option<String>,
) -> (golivec::Checked, String) {
    let options = golivec::Options {
        analysis: golivec::analysis::Options { lints: true, targets, ..Default::default() },
        variant,
        ..Default::default()
    };
    let mut sources = golivec::source::SourceMap::with_loader(golivec::cli::FileSystem::in_dir(dir));
    let file = sources.add(name, text);
    let checked = golivec::check_with(&mut sources, file, &options);
    let options = golivec::diag::render::HumanOptions { color: false, width: 100 };
    let rendered: String = checked
        .diagnostics
        .iter()
        .map(|diagnostic| golivec::diag::render::human(&sources, diagnostic, options))
        .collect();
    (checked, rendered)
}

/// The files in `dir` with extension `ext`, sorted.
pub(crate) fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|found| found == ext))
        .collect();
    found.sort();
    found
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The path of an external validator. A test that needs one fails when it is missing: it never
/// passes by skipping. `./scripts/test.sh` installs them.
pub(crate) fn require_tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths).map(|dir| dir.join(name)).find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| panic!("`{name}` is not installed; run ./scripts/test.sh, which installs the validators"))
}

/// A small deterministic generator (xorshift64*) for property-style tests: the same seed gives
/// the same cases on every run.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize
    }

    /// A number in `0..bound` (0 when `bound` is 0).
    pub(crate) fn below(&mut self, bound: usize) -> usize {
        self.next() % bound.max(1)
    }
}

/// Held by the tests whose outcome depends on real time passing on a sped-up clock (the
/// runbook and the workflow replaying scenarios, the executor's timeouts and cancellations): one
/// at a time, so that they do not slow each other down past their tolerance on a small machine.
pub(crate) fn real_time() -> std::sync::MutexGuard<'static, ()> {
    static REAL_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    REAL_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Like [`golivec`], with a guard against hangs: a run still going after a minute is killed and
/// the test fails. The minute is far beyond what any of these runs takes even on a loaded CI
/// machine; it tells a hang (or a quadratic blow-up that would take hours) from a finished run,
/// never a fast run from a slow one.
pub(crate) fn golivec_guarded(args: &[&str], stdin: Option<&[u8]>) -> Output {
    const LIMIT: std::time::Duration = std::time::Duration::from_secs(60);
    let mut command = Command::new(env!("CARGO_BIN_EXE_golivec"));
    command.args(args).current_dir(root()).env_remove("NO_COLOR");
    command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("the golivec binary runs");
    let writer = stdin.map(|input| {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let input = input.to_vec();
        std::thread::spawn(move || {
            use std::io::Write;
            // A process that exits early closes the pipe; that is its answer, not a failure.
            let _ = pipe.write_all(&input);
        })
    });
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let out = drain(child.stdout.take().map(|pipe| Box::new(pipe) as Box<dyn std::io::Read + Send>));
    let err = drain(child.stderr.take().map(|pipe| Box::new(pipe) as Box<dyn std::io::Read + Send>));
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("golivec can be waited for") {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("golivec {args:?} did not finish within {LIMIT:?}: it hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    Output { status, stdout: out.join().expect("stdout is read"), stderr: err.join().expect("stderr is read") }
}
