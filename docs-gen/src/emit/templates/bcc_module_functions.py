

def decode(data, size=None):
    """Returns (tracepoint, event) for the ring-buffer record at address
    `data`. A record ends after the bytes its `_tail_` field keeps (the
    rest of the class lies beyond it): read events with as_dict. Raises
    ValueError when its tag names no tracepoint or, given the record's
    `size`, when the record is shorter than what it holds or a string field
    has no NUL inside it (the BPF programs always write one)."""
    if size is not None and size < 4:
        raise ValueError("a record of %d bytes, shorter than its tag" % size)
    kind = ctypes.cast(data, ctypes.POINTER(ctypes.c_uint32)).contents.value
    if kind not in @EVENTS@:
        raise ValueError("tag %d names no tracepoint" % kind)
    name, cls = @EVENTS@[kind]
    fixed = getattr(cls, cls._tail_).offset if cls._tail_ else ctypes.sizeof(cls)
    if size is not None and size < fixed:
        raise ValueError("%s record of %d bytes, shorter than its fixed %d" % (name, size, fixed))
    event = ctypes.cast(data, ctypes.POINTER(cls)).contents
    if size is not None and not _strings_end(cls, data, size):
        raise ValueError("%s record with a string that does not end inside it" % name)
    if size is not None and size < record_len(event):
        raise ValueError("%s record of %d bytes, shorter than its %d" % (name, size, record_len(event)))
    return name, event


# Per class, the (offset, size) of each string field, worked out once.
_STRING_FIELDS = {}


def _strings_end(cls, data, size):
    """Whether every string field of the `size`-byte record at `data` (of
    class `cls`) holds a NUL within the record's bytes."""
    fields = _STRING_FIELDS.get(cls)
    if fields is None:
        fields = _STRING_FIELDS[cls] = [
            (getattr(cls, field).offset, ctypes.sizeof(kind))
            for field, kind in cls._fields_
            if issubclass(kind, ctypes.Array) and kind._type_ is ctypes.c_char
        ]
    start = ctypes.cast(data, ctypes.c_void_p).value
    for offset, length in fields:
        held = ctypes.string_at(start + offset, max(0, min(length, size - offset)))
        if b"\0" not in held:
            return False
    return True


def record_len(event):
    """The bytes of `event`'s record that hold its values: the whole class,
    or up to the end of what its tail keeps."""
    tail = event._tail_
    if tail is None:
        return ctypes.sizeof(event)
    offset = getattr(type(event), tail).offset
    if tail in event._lengths_:
        return offset + _kept(event, tail)
    return offset + len(getattr(event, tail)) + 1


def _kept(event, field):
    """How many bytes of the variable buffer `field` the record holds: its
    length, at most its cap (a negative length is, as the BPF programs
    read it, a huge one)."""
    length = getattr(event, event._lengths_[field])
    cap = getattr(type(event), field).size
    return cap if length < 0 else min(length, cap)


def as_dict(event):
    """The event's arguments by name, in declaration order: strings decoded
    as UTF-8, byte buffers as hex (hashes reversed, buffers of variable
    length cut to their length), booleans as True/False. An integer with
    named values is followed by its value's name under NAME_name (None for
    a value without one); the class's _units_ gives integers' units."""
    args = {}
    for field in event._args_:
        if field in event._lengths_:
            # Only the kept bytes: the record may end right after them.
            at = ctypes.addressof(event) + getattr(type(event), field).offset
            value = ctypes.string_at(at, _kept(event, field)).hex()
        else:
            value = getattr(event, field)
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            elif isinstance(value, ctypes.Array):
                value = bytes(value)
                if field in event._hashes_:
                    value = value[::-1]
                value = value.hex()
            elif field in event._bools_:
                value = value != 0
        args[field] = value
        if field in event._values_:
            key, names = event._values_[field]
            args[key] = names.get(value)
    return args


def lost_events(bpf):
    """How many events of each kind the full ring buffer dropped, on all
    CPUs: a list in kind order (the kind's count at index kind - 1)."""
    table = bpf[@LOST_COUNTER@]
    return [sum(getattr(n, "value", n) for n in table[kind]) for kind in sorted(@EVENTS@)]


def lost_json(counts):
    """The line a reader prints on exit: the total the ring buffer dropped,
    and the count of each tracepoint beside it."""
    names = [@EVENTS@[kind][0] for kind in sorted(@EVENTS@)]
    return json.dumps({"lost": sum(counts), "lost_by_tracepoint": dict(zip(names, counts))})


