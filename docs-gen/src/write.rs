//! Writing artifacts all-or-nothing, and finding stale ones.

use crate::emit::Output;
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by SIGINT or SIGTERM once [`write_all`] has begun.
static STOPPED: AtomicBool = AtomicBool::new(false);

extern "C" fn stop(_signal: libc::c_int) {
    STOPPED.store(true, Ordering::Relaxed);
}

/// Catches SIGINT and SIGTERM for the rest of the process: one that
/// arrives before [`write_all`] begins its renames ends the run with the
/// old artifacts in place and no temporary file left; one that arrives
/// during them lets them finish (the new set is then whole).
pub fn catch_stops() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic.
        unsafe { libc::signal(signal, stop as *const () as libc::sighandler_t) };
    }
}

/// Blocks (`true`) or unblocks SIGINT and SIGTERM in the calling thread:
/// the command blocks them in its main thread and unblocks them in the
/// one that generates, so that the handler runs in that thread (even
/// while it waits for the directory's lock) before it can go on.
pub fn mask_stops(block: bool) {
    // SAFETY: a signal set on the stack, filled by sigemptyset/sigaddset
    // and read by pthread_sigmask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        let how = if block {
            libc::SIG_BLOCK
        } else {
            libc::SIG_UNBLOCK
        };
        libc::pthread_sigmask(how, &set, std::ptr::null_mut());
    }
}

/// The error of a run stopped before it replaced anything.
fn stopped(shown: &Path) -> String {
    format!(
        "{}: stopped (SIGINT or SIGTERM) before any artifact was replaced: nothing written",
        shown.display()
    )
}

/// The temporary file an artifact is written to before it is renamed
/// into place; a run killed (SIGKILL) leaves it, and the next run removes
/// every one of them.
fn temp_name(output: &Output) -> String {
    format!(".{}.tmp-{}", output.name, std::process::id())
}

/// Removes what killed runs left in `dir`: the temporary files of
/// `outputs` (`.NAME.tmp-PID`).
fn remove_stale_temps(dir: &Path, outputs: &[Output]) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if outputs
            .iter()
            .any(|o| name.starts_with(&format!(".{}.tmp-", o.name)))
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Each artifact in `dir` that is missing or differs, as a message naming
/// it under `shown` (the directory as the user wrote it).
pub fn stale(dir: &Path, shown: &Path, outputs: &[Output]) -> Vec<String> {
    outputs
        .iter()
        .filter_map(|output| {
            let name = shown.join(&output.name);
            let path = dir.join(&output.name);
            if fs::symlink_metadata(&path).is_err() {
                return Some(format!("{}: missing", name.display()));
            }
            // One byte more than the artifact shows that the file is longer.
            let limit = output.contents.len() as u64 + 1;
            match crate::read::regular(&path, limit) {
                Ok(current) if current == output.contents.as_bytes() => None,
                Ok(_) => Some(format!(
                    "{}: stale (differs from the declaration)",
                    name.display()
                )),
                Err(crate::read::ReadError::TooLarge(_)) => Some(format!(
                    "{}: stale (differs from the declaration)",
                    name.display()
                )),
                Err(e) => Some(format!("{}: {e}", name.display())),
            }
        })
        .collect()
}

/// Every reason the artifacts cannot all be written to `dir`, found before
/// anything is written: two artifacts with one name, something other than
/// a file where one goes, an `--out` that is not a directory.
pub fn obstacles(dir: &Path, shown: &Path, outputs: &[Output]) -> Vec<String> {
    let mut found = Vec::new();
    for (i, output) in outputs.iter().enumerate() {
        if outputs[..i].iter().any(|o| o.name == output.name) {
            found.push(format!(
                "{}: two generated files would have this name (is --log-script the name of a generated file?)",
                shown.join(&output.name).display()
            ));
        }
    }
    match fs::symlink_metadata(dir) {
        Err(_) => return found,
        Ok(_) if !dir.exists() => {
            found.push(format!(
                "{}: --out is a dangling symbolic link",
                shown.display()
            ));
            return found;
        }
        Ok(_) if !dir.is_dir() => {
            found.push(format!("{}: --out is not a directory", shown.display()));
            return found;
        }
        Ok(_) => {}
    }
    for output in outputs {
        if fs::metadata(dir.join(&output.name)).is_ok_and(|meta| !meta.is_file()) {
            found.push(format!(
                "{}: not a regular file, and a generated file goes here: move it away",
                shown.join(&output.name).display()
            ));
        }
    }
    found
}

/// Writes every artifact to a temporary file in `dir`, then renames them
/// into place, holding a lock on `dir` so that concurrent runs do not
/// interleave; checks every [`obstacles`] first, and on any failure removes
/// what it wrote. Messages name the directory as `shown`.
pub fn write_all(dir: &Path, shown: &Path, outputs: &[Output]) -> Result<(), Vec<String>> {
    let found = obstacles(dir, shown, outputs);
    if !found.is_empty() {
        return Err(found);
    }
    fs::create_dir_all(dir)
        .map_err(|e| vec![format!("{}: cannot create directory: {e}", shown.display())])?;
    // flock(2) on the directory itself: nothing extra is left in it.
    let lock = fs::File::open(dir)
        .and_then(|d| d.lock().map(|()| d))
        .map_err(|e| {
            vec![format!(
                "{}: cannot lock the directory: {e}",
                shown.display()
            )]
        })?;
    // Another run may have changed the directory while this one waited.
    let found = obstacles(dir, shown, outputs);
    if !found.is_empty() {
        return Err(found);
    }
    remove_stale_temps(dir, outputs);
    let mut temps = Vec::new();
    let result = (|| {
        for output in outputs {
            if STOPPED.load(Ordering::Relaxed) {
                return Err(stopped(shown));
            }
            let temp = dir.join(temp_name(output));
            temps.push(temp.clone());
            // Named as the artifact: the temporary file is this run's
            // business, the directory (read-only, full) the user's.
            fs::write(&temp, &output.contents).map_err(|e| {
                format!("{}: cannot write: {e}", shown.join(&output.name).display())
            })?;
        }
        if STOPPED.load(Ordering::Relaxed) {
            return Err(stopped(shown));
        }
        for (temp, output) in temps.iter().zip(outputs) {
            fs::rename(temp, dir.join(&output.name)).map_err(|e| {
                format!("{}: cannot write: {e}", shown.join(&output.name).display())
            })?;
        }
        Ok(())
    })();
    if result.is_err() {
        for temp in &temps {
            let _ = fs::remove_file(temp);
        }
    }
    drop(lock);
    result.map_err(|e| vec![e])
}
