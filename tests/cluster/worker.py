"""An RQ worker process for the cluster tests: the production job functions and queue, with
the tests' service handlers registered. Run as `python -m tests.cluster.worker`.

DATABASE_URL and REDIS_URL come from the environment, like `rq worker` in production. With
WORKER_GATE set the worker starts up, then takes no job until that file exists.
"""
import os
import time
from pathlib import Path

from rq.worker import SimpleWorker

from tasks import context
from tasks.queue import connect, parkops_queue
from tests.cluster import handlers
from webapp import create_app
from webapp.config import TestConfig


def main():
    """Build the engine once, then work the ParkOps queue until stopped."""
    config = type("WorkerConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"]})
    engine = create_app(config).extensions["parkops"]
    handlers.register(engine.services)
    context.use(engine)
    connection = connect(os.environ["REDIS_URL"], blocking=True)
    worker = SimpleWorker([parkops_queue(connection)], connection=connection)
    if os.environ.get("WORKER_READY_DIR"):     # tell the test this process can take work now
        Path(os.environ["WORKER_READY_DIR"], f"{os.getpid()}.ready").touch()
    gate = os.environ.get("WORKER_GATE")
    while gate and not Path(gate).exists():    # started ahead of time: wait for the test's go
        time.sleep(0.05)
    worker.work(logging_level="WARNING")


if __name__ == "__main__":
    main()
