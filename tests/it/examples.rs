//! Every example lints clean through the binary, warnings denied, with and without the limits
//! of the workflow (`--target workflow`), and of the Prometheus rules (`--target alerts`) for
//! the examples that read Prometheus (the others' alerts read probe commands): a real finding about a runbook is acknowledged in the
//! example with `# golivec: allow(CODE)` and a comment saying why.

use crate::support::{files, golivec, root, stderr};

#[test]
fn examples_check_clean() {
    let examples = files(&root().join("examples"), "golive");
    assert!(examples.len() >= 3, "the seed runbooks are examples");
    for path in examples {
        let queries =
            std::fs::read_to_string(&path).expect("example").lines().any(|line| line.starts_with("prometheus "));
        let path = path.to_string_lossy().into_owned();
        let alerts = queries.then_some(Some("alerts"));
        for target in [None, Some("workflow")].into_iter().chain(alerts) {
            let mut args = vec!["lint", "--deny", "warnings", "--color", "never", &path];
            args.extend(target.map(|target| ["--target", target]).into_iter().flatten());
            let output = golivec(&args, None);
            assert_eq!(output.status.code(), Some(0), "{path} {target:?}:\n{}", stderr(&output));
            assert!(stderr(&output).is_empty(), "{path} {target:?} prints:\n{}", stderr(&output));
        }
    }
}
