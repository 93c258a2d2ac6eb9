//! serverless-offline as an independent data-plane witness of the `e2e.*`
//! checks: the real emulator (pinned in `witness/serverless-offline/`, a
//! WebSocket API whose `$default` echoes through PostToConnection) is
//! started on free loopback ports, the `wsconform` binary runs the README's
//! local-emulator suite against it, and each check's verdict is a trial.
//!
//! Install first: `scripts/witness-serverless-offline.sh`. Without it every
//! trial is ignored (never passed) and the reason is printed once.
//!
//! `cargo test --test witness serverless_offline::` (`-- --list` lists the trials).

use std::collections::HashMap;
use std::io::Read as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use libtest_mimic::{Failed, Trial};

use crate::support;

/// How long the emulator may take to accept on its websocket port.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the whole wsconform run may take (the suite's own timeouts are 5 s per wait).
const RUN_TIMEOUT: Duration = Duration::from_secs(120);
/// The step of every bounded wait.
const POLL: Duration = Duration::from_millis(100);

const NOT_INSTALLED: &str = "serverless-offline not installed: run scripts/witness-serverless-offline.sh (or .ci/run)";

fn witness_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("witness/serverless-offline")
}

/// The verdicts of one run, by check id, or why there are none.
type Verdicts = Result<HashMap<String, serde_json::Value>, String>;

/// What serverless-offline must say about each check.
const EXPECTED: &[(&str, Expect)] = &[
    ("e2e.connect", Expect::Pass),
    ("e2e.echo", Expect::Pass),
    ("e2e.post", Expect::Pass),
    ("e2e.keepalive", Expect::Pass),
    ("e2e.disconnect", Expect::Pass),
    // GET @connections/{id} answers 426 (serverless-offline's catch-all GET route).
    ("e2e.connection-info", Expect::SkipBecause("426")),
    // The emulator does not enforce API Gateway's 128 KB message quota.
    ("e2e.limits", Expect::PassWarning("does not enforce")),
];

#[derive(Clone, Copy)]
enum Expect {
    Pass,
    SkipBecause(&'static str),
    PassWarning(&'static str),
}

/// One trial per `e2e.*` check, named `serverless_offline::<check>`; the
/// first to run starts the emulator and runs wsconform once for all.
pub fn trials() -> Vec<Trial> {
    let installed = witness_dir().join("node_modules/.bin/serverless").exists();
    if !installed {
        eprintln!("{NOT_INSTALLED}");
    }
    static VERDICTS: OnceLock<Verdicts> = OnceLock::new();
    EXPECTED
        .iter()
        .map(|&(id, expect)| {
            Trial::test(format!("serverless_offline::{id}"), move || {
                if !installed {
                    return Err(NOT_INSTALLED.into());
                }
                let verdicts = VERDICTS.get_or_init(witness_run).as_ref().map_err(|e| Failed::from(e.as_str()))?;
                judge(id, expect, verdicts)
            })
            .with_ignored_flag(!installed)
        })
        .collect()
}

fn judge(id: &str, expect: Expect, verdicts: &HashMap<String, serde_json::Value>) -> Result<(), Failed> {
    let c = verdicts.get(id).ok_or_else(|| format!("{id} is not in the report"))?;
    let status = c["status"].as_str().unwrap_or_default();
    let message = c["message"].as_str().unwrap_or_default();
    let warnings: Vec<&str> =
        c["warnings"].as_array().map(|w| w.iter().filter_map(|w| w["message"].as_str()).collect()).unwrap_or_default();
    let ok = match expect {
        Expect::Pass => status == "pass" && warnings.is_empty(),
        Expect::SkipBecause(why) => status == "skip" && message.contains(why),
        Expect::PassWarning(what) => status == "pass" && warnings.iter().any(|w| w.contains(what)),
    };
    if ok { Ok(()) } else { Err(format!("{id}: unexpected verdict against serverless-offline:\n{c:#}").into()) }
}

/// Three distinct free loopback ports (bound together, then released).
fn free_ports() -> std::io::Result<[u16; 3]> {
    let bind = || TcpListener::bind((Ipv4Addr::LOCALHOST, 0));
    let held = [bind()?, bind()?, bind()?];
    let mut ports = [0u16; 3];
    for (p, l) in ports.iter_mut().zip(&held) {
        *p = l.local_addr()?.port();
    }
    Ok(ports)
}

/// The emulator's process group: terminated (then killed) when dropped,
/// including while a panic unwinds.
struct Emulator {
    group: support::ProcessGroup,
    log: PathBuf,
}

impl Emulator {
    fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }
}

/// Serverless Framework v3 kept off the network: no telemetry, no
/// notifications, no update or deprecation checks, no interactive setup.
fn offline_env(cmd: &mut Command) -> &mut Command {
    cmd.env("SLS_TELEMETRY_DISABLED", "1")
        .env("SLS_TRACKING_DISABLED", "1")
        .env("SLS_NOTIFICATIONS_MODE", "off")
        .env("SLS_DEPRECATION_DISABLE", "*")
        .env("SLS_INTERACTIVE_SETUP_DISABLE", "1")
        .env("CI", "true")
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env_remove("AWS_PROFILE")
}

fn start_emulator(tmp: &Path) -> Result<(Emulator, u16), String> {
    let [ws, http, lambda] = free_ports().map_err(|e| format!("no free loopback port: {e}"))?;
    let log = tmp.join("serverless-offline.log");
    let out = std::fs::File::create(&log).map_err(|e| e.to_string())?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let dir = witness_dir();
    let mut cmd = Command::new(dir.join("node_modules/.bin/serverless"));
    offline_env(&mut cmd)
        .args(["offline", "start", "--host", "127.0.0.1"])
        .args(["--websocketPort", &ws.to_string(), "--httpPort", &http.to_string()])
        .args(["--lambdaPort", &lambda.to_string()])
        .env("WITNESS_MANAGEMENT_ENDPOINT", format!("http://127.0.0.1:{ws}"))
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    let group = support::ProcessGroup::spawn(&mut cmd).map_err(|e| format!("cannot start serverless offline: {e}"))?;
    let mut emulator = Emulator { group, log };
    let t = Instant::now();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, ws));
    // Bounded in time and count.
    for _ in 0..(START_TIMEOUT.as_millis() / POLL.as_millis()) {
        if let Ok(Some(status)) = emulator.group.child.try_wait() {
            return Err(format!("serverless offline exited ({status}) before listening:\n{}", emulator.log()));
        }
        if TcpStream::connect_timeout(&addr, POLL).is_ok() {
            eprintln!("witness: serverless-offline accepting on {addr} after {:.1} s", t.elapsed().as_secs_f64());
            return Ok((emulator, ws));
        }
        if t.elapsed() > START_TIMEOUT {
            break;
        }
        std::thread::sleep(POLL);
    }
    Err(format!("serverless offline did not accept on {addr} within {START_TIMEOUT:?}:\n{}", emulator.log()))
}

