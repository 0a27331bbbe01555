"""gunicorn's sync worker, sending each answer's head and body in one write and not waiting
for the client to hang up.

gunicorn writes an answer's head (status line and headers) and then its body with two socket
writes. On a keep-alive-less sync worker behind a proxy or on loopback, each write is a TCP
segment of its own, with its own trip through the kernel and a wake-up of the reader: a tenth
of the server's time per API call went into these writes. OneWriteSyncWorker hands gunicorn a
client socket that holds the first write back until the next one, or until gunicorn uses the
socket in any other way (reads, sendfile, shutdown, close), and then sends both together. What
goes on the wire, and in what order, is unchanged; an answer without a body (HEAD, 204, 304) or
a gunicorn error page goes out when the connection closes, as before.

Once an answer is out, the worker closes the connection at once when it has read the whole
request and nothing more has arrived: the kernel then ends the connection with a FIN and the
answer arrives whole. gunicorn always lingers, reading until the client closes its end (up to
2 s), which protects an answer only when the client may still be sending (a body the app did
not read, a request behind this one); in every other case it keeps a sync worker, which serves
one connection at a time, waiting on the client instead of serving the next one: 9 % of the
workers' time under `python -m bench.http` (py-spy). Those other cases keep gunicorn's linger,
as nginx lingers only then (its `lingering_close on`).

The worker also reads its settings as plain attributes (WorkerConfig), and the socket calls
gunicorn makes on every connection are methods of the wrapper. Both were reached through a
`__getattr__`, which Python calls only after its ordinary lookup has failed: ~35 such reads
per request at ~6,400 instructions each (callgrind): 0.7-1.6 M of the 18-20 M instructions
an API lifecycle (four requests) cost the workers.

`gunicorn.conf.py` at the top of the repository selects it, so `gunicorn wsgi:app` started
there uses it. TLS connections (gunicorn's certfile setting) keep gunicorn's own socket.
"""
import socket

from gunicorn.config import Config
from gunicorn.workers.sync import SyncWorker

# What gunicorn does with every client socket besides writing: read the request, bound the
# wait for the client's end of the connection, close it.
SOCKET_CALLS = ("recv", "recv_into", "send", "settimeout", "gettimeout", "setblocking",
                "shutdown", "close")


class HeldFirstWrite:
    """A client socket whose first sendall() waits for the next one to go out with it."""

    def __init__(self, sock):
        self._sock = sock
        self._held = None
        self._first = True

    def sendall(self, data):
        """Hold the first write; send it in front of the second."""
        if self._first:
            self._first = False
            self._held = bytes(data)
            return
        if self._held is not None:
            data, self._held = self._held + data, None
        self._sock.sendall(data)

    def flush(self):
        """Send a held write now."""
        if self._held is not None:
            held, self._held = self._held, None
            self._sock.sendall(held)

    def close_if_done(self):
        """Close now if the client has sent nothing unread (True); else leave the socket to
        gunicorn's lingering close (False)."""
        self.flush()
        try:
            if self._sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT):
                return False            # unread bytes: a close now would answer with a reset
        except BlockingIOError:
            pass                        # nothing waiting (b"": the client closed already)
        except OSError:
            return False
        self._sock.close()
        return True

    def __getattr__(self, name):
        # Any other use of the socket (fileno for sendfile, getpeername...) comes after what
        # was written before it.
        self.flush()
        return getattr(self._sock, name)


def _after_held_write(name):
    """The socket method `name`, called once a held write has gone out."""
    def call(self, *args, **kwargs):
        self.flush()
        return getattr(self._sock, name)(*args, **kwargs)
    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"socket.{name}, after the held write."
    return call


for _name in SOCKET_CALLS:
    setattr(HeldFirstWrite, _name, _after_held_write(_name))


class WorkerConfig(Config):
    """One worker's gunicorn settings, each one an ordinary attribute.

    gunicorn's Config answers `cfg.limit_request_line` from its `__getattr__`; its parser and
    worker read ~30 settings per request that way (strip_header_spaces for every header line,
    certfile and keyfile for every is_ssl). A worker's settings are those of the moment it was
    made (a reload makes new workers), so their values are copied here once; set() keeps the
    copy current all the same. The settings that Config answers with a property of the same
    name (worker_class, sendfile...) stay properties.
    """

    def __init__(self, cfg):     # a copy of cfg: Config.__init__ would make new settings
        values = vars(self)
        values.update(vars(cfg))
        for name, setting in self.settings.items():
            if not isinstance(getattr(Config, name, None), property):
                values[name] = setting.get()

    def set(self, name, value):
        super().set(name, value)
        if not isinstance(getattr(Config, name, None), property):
            vars(self)[name] = self.settings[name].get()


class OneWriteSyncWorker(SyncWorker):
    """gunicorn's sync worker whose answers leave in one write (see the module docstring)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cfg = WorkerConfig(self.cfg)

    def handle(self, listener, client, addr):
        if not self.cfg.is_ssl:
            client = HeldFirstWrite(client)
        return super().handle(listener, client, addr)

    def handle_request(self, listener, req, client, addr):
        super().handle_request(listener, req, client, addr)
        # The answer is out. gunicorn's close that follows (shutdown, reads, close) finds the
        # socket closed and stops at once.
        if isinstance(client, HeldFirstWrite) and read_whole(req):
            client.close_if_done()


def read_whole(req):
    """Whether gunicorn has read all of `req`'s body: one of known length read to its end.
    A chunked body or one running to the end of the connection counts as unread."""
    reader = getattr(getattr(req, "body", None), "reader", None)
    return getattr(reader, "length", None) == 0
