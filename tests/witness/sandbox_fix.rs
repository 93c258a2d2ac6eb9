//! `sandbox::fix/<scenario>`: the fix loop offline, on the sandbox. The scenario's deployment runs
//! in process; wsconform runs against it; the fixes in its JSON report are applied with the
//! pinned aws CLI (the moto witness's venv, `--endpoint-url` at the sandbox's control plane, which
//! accepts those write calls); wsconform runs again. Every check that failed must now be judged as
//! on the layout's good deployment — the live checks too, since the write calls change what the
//! data plane serves — and every other check keep its status. Ignored with the reason when the
//! venv's aws CLI is absent.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};
use serde::Deserialize;
use wsconform_sandbox::model::{Layout, SCENARIOS, Scenario};
use wsconform_sandbox::{Sandbox, SandboxOptions};

/// Scenarios whose every fix has a command the sandbox's control plane accepts; `true`: CloudFront's
/// three steps, which need `jq` on PATH.
const PROVEN: &[(&str, bool)] = &[
    ("execute-api-enabled", false),
    ("execute-api-not-redeployed", false),
    ("mapping-wrong-stage", false),
    ("mapping-key-mismatch", false),
    ("stage-missing", false),
    ("stage-not-deployed", false),
    ("throttling-zero", false),
    ("lambda-permission-wrong-route", false),
    ("lambda-permission-other-api", false),
    ("authorizer-permission-missing", false),
    ("vpc-link-no-connection-id", false),
    ("stale-deployment", false),
    ("dns-wrong-target", false),
    ("dns-old-distribution-shared-addresses", false),
    ("r53-weighted-old-target-serving", false),
    ("pattern-case", true),
    ("origin-path-doubled", true),
    ("host-forwarded", true),
    ("host-not-forwarded", true),
    ("alias-missing", true),
    ("origin-http-only", true),
    ("authorizer-query-not-forwarded", true),
];

/// Scenarios whose good twin is not `good`: the VPC-link twin keeps the link's status unknown.
const GOOD_TWIN: &[(&str, &str)] = &[("vpc-link-no-connection-id", "vpc-link-good")];

const RUN_TIMEOUT: Duration = Duration::from_secs(90);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn aws_cli() -> PathBuf {
    root().join("target/witness/moto-venv/bin/aws")
}

#[derive(Debug, Deserialize)]
struct Report {
    checks: Vec<Check>,
}

#[derive(Debug, Deserialize)]
struct Check {
    id: String,
    status: String,
    message: String,
    #[serde(default)]
    fixes: Vec<Fix>,
}

#[derive(Debug, Deserialize)]
struct Fix {
    field: String,
    #[serde(default)]
    commands: Vec<Vec<String>>,
}

