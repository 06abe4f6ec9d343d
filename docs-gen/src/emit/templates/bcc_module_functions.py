

def decode(data, size=None):
    """Returns (tracepoint, event) for the ring-buffer record at address
    `data`. A record ends after the bytes its `_tail_` field keeps (the
    rest of the class lies beyond it): read events with as_dict. Given the
    record's `size`, raises ValueError when the record is shorter than
    what it holds."""
    kind = ctypes.cast(data, ctypes.POINTER(ctypes.c_uint32)).contents.value
    name, cls = @EVENTS@[kind]
    event = ctypes.cast(data, ctypes.POINTER(cls)).contents
    if size is not None and size < record_len(event):
        raise ValueError("%s record of %d bytes, shorter than its %d" % (name, size, record_len(event)))
    return name, event


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
    """How many bytes of the variable buffer `field` the record holds."""
    return min(getattr(event, event._lengths_[field]), getattr(type(event), field).size)


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
    """How many events the full ring buffer dropped, on all CPUs."""
    return sum(getattr(n, "value", n) for n in bpf[@LOST_COUNTER@][0])


def main(argv):
    from bcc import BPF, USDT

    if len(argv) != 2:
        sys.exit("usage: @MODULE@ PID")
    pid = int(argv[1])
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
        bpf = BPF(text=f.read(), usdt_contexts=[usdt])

    def on_event(_ctx, data, size):
        if stopping:
            return -1  # stops the poll that is draining the buffer
        name, event = decode(data, size)
        print(json.dumps({"tracepoint": name, "args": as_dict(event)}), flush=True)
        return 0

    bpf[@RING_BUFFER@].open_ring_buffer(on_event)
    print("Attached %d probes to pid %d" % (len(@PROBES@), pid), file=sys.stderr, flush=True)
    while not stopping:
        bpf.ring_buffer_poll(100)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            bpf.ring_buffer_consume()
            break
    lost = lost_events(bpf)
    print(json.dumps({"lost": lost}), flush=True)
    if lost:
        print("Lost %d events: the ring buffer was full" % lost, file=sys.stderr, flush=True)
    # Collecting `usdt` lowers the semaphores BCC raised in the process.
    del usdt


if __name__ == "__main__":
    main(sys.argv)
