//! The command line (clap): `run`, `list`, `explain`, `sandbox`, `trace`, `init`, `report`, `schema`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use wsconform::RunnerOptions;
use wsconform::emulator::Emulator;
use wsconform::report::{Reporter, annotations, console::ConsoleReporter, file_stem, json, junit, markdown};
use wsconform::run::{BadInput, RunOptions, SandboxOverride, SuiteSource, exit};
use wsconform::{Decision, Filters};

#[derive(Parser, Debug)]
#[command(name = "wsconform", version, about = "Proves a WebSocket API on AWS API Gateway works as deployed")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the checks of one or more suites.
    Run(Box<RunArgs>),
    /// List every check of a suite, whether it will run, and why not.
    List {
        suite: PathBuf,
        #[command(flatten)]
        filters: FilterArgs,
    },
    /// What a check verifies, why it matters, how to fix a failure.
    Explain {
        /// A check id, e.g. `cloudfront.path-pattern`.
        id: String,
    },
    /// Run the emulated deployment in the foreground until Ctrl-C (or list its scenarios).
    #[cfg(feature = "sandbox")]
    Sandbox(SandboxArgs),
    /// Print the hop chain (DNS → certificate → behavior → origin → Host/path → mapping → API/stage → routes → live)
    /// with a mark on the first broken hop.
    Trace {
        /// A suite file; with `--sandbox` and none given, the sandbox's own suite.
        suite: Option<PathBuf>,
        #[command(flatten)]
        sandbox: SandboxFlags,
    },
    /// Print the fixes of a JSON report (`run --json`) as a shell script to review; runs nothing.
    Fix {
        /// The report `wsconform run --json` wrote.
        report: PathBuf,
    },
    /// Discover a deployment from its public URL and write a complete suite file.
    Init {
        /// The URL clients use, e.g. wss://ws.example.com/Prod.
        url: String,
        /// The API's AWS region.
        #[arg(long)]
        region: String,
        /// Write the suite here instead of standard output.
        #[arg(long, short, value_name = "PATH")]
        output: Option<PathBuf>,
        #[command(flatten)]
        sandbox: SandboxFlags,
    },
    /// Render a `--history` file as one self-contained HTML page with latency and days-left charts.
    Report {
        /// The JSON-lines history written by `run --history`.
        history: PathBuf,
        /// Where to write the page.
        #[arg(long, short, value_name = "PATH", default_value = "reports/history.html")]
        output: PathBuf,
    },
    /// Print the JSON Schema of suite files (committed as suites/wsconform.schema.json).
    Schema,
}

/// Point a command at the in-process sandbox instead of AWS.
#[derive(Args, Debug, Default, Clone)]
pub struct SandboxFlags {
    /// Start the in-process sandbox (optionally with a scenario).
    #[arg(long, value_name = "SCENARIO", num_args = 0..=1, default_missing_value = "good")]
    pub sandbox: Option<String>,
    /// Sandbox layout: a, b, c or d.
    #[arg(long, value_name = "LAYOUT", requires = "sandbox")]
    pub layout: Option<String>,
}

impl SandboxFlags {
    fn to_override(&self) -> Option<SandboxOverride> {
        self.sandbox.as_ref().map(|s| SandboxOverride {
            scenario: Some(s.clone()),
            layout: self.layout.clone(),
            latency_ms: None,
        })
    }
}

#[cfg(feature = "sandbox")]
#[derive(Args, Debug)]
pub struct SandboxArgs {
    /// Layout: a, b, c or d (default: the scenario's own).
    #[arg(long)]
    pub layout: Option<String>,
    /// The misconfiguration to emulate (`--list` shows them).
    #[arg(long, default_value = "good")]
    pub scenario: String,
    /// Latency added per round trip on every hop, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub latency: Option<u64>,
    /// Write a suite pointing at this sandbox (and its CA next to it, as PATH.ca.pem).
    #[arg(long, value_name = "PATH")]
    pub print_suite: Option<PathBuf>,
    /// List the scenarios with their layout and the checks each must fail.
    #[arg(long)]
    pub list: bool,
}

