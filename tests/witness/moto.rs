//! moto as an independent control-plane witness: every deployment of
//! `witness/moto/deploy.py` is built in one moto server through the real AWS
//! APIs (boto3), the `wsconform` binary judges it, and each control-plane
//! check's status is compared with `witness/moto/expected.toml`, which is
//! written from AWS's documentation (not from what the tool prints).
//!
//! moto comes from `scripts/witness-moto.sh` (a venv under
//! `target/witness/moto-venv`). Without it every trial is ignored, and the
//! reason is printed once. One trial per deployment; the trials share one
//! moto server (started on first use, in its own process group, killed when
//! the run ends, also after a panic) and run one at a time.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libtest_mimic::{Failed, Trial};
use serde::Deserialize;

use crate::support;

/// The control-plane checks every trial compares.
const CHECKS: &[&str] = &[
    "cloudfront.distribution",
    "cloudfront.path-pattern",
    "cloudfront.origin",
    "cloudfront.forwarding",
    "apigw.api",
    "apigw.routes",
    "apigw.integrations",
    "apigw.authorizer",
    "apigw.stage",
    "apigw.domain",
    "apigw.mapping",
    "apigw.execute-api-disabled",
    "route53.alias",
    "acm.certificate",
];

const MOTO_START_TIMEOUT: Duration = Duration::from_secs(60);
const DEPLOY_TIMEOUT: Duration = Duration::from_secs(90);
const RUN_TIMEOUT: Duration = Duration::from_secs(90);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn venv() -> PathBuf {
    root().join("target/witness/moto-venv")
}

fn work_dir() -> PathBuf {
    root().join("target/witness/moto")
}

// ---------------------------------------------------------------------------
// The expected table.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    layouts: BTreeMap<String, BTreeMap<String, Verdict>>,
    deployments: BTreeMap<String, Deployment>,
}

#[derive(Debug, Deserialize)]
struct Deployment {
    base: String,
    #[serde(flatten)]
    checks: BTreeMap<String, Verdict>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Verdict {
    status: String,
    contains: Option<String>,
    /// A fragment one of the check's warnings must contain (works today, worth fixing).
    warning: Option<String>,
    unknown: Option<String>,
    moto_gap: Option<String>,
    tool_bug: Option<String>,
}

fn load_expected() -> Result<Expected, String> {
    let path = root().join("witness/moto/expected.toml");
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let expected: Expected = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    for (name, d) in &expected.deployments {
        let base = expected.layouts.get(&d.base).ok_or_else(|| format!("{name}: unknown base `{}`", d.base))?;
        for id in base.keys().chain(d.checks.keys()) {
            if !CHECKS.contains(&id.as_str()) {
                return Err(format!("{name}: unknown check `{id}`"));
            }
        }
        for v in base.values().chain(d.checks.values()) {
            if !["pass", "fail", "error", "skip"].contains(&v.status.as_str()) {
                return Err(format!("{name}: unknown status `{}`", v.status));
            }
        }
    }
    Ok(expected)
}

/// Every check's expected verdict for one deployment.
fn verdicts(expected: &Expected, name: &str) -> BTreeMap<String, Verdict> {
    let d = &expected.deployments[name];
    let mut all = expected.layouts[&d.base].clone();
    all.extend(d.checks.iter().map(|(k, v)| (k.clone(), v.clone())));
    all
}

// ---------------------------------------------------------------------------
// The moto server.

/// One moto server in its own process group; dropping it ends the group.
pub struct Moto {
    group: support::ProcessGroup,
    url: String,
    /// A bound loopback UDP port nobody reads: DNS queries sent there are never answered.
    dead_dns: UdpSocket,
}

impl Moto {
    fn start() -> Result<Moto, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free loopback port: {e}"))?
            .port();
        fs::create_dir_all(work_dir()).map_err(|e| e.to_string())?;
        let log = fs::File::create(work_dir().join("moto-server.log")).map_err(|e| e.to_string())?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(venv().join("bin/moto_server"));
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()]).stdin(Stdio::null()).stdout(log).stderr(log2);
        let group = support::ProcessGroup::spawn(&mut cmd).map_err(|e| format!("cannot start moto_server: {e}"))?;
        let dead_dns = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let mut moto = Moto { group, url: format!("http://127.0.0.1:{port}"), dead_dns };
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let started = Instant::now();
        // Bounded: at most MOTO_START_TIMEOUT, polling every 100 ms.
        while started.elapsed() < MOTO_START_TIMEOUT {
            if let Ok(Some(status)) = moto.group.child.try_wait() {
                return Err(format!("moto_server exited at start ({status}); see target/witness/moto/moto-server.log"));
            }
            if http_post(addr, "/moto-api/reset").is_ok() {
                eprintln!("witness moto: moto at {} answered after {:.1?}", moto.url, started.elapsed());
                return Ok(moto);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!("moto_server did not answer within {MOTO_START_TIMEOUT:?}"))
    }

    fn dead_dns_port(&self) -> u16 {
        self.dead_dns.local_addr().map(|a| a.port()).unwrap_or(9)
    }
}

