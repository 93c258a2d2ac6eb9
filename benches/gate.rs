//! `cargo bench --bench gate`: what a gate run costs, as ratios measured in
//! one run against the in-process sandbox (docs/architecture.md, Performance).
//!
//! 1. The full default suite (`suites/sandbox.toml`) under 50 ms of latency
//!    per round trip on every hop, against the critical-path lower bound
//!    (the longest chain of dependent round trips through the checks'
//!    `requires`/`after` graph) and against the same checks run one at a time.
//! 2. The manual way (`bench/manual.sh`: dig, openssl, the AWS CLI, curl,
//!    a Python WebSocket client, when installed) against the same sandbox.
//! 3. Start-up: process start to the first DNS packet.
//! 4. Scale: 1, 50 and 200 suites in one process: wall time, per-suite cost,
//!    peak RSS and open file descriptors.
//!
//! Every network packet goes to 127.0.0.0/8; every loop is bounded.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wsconform::Filters;
use wsconform::RunnerOptions;
use wsconform::run::{RunOptions, SandboxOverride, SuiteSource, run};
use wsconform_sandbox::model::{self, Layout, scenario};
use wsconform_sandbox::{Sandbox, SandboxOptions, Server};

const LATENCY: Duration = Duration::from_millis(50);

/// The fewest dependent round trips each check needs under the sandbox's
/// latency model (one injected delay per DNS answer, TLS handshake, HTTP
/// answer, echo, relayed chunk and control-plane call). Independent calls
/// inside one check count once (they can overlap).
const ROUND_TRIPS: &[(&str, u32, &str)] = &[
    ("dns.resolves", 1, "the A answer"),
    ("dns.alias-target", 1, "the host's and the target's answers, asked at once"),
    ("route53.alias", 2, "ListHostedZonesByName, then ListResourceRecordSets"),
    ("tls.certificate", 2, "the A answer, the TLS handshake"),
    ("acm.certificate", 2, "GetDistribution (which certificate), then DescribeCertificate"),
    ("cloudfront.distribution", 1, "GetDistribution"),
    ("cloudfront.path-pattern", 1, "GetDistribution"),
    ("cloudfront.origin", 1, "GetDistribution"),
    ("cloudfront.forwarding", 1, "GetDistribution (managed policies need no call)"),
    ("apigw.api", 1, "GetApi"),
    ("apigw.routes", 1, "GetRoutes"),
    ("apigw.stage", 1, "GetStage"),
    ("apigw.domain", 1, "GetDomainName"),
    ("apigw.mapping", 1, "GetApiMappings"),
    ("apigw.execute-api-disabled", 4, "GetApi, then the probe: A answer, TLS, 403"),
    ("e2e.connect", 5, "A answer, TLS to the edge, the edge's TLS to the origin, the gateway's 101, the edge's 101"),
    ("e2e.echo", 2, "the gateway's echo, relayed by the edge"),
    ("e2e.post", 2, "PostToConnection's 200, the payload relayed by the edge"),
    ("e2e.connection-info", 1, "GetConnection"),
    ("e2e.keepalive", 1, "the pong, relayed by the edge"),
    ("e2e.disconnect", 2, "DeleteConnection's 204; then the relayed close and the later POST's 410 at once"),
    (
        "e2e.limits",
        6,
        "its own connection (the A answer is known from e2e.connect): TLS, the edge's TLS to the origin, the two \
         101s; the pong after 128 KB; the 1009 close",
    ),
];

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

async fn suite_wall(concurrency: usize) -> Duration {
    let t = Instant::now();
    let summary = run(RunOptions {
        suites: vec![SuiteSource::File(manifest().join("suites/sandbox.toml"))],
        filters: Filters::default(),
        runner: RunnerOptions { concurrency, deadline: Some(Duration::from_secs(60)), ..RunnerOptions::default() },
        sandbox: Some(SandboxOverride { scenario: None, layout: None, latency_ms: Some(LATENCY.as_millis() as u64) }),
        emulator: Some(wsconform_cli::emulator::InProcess::shared()),
        reporters: vec![],
    })
    .await
    .expect("suites/sandbox.toml loads");
    let wall = t.elapsed();
    let c = summary.counts();
    assert!(c.failed == 0 && c.errored == 0, "the benchmark needs a passing run: {c:?}");
    wall
}

