//! Writing artifacts all-or-nothing, and finding stale ones.

use std::fs;
use std::path::Path;
use tracepoints_codegen::emit::Output;

/// Each artifact in `dir` that is missing or differs, as a message naming
/// it under `shown` (the directory as the user wrote it).
pub fn stale(dir: &Path, shown: &Path, outputs: &[Output]) -> Vec<String> {
    outputs
        .iter()
        .filter_map(|output| {
            let name = shown.join(&output.name);
            match fs::read_to_string(dir.join(&output.name)) {
                Ok(current) if current == output.contents => None,
                Ok(_) => Some(format!(
                    "{}: stale (differs from the declaration)",
                    name.display()
                )),
                Err(_) => Some(format!("{}: missing", name.display())),
            }
        })
        .collect()
}

/// Writes every artifact to a temporary file in `dir`, then renames them
/// into place; on any failure removes what it wrote and changes nothing.
/// Messages name the directory as `shown`.
pub fn write_all(dir: &Path, shown: &Path, outputs: &[Output]) -> Result<(), String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!("{}: --out is not a directory", shown.display()));
    }
    fs::create_dir_all(dir)
        .map_err(|e| format!("{}: cannot create directory: {e}", shown.display()))?;
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
    result
}
