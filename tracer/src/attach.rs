//! The BPF side: one copy of the tracer's program per provider (its ring
//! buffer, lost counters and probe layouts), attached to the provider's
//! probes in a binary, and read through one ring-buffer poller.

use crate::decode::Decoder;
use crate::layout;
use libbpf_rs::{Link, MapCore, MapFlags, Object, ObjectBuilder, RingBufferBuilder, UsdtOpts};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tracepoints_codegen::model::Provider;

/// The compiled program (`src/bpf/trace.bpf.c`), built by `build.rs`.
const PROGRAM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/trace.bpf.o"));

/// How long a poll waits for a wakeup before it reads the ring buffers
/// anyway: the bound on the delay from a fire to its record. The program
/// wakes the reader only each time another sixteenth of a ring has been
/// submitted (a wakeup per record costs the traced thread an interrupt).
pub const POLL: Duration = Duration::from_millis(100);

/// What to trace and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only this process of the binary (else every process of it).
    pub pid: Option<i32>,
    /// The size of each provider's ring buffer in bytes (a power of two of
    /// at least a page); the program's 8 MiB when `None`.
    pub ring_size: Option<u32>,
    /// Only these tracepoints (`provider:name`); every one when empty.
    pub tracepoints: Vec<String>,
}

/// One provider's program, attached.
struct Traced {
    decoder: Decoder,
    object: Object,
    /// The attached tracepoints (positions in the provider).
    attached: Vec<usize>,
    /// One per attached tracepoint; replaced when the tracer re-attaches.
    links: RefCell<Vec<Link>>,
}

/// The tracer attached to one binary.
pub struct Tracer {
    binary: PathBuf,
    traced: Vec<Traced>,
}

/// Why [`Tracer::run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// `stop` was set (Ctrl-C, SIGTERM, a closed output).
    Stopped,
    /// The traced process exited.
    ProcessExited,
    /// The binary's file was replaced (another inode at its path): the
    /// probes are still those of the old file.
    BinaryReplaced,
}

/// The file identity of `path` (device and inode), `None` when it cannot
/// be read.
pub fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// libbpf's messages since the last [`libbpf_messages`]: printed with the
/// error they explain, not as they come.
static LIBBPF_MESSAGES: Mutex<String> = Mutex::new(String::new());

fn keep_libbpf_message(_level: libbpf_rs::PrintLevel, message: String) {
    if let Ok(mut messages) = LIBBPF_MESSAGES.lock() {
        if !message.starts_with("libbpf: ") {
            messages.push_str("libbpf: ");
        }
        messages.push_str(&message);
    }
}

fn libbpf_messages() -> String {
    LIBBPF_MESSAGES
        .lock()
        .map(|mut m| std::mem::take(&mut *m))
        .unwrap_or_default()
}

impl Tracer {
    /// Loads one program per provider and attaches it to the provider's
    /// tracepoints in `binary` (those `options` selects). The error says
    /// what failed, for a person: a tracepoint that is not declared, a
    /// probe another tracer holds, missing privileges, an old kernel.
    pub fn attach(
        binary: &Path,
        providers: Vec<Provider>,
        options: &Options,
    ) -> Result<Tracer, String> {
        for wanted in &options.tracepoints {
            let known = providers
                .iter()
                .any(|p| p.tracepoints.iter().any(|t| &t.probe_name(p) == wanted));
            if !known {
                return Err(format!(
                    "--tracepoint {wanted}: {} has no such tracepoint (`tracepoints-trace list {}` lists them)",
                    binary.display(),
                    binary.display()
                ));
            }
        }
        libbpf_rs::set_print(Some((libbpf_rs::PrintLevel::Warn, keep_libbpf_message)));
        let mut traced = Vec::new();
        for provider in providers {
            let selected: Vec<usize> = provider
                .tracepoints
                .iter()
                .filter(|t| {
                    options.tracepoints.is_empty()
                        || options.tracepoints.contains(&t.probe_name(&provider))
                })
                .map(|t| t.index)
                .collect();
            if selected.is_empty() {
                continue;
            }
            traced.push(load(binary, provider, &selected, options)?);
        }
        Ok(Tracer {
            binary: binary.to_path_buf(),
            traced,
        })
    }

    /// Detaches every probe and attaches them again: to process `pid`
    /// (a restarted process), or, with `None`, to every process of the
    /// binary now at the path (a replaced file). The programs, their ring
    /// buffers and lost counters stay: nothing read so far is lost.
    pub fn reattach(&self, pid: Option<i32>) -> Result<(), String> {
        for t in &self.traced {
            t.links.borrow_mut().clear();
            let provider = t.decoder.provider();
            let links = attach_links(&t.object, provider, &t.attached, &self.binary, pid)?;
            *t.links.borrow_mut() = links;
        }
        Ok(())
    }