/// The longest chain of dependent round trips through the catalog.
fn critical_path() -> (u32, Vec<&'static str>) {
    let rts: HashMap<&str, u32> = ROUND_TRIPS.iter().map(|(id, n, _)| (*id, *n)).collect();
    let catalog = wsconform::catalog();
    let mut best: HashMap<&'static str, (u32, Vec<&'static str>)> = HashMap::new();
    // The graph is small and acyclic: relax it as many times as it has nodes.
    for _ in 0..catalog.len() {
        for c in &catalog {
            let own = *rts.get(c.id.as_str()).unwrap_or_else(|| panic!("no round-trip count for {}", c.id));
            let before = c
                .requires
                .iter()
                .chain(c.after)
                .filter_map(|d| best.get(d.as_str()).cloned())
                .max_by_key(|(n, _)| *n)
                .unwrap_or_default();
            let mut chain = before.1.clone();
            chain.push(c.id.as_str());
            best.insert(c.id.as_str(), (before.0 + own, chain));
        }
    }
    best.into_values().max_by_key(|(n, _)| *n).unwrap_or_default()
}

fn start_sandbox(rt: &tokio::runtime::Runtime, latency: Duration) -> Sandbox {
    let mut opts = SandboxOptions::new(Layout::B, scenario("good").expect("good exists"));
    opts.faults.set_latency(latency);
    rt.block_on(Sandbox::start(opts)).expect("the sandbox starts")
}