#[derive(Args, Debug, Default, Clone)]
pub struct FilterArgs {
    /// Run only checks matching this glob (repeatable), e.g. `cloudfront.*`.
    #[arg(long = "only", value_name = "PATTERN")]
    pub only: Vec<String>,
    /// Do not run checks matching this glob (repeatable).
    #[arg(long = "skip", value_name = "PATTERN")]
    pub skip: Vec<String>,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Suite files (`suites/*.toml`). With `--sandbox` and none given, the sandbox's own suite.
    pub suites: Vec<PathBuf>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Write all suites' JUnit XML to this file (default: reports/<suite>.xml each).
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// JUnit dialect: `default`, or `strict` for consumers that validate against the Jenkins junit-10 schema.
    #[arg(long, value_name = "FLAVOR", value_enum, default_value_t = JunitFlavor::Default)]
    pub junit_flavor: JunitFlavor,
    /// Write all suites' JSON to this file (default: reports/<suite>.json each).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set).
    #[arg(long, value_name = "PATH")]
    pub summary: Option<PathBuf>,
    /// Directory of the default per-suite reports.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub reports_dir: PathBuf,
    /// Retry checks whose failure may pass later (DNS propagation, CloudFront InProgress) for up to DUR.
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub wait: Option<Duration>,
    /// Stop the whole run after DUR; unfinished checks become errors. Default: --wait + 2 min, or 10 min.
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub deadline: Option<Duration>,
    /// How many checks run at once.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// Start the in-process sandbox (optionally with a scenario) and point the suites at it.
    #[arg(long, value_name = "SCENARIO", num_args = 0..=1, default_missing_value = "good")]
    pub sandbox: Option<String>,
    /// Sandbox layout: a, b, c or d.
    #[arg(long, value_name = "LAYOUT", requires = "sandbox")]
    pub layout: Option<String>,
    /// Latency the sandbox adds per round trip on every hop, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub sandbox_latency: Option<u64>,
    /// Run the suites N times (monitoring): p50/p95/max per phase at the end.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub repeat: u32,
    /// Pause between repeated runs.
    #[arg(long, value_name = "DUR", value_parser = parse_duration, requires = "repeat")]
    pub interval: Option<Duration>,
    /// Append one JSON line per run to this file (`wsconform report` draws it).
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,
    /// Write Prometheus textfile-collector metrics to this file after each run.
    #[arg(long, value_name = "PATH")]
    pub metrics: Option<PathBuf>,
    /// Show every check's evidence on the console.
    #[arg(long, short)]
    pub verbose: bool,
    /// Show each fix's commands on the console under its field change (they are never run).
    #[arg(long)]
    pub fix: bool,
    /// Any warning makes the exit code 1 (as `[checks] strict = true` does for one suite).
    #[arg(long)]
    pub strict: bool,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("`{s}` is not a duration ({e}); e.g. 30s, 10m"))
}

/// Parses the command line and runs it; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { exit::BAD_INPUT } else { exit::PASSED };
        }
    };
    wsconform::install_crypto_provider();
    match cli.command {
        Command::Run(args) => run_command(*args),
        Command::List { suite, filters } => list_command(suite, filters),
        Command::Explain { id } => explain_command(&id),
        Command::Fix { report } => fix_command(&report),
        #[cfg(feature = "sandbox")]
        Command::Sandbox(args) => sandbox_command(args),
        Command::Report { history, output } => report_command(&history, &output),
        Command::Trace { suite, sandbox } => trace_command(suite, &sandbox),
        Command::Init { url, region, output, sandbox } => init_command(&url, &region, output, &sandbox),
        Command::Schema => schema_command(),
    }
}

/// The in-process sandbox, in a build with the `sandbox` feature.
fn emulator() -> Option<std::sync::Arc<dyn Emulator>> {
    #[cfg(feature = "sandbox")]
    return Some(crate::emulator::InProcess::shared());
    #[cfg(not(feature = "sandbox"))]
    None
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime")
}

