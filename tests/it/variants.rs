//! Plans sharing declarations, and variants of a plan (`examples/shared/`): a file of shared
//! roles, envs, metrics, templates and trees imported by a plan; a `variant` is the plan again
//! with its own T0, nodes skipped and approvals changed, checked and analysed as a plan of its
//! own whichever one is built.

use crate::support::{golivec, render_variant, root, stderr, stdout};
use serde_json::Value;

const RELEASE: &str = "examples/shared/release.golive";

/// The model of `path`'s variant (the plan itself for `None`), as JSON, and the diagnostics.
fn model(path: &str, variant: Option<&str>) -> (Value, Vec<String>) {
    let full = root().join(path);
    let text = std::fs::read_to_string(&full).expect("plan");
    let (checked, rendered) = render_variant(
        full.parent().expect("dir"),
        &full.file_name().expect("name").to_string_lossy(),
        &text,
        Default::default(),
        variant.map(str::to_string),
    );
    let codes = checked.diagnostics.iter().map(|diagnostic| diagnostic.code.as_str().to_string()).collect();
    let model = serde_json::to_value(checked.model.as_ref().unwrap_or_else(|| panic!("no model:\n{rendered}")))
        .expect("the model serializes");
    (model, codes)
}

fn source_model(text: &str, variant: Option<&str>) -> (Option<Value>, String) {
    let (checked, rendered) =
        render_variant(&root(), "plan.golive", text, Default::default(), variant.map(str::to_string));
    (checked.model.as_ref().map(|model| serde_json::to_value(model).expect("model")), rendered)
}

