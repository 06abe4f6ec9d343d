//! The tracer generations the end-to-end tests run the generated readers
//! under: the host's tracers (Debian 12: bpftrace 0.17, BCC 0.26, libbpf
//! 1.1) and those of Debian 13 and Debian unstable, each in a root that
//! `scripts/ci/setup-roots.sh` makes (`/proc`, `/sys`, `/dev`, `/tmp` and the
//! checkout mounted inside, so a tracer there attaches to the host's
//! binaries by their own paths).

use crate::{skip, workspace_root};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use tracepoints_codegen::model::Provider;
use tracepoints_gen::emit::bpftrace::Floor;

/// One generation of tracers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation {
    /// `host`, or the Debian suite of the root (`trixie`, `sid`).
    pub name: &'static str,
    /// Whether the tracers are the host's own.
    host: bool,
}

/// Every generation, oldest first.
pub const GENERATIONS: [Generation; 3] = [
    Generation {
        name: "host",
        host: true,
    },
    Generation {
        name: "trixie",
        host: false,
    },
    Generation {
        name: "sid",
        host: false,
    },
];

impl Generation {
    /// The generations to test: all, or those `TRACEPOINTS_GENERATIONS`
    /// names (comma-separated, e.g. `trixie,sid`).
    pub fn selected() -> Vec<Generation> {
        match std::env::var("TRACEPOINTS_GENERATIONS") {
            Ok(names) => {
                let names: Vec<&str> = names.split(',').map(str::trim).collect();
                for name in &names {
                    assert!(
                        GENERATIONS.iter().any(|g| g.name == *name),
                        "TRACEPOINTS_GENERATIONS names `{name}`; the generations are host, trixie, sid"
                    );
                }
                GENERATIONS
                    .into_iter()
                    .filter(|g| names.contains(&g.name))
                    .collect()
            }
            Err(_) => GENERATIONS.to_vec(),
        }
    }

    /// The root directory of a Debian generation (`$TRACEPOINTS_ROOTS/NAME`,
    /// by default under `/var/lib/tracepoints/roots`); `None` for the host.
    pub fn root(&self) -> Option<PathBuf> {
        if self.host {
            return None;
        }
        let roots = std::env::var_os("TRACEPOINTS_ROOTS").map_or_else(
            || PathBuf::from("/var/lib/tracepoints/roots"),
            PathBuf::from,
        );
        Some(roots.join(self.name))
    }

    /// Whether the generation can run here; reports why not (see
    /// [`skip`]) when it cannot.
    pub fn ready(&self) -> bool {
        let Some(root) = self.root() else {
            return true;
        };
        let checkout = root.join(workspace_root().strip_prefix("/").unwrap());
        let reason = if !root.join(".tracepoints-ready").exists() {
            format!(
                "no tracer root {} (scripts/ci/setup-roots.sh makes it)",
                root.display()
            )
        } else if !checkout.join("Cargo.toml").exists() || !root.join("proc/self").exists() {
            format!(
                "{} lacks its mounts (scripts/ci/setup-roots.sh mounts /proc, /sys, /dev, /tmp and the checkout)",
                root.display()
            )
        } else {
            return true;
        };
        skip(&reason);
        false
    }