fn run_command(args: RunArgs) -> i32 {
    let mut suites: Vec<SuiteSource> = args.suites.iter().cloned().map(SuiteSource::File).collect();
    let sandbox = if args.sandbox.is_some() || args.sandbox_latency.is_some() {
        Some(SandboxOverride {
            scenario: args.sandbox.clone(),
            layout: args.layout.clone(),
            latency_ms: args.sandbox_latency,
        })
    } else {
        None
    };
    if suites.is_empty() {
        match (&sandbox, emulator()) {
            (Some(sb), Some(emulator)) => {
                let layout = emulator.layout_for(sb.layout.as_deref(), sb.scenario.as_deref());
                suites.push(emulator.own_suite(&layout));
            }
            _ => {
                eprintln!(
                    "error: no suite given; e.g. `wsconform run suites/sandbox.toml`, or `wsconform run --sandbox`"
                );
                return exit::BAD_INPUT;
            }
        }
    }

    let interrupt = CancellationToken::new();
    // Without --deadline the run's default is set once the suites are known (run::default_deadline).
    let deadline = args.deadline;
    let filters = Filters { only: args.filters.only.clone(), skip: args.filters.skip.clone() };
    let rt = runtime();
    let signals = {
        let token = interrupt.clone();
        rt.spawn(cancel_on_signal(token))
    };

    let mut runs = Vec::new();
    let mut code = exit::PASSED;
    for i in 0..args.repeat {
        if i > 0 {
            if let Some(pause) = args.interval {
                let stopped = rt.block_on(async {
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => false,
                        _ = interrupt.cancelled() => true,
                    }
                });
                if stopped {
                    break;
                }
            }
            println!("\n--- run {} of {} ---", i + 1, args.repeat);
        }
        let opts = RunOptions {
            suites: suites.clone(),
            filters: filters.clone(),
            runner: RunnerOptions {
                concurrency: args.concurrency as usize,
                wait: args.wait,
                deadline,
                interrupt: interrupt.clone(),
            },
            sandbox: sandbox.clone(),
            emulator: emulator(),
            reporters: reporters_for(&args),
        };
        match rt.block_on(wsconform::run::run(opts)) {
            Ok(summary) => {
                for e in &summary.report_errors {
                    eprintln!("error: {e}");
                }
                let run_code = summary.exit_code_with(args.strict);
                let strict_warned = summary.strict_warnings(args.strict);
                if strict_warned > 0 && !summary.interrupted {
                    eprintln!(
                        "error: {strict_warned} check(s) with warnings fail this run \
                         (--strict or `[checks] strict = true`)"
                    );
                }
                code = code.max(run_code);
                runs.push(summary.results);
                if summary.interrupted {
                    break;
                }
            }
            Err(BadInput(msg)) => {
                eprintln!("error: {msg}");
                return exit::BAD_INPUT;
            }
        }
    }
    signals.abort();
    if runs.len() > 1 {
        println!(
            "\nlatency over {} runs (ms):\n{}",
            runs.len(),
            wsconform::render_table(&wsconform::phase_stats(&runs))
        );
    }
    code
}

/// The reporters of one run: GitHub annotations (under GitHub Actions),
/// console, JUnit, JSON, and the optional Markdown summary, history line and
/// metrics file.
fn reporters_for(args: &RunArgs) -> Vec<Box<dyn Reporter>> {
    let tty = std::io::stdout().is_terminal() && std::env::var_os("CI").is_none();
    let color = tty && std::env::var_os("NO_COLOR").is_none();
    let mut reporters: Vec<Box<dyn Reporter>> = Vec::new();
    // Before the console, so the annotations come before its summary.
    if annotations::enabled(|k| std::env::var(k).ok()) {
        reporters.push(Box::new(annotations::AnnotationReporter::new(std::io::stdout())));
    }
    reporters
        .push(Box::new(ConsoleReporter::new(std::io::stdout(), tty, color, args.verbose).with_fix_commands(args.fix)));
    let dir = args.reports_dir.clone();
    reporters.push(Box::new(
        junit::JunitReporter::new(match &args.junit {
            Some(p) => junit::Target::Single(p.clone()),
            None => {
                let dir = dir.clone();
                junit::Target::PerSuite(Box::new(move |name| dir.join(format!("{}.xml", file_stem(name)))))
            }
        })
        .with_flavor(args.junit_flavor.into()),
    ));
    reporters.push(Box::new(json::JsonReporter::new(match &args.json {
        Some(p) => json::Target::Single(p.clone()),
        None => json::Target::PerSuite(Box::new(move |name| dir.join(format!("{}.json", file_stem(name))))),
    })));
    let step_summary = std::env::var_os("GITHUB_STEP_SUMMARY").map(PathBuf::from);
    if args.summary.is_some() || step_summary.is_some() {
        reporters.push(Box::new(markdown::MarkdownReporter::new(args.summary.clone(), step_summary)));
    }
    if let Some(p) = &args.history {
        reporters.push(Box::new(wsconform::report::history::HistoryReporter::new(p.clone())));
    }
    if let Some(p) = &args.metrics {
        reporters.push(Box::new(wsconform::report::metrics::MetricsReporter::new(p.clone())));
    }
    reporters
}