/// The sandbox's fixed test credentials and no ambient AWS configuration.
fn with_sandbox_env(cmd: &mut Command, dir: &Path) {
    cmd.env("AWS_ACCESS_KEY_ID", wsconform_sandbox::model::ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", wsconform_sandbox::model::SECRET_ACCESS_KEY)
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-aws-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env("NO_COLOR", "1");
}

/// One bounded run of `cmd` (killed after `limit`): its status and output.
fn run_bounded(mut cmd: Command, limit: Duration) -> Result<std::process::Output, String> {
    use std::process::Stdio;
    let child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let mut child = child.map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let started = std::time::Instant::now();
    loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(_) => return child.wait_with_output().map_err(|e| e.to_string()),
            None if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{cmd:?} did not finish within {limit:?}"));
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn run_suite(dir: &Path, suite: &Path) -> Result<Report, String> {
    let json = dir.join("report.json");
    let _ = fs::remove_file(&json);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wsconform"));
    cmd.arg("run").arg(suite).arg("--json").arg(&json);
    with_sandbox_env(&mut cmd, dir);
    let out = run_bounded(cmd, RUN_TIMEOUT)?;
    let text = fs::read_to_string(&json).map_err(|e| {
        format!(
            "no JSON report ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// Starts `scenario` on `layout` and runs the suite the sandbox writes for itself; `then` gets the
/// sandbox's control plane URL, the work dir and the suite, while the sandbox still runs.
fn with_sandbox<T>(
    layout: Layout,
    scenario: &'static Scenario,
    dir: &Path,
    then: impl FnOnce(&str, &Path) -> Result<T, String>,
) -> Result<T, String> {
    wsconform_sandbox::install_crypto_provider();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let sandbox = rt.block_on(Sandbox::start(SandboxOptions::new(layout, scenario))).map_err(|e| e.to_string())?;
    fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let ca = dir.join("sandbox-ca.pem");
    fs::write(&ca, sandbox.ca_pem()).map_err(|e| e.to_string())?;
    let suite = dir.join("suite.toml");
    fs::write(&suite, sandbox.suite_toml(&ca.display().to_string())).map_err(|e| e.to_string())?;
    let url =
        sandbox.control_plane_url().map(|u| u.as_str().trim_end_matches('/').to_owned()).ok_or("no control plane")?;
    let out = then(&url, &suite);
    rt.block_on(sandbox.shutdown());
    out
}

fn scenario(name: &str) -> &'static Scenario {
    SCENARIOS.iter().find(|s| s.name == name).expect("a scenario of the sandbox")
}

fn statuses(r: &Report) -> BTreeMap<String, String> {
    r.checks.iter().map(|c| (c.id.clone(), c.status.clone())).collect()
}

fn prove(name: &str) -> Result<(), Failed> {
    let s = scenario(name);
    let dir = root().join("target/witness/sandbox-fix").join(name);
    let twin = GOOD_TWIN.iter().find(|(row, _)| *row == name).map_or("good", |(_, twin)| *twin);
    let good_dir = dir.join("good");
    let good = with_sandbox(s.layout, scenario(twin), &good_dir, |_, suite| run_suite(&good_dir, suite))?;
    let good = statuses(&good);
    with_sandbox(s.layout, s, &dir, |url, suite| {
        let before = run_suite(&dir, suite)?;
        let fixed: Vec<&Check> =
            before.checks.iter().filter(|c| c.fixes.iter().any(|f| !f.commands.is_empty())).collect();
        if fixed.is_empty() {
            return Err(format!("{name}: no check carries a fix (failing: {:?})", failing(&before)));
        }
        let mut ran = std::collections::BTreeSet::new();
        for check in &fixed {
            for fix in &check.fixes {
                // A fix in words names what another check's command changes (dns.alias-target's record is
                // route53.alias's UPSERT): nothing to run for it.
                if fix.commands.is_empty() {
                    continue;
                }
                for argv in &fix.commands {
                    // A live check's fix repeats the control-plane check's: applied once, as the script has it.
                    if !ran.insert(argv.clone()) {
                        continue;
                    }
                    let Some(mut cmd) = crate::fix_command::command(argv, &aws_cli(), url, &dir) else {
                        return Err(format!("{name}: a fix command the sandbox loop does not run: {argv:?}"));
                    };
                    with_sandbox_env(&mut cmd, &dir);
                    let out = run_bounded(cmd, RUN_TIMEOUT)?;
                    if !out.status.success() {
                        return Err(format!(
                            "{name}: {} fix of {}: `{}` failed ({}):\n{}",
                            check.id,
                            fix.field,
                            argv.join(" "),
                            out.status,
                            String::from_utf8_lossy(&out.stderr)
                        ));
                    }
                }
            }
        }
        let after = run_suite(&dir, suite)?;
        let (before_s, after_s) = (statuses(&before), statuses(&after));
        let mut wrong = Vec::new();
        for (id, was) in &before_s {
            let now = after_s.get(id).map(String::as_str);
            // What passed still passes; what failed, or was skipped as its consequence, is now as on the
            // good deployment (or passes: a check the good deployment skips for want of the resource).
            let want = if was == "pass" { Some("pass") } else { good.get(id).map(String::as_str) };
            if now != want && !(was != "pass" && now == Some("pass")) {
                let message = after.checks.iter().find(|c| &c.id == id).map(|c| c.message.as_str()).unwrap_or("");
                wrong.push(format!("{id}: {was} before the fixes, {now:?} after (wanted {want:?}): {message}"));
            }
        }
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{name}: the fixes, applied to the sandbox, did not do what they promise:\n  {}",
                wrong.join("\n  ")
            ))
        }
    })
    .map_err(Failed::from)
}

fn failing(r: &Report) -> Vec<&str> {
    r.checks.iter().filter(|c| matches!(c.status.as_str(), "fail" | "error")).map(|c| c.id.as_str()).collect()
}

pub fn trials() -> Vec<Trial> {
    let available = aws_cli().is_file();
    if !available {
        eprintln!(
            "aws CLI not installed (the moto witness's venv): every sandbox::fix/ trial is ignored; run scripts/witness-moto.sh (or .ci/run)"
        );
    }
    let jq = Command::new("jq").arg("--version").output().is_ok_and(|o| o.status.success());
    if !jq {
        eprintln!("jq not on PATH: the sandbox::fix/ trials of CloudFront's three-step fixes are ignored");
    }
    PROVEN
        .iter()
        .map(|(name, needs_jq)| {
            let trial = Trial::test(format!("sandbox::fix/{name}"), move || prove(name));
            trial.with_ignored_flag(!available || (*needs_jq && !jq))
        })
        .collect()
}