fn manual_way(rt: &tokio::runtime::Runtime, dir: &Path) -> Option<(Duration, String)> {
    let sandbox = start_sandbox(rt, LATENCY);
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, sandbox.ca_pem()).ok()?;
    let dns = sandbox.dns_addr();
    let t = Instant::now();
    let out = Command::new("bash")
        .arg(manifest().join("bench/manual.sh"))
        .env("SB_DNS_HOST", dns.ip().to_string())
        .env("SB_DNS_PORT", dns.port().to_string())
        .env("SB_EDGE_PORT", sandbox.server_addr(Server::Edge).port().to_string())
        .env("SB_GATEWAY_PORT", sandbox.server_addr(Server::Gateway).port().to_string())
        .env("SB_CA", &ca)
        .env("SB_CP_URL", sandbox.control_plane_url()?.as_str())
        .env("AWS_ACCESS_KEY_ID", model::ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", model::SECRET_ACCESS_KEY)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .ok()?;
    let wall = t.elapsed();
    rt.block_on(sandbox.shutdown());
    Some((wall, String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// Process start → the first DNS query arriving at a nameserver the suite names.
fn start_up(dir: &Path) -> Duration {
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind a loopback UDP port");
    udp.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let suite = dir.join("startup.toml");
    std::fs::write(
        &suite,
        format!(
            "name = \"startup\"\nregion = \"ap-northeast-1\"\nurl = \"wss://ws.example.com/websocket\"\n\
             [checks]\nonly = [\"dns.resolves\"]\n[dns]\nnameservers = [\"{}\"]\ntimeout = \"1s\"\n",
            udp.local_addr().expect("addr")
        ),
    )
    .expect("write the suite");
    let mut samples = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_wsconform"))
            .arg("run")
            .arg(&suite)
            .arg("--reports-dir")
            .arg(dir.join("startup-reports"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn wsconform");
        let mut buf = [0u8; 512];
        let got = udp.recv_from(&mut buf).is_ok();
        samples.push(t.elapsed());
        let _ = child.kill();
        let _ = child.wait();
        assert!(got, "no DNS packet within 5 s");
        // Drain retries of the killed process.
        udp.set_read_timeout(Some(Duration::from_millis(50))).ok();
        while udp.recv_from(&mut buf).is_ok() {}
        udp.set_read_timeout(Some(Duration::from_secs(5))).ok();
    }
    median(samples)
}

struct Usage {
    wall: Duration,
    peak_rss_kib: u64,
    max_fds: usize,
    passed: bool,
}

/// `n` suites against one sandbox, in one wsconform process.
fn scale(rt: &tokio::runtime::Runtime, dir: &Path, n: usize) -> Usage {
    let sandbox = start_sandbox(rt, Duration::ZERO);
    let work = dir.join(format!("scale-{n}"));
    std::fs::create_dir_all(&work).expect("mkdir");
    let ca = work.join("ca.pem");
    std::fs::write(&ca, sandbox.ca_pem()).expect("write the CA");
    let text = sandbox.suite_toml(&ca.display().to_string());
    let mut files = Vec::new();
    for i in 0..n {
        let f = work.join(format!("s{i:03}.toml"));
        std::fs::write(&f, text.replacen("name = \"sandbox-b\"", &format!("name = \"scale-{i:03}\""), 1))
            .expect("write a suite");
        files.push(f);
    }
    let t = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wsconform"))
        .arg("run")
        .args(&files)
        .arg("--reports-dir")
        .arg(work.join("reports"))
        .env("AWS_ACCESS_KEY_ID", model::ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", model::SECRET_ACCESS_KEY)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("CI", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn wsconform");
    let (mut peak_rss_kib, mut max_fds) = (0, 0);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        let proc_dir = PathBuf::from(format!("/proc/{}", child.id()));
        if let Ok(status) = std::fs::read_to_string(proc_dir.join("status"))
            && let Some(kib) = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))
        {
            peak_rss_kib = peak_rss_kib.max(kib.trim().trim_end_matches(" kB").trim().parse().unwrap_or(0));
        }
        if let Ok(fds) = std::fs::read_dir(proc_dir.join("fd")) {
            max_fds = max_fds.max(fds.count());
        }
        assert!(t.elapsed() < Duration::from_secs(600), "the scale run took over 10 minutes");
        std::thread::sleep(Duration::from_millis(20));
    };
    let wall = t.elapsed();
    rt.block_on(sandbox.shutdown());
    Usage { wall, peak_rss_kib, max_fds, passed: status.success() }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing here takes arguments.
    wsconform::install_crypto_provider();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");

    println!("wsconform gate benchmark: sandbox layout b, {} ms per round trip on every hop\n", LATENCY.as_millis());
    let (rts, chain) = critical_path();
    let bound = LATENCY * rts;
    println!("critical path: {} = {rts} round trips → lower bound {}", chain.join(" → "), secs(bound));

    // Warm-up run (first connections, lazily built state), then measured runs.
    rt.block_on(suite_wall(16));
    let concurrent = median((0..5).map(|_| rt.block_on(suite_wall(16))).collect());
    let sequential = median((0..3).map(|_| rt.block_on(suite_wall(1))).collect());
    println!("full suite, concurrent (median of 5): {}", secs(concurrent));
    println!("same checks, sequential (median of 3): {}", secs(sequential));
    println!(
        "ratios: wall / lower bound = {:.2} (target ≤ 1.15) · sequential / concurrent = {:.2}",
        concurrent.as_secs_f64() / bound.as_secs_f64(),
        sequential.as_secs_f64() / concurrent.as_secs_f64()
    );

    match manual_way(&rt, dir.path()) {
        Some((wall, out)) => {
            println!("\nmanual way (bench/manual.sh, same latency): {}", secs(wall));
            for line in out.lines() {
                println!("    {line}");
            }
            println!("ratio: manual / wsconform = {:.1}", wall.as_secs_f64() / concurrent.as_secs_f64());
        }
        None => println!("\nmanual way: could not run bench/manual.sh"),
    }

    println!(
        "\nstart-up: process start → first DNS packet (median of 5): {:.1} ms",
        start_up(dir.path()).as_secs_f64() * 1e3
    );

    println!("\nscale (no injected latency; one sandbox, one wsconform process):");
    println!("  {:>6} {:>10} {:>14} {:>14} {:>9}", "suites", "wall", "per suite", "peak RSS", "max fds");
    for n in [1, 50, 200] {
        let u = scale(&rt, dir.path(), n);
        assert!(u.passed, "the {n}-suite run did not pass");
        println!(
            "  {n:>6} {:>10} {:>11.1} ms {:>10} MiB {:>9}",
            secs(u.wall),
            u.wall.as_secs_f64() * 1e3 / n as f64,
            u.peak_rss_kib / 1024,
            u.max_fds
        );
    }
}
