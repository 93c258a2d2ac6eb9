//! A fix's command as the witnesses run it (`moto::fix/…`, `sandbox::fix/…`).

use std::path::Path;
use std::process::Command;

/// `aws …` with the pinned CLI `aws` and `--endpoint-url endpoint`, or one of CloudFront's `sh -c`
/// steps with the endpoint in `AWS_ENDPOINT_URL` and the pinned CLI first on PATH (the step runs
/// `aws` and `jq` itself); run in `dir`, where those steps keep their files. `None`: neither form.
pub fn command(argv: &[String], aws: &Path, endpoint: &str, dir: &Path) -> Option<Command> {
    let (program, args) = argv.split_first()?;
    let mut cmd = match program.as_str() {
        "aws" => {
            let mut c = Command::new(aws);
            c.args(args).args(["--endpoint-url", endpoint, "--output", "json"]);
            c
        }
        "sh" => {
            let path = std::env::var("PATH").unwrap_or_default();
            let bin = aws.parent().map(|p| p.display().to_string()).unwrap_or_default();
            let mut c = Command::new("sh");
            c.args(args).env("AWS_ENDPOINT_URL", endpoint).env("PATH", format!("{bin}:{path}"));
            c
        }
        _ => return None,
    };
    // Global services (Route 53, CloudFront) need no region on AWS; with an endpoint URL the CLI
    // cannot tell them from a regional one and asks for it.
    cmd.current_dir(dir).env("AWS_DEFAULT_REGION", "us-east-1");
    Some(cmd)
}