/// A minimal HTTP/1.0 POST on loopback (no client dependency): Ok when moto answers 200.
fn http_post(addr: SocketAddr, path: &str) -> Result<(), String> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5))).map_err(|e| e.to_string())?;
    write!(s, "POST {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: 0\r\n\r\n").map_err(|e| e.to_string())?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).map_err(|e| e.to_string())?;
    if head.starts_with(b"HTTP/1.") && &head[9..12] == b"200" { Ok(()) } else { Err("not 200".into()) }
}

/// Runs `cmd` with stdout/stderr to files in `dir`, killing it after `limit`.
fn run_bounded(
    mut cmd: Command,
    dir: &Path,
    tag: &str,
    limit: Duration,
) -> Result<(ExitStatus, String, String), String> {
    let out_path = dir.join(format!("{tag}.stdout"));
    let err_path = dir.join(format!("{tag}.stderr"));
    let out = fs::File::create(&out_path).map_err(|e| e.to_string())?;
    let err = fs::File::create(&err_path).map_err(|e| e.to_string())?;
    let mut child =
        cmd.stdin(Stdio::null()).stdout(out).stderr(err).spawn().map_err(|e| format!("cannot run {tag}: {e}"))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(s) => break s,
            None if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{tag} did not finish within {limit:?}"));
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let read = |p: &Path| fs::read_to_string(p).unwrap_or_default();
    Ok((status, read(&out_path), read(&err_path)))
}

// ---------------------------------------------------------------------------
// One trial.

#[derive(Debug, Deserialize)]
struct Report {
    checks: Vec<ReportCheck>,
}

#[derive(Debug, Deserialize)]
struct ReportCheck {
    id: String,
    status: String,
    message: String,
    hint: Option<String>,
    #[serde(default)]
    warnings: Vec<ReportWarning>,
    /// The failure's fixes as data: `commands` are argument lists (`aws …`).
    #[serde(default)]
    fixes: Vec<ReportFix>,
}