fn node_names(model: &Value) -> Vec<String> {
    model["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| node["name"].as_str().expect("name").to_string())
        .collect()
}

/// The names of the nodes `name` runs after.
fn after(model: &Value, name: &str) -> Vec<String> {
    let nodes = model["nodes"].as_array().expect("nodes");
    let node = nodes.iter().find(|node| node["name"] == name).unwrap_or_else(|| panic!("no node {name}"));
    node["after"]
        .as_array()
        .expect("after")
        .iter()
        .map(|index| nodes[index.as_u64().expect("index") as usize]["name"].as_str().expect("name").to_string())
        .collect()
}

#[test]
fn the_hotfix_is_the_release_with_its_own_t0_fewer_gates_and_a_shorter_approval() {
    let (release, release_codes) = model(RELEASE, None);
    let (hotfix, hotfix_codes) = model(RELEASE, Some("hotfix"));
    assert!(release_codes.is_empty() && hotfix_codes.is_empty(), "{release_codes:?} {hotfix_codes:?}");
    // The shared file's declarations joined both.
    for model in [&release, &hotfix] {
        let roles: Vec<&str> =
            model["roles"].as_array().expect("roles").iter().filter_map(|role| role["name"].as_str()).collect();
        assert_eq!(roles, ["tech_lead", "ops", "product"]);
        assert_eq!(model["rollbacks"][0]["name"], "incident");
    }
    assert_eq!(release["plan"]["name"], "shop_release");
    assert_eq!(hotfix["plan"]["name"], "shop_release_hotfix", "a variant's artifacts have a name of their own");
    assert_eq!(hotfix["plan"]["title"], "Shop hotfix 4.2.1");
    assert_ne!(release["plan"]["launch"], hotfix["plan"]["launch"]);
    assert_eq!(node_names(&release), ["load_test", "product_sign_off", "go_no_go", "deploy", "first_hour"]);
    assert_eq!(node_names(&hotfix), ["go_no_go", "deploy", "first_hour"]);
    // The gate ran after the skipped sign-off, which ran after the skipped load test: nothing
    // is left before it, and it keeps its own `at`.
    assert_eq!(after(&release, "go_no_go"), ["product_sign_off"]);
    assert!(after(&hotfix, "go_no_go").is_empty());
    assert_eq!(after(&hotfix, "deploy"), ["go_no_go"]);
    // One approval of two roles, in place of all three.
    let approval = |model: &Value| {
        let nodes = model["nodes"].as_array().expect("nodes");
        let gate = nodes.iter().find(|node| node["name"] == "go_no_go").expect("gate");
        let approvals: Vec<&Value> =
            gate["items"].as_array().expect("items").iter().filter(|item| item["kind"]["step"] == "approve").collect();
        assert_eq!(approvals.len(), 1, "{gate}");
        let approve = &approvals[0]["kind"];
        (approve["quorum"].as_u64().expect("quorum"), approve["roles"].as_array().expect("roles").len())
    };
    assert_eq!(approval(&release), (3, 3));
    assert_eq!(approval(&hotfix), (1, 2));
}

#[test]
fn skipping_a_chain_of_nodes_keeps_the_order_of_the_others() {
    let plan = "plan p { launch 2025-03-04T09:30:00[Europe/Paris] }\nrole lead \"Lead\"\n\
        variant fast { skip b, c }\n\
        phase a at T-1h { wait 1m }\nphase x at T-1h { wait 1m }\n\
        phase b after a, x { wait 1m }\nphase c after b { wait 1m }\n\
        phase d at T0 after c, a { wait 1m }\nphase e after d { wait 1m }\n";
    let (base, rendered) = source_model(plan, None);
    let base = base.unwrap_or_else(|| panic!("{rendered}"));
    assert_eq!(after(&base, "d"), ["c", "a"]);
    let (fast, rendered) = source_model(plan, Some("fast"));
    let fast = fast.unwrap_or_else(|| panic!("{rendered}"));
    assert_eq!(node_names(&fast), ["a", "x", "d", "e"]);
    // `c` → `b` → `a, x`; `a` once.
    assert_eq!(after(&fast, "d"), ["a", "x"]);
    assert_eq!(after(&fast, "e"), ["d"]);
}

#[test]
fn every_variant_is_checked_whichever_is_built() {
    // The plan is fine; its variant launches in a freeze and its other variant skips a gate
    // that a phase without `at` waits for.
    let plan = "plan p { launch 2025-03-04T09:30:00[Europe/Paris] }\nrole lead \"Lead\"\n\
        variant late { launch 2025-12-24T10:00:00[Europe/Paris] }\n\
        variant bare { skip go }\n\
        freeze holidays { from 2025-12-20T00:00:00[Europe/Paris] until 2026-01-02T00:00:00[Europe/Paris] }\n\
        gate go at T-15m { approve lead; on fail abort }\n\
        phase deploy after go { run \"Deploy\" sh \"./deploy.sh\" timeout 10m }\n";
    for built in [None, Some("bare"), Some("late")] {
        let (model, rendered) = source_model(plan, built);
        assert!(model.is_none(), "{built:?}: a variant's error fails every build");
        assert!(rendered.contains("E0506"), "{built:?}:\n{rendered}");
        assert!(rendered.contains("W0415"), "{built:?}:\n{rendered}");
        // The freeze is the variant `late`'s finding, said so unless `late` is the one built.
        let named = rendered.contains("in the variant `late`: the launch");
        assert_eq!(named, built != Some("late"), "{built:?}:\n{rendered}");
        // Said once, not once per variant.
        assert_eq!(rendered.matches("falls in the freeze").count(), 1, "{built:?}:\n{rendered}");
    }
}

#[test]
fn build_makes_the_variant_asked_for() {
    let plain = golivec(&["build", RELEASE, "--target", "shell"], None);
    let hotfix = golivec(&["build", RELEASE, "--target", "shell", "--variant", "hotfix"], None);
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    assert_eq!(hotfix.status.code(), Some(0), "{}", stderr(&hotfix));
    let (plain, hotfix) = (stdout(&plain), stdout(&hotfix));
    assert!(plain.contains("load_test") && !hotfix.contains("load_test"), "the hotfix skips the load test");
    assert!(hotfix.contains("shop_release_hotfix") && !plain.contains("shop_release_hotfix"));
    let unknown = golivec(&["build", RELEASE, "--target", "shell", "--variant", "hotfx"], None);
    assert_eq!(unknown.status.code(), Some(1), "{}", stderr(&unknown));
    assert!(
        stderr(&unknown).contains("E0413") && stderr(&unknown).contains("did you mean `hotfix`?"),
        "{}",
        stderr(&unknown)
    );
    assert!(stdout(&unknown).is_empty(), "nothing is built for a variant the plan does not declare");
}

#[test]
fn the_shared_example_lints_clean_for_every_variant_and_target() {
    for variant in [None, Some("hotfix")] {
        for target in [None, Some("workflow")] {
            let mut args = vec!["lint", "--deny", "warnings", "--color", "never", RELEASE];
            args.extend(variant.map(|name| ["--variant", name]).into_iter().flatten());
            args.extend(target.map(|target| ["--target", target]).into_iter().flatten());
            let output = golivec(&args, None);
            assert_eq!(output.status.code(), Some(0), "{variant:?} {target:?}:\n{}", stderr(&output));
            assert!(stderr(&output).is_empty(), "{variant:?} {target:?}:\n{}", stderr(&output));
        }
    }
    // The shared file alone is no plan, and says how it is checked.
    let alone = golivec(&["check", "--color", "never", "examples/shared/common.golive"], None);
    assert_eq!(alone.status.code(), Some(1));
    assert!(stderr(&alone).contains("checked through a plan that imports it"), "{}", stderr(&alone));
}

#[test]
fn skipping_a_long_chain_of_nodes_does_not_recurse() {
    // n0 → n1 → ... → n{N}; the variant skips every node but the first and the last, whose
    // `after` then names the first. Each kept node also waits for a skipped one in the middle.
    const N: usize = 20_000;
    let mut plan = String::from("plan p { launch 2025-03-04T09:30:00[Europe/Paris] }\nvariant short {\n  skip ");
    let skipped: Vec<String> = (1..N).map(|index| format!("n{index}")).collect();
    plan.push_str(&skipped.join(", "));
    plan.push_str("\n}\nphase n0 at T0 { wait 1m }\n");
    for index in 1..=N {
        plan.push_str(&format!("phase n{index} after n{} {{ wait 1m }}\n", index - 1));
    }
    for index in 0..100 {
        plan.push_str(&format!("phase k{index} after n{} {{ wait 1m }}\n", N / 2 + index));
    }
    let (model, rendered) = source_model(&plan, Some("short"));
    let model = model.unwrap_or_else(|| panic!("{}", &rendered[..rendered.len().min(2000)]));
    assert_eq!(node_names(&model).len(), 2 + 100);
    assert_eq!(after(&model, &format!("n{N}")), ["n0"]);
    assert_eq!(after(&model, "k7"), ["n0"]);
}