def json_line(data, size):
    """The JSON line of the `size`-byte record at address `data`: its
    tracepoint and arguments, or {"undecodable": size} when it is not one
    of this provider's events."""
    try:
        name, event = decode(data, size)
    except ValueError:
        return json.dumps({"undecodable": size})
    return json.dumps({"tracepoint": name, "args": as_dict(event)})


RECORDS_MAGIC = b"tracepoints records 2\n"
# Version 1 files (a total lost count only) are read too.
RECORDS_MAGIC_1 = b"tracepoints records 1\n"
RECORDS_TRAILER = 0xFFFFFFFF
# The largest record (the largest class, its last field at its cap): a
# record file's record that claims more is damaged, and is not read.
MAX_RECORD = max(ctypes.sizeof(cls) for _, cls in @EVENTS@.values())
# How long a reader waits for a wakeup before it reads the ring anyway:
# the program wakes it only each time another sixteenth of the ring has
# been submitted, so at a low rate this bounds the delay from a fire to its
# line.
POLL_MS = 100


def read_records(path):
    """Prints the JSON line of every record in the record file at `path`,
    then its {"lost": N}; exits with a message naming the file when it is
    not one, cannot be read, has a record longer than any of the
    provider's, or ends before its trailer."""
    try:
        # A FIFO or a device would block or never end.
        if not stat.S_ISREG(os.stat(path).st_mode):
            sys.exit("%s: cannot read: not a regular file" % path)
        f = open(path, "rb")
    except OSError as e:
        sys.exit("%s: cannot read: %s" % (path, e.strerror or e))
    with f:
        # The two lines are short: at most 256 bytes of each are read.
        magic = f.readline(256)
        if magic.endswith(b"\r\n"):
            sys.exit("%s: its lines end in CRLF: it was copied as text, which damages records; copy it as binary" % path)
        if magic not in (RECORDS_MAGIC, RECORDS_MAGIC_1):
            sys.exit("%s: starts with %r, not `%s`: not a record file" % (path, magic.rstrip(b"\n").decode("utf-8", "replace"), RECORDS_MAGIC.decode().rstrip("\n")))
        provider = f.readline(256).decode("utf-8", "replace").rstrip("\n")
        if provider != "@PROVIDER@":
            sys.exit("%s: records of %r, not of `@PROVIDER@`" % (path, provider))
        count = 0
        while True:
            head = f.read(4)
            if len(head) < 4:
                break
            (size,) = struct.unpack("<I", head)
            if size == RECORDS_TRAILER:
                lost = f.read(8)
                if len(lost) < 8:
                    break
                if magic == RECORDS_MAGIC_1:
                    print(json.dumps({"lost": struct.unpack("<Q", lost)[0]}), flush=True)
                    return
                kinds = f.read(4)
                if len(kinds) < 4:
                    break
                (kinds,) = struct.unpack("<I", kinds)
                if kinds != len(@EVENTS@):
                    sys.stdout.flush()
                    sys.exit("%s: a trailer of %d tracepoints' counts, but the provider has %d: a damaged file" % (path, kinds, len(@EVENTS@)))
                counts = f.read(8 * kinds)
                if len(counts) < 8 * kinds:
                    break
                counts = list(struct.unpack("<%dQ" % kinds, counts))
                if sum(counts) != struct.unpack("<Q", lost)[0]:
                    sys.stdout.flush()
                    sys.exit("%s: a trailer whose total lost (%d) is not the sum of its counts: a damaged file" % (path, struct.unpack("<Q", lost)[0]))
                print(lost_json(counts), flush=True)
                return
            if size > MAX_RECORD:
                sys.stdout.flush()
                sys.exit("%s: record %d claims %d bytes, more than the largest `@PROVIDER@` record (%d): a damaged file" % (path, count + 1, size, MAX_RECORD))
            record = f.read(size)
            if len(record) < size:
                break
            data = ctypes.create_string_buffer(record, size)
            print(json_line(ctypes.addressof(data), size))
            count += 1
    sys.stdout.flush()
    sys.exit("%s: ends after %d records without its trailer: its tracer did not finish" % (path, count))


def is_attach_failure(error):
    """Whether BCC's exception says a uprobe could not be attached."""
    return "Failed to attach" in str(error)


def attach_failure(pid, error):
    """The one line to exit with when BCC could not load or attach the
    program to process `pid`."""
    if not is_attach_failure(error):
        return "@MODULE@: cannot load the BPF program for pid %d: %s" % (pid, error)
    return (
        "@MODULE@: cannot attach to pid %d (%s): another tracer (bpftrace or a "
        "libbpf tracer) most likely holds these probes with the semaphore's "
        "own offset, which BCC does not pass, and the kernel refuses a second "
        "registration with another (dmesg: `ref_ctr_offset mismatch`); stop "
        "the other tracer, or trace with it alone" % (pid, error)
    )