#[derive(Debug, Deserialize)]
struct ReportFix {
    field: String,
    #[serde(default)]
    commands: Vec<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct ReportWarning {
    message: String,
    hint: Option<String>,
}

/// Builds deployment `name` in moto (deploy.py resets moto first) and returns what deploy.py printed.
fn deploy(moto: &Moto, name: &str, dir: &Path) -> Result<serde_json::Value, Failed> {
    let mut deploy = Command::new(venv().join("bin/python"));
    deploy.arg(root().join("witness/moto/deploy.py")).args(["--endpoint", &moto.url, "--name", name]);
    let (status, stdout, stderr) = run_bounded(deploy, dir, "deploy", DEPLOY_TIMEOUT)?;
    if !status.success() {
        return Err(format!("deploy.py --name {name} failed ({status}):\n{stderr}").into());
    }
    Ok(serde_json::from_str(&stdout).map_err(|e| format!("deploy.py printed no JSON ({e}):\n{stdout}"))?)
}

/// What every suite gets from the harness, not from the deployment: DNS
/// that never answers, moto as the endpoint, the control-plane checks.
fn harness_tables(moto: &Moto) -> String {
    let only = CHECKS.iter().map(|c| format!("{c:?}")).collect::<Vec<_>>().join(", ");
    format!(
        "\n[dns]\nnameservers = [\"127.0.0.1:{dns}\"]\ntimeout = \"200ms\"\n\n\
         [aws]\nendpoint_url = \"{url}\"\n\n[checks]\nonly = [{only}]\n",
        dns = moto.dead_dns_port(),
        url = moto.url,
    )
}

/// A `wsconform` command with moto's dummy credentials and no ambient AWS configuration.
fn wsconform(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wsconform"));
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-aws-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("GITHUB_STEP_SUMMARY");
    cmd
}

/// `wsconform run` on the suite at `suite_path`; its JSON report.
fn run_suite(dir: &Path, suite_path: &Path) -> Result<Report, Failed> {
    let json_path = dir.join("report.json");
    let _ = fs::remove_file(&json_path);
    let mut run = wsconform(dir);
    run.arg("run").arg(suite_path).arg("--json").arg(&json_path).arg("--junit").arg(dir.join("report.xml"));
    let (status, stdout, stderr) = run_bounded(run, dir, "wsconform", RUN_TIMEOUT)?;
    Ok(fs::read_to_string(&json_path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        .map_err(|e| format!("wsconform wrote no JSON report ({e}; {status}):\n{stdout}\n{stderr}"))?)
}

fn witness(moto: &Moto, name: &str, expected: &BTreeMap<String, Verdict>) -> Result<(), Failed> {
    let dir = work_dir().join(name);
    fs::create_dir_all(&dir).map_err(|e| e.to_string())?;

    // 1. Build the deployment.
    let built = deploy(moto, name, &dir)?;
    let part = built["suite_toml"].as_str().ok_or("deploy.py printed no suite_toml")?;

    // 2. The suite: the deployment's part, then the harness's tables.
    let suite = format!("name = \"moto-{name}\"\ntimeout = \"20s\"\n{part}{}", harness_tables(moto));
    let suite_path = dir.join("suite.toml");
    fs::write(&suite_path, suite).map_err(|e| e.to_string())?;

    // 3. Run the tool; 4. compare.
    let report = run_suite(&dir, &suite_path)?;
    compare(name, &dir, &report, expected)?;

    Ok(())
}

/// Deployments whose fixes are proved (`moto::fix/<row>`): applied to moto as rendered, with the
/// real aws CLI, the check that carried them passes and nothing else changes. `Jq`: the fix is
/// CloudFront's three steps, which need `jq` on PATH. Rows left out, and why: moto 5.2.5 answers
/// UpdateApiMapping 500 (the mapping rows), has no UpdateDomainName (the domain rows) and no
/// CreateDeployment (a redeploy step is skipped: GetIntegrations and GetApi show an update at once,
/// which is what the control-plane checks read); a fix in words has no command to run.
const FIX_PROVEN: &[(&str, Needs)] = &[
    ("c-lambda-no-permission", Needs::Aws),
    ("c-lambda-permission-wrong-route", Needs::Aws),
    ("c-lambda-permission-other-api", Needs::Aws),
    ("c-lambda-permission-other-account", Needs::Aws),
    ("c-authorizer-no-permission", Needs::Aws),
    ("c-http-connection-id-not-mapped", Needs::Aws),
    ("c-integration-timeout-above-max", Needs::Aws),
    ("c-execute-api-enabled", Needs::Aws),
    ("c-rse-different", Needs::Aws),
    ("a-stage-missing", Needs::Aws),
    ("a-r53-other-distribution", Needs::Aws),
    ("a-r53-weighted-old-serving", Needs::Aws),
    ("a-pattern-case", Needs::Jq),
    ("b-seed-pattern-case", Needs::Jq),
    ("a-origin-path-doubled", Needs::Jq),
    ("a-distribution-disabled", Needs::Jq),
    ("a-alias-missing", Needs::Jq),
    ("a-viewer-tls1", Needs::Jq),
    ("a-origin-http-only", Needs::Jq),
    ("a-origin-match-viewer-allow-all", Needs::Jq),
    ("a-origin-tls11-only", Needs::Jq),
    ("a-origin-https-port", Needs::Jq),
    ("a-root-object", Needs::Jq),
    ("a-host-forwarded", Needs::Jq),
    ("b-seed-host-not-forwarded", Needs::Jq),
];

/// Fixed rows whose good twin is not their base layout: the row that differs from it in
/// nothing but the field the fix sets (the base has no authorizer at all).
const GOOD_TWIN: &[(&str, &str)] = &[("c-authorizer-no-permission", "c-authorizer-header-sent")];

/// What a proof runs besides the pinned aws CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    Aws,
    Jq,
}

/// `jq` on PATH, which CloudFront's three-step fixes run.
fn jq_available() -> bool {
    Command::new("jq").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// `moto::fix/<row>`: builds the broken deployment, runs the suite, proves its fixes against
/// `good`, the verdicts of the row's good base layout.
fn witness_fix(moto: &Moto, name: &str, good: &BTreeMap<String, Verdict>) -> Result<(), Failed> {
    let dir = work_dir().join("fix").join(name);
    fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let built = deploy(moto, name, &dir)?;
    let part = built["suite_toml"].as_str().ok_or("deploy.py printed no suite_toml")?;
    let suite = format!("name = \"moto-fix-{name}\"\ntimeout = \"20s\"\n{part}{}", harness_tables(moto));
    let suite_path = dir.join("suite.toml");
    fs::write(&suite_path, suite).map_err(|e| e.to_string())?;
    let report = run_suite(&dir, &suite_path)?;
    prove_fixes(moto, name, &dir, &suite_path, &report, good)
}

/// The aws CLI's operations moto 5.2.5 lacks: a fix's step calling one is not run there.
const MOTO_LACKS: &[&str] = &["create-deployment"];

/// Runs every fix's commands with the pinned aws CLI against moto (an `sh -c` step with moto as
/// AWS_ENDPOINT_URL and the venv's aws first on PATH), then the suite again: the deployment must
/// now be judged as its good base layout is, every check (its status and fragments), so the fixed
/// check passes where the base does and nothing else changed.
fn prove_fixes(
    moto: &Moto,
    name: &str,
    dir: &Path,
    suite: &Path,
    before: &Report,
    good: &BTreeMap<String, Verdict>,
) -> Result<(), Failed> {
    let fixed: Vec<&ReportCheck> =
        before.checks.iter().filter(|c| c.fixes.iter().any(|f| !f.commands.is_empty())).collect();
    if fixed.is_empty() {
        return Err(format!("{name}: no check carries a fix with a command to prove").into());
    }
    for check in &fixed {
        for fix in &check.fixes {
            for argv in &fix.commands {
                let (program, args) = argv.split_first().ok_or("an empty command")?;
                if program == "aws" && args.get(1).is_some_and(|op| MOTO_LACKS.contains(&op.as_str())) {
                    continue;
                }
                let aws = venv().join("bin/aws");
                let Some(mut cmd) = crate::fix_command::command(argv, &aws, &moto.url, dir) else {
                    return Err(format!(
                        "{name}: {}: a fix command that is neither `aws …` nor `sh -c …`: {argv:?}",
                        check.id
                    )
                    .into());
                };
                cmd.env("AWS_ACCESS_KEY_ID", "testing")
                    .env("AWS_SECRET_ACCESS_KEY", "testing")
                    .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
                    .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-aws-credentials"))
                    .env_remove("AWS_PROFILE")
                    .env_remove("AWS_SESSION_TOKEN");
                let (status, stdout, stderr) = run_bounded(cmd, dir, "aws", DEPLOY_TIMEOUT)?;
                if !status.success() {
                    return Err(format!(
                        "{name}: {} fix of {}: `{}` failed ({status}):\n{stdout}\n{stderr}",
                        check.id,
                        fix.field,
                        argv.join(" ")
                    )
                    .into());
                }
            }
        }
    }
    let after = run_suite(dir, suite)?;
    // A fixed check must not merely move: where the good layout passes, it passes.
    for check in &fixed {
        let now = after.checks.iter().find(|c| c.id == check.id).map(|c| c.status.as_str());
        if good.get(&check.id).is_some_and(|v| v.status == "pass") && now != Some("pass") {
            return Err(format!("{name}: {} carried the fix but is {now:?} after it", check.id).into());
        }
    }
    compare(&format!("fix/{name} after its fixes"), dir, &after, good)
}

/// What deploy.py's suite states that `init` cannot write against moto,
/// and why. Every other key of deploy.py's suite must come out of init equal.
const INIT_CANNOT_KNOW: &[(&str, &str)] =
    &[("custom_domain.regional_target", "moto's GetDomainName has no ApiGatewayDomainName (deploy.py synthesizes it)")];

/// `init` on deployments whose route is broken: the keys of deploy.py's suite
/// that init must not write, because only the broken route suggests them (the
/// file says in a comment what to fill in, naming the route check), and the
/// verdicts of the written suite's run that differ from the deployment's row.
struct InitBroken {
    name: &'static str,
    not_written: &'static [&'static str],
    /// The route check the comments name.
    fault: Option<&'static str>,
    verdicts: &'static [(&'static str, &'static str, &'static str)],
}

