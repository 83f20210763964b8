"""Training the technique model: the worker processes that train ensemble members."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time

import psutil

SCRIPT = """
import time
from newswatch.enrich.technique_training import LabelledText, Members

texts = [LabelledText("1", "They are traitors and thugs.", (("Name_Calling,Labeling", 9, 17),))]
with Members(texts, members=2, epochs=1) as members:
    busy = [members.pool.submit(time.sleep, 600) for _ in range(2)]
    print("busy", flush=True)
    busy[0].result()
"""


def test_training_workers_stop_when_the_command_is_killed():
    command = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, text=True)
    workers: list[psutil.Process] = []
    try:
        assert command.stdout is not None and command.stdout.readline().strip() == "busy"
        workers += [p for p in psutil.Process(command.pid).children()
                    if "spawn_main" in " ".join(p.cmdline())]  # fmt: skip
        assert len(workers) == 2
        time.sleep(2)  # both workers are in their 600-second task
        command.send_signal(signal.SIGKILL)
        command.wait()
        _, alive = psutil.wait_procs(workers, timeout=20)
        assert alive == []
    finally:
        command.kill()
        for worker in workers:
            with contextlib.suppress(psutil.NoSuchProcess):
                worker.kill()
