"""The `plate_lookup` service handler the cluster tests' diagrams call, in every process.

Its behaviour follows the instance's `mode` variable, so a test decides what a worker goes
through: `quick` answers at once; `hang_once` writes the worker's pid to `marker` and hangs
on its first attempt (the test SIGKILLs that worker), answering on later ones; `kill` kills
its own worker process on every attempt (a poison job).
"""
import os
import signal
import time
from pathlib import Path


def plate_lookup(call):
    """Answer {"owner": "known"}, after what `mode` asks the worker to go through."""
    mode = call.variables.get("mode", "quick")
    if mode == "hang_once" and call.attempt == 1:
        Path(call.variables["marker"]).write_text(str(os.getpid()))
        time.sleep(120)
    elif mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    return {"owner": "known"}


def register(services):
    """Add the handlers to an engine's ServiceRegistry."""
    services.add("plate_lookup", plate_lookup)