const INIT_BROKEN: &[InitBroken] = &[
    // `prod*` does not match `/Prod` (CloudFront "Cache behavior settings": case-sensitive), so the
    // route ends at the S3 origin: no API id, no stage. The run does not invent them: every check
    // that needs the API is skipped as a consequence of cloudfront.path-pattern, which fails.
    InitBroken {
        name: "a-pattern-case",
        not_written: &["api.id", "api.stage", "api.execute_api", "api.route_selection_expression"],
        fault: Some("cloudfront.path-pattern"),
        verdicts: &[
            ("apigw.api", "skip", "cloudfront.path-pattern"),
            ("apigw.routes", "skip", "cloudfront.path-pattern"),
            ("apigw.integrations", "skip", "cloudfront.path-pattern"),
            ("apigw.authorizer", "skip", "cloudfront.path-pattern"),
            ("apigw.stage", "skip", "cloudfront.path-pattern"),
            ("apigw.execute-api-disabled", "skip", "cloudfront.path-pattern"),
        ],
    },
    // Without the viewer Host the execute-api host takes `/websocket` as a stage ("Use managed origin
    // request policies"); the custom domain's API mapping `websocket` → Prod ("Map API stages to a
    // custom domain name for WebSocket APIs") states the intent: init writes that, deploy.py's suite
    // exactly, and the run gets the deployment's own verdicts (forwarding fails, nothing invented).
    InitBroken { name: "b-seed-host-not-forwarded", not_written: &[], fault: None, verdicts: &[] },
];

