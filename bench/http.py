"""HTTP benchmark: the app under gunicorn (2 workers), 8 clients driving the JSON API.

Run `python -m bench.http` (`--quick` for a smoke run). Each lifecycle is start -> list queue
-> claim -> complete over HTTP. The database is a fresh SQLite file, or the PostgreSQL database
named by DATABASE_URL when it is set (use a scratch database: the tables are created from the
models and stamped as the newest migration).
"""

import argparse
import itertools
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]
DIAGRAM = REPO / "tests" / "data" / "bpmn" / "claim_review.bpmn"
KEY, TENANT = "claim_review", "demo"
STARTER, WORKER = "designer", "agent"          # demo users: password = user name
START_VARS = {"amount": 12_000}
DONE_VARS = {"approved": True, "note": "looks fine"}
WORKERS, CLIENTS, WARMUP_PER_CLIENT = 2, 8, 2
# gthread workers keep connections alive and never sit waiting for a client to hang up; a sync
# worker closes every connection and lingers until the client has read the answer and closed.
THREADS = 0
TARGET_RATE, TARGET_P95_MS = 150.0, 100.0
STOLEN_WARNING = 0.05           # stolen CPU time above which a run says others slowed it
LOCKED = b"database is locked"
RUN_ID = itertools.count(1)


def parse_args(argv):
    """Command-line options; --quick is a smoke run."""
    parser = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__)
    parser.add_argument("--n", type=int, default=400, help="lifecycles to measure")
    parser.add_argument("--clients", type=int, default=CLIENTS, help="concurrent clients")
    parser.add_argument("--quick", action="store_true", help="80 lifecycles")
    parser.add_argument("--threads", type=int, default=THREADS,
                        help="threads per worker (gthread workers); 0 for sync workers")
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn worker processes")
    args = parser.parse_args(argv)
    if args.quick:
        args.n = 80
    return args


# -- the server ------------------------------------------------------------------------------
def free_port():
    """A TCP port nobody listens on right now on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(workdir):
    """Environment of flask/gunicorn: our database, a throwaway secret, no stray config."""
    env = dict(os.environ, SECRET_KEY=secrets.token_hex(32), PARKOPS_ENV="development")
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'parkops.db'}")
    env.pop("PARKOPS_TENANT", None)
    return env


def flask(env, *args):
    """Run one `flask --app wsgi` command; exit with its output when it fails."""
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")


# The schema straight from the models, then marked as the newest migration, so the benchmark
# measures today's models even while the Alembic revisions lag behind them (create_all only
# adds missing tables: point DATABASE_URL at a scratch database).
CREATE_ALL = ("from wsgi import app; from webapp.extensions import db\n"
              "with app.app_context(): db.create_all()")


def prepare_database(env):
    """Create the schema and demo users, and deploy the benchmark diagram."""
    done = subprocess.run([sys.executable, "-c", CREATE_ALL], cwd=REPO, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"create_all failed:\n{done.stderr}")
    flask(env, "db", "stamp", "head")
    flask(env, "init", "--demo")
    flask(env, "deploy", "--tenant", TENANT, str(DIAGRAM))


def worker_options(threads):
    """gunicorn options for the worker class: gthread with `threads` threads, or (0) the sync
    workers of gunicorn.conf.py, as production runs them (webapp.serving)."""
    if threads <= 0:
        return []
    # Idle connections stay open longer than any pause of the clients (gunicorn's default: 2 s).
    return ["--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "30"]


def start_gunicorn(env, port, workdir, threads=THREADS, workers=WORKERS):
    """Start gunicorn with `workers` workers; return the process once it answers."""
    log = open(workdir / "gunicorn.log", "wb")
    cmd = [sys.executable, "-m", "gunicorn", "--workers", str(workers), *worker_options(threads),
           "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited with {proc.returncode}; see {workdir / 'gunicorn.log'}")
        try:
            status, _ = Client(port).request("GET", "/api/v1/openapi.json")
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    stop_gunicorn(proc)
    sys.exit("gunicorn did not answer within 60 s")


def server_cpu_seconds(proc):
    """CPU seconds (user + system) used so far by the gunicorn master and its workers.

    Read from /proc (Linux); None elsewhere. On a machine shared with other work this is the
    stable figure: wall-clock throughput there depends on how much CPU the others leave.
    """
    try:
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # fields[1] is the parent pid; fields[11], fields[12] are utime and stime.
            if int(entry.name) == proc.pid or int(fields[1]) == proc.pid:
                total += int(fields[11]) + int(fields[12])
        return total / tick
    except (OSError, ValueError, IndexError):
        return None


def cpu_times():
    """(stolen, total) time of all the machine's CPUs so far, in clock ticks, from /proc/stat
    (Linux); None elsewhere. Stolen time is what the hypervisor gave other virtual machines
    while this one had work: where it is large, every figure of the run is slowed by others."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        values = [int(value) for value in fields[1:9]]   # user ... steal
    except (OSError, ValueError):
        return None
    return values[7], sum(values)