    /// `program` run with this generation's tools: as it is on the host,
    /// through `chroot ROOT` otherwise (paths under the checkout and `/tmp`
    /// are the same inside).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        match self.root() {
            None => Command::new(program),
            Some(root) => {
                let mut command = Command::new("chroot");
                command.arg(root).arg(program);
                command
            }
        }
    }

    /// The version bpftrace reports, e.g. `0.23.2`.
    pub fn bpftrace_version(&self) -> String {
        let output = self
            .command("bpftrace")
            .arg("--version")
            .output()
            .expect("run bpftrace --version");
        let text = String::from_utf8_lossy(&output.stdout);
        text.trim()
            .strip_prefix("bpftrace v")
            .unwrap_or_else(|| panic!("{}: bpftrace --version printed {text:?}", self.name))
            .to_string()
    }

    /// The newest script floor this generation's bpftrace serves.
    pub fn floor(&self) -> Floor {
        let version = self.bpftrace_version();
        let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        Floor::newest_for(major, minor)
            .unwrap_or_else(|| panic!("bpftrace {version} is older than every script floor"))
    }

    /// The version of one of the generation's Debian packages.
    pub fn package_version(&self, package: &str) -> String {
        let output = self
            .command("dpkg-query")
            .args(["-W", "-f=${Version}", package])
            .output()
            .expect("run dpkg-query");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Where this generation's build products go.
    fn build_dir(&self) -> PathBuf {
        let dir = workspace_root().join("target/generations").join(self.name);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The generic libbpf loader (`tests/src/libbpf_loader.c`), built with
    /// this generation's compiler and linked to its libbpf.
    pub fn libbpf_loader(&self) -> PathBuf {
        let loader = self.build_dir().join("libbpf-loader");
        let output = self
            .command("cc")
            .args(["-O2", "-Wall", "-Werror", "-o"])
            .arg(&loader)
            .arg(workspace_root().join("tests/src/libbpf_loader.c"))
            .arg("-lbpf")
            .output()
            .expect("run cc");
        assert!(
            output.status.success(),
            "{}: building the libbpf loader: {}",
            self.name,
            String::from_utf8_lossy(&output.stderr)
        );
        loader
    }

    /// Compiles a generated libbpf program with this generation's clang and
    /// `bpf/usdt.bpf.h`, with the flags its header documents, every warning
    /// an error; returns clang's output.
    pub fn compile_bpf(&self, program: &Path, object: &Path) -> Output {
        self.command("clang")
            .args([
                "-O2",
                "-g",
                "-Wall",
                "-Werror",
                "-target",
                "bpf",
                "-D__TARGET_ARCH_x86",
                "-I/usr/include/x86_64-linux-gnu",
                "-c",
            ])
            .arg(program)
            .arg("-o")
            .arg(object)
            .output()
            .expect("run clang")
    }

    /// The libbpf loader's command line for `provider`'s program `object`,
    /// attached to process `pid` of `binary`, or with `None` to every
    /// process of it, those started later included.
    pub fn libbpf_command(
        &self,
        loader: &Path,
        object: &Path,
        provider: &Provider,
        pid: Option<u32>,
        binary: &Path,
    ) -> Command {
        let names = tracepoints_codegen::names::c::Names::of(provider);
        let mut command = self.command(loader);
        command
            .arg(object)
            .arg(pid.map_or("-1".to_string(), |pid| pid.to_string()))
            .arg(binary)
            .arg(&names.ring_buffer)
            .arg(&names.lost_counter);
        for (tracepoint, t) in provider.tracepoints.iter().zip(&names.tracepoints) {
            command.arg(format!(
                "{}={}:{}",
                t.event_struct, provider.name, tracepoint.name
            ));
        }
        command
    }

    /// The events of the libbpf loader's hex records, decoded by the
    /// provider's generated Python module (in `readers`) with this
    /// generation's Python and BCC. Fails unless every record is as long as
    /// its content, rounded up to a size class: at least what it holds, at
    /// most twice that and 16 bytes more.
    pub fn decoded(
        &self,
        readers: &Path,
        provider: &Provider,
        records: &[serde_json::Value],
    ) -> Vec<serde_json::Value> {
        let script = format!(
            "import ctypes, json, sys\nsys.path.insert(0, sys.argv[1])\nimport {}_bcc as m\nfor line in sys.stdin:\n    data = bytes.fromhex(json.loads(line))\n    record = ctypes.create_string_buffer(data, len(data))\n    name, event = m.decode(ctypes.addressof(record), len(data))\n    held = m.record_len(event)\n    if not held <= len(data) <= 2 * held + 16:\n        sys.exit('%s: a record of %d bytes for %d bytes of content' % (name, len(data), held))\n    print(json.dumps({{\"tracepoint\": name, \"args\": m.as_dict(event)}}))\n",
            provider.name
        );
        let mut child = self
            .command("/usr/bin/python3")
            .arg("-c")
            .arg(script)
            .arg(readers)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run python3");
        let input: String = records.iter().map(|r| format!("{r}\n")).collect();
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
        let output = child.wait_with_output().unwrap();
        writer.join().unwrap();
        assert!(
            output.status.success(),
            "{}: decoding the libbpf records failed (see its message above)",
            self.name
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// The lines of a tracer's standard error that warn about something other
/// than the machine (bpftrace's own warnings there: the memlock limit it
/// cannot raise in this sandbox, tracefs' `available_filter_functions`,
/// which this kernel lacks, and, on the aarch64 machine, clang's warnings
/// about the `vmlinux.h` that bpftrace 0.27 makes from the newer kernel's
/// type information, which bpftrace reports as `found external warnings`).
/// A generated script must cause none.
pub fn script_warnings(stderr: &str) -> Vec<&str> {
    let clang_warnings = || stderr.lines().filter(|l| l.contains(": warning: "));
    let only_vmlinux_h = clang_warnings().count() > 0
        && clang_warnings().all(|l| l.starts_with("include/vmlinux.h:"));
    let of_the_machine = |line: &str| {
        line.contains("RLIMIT_MEMLOCK")
            || line.contains("available_filter_functions")
            || (only_vmlinux_h && line.ends_with("WARNING: found external warnings"))
    };
    stderr
        .lines()
        .filter(|line| line.contains("WARNING") && !of_the_machine(line))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::script_warnings;

    #[test]
    fn only_the_machines_warnings_are_forgiven() {
        let machine = "include/vmlinux.h:1715:3: warning: declaration does not declare anything\n\
            8 warnings generated.\n\
            /x/net.bt:1-79: WARNING: found external warnings\n\
            WARNING: Could not set RLIMIT_MEMLOCK\n";
        assert_eq!(script_warnings(machine), Vec::<&str>::new());
        let script = "stdlib/usdt/usdt.bpf.c:9:1: warning: unused variable\n\
            /x/net.bt:1-79: WARNING: found external warnings\n";
        assert_eq!(
            script_warnings(script),
            ["/x/net.bt:1-79: WARNING: found external warnings"]
        );
        let cast =
            "/x/net.bt:5:3: WARNING: Unnecessary cast: expression is already of type int64\n";
        assert_eq!(script_warnings(cast).len(), 1);
    }
}