/// `wsconform init <public URL>` discovers good deployment `name` from moto
/// (endpoint from `AWS_ENDPOINT_URL`), finds what deploy.py built, and the
/// suite it writes — plus only the harness's tables — gets the layout's verdicts.
/// With `broken`, a deployment whose route is broken: what it lists is not written.
fn witness_init(
    moto: &Moto,
    name: &str,
    expected: &BTreeMap<String, Verdict>,
    broken: Option<&InitBroken>,
) -> Result<(), Failed> {
    let dir = work_dir().join("init").join(name);
    fs::create_dir_all(&dir).map_err(|e| e.to_string())?;

    // 1. Build the deployment; deploy.py's suite says what init should find.
    let built = deploy(moto, name, &dir)?;
    let part = built["suite_toml"].as_str().ok_or("deploy.py printed no suite_toml")?;
    let truth: toml::Table = toml::from_str(part).map_err(|e| format!("deploy.py's suite_toml: {e}"))?;
    let url = truth.get("url").and_then(toml::Value::as_str).ok_or("deploy.py's suite_toml has no url")?;
    let region = truth.get("region").and_then(toml::Value::as_str).ok_or("deploy.py's suite_toml has no region")?;

    // 2. Discover it from the public URL alone.
    let written = dir.join("init.toml");
    let _ = fs::remove_file(&written);
    let mut init = wsconform(&dir);
    init.args(["init", url, "--region", region, "-o"]).arg(&written).env("AWS_ENDPOINT_URL", &moto.url);
    let (status, _, stderr) = run_bounded(init, &dir, "init", RUN_TIMEOUT)?;
    if !status.success() {
        return Err(format!("wsconform init {url} failed ({status}):\n{stderr}").into());
    }
    let text = fs::read_to_string(&written).map_err(|e| format!("init wrote no suite ({e}):\n{stderr}"))?;
    let found: toml::Table = toml::from_str(&text).map_err(|e| format!("init's suite is not TOML ({e}):\n{text}"))?;

    // 3. Every value deploy.py states, init found (or cannot know, and says so).
    let (mut wrong, mut found) = (Vec::new(), flatten(&found));
    for (key, want) in flatten(&truth) {
        let got = found.remove(&key);
        if broken.is_some_and(|b| b.not_written.contains(&key.as_str())) {
            if let Some(got) = got {
                wrong.push(format!("{key}: only the broken route tells it, init wrote {got}"));
            }
            continue;
        }
        match (got, INIT_CANNOT_KNOW.iter().find(|(k, _)| *k == key)) {
            (Some(got), _) if got == want => {}
            (None, Some((field, why))) => {
                let leaf = field.rsplit('.').next().unwrap_or(field);
                if !text.contains(&format!("# {leaf} = ")) {
                    wrong.push(format!("{key}: not written ({why}), and not stated as unknown in a comment"));
                }
            }
            (got, _) => wrong.push(format!("{key}: deploy.py built {want}, init wrote {got:?}")),
        }
    }
    if let Some(check) = broken.and_then(|b| b.fault) {
        for leaf in ["id", "stage"] {
            let said = text.lines().any(|l| {
                l.starts_with(&format!("# {leaf} = ")) && l.contains("could not be told") && l.contains(check)
            });
            if !said {
                wrong.push(format!("api.{leaf}: no comment saying it could not be told (see {check})"));
            }
        }
    }
    if !wrong.is_empty() {
        return Err(format!(
            "init {name}: discovery differs from what deploy.py built:\n  {}\n{text}",
            wrong.join("\n  ")
        )
        .into());
    }

    // 4. The written suite, plus only what init cannot know and the harness needs.
    let suite_path = dir.join("suite.toml");
    fs::write(&suite_path, format!("{text}{}", harness_tables(moto))).map_err(|e| e.to_string())?;
    let report = run_suite(&dir, &suite_path)?;
    compare(&format!("init/{name}"), &dir, &report, expected)
}

