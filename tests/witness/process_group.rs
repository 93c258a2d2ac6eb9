//! The witnesses' process-group guard (`tests/it/support/mod.rs`) records
//! its group while it runs, for `.ci/run`'s trap, and removes the record
//! when it stops the group.

use std::process::{Command, Stdio};

use libtest_mimic::{Failed, Trial};

use crate::support::{ProcessGroup, process_group_dir};

pub fn trial() -> Trial {
    Trial::test("process_group::records_its_group_while_it_runs", records_its_group_while_it_runs)
}

fn records_its_group_while_it_runs() -> Result<(), Failed> {
    let mut cmd = Command::new("sleep");
    cmd.arg("30").stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    let group = ProcessGroup::spawn(&mut cmd)?;
    let pgid = group.child.id();
    let record = process_group_dir().join(pgid.to_string());
    let line = std::fs::read_to_string(&record)?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() != 2 || fields[0] != pgid.to_string() || fields[1].parse::<u64>().is_err() {
        return Err(format!("{}: want \"{pgid} <start time>\", got {line:?}", record.display()).into());
    }
    drop(group);
    if record.exists() {
        return Err(format!("{} outlived its group", record.display()).into());
    }
    Ok(())
}
