"""gunicorn's sync worker with one write per answer: the same bytes, in the same order.

The socket wrapper is checked against a recording socket (what reaches the real socket, in
how many writes); the worker runs in a real gunicorn serving a small WSGI app (this module's
`app`) with every kind of answer gunicorn writes differently, and with a setting of its own
(a shorter request line) that the worker's copy of the settings must keep.
"""
import gc
import http.client
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from gunicorn.config import Config

from tests.smtp import free_port
from webapp.serving import SOCKET_CALLS, HeldFirstWrite, WorkerConfig

REPO = Path(__file__).resolve().parents[2]
BIG = b"x" * 300_000
REQUEST_LINE_LIMIT = 2048


class Recording:
    """A socket stand-in that records what is done to it."""

    def __init__(self):
        self.calls = []

    def sendall(self, data):
        self.calls.append(("sendall", bytes(data)))

    def fileno(self):
        self.calls.append(("fileno",))
        return 3

    def close(self):
        self.calls.append(("close",))

    def shutdown(self, how):
        self.calls.append(("shutdown", how))

    def settimeout(self, seconds):
        self.calls.append(("settimeout", seconds))

    def recv(self, size):
        self.calls.append(("recv", size))
        return b""


def test_head_and_body_leave_in_one_write():
    """The first write waits for the second and goes out in front of it; later ones pass."""
    sock = Recording()
    wrapped = HeldFirstWrite(sock)
    wrapped.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
    assert sock.calls == []
    wrapped.sendall(b"body")
    wrapped.sendall(b"more")
    assert sock.calls == [("sendall", b"HTTP/1.1 200 OK\r\n\r\nbody"), ("sendall", b"more")]


def test_a_held_write_goes_out_before_any_other_use_of_the_socket():
    """An answer without a body is sent before the socket is closed; a head before sendfile
    asks for the descriptor."""
    closed = Recording()
    wrapped = HeldFirstWrite(closed)
    wrapped.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
    wrapped.close()
    assert closed.calls == [("sendall", b"HTTP/1.1 204 No Content\r\n\r\n"), ("close",)]

    sent_file = Recording()
    wrapped = HeldFirstWrite(sent_file)
    wrapped.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
    assert wrapped.fileno() == 3
    assert sent_file.calls == [("sendall", b"HTTP/1.1 200 OK\r\n\r\n"), ("fileno",)]


def test_gunicorns_closing_calls_come_after_the_held_write():
    """gunicorn ends each connection with shutdown, a bounded read and close: an answer that
    is still held goes out first, and each call reaches the socket with its arguments."""
    sock = Recording()
    wrapped = HeldFirstWrite(sock)
    wrapped.sendall(b"HTTP/1.1 304 Not Modified\r\n\r\n")
    wrapped.shutdown(socket.SHUT_WR)
    wrapped.settimeout(2.0)
    assert wrapped.recv(4096) == b""
    wrapped.close()
    assert sock.calls == [("sendall", b"HTTP/1.1 304 Not Modified\r\n\r\n"),
                          ("shutdown", socket.SHUT_WR), ("settimeout", 2.0), ("recv", 4096),
                          ("close",)]
    assert {"shutdown", "settimeout", "recv", "close"} <= set(SOCKET_CALLS)
    assert all(name in vars(HeldFirstWrite) for name in SOCKET_CALLS)


def test_a_socket_with_nothing_unread_is_closed_at_once():
    """After an answer, a connection whose client sent nothing more is closed there and then
    (the client reads the answer and then the end); one with unread bytes is left open for
    gunicorn's lingering close, so the close cannot turn into a reset."""
    server_end, client_end = socket.socketpair()
    wrapped = HeldFirstWrite(server_end)
    wrapped.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
    wrapped.sendall(b"body")
    assert wrapped.close_if_done() is True
    assert server_end.fileno() == -1
    assert client_end.recv(100) == b"HTTP/1.1 200 OK\r\n\r\nbody" and client_end.recv(1) == b""
    client_end.close()

    server_end, client_end = socket.socketpair()
    client_end.sendall(b"GET /next HTTP/1.1\r\n")
    wrapped = HeldFirstWrite(server_end)
    wrapped.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
    assert wrapped.close_if_done() is False
    assert server_end.fileno() != -1
    assert client_end.recv(100) == b"HTTP/1.1 204 No Content\r\n\r\n"   # sent all the same
    assert server_end.recv(100) == b"GET /next HTTP/1.1\r\n"             # still unread
    server_end.close()
    client_end.close()


def test_a_workers_settings_are_the_configured_ones_as_plain_attributes():
    """Every setting reads as gunicorn's Config answers it, without reaching its __getattr__;
    a later set() is seen; the settings Config answers with properties stay properties."""
    cfg = Config()
    cfg.set("limit_request_line", REQUEST_LINE_LIMIT)
    cfg.set("workers", 2)
    settled = WorkerConfig(cfg)
    for name in cfg.settings:
        assert getattr(settled, name) == getattr(cfg, name), name
    assert "limit_request_line" in vars(settled) and "strip_header_spaces" in vars(settled)
    assert settled.limit_request_line == REQUEST_LINE_LIMIT
    assert not settled.is_ssl and settled.worker_class_str == cfg.worker_class_str
    settled.set("limit_request_line", 1000)
    settled.set("sendfile", False)
    assert settled.limit_request_line == 1000 and settled.sendfile is False
    with pytest.raises(AttributeError):
        settled.limit_request_line = 5          # read-only, as Config's settings are


