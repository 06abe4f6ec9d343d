#
# Decoders for the events of @C_FILE@ (BCC), and a logger:
#   /usr/bin/python3 @MODULE@ PID
# attaches @C_FILE@ to the `@PROVIDER@` tracepoints of process PID and prints one JSON
# object per event, {"tracepoint": "@PROVIDER@:...", "args": {...}}, and on exit
# {"lost": N}: the events the full ring buffer dropped. Run as root; stop it
# with Ctrl-C or SIGTERM (not SIGKILL: only BCC's own cleanup lowers the
# semaphores it raised in the process).
# BCC raises the probes' semaphores when it enables them, before BPF() has
# attached anything: the line "Attached" on stderr says it is ready.

import ctypes
import json
import os
import signal
import sys

