"""PostgreSQL and Redis servers on loopback ports, in a folder of our own.

Used by `make cluster`, the production tests and `python -m bench.scale`: Debian's
`postgresql` and `redis-server` binaries, data kept in a directory we name, nothing touching
the system's own clusters. PostgreSQL refuses to run as root, so as root its commands run as
the `postgres` user (through runuser) on a directory handed over to it.
"""
import glob
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

PG_USER = "parkops"
PG_DATABASE = "parkops"
START_TIMEOUT_S = 30


def free_port():
    """A TCP port nobody listens on at the moment, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin():
    """Directory of Debian's PostgreSQL server binaries (newest version), or None."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                      key=lambda p: int(Path(p).parent.parent.name))
    return Path(versions[-1]).parent if versions else None


def redis_bin():
    """Path of redis-server, or None."""
    found = shutil.which("redis-server")
    return Path(found) if found else None


def missing_binaries():
    """Names of the server programs this machine lacks."""
    return ([] if postgres_bin() else ["postgresql"]) + ([] if redis_bin() else ["redis-server"])


def _as_server_user(argv):
    """Run as `postgres` when we are root (the server refuses root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


def _hand_over(path):
    """Let the postgres user own `path` (and reach it) when we are root."""
    if os.geteuid() != 0:
        return
    shutil.chown(path, "postgres", "postgres")
    for parent in Path(path).resolve().parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:           # others may not traverse: let them traverse only
            parent.chmod(mode | 0o001)


class Postgres:
    """One PostgreSQL cluster in `root/pg` on 127.0.0.1:`port`."""

    def __init__(self, root, port, fast=False):
        self.root = Path(root)
        self.data = self.root / "pg"
        self.port = port
        self.fast = fast          # no fsync: for throw-away test clusters only
        self.bin = postgres_bin()

    @property
    def url(self):
        """SQLAlchemy URL of the ParkOps database."""
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/{PG_DATABASE}"

    def admin_url(self, database="postgres"):
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def start(self):
        """initdb on first use, start the server, create the database; returns self."""
        self.root.mkdir(parents=True, exist_ok=True)
        if not (self.data / "PG_VERSION").exists():
            self.data.mkdir(parents=True, exist_ok=True)
            _hand_over(self.data)
            self._run("initdb", "-D", str(self.data), "-U", PG_USER, "--auth=trust",
                      "-E", "UTF8", "--no-sync", "--locale=C")
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
        options += " -c max_connections=200"
        if self.fast:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l",
                  str(self.data / "server.log"), "-w", "-t", str(START_TIMEOUT_S), "start")
        self._create_database()
        return self

    def stop(self):
        """Stop the server (fast shutdown); quiet when it is not running."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def _create_database(self):
        import psycopg

        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (PG_DATABASE,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')

    def _run(self, program, *args, check=True):
        argv = _as_server_user([str(self.bin / program), *args])
        done = subprocess.run(argv, capture_output=True, text=True)
        if check and done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): "
                               f"{done.stderr.strip() or done.stdout.strip()}")
        return done


class Redis:
    """One redis-server in `root/redis` on 127.0.0.1:`port`, without persistence."""

    def __init__(self, root, port):
        self.dir = Path(root) / "redis"
        self.port = port
        self.pidfile = self.dir / "redis.pid"

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        """Start it daemonized and wait until it answers; returns self."""
        self.dir.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(redis_bin()), "--port", str(self.port), "--bind", "127.0.0.1",
                        "--dir", str(self.dir), "--save", "", "--appendonly", "no",
                        "--daemonize", "yes", "--pidfile", str(self.pidfile),
                        "--logfile", str(self.dir / "redis.log")], check=True)
        _wait_for_port(self.port)
        return self

    def stop(self):
        """Stop the server; quiet when it is not running."""
        _kill_pidfile(self.pidfile)


def _wait_for_port(port, timeout=START_TIMEOUT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port} after {timeout}s")


def _kill_pidfile(pidfile, sig=signal.SIGTERM, timeout=10):
    """Signal the process named in `pidfile` and wait for it to end."""
    try:
        pid = int(Path(pidfile).read_text().strip())
    except (FileNotFoundError, ValueError):
        return
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