fn trace_command(suite: Option<PathBuf>, flags: &SandboxFlags) -> i32 {
    let sandbox = flags.to_override();
    let src = match (suite, &sandbox) {
        (Some(p), _) => SuiteSource::File(p),
        (None, Some(sb)) if emulator().is_some() => {
            let emulator = emulator().expect("checked");
            emulator.own_suite(&emulator.layout_for(sb.layout.as_deref(), sb.scenario.as_deref()))
        }
        _ => {
            eprintln!(
                "error: no suite given; e.g. `wsconform trace suites/staging.toml`, or `wsconform trace --sandbox`"
            );
            return exit::BAD_INPUT;
        }
    };
    match runtime().block_on(wsconform::trace::trace(src, sandbox, emulator())) {
        Ok(text) => {
            print!("{text}");
            if text.contains("first broken hop:") { exit::FAILED } else { exit::PASSED }
        }
        Err(BadInput(m)) => {
            eprintln!("error: {m}");
            exit::BAD_INPUT
        }
    }
}

fn init_command(url: &str, region: &str, output: Option<PathBuf>, flags: &SandboxFlags) -> i32 {
    match runtime().block_on(wsconform::init::init(url, region, flags.to_override(), emulator().as_deref())) {
        Ok(text) => match output {
            None => {
                print!("{text}");
                exit::PASSED
            }
            Some(p) => match wsconform::report::write_atomically(&p, text.as_bytes()) {
                Ok(()) => {
                    eprintln!("wrote {}", p.display());
                    exit::PASSED
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    exit::FAILED
                }
            },
        },
        Err(BadInput(m)) => {
            eprintln!("error: {m}");
            exit::BAD_INPUT
        }
    }
}

fn schema_command() -> i32 {
    match serde_json::to_string_pretty(&wsconform::suite::json_schema()) {
        Ok(text) => {
            println!("{text}");
            exit::PASSED
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::FAILED
        }
    }
}

fn report_command(history: &std::path::Path, output: &std::path::Path) -> i32 {
    match wsconform::report::html::write_report(history, output) {
        Ok((runs, malformed)) => {
            println!("wrote {} ({runs} runs)", output.display());
            if malformed > 0 {
                eprintln!("warning: skipped {malformed} malformed line(s) in {}", history.display());
            }
            exit::PASSED
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::BAD_INPUT
        }
    }
}

#[cfg(feature = "sandbox")]
fn sandbox_command(args: SandboxArgs) -> i32 {
    use wsconform_sandbox::model::{Layout, SCENARIOS, scenario};
    use wsconform_sandbox::{Sandbox, SandboxOptions, Server};
    if args.list {
        println!("{:<28} {:<7} {:<60} description", "scenario", "layout", "checks that must fail");
        for s in SCENARIOS {
            let fails = if s.fails.is_empty() { "(none: everything passes)".to_string() } else { s.fails.join(", ") };
            println!("{:<28} {:<7} {:<60} {}", s.name, s.layout.name(), fails, s.description);
        }
        return exit::PASSED;
    }
    let Some(sc) = scenario(&args.scenario) else {
        eprintln!("error: `{}` is not a sandbox scenario; `wsconform sandbox --list` shows them", args.scenario);
        return exit::BAD_INPUT;
    };
    let layout_name = wsconform_sandbox::launch::layout_for(args.layout.as_deref(), Some(sc.name));
    let Some(layout) = Layout::parse(&layout_name) else {
        eprintln!("error: `{layout_name}` is not a sandbox layout ({})", Layout::names());
        return exit::BAD_INPUT;
    };
    if !sc.supports(layout) {
        eprintln!("error: scenario `{}` does not exist on layout {}", sc.name, layout.name());
        return exit::BAD_INPUT;
    }
    let rt = runtime();
    rt.block_on(async move {
        let mut opts = SandboxOptions::new(layout, sc);
        opts.faults.latency = Duration::from_millis(args.latency.unwrap_or(0));
        let sandbox = match Sandbox::start(opts).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot start the sandbox: {e}");
                return exit::FAILED;
            }
        };
        println!("sandbox: layout {}, scenario {} — {}", layout.name(), sc.name, sc.description);
        println!("  DNS            {}", sandbox.dns_addr());
        println!("  edge           {}", sandbox.server_addr(Server::Edge));
        println!("  gateway        {}", sandbox.server_addr(Server::Gateway));
        if let Some(u) = sandbox.control_plane_url() {
            println!("  control plane  {u}");
        }
        println!("  credentials    AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY=<the sandbox's fixed test key, see crates/wsconform-sandbox/src/model.rs>", wsconform_sandbox::model::ACCESS_KEY_ID);
        if let Some(path) = &args.print_suite {
            let ca_path = PathBuf::from(format!("{}.ca.pem", path.display()));
            let written = std::fs::write(&ca_path, sandbox.ca_pem())
                .and_then(|_| std::fs::write(path, sandbox.suite_toml(&ca_path.display().to_string())));
            match written {
                Ok(()) => println!("  suite          {} (CA: {})", path.display(), ca_path.display()),
                Err(e) => eprintln!("error: cannot write {}: {e}", path.display()),
            }
        }
        println!("press Ctrl-C to stop");
        let _ = tokio::signal::ctrl_c().await;
        sandbox.shutdown().await;
        exit::PASSED
    })
}

