//! The decision trace: what a run did, one event at a time, with its time. `golivec simulate`
//! prints it; a real run of the runbook or the workflow is reduced to the same events, so the
//! three can be compared line by line.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A whole run: its events in time order and how it ended.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Trace {
    pub plan: String,
    /// T0 in RFC 9557 form, when known.
    pub t0: Option<String>,
    pub events: Vec<Event>,
    pub end: End,
}

/// One thing that happened, `t_ms` milliseconds from T0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Event {
    pub t_ms: i64,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What a condition evaluated to on one sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Holds,
    DoesNotHold,
    /// A probe gave no value, or a baseline is not measured: neither holds nor fails.
    NoData,
    /// It holds, but not yet for its `for`.
    Pending,
}

impl Verdict {
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold => "does not hold",
            Verdict::NoData => "no data",
            Verdict::Pending => "holding, not yet for long enough",
        }
    }
}

/// One condition and what it evaluated to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Judged {
    pub condition: String,
    pub verdict: Verdict,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    Succeeded,
    Failed,
    TimedOut,
    /// A person said no (a check or an approval).
    Refused,
    /// Nobody answered before the time limit: it fails closed.
    Unanswered,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NodeOutcome {
    /// Every step done and every condition held.
    Done,
    /// It failed (or was breached) and the plan went on: an `on fail continue`, or a level that
    /// says `continue`.
    Continued,
    /// It failed (or was breached) and the run ended.
    Failed,
    /// The run ended while it was running (another node aborted or rolled back).
    Stopped,
}

/// How a run ends. Each has the runbook's exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndState {
    /// Every node done; failures only where the plan said `on fail continue`.
    Completed,
    /// Every node done, but a failure was let through by a level that says `continue`.
    CompletedWithFailures,
    /// A node failed and the plan aborted; nothing was rolled back.
    Aborted,
    /// A rollback level ran its steps and they succeeded.
    RolledBack,
    /// A step of a rollback level failed, or one of its approvals was refused or unanswered.
    RollbackIncomplete,
    /// The run stopped for a person to decide: an inconclusive measurement nobody answered, or a
    /// rollback level that only notified, paged, checked or waited. Nothing was rolled back.
    Halted,
    /// A signal stopped the run; running the runbook again resumes it.
    Interrupted,
}

impl EndState {
    pub fn name(self) -> &'static str {
        match self {
            EndState::Completed => "completed",
            EndState::CompletedWithFailures => "completed with failures",
            EndState::Aborted => "aborted",
            EndState::RolledBack => "rolled back",
            EndState::RollbackIncomplete => "rollback incomplete",
            EndState::Halted => "halted",
            EndState::Interrupted => "interrupted",
        }
    }

    /// The runbook's exit status for this end (interrupted: 128 + the signal's number).
    pub fn exit_status(self, signal: Option<Signal>) -> i32 {
        match self {
            EndState::Completed => 0,
            EndState::Aborted => 1,
            EndState::RolledBack => 3,
            EndState::RollbackIncomplete => 4,
            EndState::Halted => 5,
            EndState::CompletedWithFailures => 6,
            EndState::Interrupted => 128 + signal.map_or(15, Signal::number),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Signal {
    #[serde(rename = "HUP")]
    Hup,
    #[serde(rename = "INT")]
    Int,
    #[serde(rename = "TERM")]
    Term,
}

impl Signal {
    pub fn number(self) -> i32 {
        match self {
            Signal::Hup => 1,
            Signal::Int => 2,
            Signal::Term => 15,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::Hup => "SIGHUP",
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
        }
    }
}

/// How the run ended, with what a release manager asks first.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct End {
    pub state: EndState,
    pub exit_status: i32,
    pub t_ms: i64,
    /// The first failure or breach that entered a rollback tree, from T0.
    pub breach_ms: Option<i64>,
    /// From that failure to the end of the rollback level's steps.
    pub breach_to_rollback_ms: Option<u64>,
    /// Completed, rolled back, or stopped before any node that can be rolled back had started.
    pub safe: bool,
    /// The failures the run went on after, in order.
    pub failures: Vec<String>,
    /// One sentence for people.
    pub summary: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    RunStarted {
        operator: String,
    },
    NodeStarted {
        node: String,
        kind: String,
    },
    NodeFinished {
        node: String,
        outcome: NodeOutcome,
    },
    /// A node that can change something did not start: the clock was outside every window for
    /// changes, or inside a freeze (R27). The run halts.
    NodeHeld {
        node: String,
        /// `outside every window for changes` or `in the freeze NAME`, with the time.
        reason: String,
    },
    /// A node that never started because the run ended first.
    NodeSkipped {
        node: String,
    },
    StepStarted {
        /// The step's stable id (`deploy.3`, `canary.stage.2`, `incident.full.1`).
        step: String,
        kind: String,
        title: String,
        /// 1 for the first try; more with `retries`.
        attempt: u32,
    },
    StepFinished {
        step: String,
        outcome: StepOutcome,
        /// What made it fail, or who answered.
        detail: Option<String>,
    },
    /// A person answered a check or an approval.
    Answered {
        step: String,
        by: String,
        role: Option<String>,
        approved: bool,
    },
    /// One probe reading; `value` is in the metric's canonical unit.
    Sample {
        /// The node, stage or tree that sampled.
        by: String,
        metric: String,
        value: Option<f64>,
        /// Why there is no value: empty, unparsable, out_of_range, failed, timed_out, not_measured.
        nodata: Option<String>,
    },
    Baseline {
        metric: String,
        value: Option<f64>,
        samples: u32,
    },
    /// What the conditions of a gate, stage, watch or expect gave on one sample.
    Decision {
        by: String,
        verdict: Verdict,
        conditions: Vec<Judged>,
        /// What the run does about it: passes, keeps sampling, one failure of 2 tolerated...
        then: String,
    },
    Breach {
        node: String,
        /// The conditions that did not hold.
        conditions: Vec<String>,
    },
    /// Too many samples without data: a person decides instead of a guess.
    Inconclusive {
        node: String,
        nodata_samples: u32,
    },
    /// The run asks a person and waits for the answer.
    Question {
        id: String,
        question: String,
    },
    Decided {
        id: String,
        answer: String,
        by: Option<String>,
    },
    /// What a failed or breached node leads to.
    Action {
        node: String,
        action: String,
    },
    Declared {
        text: String,
        by: String,
    },
    TreeEntered {
        tree: String,
        reason: String,
    },
    LevelChosen {
        tree: String,
        level: String,
        why: String,
        conditions: Vec<Judged>,
    },
    LevelFinished {
        tree: String,
        level: String,
        /// rolled_back, continue, notified_only, incomplete.
        result: String,
        /// The steps not run, when a step stopped the level.
        left: Vec<String>,
    },
    Escalated {
        tree: String,
        from: String,
        to: Option<String>,
    },
    /// A `recheck` with an outcome: its condition on one sample, and the outcome it chose
    /// (`resume`, `stay`, `escalate`, or `recheck`: what a bare `recheck` decides).
    Rechecked {
        tree: String,
        level: String,
        condition: Judged,
        outcome: String,
    },
    AlertFired {
        alert: String,
        severity: String,
    },
    AlertResolved {
        alert: String,
    },
    Signal {
        signal: Signal,
        /// The steps that were running.
        running: Vec<String>,
    },
    Resumed {},
    RunFinished {
        state: EndState,
        exit_status: i32,
    },
}
