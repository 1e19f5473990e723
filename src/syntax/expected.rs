//! What the grammar expected, in words a user understands.
//!
//! pest reports the rules it tried at the furthest position it reached. Each rule maps to a
//! phrase ("a duration such as `15m`"); keywords of one family collapse into one phrase ("a
//! step such as `run` or `check`") so a message never lists thirty alternatives.

use super::grammar::Rule;

const STEP_KEYWORDS: &[Rule] = &[
    Rule::kw_run,
    Rule::kw_expect,
    Rule::kw_check,
    Rule::kw_approve,
    Rule::kw_notify,
    Rule::kw_page,
    Rule::kw_wait,
    Rule::kw_recheck,
];

const DECLARATION_KEYWORDS: &[Rule] = &[
    Rule::kw_plan,
    Rule::kw_role,
    Rule::kw_env,
    Rule::kw_secret,
    Rule::kw_var,
    Rule::kw_input,
    Rule::kw_metric,
    Rule::kw_phase,
    Rule::kw_gate,
    Rule::kw_rollout,
    Rule::kw_watch,
    Rule::kw_rollback,
    Rule::kw_alert,
    Rule::kw_window,
    Rule::kw_freeze,
    Rule::kw_prometheus,
    Rule::kw_use,
    Rule::kw_template,
    Rule::kw_variant,
];

/// Words for one rule, or `None` for rules that say nothing useful on their own.
fn phrase(rule: Rule) -> Option<String> {
    let text = match rule {
        Rule::EOI => "the end of the statement",
        Rule::COMMENT | Rule::name_value => return None,
        Rule::item_only => {
            "a declaration (`plan`, `role`, `env`, `secret`, `var`, `input`, `metric`, `phase`, `gate`, `rollout`, `watch`, `rollback`, `alert`, `window`, `freeze`, `prometheus`, `use`, `template` or `variant`)"
        }
        Rule::plan_field_only => "a plan setting (`title`, `launch`, `owner`, `description`, `within` or `on`)",
        Rule::trigger_field => "a trigger (`on push branch \"...\"`, `on push tag \"...\"`, `on release` or `on schedule \"...\"`)",
        Rule::push_trigger => "`push branch \"PATTERN\"` or `push tag \"PATTERN\"`",
        Rule::variant_item_only => {
            "a plan setting (`title`, `launch`, `owner`, `description`), `skip NODE, ...` or `in GATE approve ...`"
        }
        Rule::role_field_only => "a role setting (`contact` or `description`)",
        Rule::env_field_only => "an env setting (`url`, `approval`, `tier` or `description`)",
        Rule::metric_field_only => {
            "a metric setting (`probe`, `prometheus`, `http`, `unit`, `baseline` or `description`)"
        }
        Rule::prometheus_field_only => "a prometheus setting (`url`, `header` or `description`)",
        Rule::http_source_field => "`http \"URL\" json \"/pointer\"`",
        Rule::window_field_only => {
            "a window setting (`days`, `hours`, `zone`, `applies`, `prefer` or `avoid`)"
        }
        Rule::applies_field => "`applies`, `prefer` or `avoid`, then `launch` or `changes`",
        Rule::freeze_field_only => "a period (`from DATE-TIME until DATE-TIME`)",
        Rule::node_item_only => {
            "a step (`run`, `expect`, `check`, `approve`, `notify`, `page`, `wait`), a `group`, a statement (`require`, `stage`, `set`, `every`, `tolerate`, `within`, `on fail`, `on breach`) or a condition"
        }
        Rule::group_item_only => "a step (`run`, `expect`, `check`, `approve`, `notify`, `page`, `wait`, `recheck`) or a `group`",
        Rule::run_field_only => "a `run` setting (`sh`, `timeout`, `typically`, `retries` or `uses`)",
        Rule::rollback_item_only => "a level (`level NAME when CONDITION { ... }`)",
        Rule::ident | Rule::ident_list | Rule::metric_test => "a name",
        Rule::string | Rule::quoted_string | Rule::triple_string | Rule::unterminated_string => {
            "a string in double quotes"
        }
        Rule::value | Rule::quorum | Rule::threshold => "a value such as `15m`, `5%`, `T-1h` or `10/s`",
        Rule::duration => "a duration such as `15m`",
        Rule::offset => "an offset from launch such as `T-1h`",
        Rule::datetime => "a date-time with a zone such as `2024-02-03T09:30:00+01:00`",
        Rule::percent => "a percentage such as `5%`",
        Rule::number => "a number",
        Rule::rate => "a rate such as `10/s`",
        Rule::time_of_day => "a time of day such as `09:00`",
        Rule::weekday | Rule::day_spec => "a weekday such as `tue`",
        Rule::condition | Rule::conjunction | Rule::negation | Rule::comparison | Rule::paren_cond => {
            "a condition such as `error_rate < 1%`"
        }
        Rule::cmp_op => "a comparison (`<`, `<=`, `>`, `>=`, `==`, `!=`)",
        Rule::range_op => "`..` or `..=`",
        Rule::range => "a range such as `1%..3%`",
        Rule::relative => "a threshold such as `70% of baseline`",
        Rule::action | Rule::pause_action => "an action (`abort`, `continue`, `rollback NAME` or `pause 10m`)",
        Rule::command => "`sh` and a command in quotes",
        Rule::run_block | Rule::node_block | Rule::group_block | Rule::plan_block | Rule::role_block
        | Rule::env_block | Rule::metric_block | Rule::window_block | Rule::freeze_block
        | Rule::rollback_block | Rule::prometheus_block | Rule::variant_block => "`{`",
        Rule::http_check => "`http`",
        Rule::deadline => "a deadline such as `within 1h30m`",
        Rule::typical_marker => "`typically`",
        Rule::level_decl => "`level`",
        Rule::outcome | Rule::recheck_outcome => "an outcome (`resume`, `stay` or `escalate`)",
        Rule::recheck_otherwise => "`otherwise`",
        Rule::declared => "`declared`",
        Rule::nodata => "`nodata`",
        Rule::tolerated => "`failures` or `nodata` after the count",
        Rule::not_in => "`not in`",
        Rule::module_path => "a module such as `std.canary`",
        Rule::param_list | Rule::arg_list => "`(`",
        Rule::param => "a parameter such as `url: string`",
        Rule::arg => "an argument such as `url = \"https://...\"`",
        Rule::argument => "a string or a value",
        Rule::call | Rule::call_name => "a template call such as `health.http(url = \"...\")`",
        _ => {
            let name = format!("{rule:?}");
            let keyword = name.strip_prefix("kw_")?;
            return Some(format!("`{keyword}`"));
        }
    };
    Some(text.to_string())
}