    /// The number of probes attached.
    pub fn probes(&self) -> usize {
        self.traced.iter().map(|t| t.attached.len()).sum()
    }

    /// The decoders of the traced providers, in the order
    /// [`run`](Self::run) numbers them.
    pub fn decoders(&self) -> Vec<&Decoder> {
        self.traced.iter().map(|t| &t.decoder).collect()
    }

    /// Reads every record as it comes, calling `on_record(provider,
    /// record)` (`provider` indexes [`decoders`](Self::decoders)) and
    /// `after_poll()` after each poll, until `stop` is set, process `pid`
    /// (when given) has exited, or the file at the binary's path is no
    /// longer `identity` (when given); the records still in the rings are
    /// read before it returns. It may be called again (after
    /// [`reattach`](Self::reattach)): the rings keep what came between.
    pub fn run(
        &self,
        stop: &AtomicBool,
        pid: Option<i32>,
        identity: Option<(u64, u64)>,
        on_record: impl FnMut(usize, &[u8]),
        mut after_poll: impl FnMut() -> Result<(), String>,
    ) -> Result<Ended, String> {
        let on_record = RefCell::new(on_record);
        let maps: Vec<_> = self
            .traced
            .iter()
            .map(|t| map(&t.object, "events"))
            .collect::<Result<_, _>>()?;
        let mut builder = RingBufferBuilder::new();
        for (i, events) in maps.iter().enumerate() {
            let on_record = &on_record;
            builder
                .add(events, move |record: &[u8]| {
                    (on_record.borrow_mut())(i, record);
                    0
                })
                .map_err(|e| format!("ring buffer: {e}"))?;
        }
        let ring = builder.build().map_err(|e| format!("ring buffer: {e}"))?;
        let ended = loop {
            if stop.load(Ordering::Relaxed) {
                break Ended::Stopped;
            }
            // EINTR (a signal) is not an error: the loop condition says why.
            // Most records come without a wakeup: read after every poll.
            let _ = ring.poll(POLL);
            let _ = ring.consume();
            after_poll()?;
            // SAFETY: signal 0 only checks that the process exists.
            if let Some(pid) = pid
                && unsafe { libc::kill(pid, 0) } != 0
            {
                break Ended::ProcessExited;
            }
            if identity.is_some() && file_identity(&self.binary) != identity {
                break Ended::BinaryReplaced;
            }
        };
        let _ = ring.consume();
        after_poll()?;
        Ok(ended)
    }

    /// The records each attached tracepoint lost (its ring buffer was
    /// full), as `(provider:name, count)` in declaration order.
    pub fn lost(&self) -> Result<Vec<(String, u64)>, String> {
        let mut lost = Vec::new();
        for (i, t) in self.traced.iter().enumerate() {
            let provider = t.decoder.provider();
            let by_kind = self.lost_by_kind(i)?;
            for &index in &t.attached {
                lost.push((
                    provider.tracepoints[index].probe_name(provider),
                    by_kind[index],
                ));
            }
        }
        Ok(lost)
    }

    /// The records provider `provider` (indexing
    /// [`decoders`](Self::decoders)) lost, of each of its tracepoints in
    /// declaration order (kind 1 first; 0 for one not attached): what a
    /// record file's trailer keeps.
    pub fn lost_by_kind(&self, provider: usize) -> Result<Vec<u64>, String> {
        let t = &self.traced[provider];
        let counter = map(&t.object, "lost")?;
        (1..=t.decoder.provider().tracepoints.len() as u32)
            .map(|kind| {
                let per_cpu = counter
                    .lookup_percpu(&kind.to_ne_bytes(), MapFlags::ANY)
                    .map_err(|e| format!("read the lost counter: {e}"))?
                    .unwrap_or_default();
                Ok(per_cpu
                    .iter()
                    .map(|cpu| u64::from_ne_bytes(cpu[..8].try_into().expect("a u64 per CPU")))
                    .sum())
            })
            .collect()
    }

    /// The binary traced.
    pub fn binary(&self) -> &Path {
        &self.binary
    }
}

fn map<'o>(object: &'o Object, name: &str) -> Result<libbpf_rs::Map<'o>, String> {
    object
        .maps()
        .find(|m| m.name() == name)
        .ok_or_else(|| format!("the program has no map `{name}`"))
}

