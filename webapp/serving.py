"""gunicorn's sync worker, sending each answer's head and body in one write.

gunicorn writes an answer's head (status line and headers) and then its body with two socket
writes. On a keep-alive-less sync worker behind a proxy or on loopback, each write is a TCP
segment of its own, with its own trip through the kernel and a wake-up of the reader: a tenth
of the server's time per API call went into these writes. OneWriteSyncWorker hands gunicorn a
client socket that holds the first write back until the next one, or until gunicorn uses the
socket in any other way (reads, sendfile, shutdown, close), and then sends both together. What
goes on the wire, and in what order, is unchanged; an answer without a body (HEAD, 204, 304) or
a gunicorn error page goes out when the connection closes, as before.

`gunicorn.conf.py` at the top of the repository selects it, so `gunicorn wsgi:app` started
there uses it. TLS connections (gunicorn's certfile setting) keep gunicorn's own socket.
"""
from gunicorn.workers.sync import SyncWorker


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

    def __getattr__(self, name):
        # Any other use of the socket (recv, send, fileno for sendfile, shutdown, close...)
        # comes after what was written before it.
        self.flush()
        return getattr(self._sock, name)


class OneWriteSyncWorker(SyncWorker):
    """gunicorn's sync worker whose answers leave in one write (see the module docstring)."""

    def handle(self, listener, client, addr):
        if not self.cfg.is_ssl:
            client = HeldFirstWrite(client)
        return super().handle(listener, client, addr)