/// Starts the emulator, runs the local-emulator suite against it, stops it.
fn witness_run() -> Verdicts {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (emulator, ws) = start_emulator(tmp.path())?;
    let suite = tmp.path().join("serverless-offline.toml");
    // The README's local-emulator suite: serverless-offline serves @connections
    // on its websocket port, at the root, with no stage.
    std::fs::write(&suite, support::local_emulator_suite("serverless-offline", ws, ws, "5s"))
        .map_err(|e| e.to_string())?;
    let stdout_path = tmp.path().join("wsconform.out");
    let stdout = std::fs::File::create(&stdout_path).map_err(|e| e.to_string())?;
    let t = Instant::now();
    let mut run = Command::new(env!("CARGO_BIN_EXE_wsconform"))
        .arg("run")
        .arg(&suite)
        .arg("--reports-dir")
        .arg(tmp.path())
        .env("CI", "true")
        // serverless-offline ignores signatures, but the SDK signs: any key will do.
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null())
        .stdout(stdout.try_clone().map_err(|e| e.to_string())?)
        .stderr(stdout)
        .spawn()
        .map_err(|e| format!("cannot run wsconform: {e}"))?;
    let mut status = None;
    for _ in 0..(RUN_TIMEOUT.as_millis() / POLL.as_millis()) {
        if let Some(s) = run.try_wait().map_err(|e| e.to_string())? {
            status = Some(s);
            break;
        }
        std::thread::sleep(POLL);
    }
    let output = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    let Some(status) = status else {
        let _ = run.kill();
        let _ = run.wait();
        return Err(format!("wsconform did not finish within {RUN_TIMEOUT:?}:\n{output}\n{}", emulator.log()));
    };
    eprintln!("witness: wsconform ran in {:.1} s ({status})", t.elapsed().as_secs_f64());
    let report = tmp.path().join("serverless-offline.json");
    let json: serde_json::Value = std::fs::read_to_string(&report)
        .map_err(|e| format!("no JSON report ({e}); wsconform said:\n{output}"))
        .and_then(|text| serde_json::from_str(&text).map_err(|e| format!("bad JSON report: {e}")))?;
    drop(emulator);
    let checks = json["checks"].as_array().ok_or("the report has no checks")?;
    Ok(checks.iter().filter_map(|c| Some((c["id"].as_str()?.to_owned(), c.clone()))).collect())
}