/// Loads a copy of the program for `provider` and attaches it to the
/// `selected` tracepoints.
fn load(
    binary: &Path,
    provider: Provider,
    selected: &[usize],
    options: &Options,
) -> Result<Traced, String> {
    if provider.tracepoints.len() > layout::MAX_PROBES {
        return Err(format!(
            "`{}`: {} tracepoints, the tracer carries at most {} per provider",
            provider.name,
            provider.tracepoints.len(),
            layout::MAX_PROBES
        ));
    }
    let layouts = provider
        .tracepoints
        .iter()
        .map(|t| layout::probe_layout(t).map_err(|e| format!("{}: {e}", t.probe_name(&provider))))
        .collect::<Result<Vec<_>, _>>()?;
    let mut open = ObjectBuilder::default()
        .open_memory(PROGRAM)
        .map_err(|e| format!("{}open the BPF program: {e}", libbpf_messages()))?;
    let cpus = libbpf_rs::num_possible_cpus().map_err(|e| format!("count the CPUs: {e}"))?;
    for mut m in open.maps_mut() {
        if m.name() == "slots" {
            m.set_max_entries(cpus as u32)
                .map_err(|e| format!("size the record slots: {e}"))?;
        }
        if m.name() == "events"
            && let Some(bytes) = options.ring_size
        {
            m.set_max_entries(bytes)
                .map_err(|e| format!("--ring-size: {e}"))?;
        }
    }
    let object = open.load().map_err(|e| load_failure(&e))?;
    {
        let layouts_map = map(&object, "layouts")?;
        for (index, bytes) in layouts.iter().enumerate() {
            layouts_map
                .update(&(index as u32).to_ne_bytes(), bytes, MapFlags::ANY)
                .map_err(|e| format!("write the layout of probe {index}: {e}"))?;
        }
    }
    let links = attach_links(&object, &provider, selected, binary, options.pid)?;
    Ok(Traced {
        decoder: Decoder::new(provider),
        object,
        attached: selected.to_vec(),
        links: RefCell::new(links),
    })
}

/// Attaches the program of `object` to the `selected` tracepoints of
/// `provider` in `binary` (of process `pid` only, when given), each with
/// its position as the USDT cookie.
fn attach_links(
    object: &Object,
    provider: &Provider,
    selected: &[usize],
    binary: &Path,
    pid: Option<i32>,
) -> Result<Vec<Link>, String> {
    let program = object
        .progs_mut()
        .find(|p| p.name() == "trace")
        .ok_or("the BPF program has no `trace`")?;
    let mut links = Vec::new();
    for &index in selected {
        let tracepoint = &provider.tracepoints[index];
        let opts = UsdtOpts {
            cookie: index as u64,
            ..UsdtOpts::default()
        };
        let link = program
            .attach_usdt_with_opts(
                pid.unwrap_or(-1),
                binary,
                &provider.name,
                &tracepoint.name,
                opts,
            )
            .map_err(|e| attach_failure(&tracepoint.probe_name(provider), binary, &e))?;
        links.push(link);
    }
    Ok(links)
}

/// Why loading failed, for a person.
fn load_failure(error: &libbpf_rs::Error) -> String {
    let messages = libbpf_messages();
    match error.kind() {
        libbpf_rs::ErrorKind::PermissionDenied => format!(
            "load the BPF program: permission denied: run as root (or with CAP_BPF and CAP_PERFMON)\n{messages}"
        ),
        _ => format!(
            "{messages}load the BPF program: {error} (the tracer needs Linux 5.8 or later, with BPF ring buffers and bpf_ringbuf_query)"
        ),
    }
}

/// Why attaching `probe` failed, for a person: the kernel refuses (EINVAL)
/// a uprobe that another tracer (most often a BCC one) registered with
/// another semaphore offset; anything else keeps libbpf's messages.
fn attach_failure(probe: &str, binary: &Path, error: &libbpf_rs::Error) -> String {
    let messages = libbpf_messages();
    if error.kind() == libbpf_rs::ErrorKind::InvalidInput {
        format!(
            "cannot attach {probe} in {}: the kernel refused the uprobe (EINVAL): another tracer, most likely a BCC one (which registers the probe with its own semaphore offset), holds it; stop the other tracer, or trace with it alone (dmesg: `ref_ctr_offset mismatch`)",
            binary.display()
        )
    } else {
        format!("{messages}attach {probe} in {}: {error}", binary.display())
    }
}

/// The ring buffer's size in bytes for a size such as `64M` (bytes, or K,
/// M or G of them), rounded up to a power of two of at least a page, as
/// the kernel requires; `None` when it is not a size up to 2G.
pub fn ring_bytes(size: &str) -> Option<u32> {
    let digits = size.trim_end_matches(['K', 'M', 'G']);
    let unit: u64 = match &size[digits.len()..] {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return None,
    };
    let bytes = digits.parse::<u64>().ok()?.checked_mul(unit)?;
    if bytes == 0 {
        return None;
    }
    u32::try_from(bytes.max(4096).next_power_of_two()).ok()
}
