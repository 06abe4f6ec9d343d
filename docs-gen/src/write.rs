//! Writing artifacts all-or-nothing, and finding stale ones.

use crate::emit::Output;
use std::fs;
use std::path::Path;

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
                Err(e) if e.starts_with("cannot read: larger than") => Some(format!(
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
    let mut temps = Vec::new();
    let result = (|| {
        for output in outputs {
            let temp = dir.join(format!(".{}.tmp-{}", output.name, std::process::id()));
            temps.push(temp.clone());
            fs::write(&temp, &output.contents).map_err(|e| {
                let name = shown.join(temp.file_name().unwrap_or_default());
                format!("{}: cannot write: {e}", name.display())
            })?;
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