/// SIGINT or SIGTERM stop the run; the reports are still written.
async fn cancel_on_signal(token: CancellationToken) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else {
            return;
        };
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    eprintln!("\nwsconform: interrupted; finishing reports");
    token.cancel();
}

fn list_command(suite: PathBuf, filters: FilterArgs) -> i32 {
    let filters = Filters { only: filters.only, skip: filters.skip };
    let (suite, plan) = match wsconform::run::load_and_plan(&SuiteSource::File(suite), &filters) {
        Ok(x) => x,
        Err(BadInput(m)) => {
            eprintln!("error: {m}");
            return exit::BAD_INPUT;
        }
    };
    println!("suite {} ({}): {}", suite.name, suite.source, suite.display_url());
    for e in &plan.entries {
        let what = match &e.decision {
            Decision::Run => "run".to_string(),
            Decision::RunAsPrerequisite { of } => format!("run (needed by {of})"),
            Decision::NotApplicable { reason } => format!("skip: {reason}"),
            Decision::NotSelected { why } => format!("not selected: {why}"),
        };
        println!("  {:<28} {what}", e.def.id);
    }
    exit::PASSED
}

/// `wsconform fix REPORT.json`: the report's fixes as a script on standard output. Never runs them.
fn fix_command(report: &std::path::Path) -> i32 {
    let parsed = std::fs::read_to_string(report)
        .map_err(|e| format!("cannot read {}: {e}", report.display()))
        .and_then(|text| serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", report.display())))
        .and_then(|v| wsconform::fix::script_from_report(&v).map_err(|e| format!("{}: {e}", report.display())));
    match parsed {
        Ok(script) => {
            print!("{script}");
            exit::PASSED
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::BAD_INPUT
        }
    }
}

fn explain_command(id: &str) -> i32 {
    let Some(def) = wsconform::find(id) else {
        let ids: Vec<&str> = wsconform::catalog().iter().map(|c| c.id.as_str()).collect();
        let best = ids.iter().max_by(|a, b| strsim::jaro_winkler(id, a).total_cmp(&strsim::jaro_winkler(id, b)));
        eprintln!("error: no check `{id}`{}", best.map(|b| format!(" (did you mean `{b}`?)")).unwrap_or_default());
        eprintln!("checks: {}", ids.join(", "));
        return exit::BAD_INPUT;
    };
    println!("{}\n\n{}\n\n{}", def.id, def.summary, def.explain);
    if !def.requires.is_empty() {
        println!("\nneeds: {}", def.requires.join(", "));
    }
    println!("\nAWS documentation: {}", def.docs);
    exit::PASSED
}

/// `--junit-flavor`: which JUnit dialect to write (the library's
/// [`junit::Flavor`], spelled for the command line).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum JunitFlavor {
    /// quick-junit's output: junit-10 plus `skipped`, `timestamp` and `uuid` on `<testsuites>`.
    #[default]
    Default,
    /// Exactly the Jenkins xunit-plugin junit-10 schema, for consumers that validate it.
    Strict,
}

impl From<JunitFlavor> for junit::Flavor {
    fn from(f: JunitFlavor) -> junit::Flavor {
        match f {
            JunitFlavor::Default => junit::Flavor::Default,
            JunitFlavor::Strict => junit::Flavor::Strict,
        }
    }
}
