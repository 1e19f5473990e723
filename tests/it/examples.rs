//! Every example lints clean through the binary, warnings denied, with and without the limits
//! of the workflow (`--target workflow`): a real finding about a runbook is acknowledged in the
//! example with `# golivec: allow(CODE)` and a comment saying why.

use crate::support::{files, golivec, root, stderr};

#[test]
fn examples_check_clean() {
    let examples = files(&root().join("examples"), "golive");
    assert!(examples.len() >= 3, "the seed runbooks are examples");
    for path in examples {
        let path = path.to_string_lossy().into_owned();
        for target in [None, Some("workflow")] {
            let mut args = vec!["lint", "--deny", "warnings", "--color", "never", &path];
            args.extend(target.map(|target| ["--target", target]).into_iter().flatten());
            let output = golivec(&args, None);
            assert_eq!(output.status.code(), Some(0), "{path} {target:?}:\n{}", stderr(&output));
            assert!(stderr(&output).is_empty(), "{path} {target:?} prints:\n{}", stderr(&output));
        }
    }
}