def app(environ, start_response):
    """A WSGI app answering each way gunicorn writes differently, by path."""
    path = environ["PATH_INFO"]
    if path == "/json":
        body = b'{"ok": true}'
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    if path == "/empty":
        start_response("204 No Content", [])
        return []
    if path == "/stream":                   # no length: chunked, several writes
        start_response("200 OK", [("Content-Type", "text/plain")])
        return (f"part {n}\n".encode() for n in range(5))
    if path == "/big":
        start_response("200 OK", [("Content-Length", str(len(BIG)))])
        return [BIG]
    if path == "/file":                     # wsgi.file_wrapper: gunicorn's sendfile path
        start_response("200 OK", [("Content-Length", str(Path(__file__).stat().st_size))])
        return environ["wsgi.file_wrapper"](open(__file__, "rb"))
    if path == "/frozen":                   # objects kept out of the garbage collector's way
        body = str(gc.get_freeze_count()).encode()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]
    if path == "/echo":
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]
    raise RuntimeError("no such path")      # gunicorn's own 500 page


@contextmanager
def gunicorn(workers):
    """A real gunicorn with `workers` OneWriteSyncWorker processes serving `app`; its port
    once it accepts connections."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
         f"127.0.0.1:{port}",
         "--limit-request-line", str(REQUEST_LINE_LIMIT), "--log-level", "critical",
         "tests.integration.test_serving:app"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server():
    """gunicorn with two workers; its port."""
    with gunicorn(2) as port:
        yield port


@pytest.fixture(scope="module")
def one_worker():
    """gunicorn with a single worker, so a worker kept waiting keeps everybody waiting."""
    with gunicorn(1) as port:
        yield port


def fetch(port, method, path, body=None, headers=None):
    """(status, headers, body) of one request on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_the_repositorys_gunicorn_settings_choose_the_one_write_worker():
    """`gunicorn wsgi:app` started in the repository (make cluster, README) uses it."""
    shown = subprocess.run([sys.executable, "-m", "gunicorn", "--print-config", "wsgi:app"],
                           cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert re.search(r"^worker_class\s+= webapp\.serving\.OneWriteSyncWorker$", shown, re.M)


def test_answers_arrive_whole_in_every_form(server):
    """A JSON answer, a 204, a HEAD, a chunked stream, a large body, a sent file, an uploaded
    body with Expect: 100-continue and gunicorn's error page all arrive as the app made them."""
    assert fetch(server, "GET", "/json")[::2] == (200, b'{"ok": true}')
    status, headers, body = fetch(server, "GET", "/empty")
    assert (status, body) == (204, b"")
    status, headers, body = fetch(server, "HEAD", "/json")
    assert (status, headers["Content-Length"], body) == (200, "12", b"")
    status, headers, body = fetch(server, "GET", "/stream")
    assert (status, headers["Transfer-Encoding"]) == (200, "chunked")
    assert body == b"".join(f"part {n}\n".encode() for n in range(5))
    assert fetch(server, "GET", "/big")[::2] == (200, BIG)
    assert fetch(server, "GET", "/file")[::2] == (200, Path(__file__).read_bytes())
    upload = b"y" * 50_000
    assert fetch(server, "POST", "/echo", upload, {"Expect": "100-continue"})[::2] \
        == (200, upload)
    status, headers, body = fetch(server, "GET", "/boom")
    assert status == 500 and b"Internal Server Error" in body


def test_workers_keep_the_loaded_app_out_of_the_garbage_collectors_way(server):
    """gunicorn.conf.py freezes what a worker built while loading the app, so full collections
    do not walk it on every pass."""
    status, _, body = fetch(server, "GET", "/frozen")
    assert status == 200 and int(body) > 1000


def test_the_workers_keep_gunicorns_settings(server):
    """A request line over the configured limit is refused by the worker's parser; one under
    it is served."""
    status, _, body = fetch(server, "GET", "/json?" + "q" * (REQUEST_LINE_LIMIT + 10))
    assert status == 414 and b"too large" in body.lower()
    assert fetch(server, "GET", "/json?" + "q" * (REQUEST_LINE_LIMIT - 100))[::2] \
        == (200, b'{"ok": true}')


def test_a_worker_does_not_wait_for_a_client_that_keeps_its_end_open(one_worker):
    """Once a client has its whole answer, the worker serves the next connection even while
    that client has not closed its end (gunicorn alone would linger up to 2 s for it); the
    client reads the answer and then the end of the connection."""
    lingering = socket.create_connection(("127.0.0.1", one_worker), timeout=30)
    try:
        lingering.sendall(b"GET /json HTTP/1.1\r\nHost: test\r\n\r\n")
        received = b""
        while chunk := lingering.recv(4096):
            received += chunk
        assert received.startswith(b"HTTP/1.1 200 OK") and received.endswith(b'{"ok": true}')
        # The single worker is free at once: the next request is answered well inside the
        # 2 s gunicorn's lingering close would have kept the worker on the open connection.
        conn = http.client.HTTPConnection("127.0.0.1", one_worker, timeout=1.0)
        conn.request("GET", "/json")
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, b'{"ok": true}')
        conn.close()
    finally:
        lingering.close()


def test_an_answer_to_a_request_whose_body_was_not_read_arrives_whole(one_worker):
    """The app answers without reading the uploaded body: the worker keeps gunicorn's
    lingering close for that connection, so the answer is not cut off by a reset."""
    status, _, body = fetch(one_worker, "POST", "/json", b"z" * 50_000,
                            {"Content-Type": "application/octet-stream"})
    assert (status, body) == (200, b'{"ok": true}')