/// "expected X, Y or Z" for a set of rules.
pub(super) fn describe(rules: &[Rule]) -> String {
    let mut phrases: Vec<String> = Vec::new();
    let mut push = |phrase: String| {
        if !phrases.contains(&phrase) {
            phrases.push(phrase);
        }
    };
    let steps = rules.iter().filter(|rule| STEP_KEYWORDS.contains(rule)).count();
    let declarations = rules.iter().filter(|rule| DECLARATION_KEYWORDS.contains(rule)).count();
    if declarations >= 3 {
        push("a declaration such as `phase`, `gate`, `metric` or `role`".to_string());
    }
    if steps >= 3 {
        push("a step such as `run`, `expect`, `check`, `approve`, `notify`, `page` or `wait`".to_string());
    }
    for &rule in rules {
        if (steps >= 3 && STEP_KEYWORDS.contains(&rule)) || (declarations >= 3 && DECLARATION_KEYWORDS.contains(&rule))
        {
            continue;
        }
        if let Some(phrase) = phrase(rule) {
            push(phrase);
        }
    }
    // A long list helps nobody: keep the first few, which pest gives in grammar order.
    phrases.truncate(6);
    match phrases.len() {
        0 => "something else".to_string(),
        1 => phrases.remove(0),
        _ => {
            let last = phrases.pop().unwrap_or_default();
            format!("{} or {last}", phrases.join(", "))
        }
    }
}

/// The keywords that may start a line where `entry` is parsed, for "did you mean".
pub(super) fn keywords(entry: Rule) -> &'static [&'static str] {
    const STEPS: &[&str] =
        &["run", "expect", "check", "approve", "notify", "page", "wait", "recheck", "continue", "group"];
    match entry {
        Rule::item_only => &[
            "plan",
            "role",
            "env",
            "secret",
            "var",
            "input",
            "metric",
            "phase",
            "gate",
            "rollout",
            "watch",
            "rollback",
            "alert",
            "window",
            "freeze",
            "prometheus",
            "use",
            "template",
            "variant",
        ],
        Rule::plan_field_only => &["title", "launch", "owner", "description", "within", "typically", "on"],
        Rule::variant_item_only => &["title", "launch", "owner", "description", "skip", "in"],
        Rule::role_field_only => &["contact", "description"],
        Rule::env_field_only => &["url", "approval", "tier", "description"],
        Rule::metric_field_only => &["probe", "prometheus", "http", "unit", "baseline", "description"],
        Rule::prometheus_field_only => &["url", "header", "description"],
        Rule::window_field_only => &["days", "hours", "zone", "applies", "prefer", "avoid"],
        Rule::freeze_field_only => &["from"],
        Rule::node_item_only => &[
            "run",
            "expect",
            "check",
            "approve",
            "notify",
            "page",
            "wait",
            "recheck",
            "group",
            "require",
            "stage",
            "set",
            "every",
            "tolerate",
            "within",
            "typically",
            "on",
            "point_of_no_return",
        ],
        Rule::group_item_only => STEPS,
        Rule::run_field_only => &["sh", "timeout", "typically", "retries", "uses", "idempotent"],
        Rule::rollback_item_only => &["level"],
        _ => &[],
    }
}
