//! Shared helpers of the integration tests.
#![allow(dead_code)]

pub mod ci_runs;
pub mod junit10;

/// A test's failure: any message (`?` on an error, `format!`), shown as
/// written (not `Debug`-escaped) when a `#[test]` returns it.
pub struct Failed(String);

impl<M: std::fmt::Display> From<M> for Failed {
    fn from(m: M) -> Failed {
        Failed(m.to_string())
    }
}

impl std::fmt::Debug for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The README's local-emulator suite (plain `ws://` on loopback, the management
/// API at `mgmt_port`'s root, no stage), as the emulator tests run it.
pub fn local_emulator_suite(name: &str, ws_port: u16, mgmt_port: u16, timeout: &str) -> String {
    format!(
        r#"name = "{name}"
region = "us-east-1"
url = "ws://127.0.0.1:{ws_port}/"

[checks]
only = ["e2e.*"]

[roundtrip]
send = '{{"action":"echo","payload":"{{{{nonce}}}}"}}'
expect = {{ json_pointer = "/request", contains = "{{{{nonce}}}}" }}
connection_id = "/connectionId"
management_endpoint = "http://127.0.0.1:{mgmt_port}"
timeout = "{timeout}"
limits = true
"#
    )
}

/// A service started in its own process group (a witness: moto, serverless
/// offline). Dropping it ends the whole group — TERM, up to 5 s of grace, then
/// KILL for whatever is left — also while a panic unwinds.
///
/// While it runs, the group is recorded in `target/witness/groups/{pgid}`
/// (the group id and its leader's start time), so that `.ci/run` can stop
/// exactly the groups a killed test run left behind, and nothing else.
pub struct ProcessGroup {
    pub child: std::process::Child,
    record: Option<std::path::PathBuf>,
}

/// Where the running witnesses' groups are recorded (`.ci/run` reads it).
pub fn process_group_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/witness/groups")
}

/// A process's start time in clock ticks since boot (`/proc/{pid}/stat`,
/// field 22): with the pid, it names the process even once the pid is reused.
fn start_time(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which may hold spaces and parentheses: state is field 3.
    stat.rsplit_once(") ")?.1.split(' ').nth(22 - 3).map(str::to_owned)
}

impl ProcessGroup {
    pub fn spawn(cmd: &mut std::process::Command) -> std::io::Result<ProcessGroup> {
        use std::os::unix::process::CommandExt;
        let child = cmd.process_group(0).spawn()?;
        let mut group = ProcessGroup { child, record: None };
        // The leader's pid is the group id (process_group(0)).
        let pgid = group.child.id();
        let dir = process_group_dir();
        let path = dir.join(pgid.to_string());
        let line = format!("{pgid} {}\n", start_time(pgid).as_deref().unwrap_or("-"));
        // On failure the group is stopped at once (the guard drops).
        std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, line))?;
        group.record = Some(path);
        Ok(group)
    }

    fn signal(&self, signal: &str) {
        let _ = std::process::Command::new("kill")
            .args([signal, "--", &format!("-{}", self.child.id())])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.signal("-TERM");
        // Bounded: 5 s at most, polling every 50 ms.
        let end = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::time::Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        // The leader may be gone and its children not.
        self.signal("-KILL");
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(path) = self.record.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}