def stop_gunicorn(proc):
    """Ask the gunicorn master to stop (it stops its workers); kill it if it lingers."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- the clients -----------------------------------------------------------------------------
class Client:
    """One simulated browser's HTTP/1.1 connection to the app, written for little client CPU.

    The clients share the machine with the server, so every millisecond they spend is one the
    server cannot: requests are written as bytes and answers read by Content-Length over a
    plain socket (http.client parses headers with the email package, several times dearer),
    JSON with orjson (the json module took 50 µs to read a queue page).
    A connection the server closes (sync workers close every one) is reopened on the next
    request; one kept alive (gthread workers) is reused.
    """

    def __init__(self, port):
        self.port, self.sock, self.buffer = port, None, b""

    def request(self, method, path, body=None, token=None):
        """Send one request; return (status, raw body)."""
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                "Accept: application/json"]
        if token:
            head.append(f"Authorization: Bearer {token}")
        data = b""
        if body is not None:
            data = orjson.dumps(body)
            head += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
        message = ("\r\n".join(head) + "\r\n\r\n").encode() + data
        try:
            if self.sock is None:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
                self.buffer = b""
            self.sock.sendall(message)
            return self._answer()
        except OSError:
            self.close()
            raise

    def _answer(self):
        while b"\r\n\r\n" not in self.buffer:
            self._receive()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
        length = int(headers.get("content-length", -1))
        if length < 0:                       # no length: the body runs until the server closes
            while self._receive(allow_eof=True):
                pass
            length = len(self.buffer)
        while len(self.buffer) < length:
            self._receive()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def _receive(self, allow_eof=False):
        chunk = self.sock.recv(65536)
        if not chunk and not allow_eof:
            raise ConnectionResetError("the server closed the connection mid-answer")
        self.buffer += chunk
        return bool(chunk)

    def close(self):
        """Drop the connection (the next request opens a new one)."""
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer = None, b""


def token(port, username):
    """A bearer token for a demo user."""
    status, body = Client(port).request("POST", "/api/v1/token",
                                        {"username": username, "password": username,
                                         "tenant": TENANT})
    if status != 200:
        sys.exit(f"token for {username}: HTTP {status} {body[:200]!r}")
    return orjson.loads(body)["token"]


class Stats:
    """Latencies per request type and failed requests, shared by the client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.failures = defaultdict(int)
        self.locked = 0
        self.examples = []
        self.lifecycles = 0

    def record(self, kind, seconds, status, body):
        """Count one answer; anything but 2xx is a failure (kept as an example)."""
        with self.lock:
            self.latencies[kind].append(seconds)
            if not 200 <= status < 300:
                self.failures[kind] += 1
                self.locked += LOCKED in body
                if len(self.examples) < 5:
                    self.examples.append(f"{kind}: HTTP {status} {body[:160]!r}")


