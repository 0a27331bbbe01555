"""`make cluster` / `make cluster-stop`: the production layout on one machine.

    python -m tasks.clusterctl start [--port 8000]
    python -m tasks.clusterctl stop

PostgreSQL and Redis (Debian binaries) keep their data in .cluster/; then `flask init --demo`,
gunicorn with 2 workers, 2 `rq worker` processes and the scheduler start in the background,
each with a pid file and a log in .cluster/. The same processes spread over machines are
described in the README ("Production").
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .localcluster import Postgres, Redis, _kill_pidfile, free_port, missing_binaries

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / ".cluster"
BIN = Path(sys.executable).parent
STATE = HOME / "cluster.json"


def start(port):
    """Start everything; prints the URL."""
    missing = missing_binaries()
    if missing:
        sys.exit(f"error: install {' '.join(missing)} first (apt-get install {' '.join(missing)})")
    if STATE.exists():
        stop()
    HOME.mkdir(exist_ok=True)
    pg = Postgres(HOME, free_port()).start()
    redis = Redis(HOME, free_port()).start()
    STATE.write_text(json.dumps({"pg_port": pg.port, "redis_port": redis.port}))
    env = dict(os.environ, DATABASE_URL=pg.url, REDIS_URL=redis.url,
               PARKOPS_ENV="production", PARKOPS_BASE_URL=f"http://127.0.0.1:{port}",
               SECRET_KEY=os.environ.get("SECRET_KEY") or os.urandom(24).hex(),
               PARKOPS_LOG_FORMAT="json")
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", "init", "--demo"], cwd=ROOT, env=env,
                   check=True)
    _background("web", [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                        "wsgi:app"], env)
    for n in (1, 2):
        _background(f"worker{n}", [str(BIN / "rq"), "worker", "--url", redis.url,
                                   "--worker-class", "rq.worker.SimpleWorker", "parkops"], env)
    _background("scheduler", [str(BIN / "flask"), "--app", "wsgi", "scheduler"], env)
    time.sleep(2)
    print(f"ParkOps cluster: http://127.0.0.1:{port}/  (health: /healthz, metrics: /metrics)")
    print(f"  PostgreSQL {pg.url}\n  Redis      {redis.url}\n  logs and data in {HOME}/")
    print("  stop it with: make cluster-stop")


def _background(name, argv, env):
    log = open(HOME / f"{name}.log", "ab")
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=log,
                               start_new_session=True)
    (HOME / f"{name}.pid").write_text(str(process.pid))


def stop():
    """Stop the app processes, then Redis and PostgreSQL; data stays in .cluster/."""
    for pidfile in sorted(HOME.glob("*.pid")):
        _kill_pidfile(pidfile, signal.SIGTERM, timeout=15)
        pidfile.unlink(missing_ok=True)
    if STATE.exists():
        state = json.loads(STATE.read_text())
        Redis(HOME, state["redis_port"]).stop()
        Postgres(HOME, state["pg_port"]).stop()
        STATE.unlink()
    print("ParkOps cluster stopped (data kept in .cluster/)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("start", "stop"))
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    start(args.port) if args.command == "start" else stop()


if __name__ == "__main__":
    main()
