"""An RQ worker for `bench.scale`: the production job functions plus the bench's no-op handler."""
import os

from rq.worker import SimpleWorker

from tasks import context
from tasks.queue import connect, parkops_queue
from webapp import create_app
from webapp.config import TestConfig


def bench_lookup(call):
    """A service handler that answers at once: the bench measures the machinery around it."""
    return {"looked_up": True}


def main():
    config = type("BenchWorkerConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"]})
    engine = create_app(config).extensions["parkops"]
    engine.services.add("bench_lookup", bench_lookup)
    context.use(engine)
    connection = connect(os.environ["REDIS_URL"], blocking=True)
    SimpleWorker([parkops_queue(connection)], connection=connection).work(logging_level="WARNING")


if __name__ == "__main__":
    main()
