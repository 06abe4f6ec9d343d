#
# Decoders for the events of @C_FILE@ (BCC), and a logger:
#   /usr/bin/python3 @MODULE@ PID
# attaches @C_FILE@ to the `@PROVIDER@` tracepoints of process PID and prints one JSON
# object per event, {"tracepoint": "@PROVIDER@:...", "args": {...}}, and on exit
# {"lost": N}: the events the full ring buffer dropped. Run as root; stop it
# with Ctrl-C or SIGTERM (not SIGKILL: only BCC's own cleanup lowers the
# semaphores it raised in the process).
#   /usr/bin/python3 @MODULE@ PID --write FILE
# decodes nothing while tracing: it appends each ring-buffer record to FILE
# as it came and prints only {"lost": N}; then
#   /usr/bin/python3 @MODULE@ --read FILE
# prints the lines the logger would have. FILE is the record file of
# net-tracer --write: the line "tracepoints records 1", the provider's name
# on a line, a little-endian u32 length and the bytes of each record, and
# last the length 0xffffffff and the lost count as a little-endian u64.
# BCC raises the probes' semaphores when it enables them, before BPF() has
# attached anything: the line "Attached" on stderr says it is ready.

import ctypes
import json
import os
import signal
import stat
import struct
import sys
import tempfile

