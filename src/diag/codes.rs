//! The registry of diagnostic codes.
//!
//! Codes are stable and never reused: a retired code keeps its number. They are grouped by the
//! phase that reports them: E01xx reading the text, E02xx names, E03xx types and units, E04xx
//! rules about where things may appear, E05xx time and the graph, E06xx gates and rollouts,
//! E07xx rollback trees, E08xx safety, W09xx lints, W10xx target limits (what a target cannot
//! carry out, reported only with `--target`). Warnings are numbered W, errors E. Each code has
//! a long explanation in `docs/codes/<CODE>.md`, printed by `golivec explain CODE`, and at least
//! one fixture in `tests/fixtures/errors/` that triggers it (the tidy test checks both).

use super::Severity;

macro_rules! codes {
    ($($variant:ident = $code:literal, $severity:ident, $summary:literal;)*) => {
        /// A diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(#[doc = $summary] $variant,)*
        }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as printed: `E0201`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// A one-line summary of what the code means.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// The long explanation, in Markdown.
            pub fn explanation(self) -> &'static str {
                match self {
                    $(Code::$variant => include_str!(concat!("../../docs/codes/", $code, ".md")),)*
                }
            }
        }
    };
}

codes! {
    SyntaxError         = "E0100", Error, "the text does not follow the grammar";
    UnterminatedString  = "E0101", Error, "a string is not closed before the end of its line";
    InvalidEscape       = "E0102", Error, "a string contains an unknown escape sequence";
    UnbalancedDelimiter = "E0103", Error, "a bracket or brace is not closed, or closes nothing";
    NestingTooDeep      = "E0104", Error, "blocks or parentheses are nested too deeply";
    InvalidQuantity     = "E0105", Error, "a number or a unit cannot be read";
    InvalidDateTime     = "E0106", Error, "a date-time is not valid or has no zone";
    UnknownTimeZone     = "E0107", Error, "a time zone name is not known";
    ReversedZoneSign    = "W0108", Warning, "an `Etc/GMT+N` zone is N hours behind UTC, not ahead";
    LoneCarriageReturn  = "E0109", Error, "a carriage return is not followed by a line feed";
    NotAPlanFile        = "E0110", Error, "a source is not a regular file, or is larger than a plan may be";
    UndefinedName       = "E0201", Error, "a name is used but never declared";
    DuplicateDefinition = "E0202", Error, "a name is declared twice";
    WrongKindOfName     = "E0203", Error, "a name refers to the wrong kind of declaration";
    MissingPlan         = "E0204", Error, "the file has no `plan` declaration";
    DuplicatePlan       = "E0205", Error, "the file has more than one `plan` declaration";
    DuplicateField      = "E0206", Error, "a setting is given twice in the same block";
    MissingField        = "E0207", Error, "a required setting is missing";
    UnknownModule       = "E0208", Error, "a `use` names a module that does not exist or cannot be read";
    ImportCycle         = "E0209", Error, "modules import each other in a cycle";
    BadCallArguments    = "E0210", Error, "a template call misses an argument or gives one the template does not take";
    UnprovidedVariable  = "E0211", Error, "a command reads an environment variable that nothing provides";
    NoPrometheusServer  = "E0212", Error, "a Prometheus query has no server to ask, or could ask several";
    UnknownInputType    = "E0220", Error, "an input's type is not one of the known types";
    ReservedInputName   = "E0221", Error, "an input is named like a variable the runbook, the shell or the workflow gives";
    TriggerWithLaunch   = "E0222", Error, "a plan started by a push, a release or a schedule also fixes its launch time";
    InputWithTrigger    = "E0223", Error, "a plan started by a push, a release or a schedule has an input nobody gives";
    BadTrigger          = "E0224", Error, "a trigger's branch or tag pattern, or its schedule, is not valid";
    UnitMismatch        = "E0301", Error, "a metric is compared with a value of another unit";
    WrongValueKind      = "E0302", Error, "a value of the wrong kind for its place";
    ValueOutOfRange     = "E0303", Error, "a value is outside the range its place allows";
    NotACondition       = "E0304", Error, "a metric is used as a condition but is not a bool, or a bool is compared";
    NoBaseline          = "E0305", Error, "a relative threshold on a metric that has no baseline";
    InvalidMetricUnit   = "E0306", Error, "a metric's probe unit does not fit its type";
    EmptyRange          = "E0307", Error, "a range whose low end is not below its high end";
    UnknownMetricType   = "E0308", Error, "a metric's type is not one of the known types";
    ArgumentTypeMismatch = "E0309", Error, "a template argument or default does not have its parameter's type";
    UnknownParameterType = "E0310", Error, "a template parameter's type is not one of the known types";
    QueryUnitMissing    = "E0311", Error, "a query's value is a bare number whose unit the metric does not declare";
    CadenceExceedsWindow = "E0320", Error, "a watch condition's own cadence is longer than the watch's window";
    HoldShorterThanCadence = "W0321", Warning, "a condition's `for` is shorter than its own cadence: it holds only after two samples that far apart";
    CredentialInPlan    = "E0401", Error, "a string looks like a credential written into the plan";
    NotAllowedHere      = "E0402", Error, "a statement appears in a block where it has no meaning";
    QuorumTooLarge      = "E0403", Error, "an approval quorum asks for more approvers than it names";
    RecursiveTemplate   = "E0404", Error, "a template calls itself, directly or through other templates";
    NulInCommand        = "E0405", Error, "a command contains a NUL character, which no shell can hold";
    ExpansionTooLarge   = "E0406", Error, "template calls nest too deeply or paste too many statements";
    VariantUnknownNode  = "E0410", Error, "a variant skips or changes a node the plan does not declare";
    VariantNoApproval   = "E0411", Error, "a variant changes the approvals of a node that asks none, or that it skips";
    ImportedPlan        = "E0412", Error, "an imported file declares a plan or a variant";
    UnknownVariant      = "E0413", Error, "the variant asked for is not declared by the plan";
    EmptyVariant        = "W0414", Warning, "a variant changes nothing";
    VariantLosesOrder   = "W0415", Warning, "a node a variant keeps no longer waits for anything and starts at T0";
    DependencyCycle     = "E0501", Error, "nodes depend on each other in a cycle";
    StartsBeforeDependency = "E0502", Error, "a node is scheduled before a node it depends on can finish";
    TimeoutExceedsWindow = "E0503", Error, "a step can run longer than its node has before the next node starts";
    GateWindowTooLong   = "E0504", Error, "a gate holds its conditions longer than the time before the node it guards";
    LaunchOutsideWindow = "E0505", Error, "the launch time is outside every launch window";
    LaunchInFreeze      = "E0506", Error, "the launch time falls inside a freeze";
    WatchGap            = "E0507", Error, "consecutive monitoring windows leave a gap";
    EveryExceedsFor     = "E0508", Error, "a watch samples less often than once in its window";
    DeadlineExceeded    = "E0520", Error, "the worst case can exceed a `within` deadline";
    TypicalExceedsLimit = "E0521", Error, "a step's `typically` is longer than its `timeout`";
    DeadlineFromNotBefore = "E0522", Error, "a deadline's `from` node does not come before the node it is on";
    BudgetExceeded      = "W0523", Warning, "the nominal schedule exceeds a `typically within` budget";
    ChangeOutsideWindow = "E0530", Error, "a node that can change something may run outside every window for changes";
    ChangeInFreeze      = "E0531", Error, "a node that can change something may run during a freeze";
    OutsidePreferredWindow = "W0532", Warning, "the launch or a change may happen outside every preferred window";
    InsideAvoidedWindow = "W0533", Warning, "the launch or a change may happen inside a window to avoid";
    ConditionNeverPasses = "E0601", Error, "a condition can never be true";
    ConditionAlwaysPasses = "E0602", Error, "a condition is always true";
    WeightsNotRising    = "E0603", Error, "rollout weights do not rise strictly";
    WeightsNotComplete  = "E0604", Error, "a rollout does not end at 100%";
    HoldShorterThanSampling = "E0605", Error, "a stage holds for less time than one sampling interval";
    GateWithoutFailureAction = "W0606", Warning, "a gate does not say what happens when it fails";
    StageShorterThanFor = "W0607", Warning, "a rollout stage holds for less time than its conditions' `for`";
    OverlappingLevels   = "E0701", Error, "two levels of a rollback tree match the same value";
    UncoveredRange      = "W0702", Warning, "some values of a metric match no level of a rollback tree";
    NoDataLevelMissing  = "W0703", Warning, "no level of a rollback tree handles a failed probe";
    RecheckCannotEscalate = "E0704", Error, "`recheck` in the most severe level cannot escalate";
    EmptyLevel          = "E0705", Error, "a rollback level has no step";
    UnusedRollbackTree  = "W0706", Warning, "a rollback tree is never entered";
    RecheckHoldNotSampled = "E0710", Error, "a `recheck` condition has a `for` that one sample cannot measure";
    ResumeOnNoData      = "E0711", Error, "`otherwise resume` goes back to the run when the recheck has no data";
    ResumeAfterFailedStep = "E0712", Error, "`resume` in a tree that a failed phase or gate enters";
    StepsAfterRecheckNeverRun = "W0713", Warning, "steps after a `recheck` that never stays are never run";
    RecheckDecidesNothing = "W0714", Warning, "both outcomes of a `recheck` are the same";
    UnguardedProduction = "E0801", Error, "a point of no return or a production step has no gate or approval before it";
    NoRollbackAfterPointOfNoReturn = "E0802", Error, "a node after the point of no return has no rollback";
    NoRollbackTree      = "W0803", Warning, "the plan has no rollback tree";
    ConcurrentChanges   = "W0804", Warning, "two nodes may change the same environment at the same time";
    RollbackUndoesNothing = "W0805", Warning, "a rollback tree that guards a production change never undoes anything";
    CurlWithoutFail     = "W0901", Warning, "`curl` without `-f` succeeds on HTTP errors";
    SudoInStep          = "W0902", Warning, "a step runs `sudo`";
    UntitledStep        = "W0903", Warning, "a step has no title";
    SleepInsteadOfWait  = "W0904", Warning, "a command sleeps instead of using `wait`";
    ManualCheckUnattended = "W0905", Warning, "a manual check or approval that no one can answer in the workflow";
    BadAllowComment     = "W0906", Warning, "an `allow` comment names no warning it can silence";
    UnusedImport        = "W0907", Warning, "a module of templates is imported but none of them is called";
    DeclarationRequired = "W0908", Warning, "a gate or rollout requires a trigger that no one can declare in the workflow";
    AlertNotRun         = "W1001", Warning, "an alert is not run by the workflow";
    JobTooLong          = "W1002", Warning, "a workflow job's runner waits hours for a node's time";
    RunTooLong          = "W1003", Warning, "the plan runs longer than a GitHub workflow run's 35 days";
    RoleNotAsked        = "W1004", Warning, "an approval names a role the workflow never asks";
    TooManyReviewers    = "W1005", Warning, "a GitHub environment needs more than six required reviewers";
    AlertNotARule       = "W1006", Warning, "an alert cannot be a Prometheus rule and is left out of the rule file";
    EnvironmentLeftBySlices = "W1007", Warning, "a workflow job's later slices run without its environment's secrets";
}

impl std::str::FromStr for Code {
    type Err = ();

    /// Accepts `E0201`, `e0201` and `W0901`.
    fn from_str(text: &str) -> Result<Code, ()> {
        // Every code is five ASCII characters: upper-case the text once and compare five bytes
        // with each code (ignoring case code by code cost a tenth of `inline_allows`).
        let upper: [u8; 5] = text.as_bytes().try_into().map_err(|_| ())?;
        let upper = upper.map(|byte| byte.to_ascii_uppercase());
        Code::ALL.iter().copied().find(|code| code.as_str().as_bytes() == upper).ok_or(())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}