class Worker:
    """One simulated user: starts instances, finds their task in the queue, claims, completes."""

    def __init__(self, number, port, tokens, stats):
        self.number, self.client, self.tokens, self.stats = number, Client(port), tokens, stats

    def call(self, kind, method, path, body=None, as_user=WORKER):
        """One timed request; returns the decoded JSON (None when it failed)."""
        began = time.perf_counter()
        try:
            status, raw = self.client.request(method, path, body, self.tokens[as_user])
        except (OSError, ValueError) as exc:
            status, raw = 599, repr(exc).encode()
        self.stats.record(kind, time.perf_counter() - began, status, raw)
        return orjson.loads(raw) if 200 <= status < 300 and raw else None

    def lifecycle(self, serial):
        """start -> queue -> claim -> complete for one new instance; True when all succeeded."""
        business_key = f"BENCH-{self.number}-{serial}"
        started = self.call("start", "POST", "/api/v1/instances",
                            {"process_key": KEY, "business_key": business_key,
                             "variables": START_VARS}, as_user=STARTER)
        if started is None:
            return False
        task_id = self.find_task(business_key, started["id"])
        if task_id is None:
            return False
        if self.call("claim", "POST", f"/api/v1/tasks/{task_id}/claim", {}) is None:
            return False
        return self.call("complete", "POST", f"/api/v1/tasks/{task_id}/complete",
                         {"variables": DONE_VARS}) is not None

    def find_task(self, business_key, instance_id):
        """The open task of my instance: from the queue, else from the instance itself."""
        queue = self.call("queue", "GET", "/api/v1/tasks?view=queue")
        for task in (queue or {}).get("tasks", []):
            if task["business_key"] == business_key:
                return task["id"]
        # Not on page 1 (many open tasks): ask the instance, as a monitor may.
        found = self.call("instance", "GET", f"/api/v1/instances/{instance_id}",
                          as_user=STARTER)
        tasks = (found or {}).get("open_tasks", [])
        return tasks[0]["id"] if tasks else None


def drive(port, tokens, clients, n):
    """Run n lifecycles spread over `clients` threads; returns (Stats, elapsed seconds)."""
    stats, serials, run = Stats(), itertools.count(1), next(RUN_ID)
    serial_lock = threading.Lock()

    def loop(worker):
        while True:
            with serial_lock:
                serial = next(serials)
            if serial > n:
                return
            if worker.lifecycle(f"{run}-{serial}"):
                with stats.lock:
                    stats.lifecycles += 1

    workers = [Worker(i, port, tokens, stats) for i in range(1, clients + 1)]
    threads = [threading.Thread(target=loop, args=(w,)) for w in workers]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stats, time.perf_counter() - began