/// `table.key` → value for a suite's scalars (one level of tables, as suites have).
fn flatten(t: &toml::Table) -> BTreeMap<String, toml::Value> {
    let mut out = BTreeMap::new();
    for (k, v) in t {
        match v {
            toml::Value::Table(inner) => {
                out.extend(inner.iter().map(|(ik, iv)| (format!("{k}.{ik}"), iv.clone())));
            }
            v => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

/// Every expected check against the report: status, and the `contains` / `warning` fragments.
fn compare(name: &str, dir: &Path, report: &Report, expected: &BTreeMap<String, Verdict>) -> Result<(), Failed> {
    let mut wrong = Vec::new();
    let mut notes = Vec::new();
    for (id, want) in expected {
        let Some(got) = report.checks.iter().find(|c| &c.id == id) else {
            wrong.push(format!("{id}: expected {}, the report has no such check", want.status));
            continue;
        };
        let text = format!("{} {}", got.message, got.hint.as_deref().unwrap_or(""));
        let status_ok = got.status == want.status;
        let warned = |w: &str| {
            got.warnings.iter().any(|x| x.message.contains(w) || x.hint.as_deref().is_some_and(|h| h.contains(w)))
        };
        let text_ok = want.contains.as_ref().is_none_or(|c| text.contains(c.as_str()))
            && want.warning.as_deref().is_none_or(warned);
        let said = format!("tool says {}: {}", got.status, text.trim());
        match (status_ok && text_ok, &want.tool_bug) {
            (true, None) => {}
            (true, Some(bug)) => {
                notes.push(format!("{id}: marked tool_bug ({bug}) but the tool now agrees: drop the mark"))
            }
            (false, bug) => {
                let mut want_text = match &want.contains {
                    Some(c) => format!("{} containing `{c}`", want.status),
                    None => want.status.clone(),
                };
                if let Some(w) = &want.warning {
                    want_text.push_str(&format!(" with a warning containing `{w}`"));
                }
                let mut line = format!("{id}: AWS documents {want_text}; {said}");
                if let Some(u) = &want.unknown {
                    line.push_str(&format!(" [unknown: {u}]"));
                }
                if let Some(g) = &want.moto_gap {
                    line.push_str(&format!(" [moto gap: {g}]"));
                }
                if let Some(b) = bug {
                    line = format!("KNOWN TOOL BUG {line} [tool_bug: {b}]");
                }
                wrong.push(line);
            }
        }
    }
    for n in &notes {
        eprintln!("witness moto {name}: {n}");
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{name}: {} check(s) differ from AWS's documented verdict (suite and reports in {}):\n  {}",
            wrong.len(),
            dir.strip_prefix(root()).unwrap_or(dir).display(),
            wrong.join("\n  ")
        )
        .into())
    }
}

// ---------------------------------------------------------------------------

/// The moto server, started by the first trial that needs it.
pub type Shared = Arc<Mutex<Option<Result<Moto, String>>>>;

/// Runs `f` against the one moto (started on first use), one trial at a time.
fn on_moto(
    shared: &Shared,
    available: bool,
    label: &str,
    f: impl FnOnce(&Moto) -> Result<(), Failed>,
) -> Result<(), Failed> {
    if !available {
        return Err("moto not available: run scripts/witness-moto.sh (or .ci/run)".into());
    }
    let mut guard = shared.lock().unwrap_or_else(|e| e.into_inner());
    let moto = guard.get_or_insert_with(Moto::start);
    let moto = moto.as_ref().map_err(|e| format!("moto: {e}"))?;
    let started = Instant::now();
    let out = f(moto);
    eprintln!("witness moto {label}: {:.1?}", started.elapsed());
    out
}

/// The trials, named `moto::…`, and the moto server they share (started by
/// the first trial that needs it): drop it once the trials have run. An
/// unreadable expected table is an error, not a trial.
pub fn trials() -> Result<(Vec<Trial>, Shared), String> {
    let expected = Arc::new(load_expected().map_err(|e| format!("witness moto: broken expected table: {e}"))?);
    let available = venv().join("bin/moto_server").is_file() && venv().join("bin/python").is_file();
    if !available {
        eprintln!("moto not available: run scripts/witness-moto.sh (or .ci/run); every moto:: trial is ignored");
    }
    let shared: Shared = Arc::new(Mutex::new(None));
    let mut trials: Vec<Trial> = Vec::new();

    // The corpus in deploy.py and the table must name the same deployments.
    if available {
        let expected = expected.clone();
        trials.push(Trial::test("moto::corpus-matches-expected-table", move || {
            let out = Command::new(venv().join("bin/python"))
                .arg(root().join("witness/moto/deploy.py"))
                .arg("--list")
                .output()
                .map_err(|e| e.to_string())?;
            let listed: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect();
            let table: Vec<String> = expected.deployments.keys().cloned().collect();
            let missing: Vec<&String> = listed.iter().filter(|n| !table.contains(n)).collect();
            let extra: Vec<&String> = table.iter().filter(|n| !listed.contains(n)).collect();
            if missing.is_empty() && extra.is_empty() {
                Ok(())
            } else {
                Err(format!("deploy.py corpus without a row: {missing:?}; rows without a deployment: {extra:?}").into())
            }
        }));
    }

    for name in expected.deployments.keys() {
        let (name, expected, shared) = (name.clone(), expected.clone(), shared.clone());
        let trial = Trial::test(format!("moto::{name}"), move || {
            on_moto(&shared, available, &name, |moto| witness(moto, &name, &verdicts(&expected, &name)))
        });
        trials.push(if available { trial } else { trial.with_ignored_flag(true) });
    }

    // The fixes proved on moto, each on a fresh build of its deployment.
    let jq = jq_available();
    if !jq {
        eprintln!("jq not on PATH: the moto::fix/ trials of CloudFront's three-step fixes are ignored");
    }
    for (name, needs) in FIX_PROVEN {
        if !expected.deployments.contains_key(*name) {
            return Err(format!("witness moto: FIX_PROVEN names `{name}`, which has no row"));
        }
        let (expected, shared) = (expected.clone(), shared.clone());
        let trial = Trial::test(format!("moto::fix/{name}"), move || {
            let twin = GOOD_TWIN.iter().find(|(row, _)| row == name).map(|(_, twin)| *twin);
            let good = verdicts(&expected, twin.unwrap_or(&expected.deployments[*name].base));
            on_moto(&shared, available, &format!("fix/{name}"), |moto| witness_fix(moto, name, &good))
        });
        trials.push(if available && (jq || *needs == Needs::Aws) { trial } else { trial.with_ignored_flag(true) });
    }

    // `init` on each good deployment (a deployment that is its layout's own row).
    let good: Vec<String> =
        expected.deployments.iter().filter(|(name, d)| **name == d.base).map(|(name, _)| name.clone()).collect();
    for name in good {
        let (expected, shared) = (expected.clone(), shared.clone());
        let trial = Trial::test(format!("moto::init/{name}"), move || {
            on_moto(&shared, available, &format!("init/{name}"), |moto| {
                witness_init(moto, &name, &verdicts(&expected, &name), None)
            })
        });
        trials.push(if available { trial } else { trial.with_ignored_flag(true) });
    }

    // `init` on deployments whose route is broken.
    for broken in INIT_BROKEN {
        let (expected, shared) = (expected.clone(), shared.clone());
        if !expected.deployments.contains_key(broken.name) {
            return Err(format!("witness moto: INIT_BROKEN names `{}`, which has no row", broken.name));
        }
        let trial = Trial::test(format!("moto::init/{}", broken.name), move || {
            on_moto(&shared, available, &format!("init/{}", broken.name), |moto| {
                let mut want = verdicts(&expected, broken.name);
                for (id, status, contains) in broken.verdicts {
                    let v = Verdict {
                        status: (*status).into(),
                        contains: Some((*contains).into()),
                        warning: None,
                        unknown: None,
                        moto_gap: None,
                        tool_bug: None,
                    };
                    want.insert((*id).into(), v);
                }
                witness_init(moto, broken.name, &want, Some(broken))
            })
        });
        trials.push(if available { trial } else { trial.with_ignored_flag(true) });
    }

    Ok((trials, shared))
}
