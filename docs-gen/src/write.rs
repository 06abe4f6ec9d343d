//! Writing artifacts all-or-nothing, and finding stale ones.

use std::fs;
use std::path::Path;
use tracepoints_codegen::emit::Output;

/// Each artifact in `dir` that is missing or differs, as a message.
pub fn stale(dir: &Path, outputs: &[Output]) -> Vec<String> {
    outputs
        .iter()
        .filter_map(|output| {
            let path = dir.join(&output.name);
            match fs::read_to_string(&path) {
                Ok(current) if current == output.contents => None,
                Ok(_) => Some(format!(
                    "{}: stale (differs from the declaration)",
                    path.display()
                )),
                Err(_) => Some(format!("{}: missing", path.display())),
            }
        })
        .collect()
}

/// Writes every artifact to a temporary file in `dir`, then renames them
/// into place; on any failure removes what it wrote and changes nothing.
pub fn write_all(dir: &Path, outputs: &[Output]) -> Result<(), String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!("{}: --out is not a directory", dir.display()));
    }
    fs::create_dir_all(dir)
        .map_err(|e| format!("{}: cannot create directory: {e}", dir.display()))?;
    let mut temps = Vec::new();
    let result = (|| {
        for output in outputs {
            let temp = dir.join(format!(".{}.tmp-{}", output.name, std::process::id()));
            temps.push(temp.clone());
            fs::write(&temp, &output.contents)
                .map_err(|e| format!("{}: cannot write: {e}", temp.display()))?;
        }
        for (temp, output) in temps.iter().zip(outputs) {
            let path = dir.join(&output.name);
            fs::rename(temp, &path)
                .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
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