# -- the report ------------------------------------------------------------------------------
def percentile(values, fraction):
    """The value at `fraction` of the sorted values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def report(stats, elapsed, n, label):
    """Print throughput, latency per request type and failures; return True when on target."""
    rate = stats.lifecycles / elapsed if elapsed else 0.0
    print(f"database: {label}")
    print(f"lifecycles: {stats.lifecycles}/{n} in {elapsed:.2f} s = {rate:.1f} lifecycles/s "
          f"(target >= {TARGET_RATE:.0f})")
    print(f"{'request':<10}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'failed':>8}")
    worst = 0.0
    for kind in ("start", "queue", "instance", "claim", "complete"):
        values = stats.latencies.get(kind)
        if not values:
            continue
        p50, p95 = percentile(values, 0.50) * 1e3, percentile(values, 0.95) * 1e3
        worst = max(worst, p95)
        print(f"{kind:<10}{len(values):>7}{p50:>9.1f}{p95:>9.1f}{max(values) * 1e3:>9.1f}"
              f"{stats.failures.get(kind, 0):>8}")
    failed = sum(stats.failures.values())
    print(f"failed requests: {failed} ('database is locked': {stats.locked})")
    for example in stats.examples:
        print(f"  e.g. {example}")
    ok = rate >= TARGET_RATE and worst < TARGET_P95_MS and failed == 0
    print(f"targets (>= {TARGET_RATE:.0f}/s, p95 < {TARGET_P95_MS:.0f} ms, 0 failed): "
          f"{'met' if ok else 'MISSED'}")
    return ok


def report_cpu(lifecycles, server_s, client_s, elapsed, ticks=None):
    """CPU per lifecycle of the server and of these clients, and what it allows on idle cores.

    The ceiling is the machine's cores divided by the CPU one lifecycle needs (server and
    clients together, as they share the machine); the load average says how much of the
    machine other work took during the run, `ticks` ((stolen, total) CPU ticks of the run)
    how much the hypervisor gave to other virtual machines.
    """
    server_ms, client_ms = server_s / lifecycles * 1e3, client_s / lifecycles * 1e3
    cores = os.cpu_count() or 1
    ceiling = cores * 1e3 / (server_ms + client_ms) if server_ms + client_ms else 0.0
    share = (server_s + client_s) / elapsed / cores if elapsed else 0.0
    print(f"CPU per lifecycle: server {server_ms:.1f} ms, clients {client_ms:.1f} ms; "
          f"ceiling on {cores} idle cores: {ceiling:.0f} lifecycles/s "
          f"(this run used {share:.0%} of the cores; load average {os.getloadavg()[0]:.1f})")
    if ticks is not None and ticks[1] > 0:
        stolen = ticks[0] / ticks[1]
        print(f"stolen by the hypervisor: {stolen:.0%} of the cores' time"
              + (" (other virtual machines slowed this run: measure again when it is near 0 %)"
                 if stolen >= STOLEN_WARNING else ""))


def print_server_errors(log_path, lines=12):
    """The end of gunicorn's log, where the tracebacks of 500 answers are."""
    tail = log_path.read_text(errors="replace").splitlines()[-lines:]
    print("gunicorn log (last lines):")
    for line in tail:
        print(f"  {line}")


def database_label(env):
    """The database in use, without its password."""
    url = env["DATABASE_URL"]
    return url.split("://", 1)[0] + "://" + url.rsplit("@", 1)[-1].split("://")[-1]


def main(argv=None):
    """Prepare the database, start gunicorn, drive the clients, print figures, stop gunicorn."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="parkops-bench-http-") as tmp:
        workdir = Path(tmp)
        env = server_env(workdir)
        prepare_database(env)
        port = free_port()
        proc = start_gunicorn(env, port, workdir, args.threads, args.workers)
        try:
            tokens = {user: token(port, user) for user in (STARTER, WORKER)}
            drive(port, tokens, args.clients, args.clients * WARMUP_PER_CLIENT)
            server_before, client_before = server_cpu_seconds(proc), time.process_time()
            ticks_before = cpu_times()
            stats, elapsed = drive(port, tokens, args.clients, args.n)
            server_after, client_after = server_cpu_seconds(proc), time.process_time()
            ticks_after = cpu_times()
        finally:
            stop_gunicorn(proc)
        kind = (f"gthread x {args.threads} threads" if args.threads > 0
                else "sync (one write per answer: gunicorn.conf.py)")
        print(f"gunicorn: {args.workers} {kind} workers on 127.0.0.1:{port}; "
              f"{args.clients} clients; {os.cpu_count()} CPUs")
        ok = report(stats, elapsed, args.n, database_label(env))
        if server_before is not None and stats.lifecycles:
            ticks = (None if ticks_before is None or ticks_after is None else
                     (ticks_after[0] - ticks_before[0], ticks_after[1] - ticks_before[1]))
            report_cpu(stats.lifecycles, server_after - server_before,
                       client_after - client_before, elapsed, ticks)
        if sum(stats.failures.values()):
            print_server_errors(workdir / "gunicorn.log")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