def ring_pages(size):
    """The ring buffer's size in 4 KiB pages for a `--ring-size` such as
    `64M` (bytes, or K, M or G of them), rounded up to a power of two as
    the kernel requires; None when it is not a size."""
    units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    number, unit = size.rstrip("KMG"), size[len(size.rstrip("KMG")):]
    if not number.isdigit() or unit not in units or int(number) == 0:
        return None
    pages = -(-int(number) * units[unit] // 4096)
    if pages > 1 << 19:
        return None
    return 1 << (pages - 1).bit_length()


def main(argv):
    usage = "usage: @MODULE@ PID [--write FILE] [--ring-size SIZE] | @MODULE@ --read FILE"
    if len(argv) == 3 and argv[1] == "--read":
        return read_records(argv[2])
    options = dict(zip(argv[2::2], argv[3::2]))
    if len(argv) % 2 or not argv[1].isdigit() or set(options) - {"--write", "--ring-size"}:
        sys.exit(usage)
    pages = None
    if "--ring-size" in options:
        pages = ring_pages(options["--ring-size"])
        if pages is None:
            sys.exit("@MODULE@: --ring-size %r: give bytes, or K, M or G of them, up to 2G" % options["--ring-size"])
    from bcc import BPF, USDT

    pid = int(argv[1])
    records = None
    if "--write" in options:
        records = open(options["--write"], "wb", buffering=1 << 20)
        records.write(RECORDS_MAGIC + b"@PROVIDER@\n")
    # SIGINT and SIGTERM end the loop below, whatever the event rate: a
    # KeyboardInterrupt raised inside the ring-buffer callback would be
    # discarded by ctypes.
    stopping = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.append(True))
    usdt = USDT(pid=pid)
    for probe, fn_name in @PROBES@:
        usdt.enable_probe(probe=probe, fn_name=fn_name)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "@C_FILE@")) as f:
        text = f.read()
    # BCC's C library prints its own lines (a failed perf_event_open) to
    # file descriptor 2: they are kept aside and shown unless the failure
    # is the one explained in a line of our own.
    saved = os.dup(2)
    with tempfile.TemporaryFile() as aside:
        os.dup2(aside.fileno(), 2)
        try:
            cflags = [] if pages is None else ["-D@RING_PAGES@=%d" % pages]
            bpf = BPF(text=text, usdt_contexts=[usdt], cflags=cflags)
            failure = None
        except Exception as e:  # BCC raises plain Exceptions
            failure = e
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        aside.seek(0)
        said = aside.read().decode("utf-8", "replace")
    if failure is None or not is_attach_failure(failure):
        sys.stderr.write(said)
    if failure is not None:
        sys.exit(attach_failure(pid, failure))

    def on_event(_ctx, data, size):
        if stopping:
            return -1  # stops the poll that is draining the buffer
        if records:
            records.write(struct.pack("<I", size) + ctypes.string_at(data, size))
            return 0
        # Written out after each poll, not line by line: a write per event
        # would cost more than decoding it.
        print(json_line(data, size))
        return 0

    bpf[@RING_BUFFER@].open_ring_buffer(on_event)
    if pages:
        print("Ring buffer: %d KiB" % (pages * 4), file=sys.stderr, flush=True)
    print("Attached %d probes to pid %d" % (len(@PROBES@), pid), file=sys.stderr, flush=True)
    while not stopping:
        # Most records come without a wakeup: the poll ends after POLL_MS
        # at the latest, and the ring is read whether it woke or not.
        bpf.ring_buffer_poll(POLL_MS)
        bpf.ring_buffer_consume()
        sys.stdout.flush()
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            bpf.ring_buffer_consume()
            break
    counts = lost_events(bpf)
    lost = sum(counts)
    if records:
        records.write(struct.pack("<IQI%dQ" % len(counts), RECORDS_TRAILER, lost, len(counts), *counts))
        records.close()
    print(lost_json(counts), flush=True)
    if lost:
        print("Lost %d events: the ring buffer was full" % lost, file=sys.stderr, flush=True)
    # Collecting `usdt` lowers the semaphores BCC raised in the process.
    del usdt


if __name__ == "__main__":
    try:
        main(sys.argv)
    except BrokenPipeError:
        # Standard output closed (`| head`): not an error. Output still
        # buffered goes nowhere, so exiting does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
