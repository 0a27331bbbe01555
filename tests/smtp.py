"""A real SMTP server (aiosmtpd) on loopback for the tests that send mail."""
import email
import email.policy
import socket

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

SMTP_LOGIN = ("mailer", "s3cret")      # what a server started with require_login accepts


class Inbox:
    """aiosmtpd handler keeping every accepted message as (envelope recipients, parsed mail)."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        """Accept the message and keep it."""
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((sorted(envelope.rcpt_tos), mail))
        return "250 Message accepted for delivery"

    def deliveries(self):
        """How many messages each address received."""
        counts = {}
        for rcpt_tos, _mail in self.received:
            for address in rcpt_tos:
                counts[address] = counts.get(address, 0) + 1
        return counts


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = (auth_data.login.decode(), auth_data.password.decode()) == SMTP_LOGIN
    return AuthResult(success=ok, handled=False)


class SmtpServer:
    """A real SMTP server on a fixed loopback port that a test may stop and start again."""

    def __init__(self, port, require_login=False):
        self.port = port
        self.inbox = Inbox()
        self.require_login = require_login
        self._controller = None

    def start(self):
        """Listen on the port (a fresh controller each time: a stopped one cannot restart)."""
        extra = {"authenticator": _authenticate, "auth_require_tls": False,
                 "auth_required": True} if self.require_login else {}
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port,
                                      ready_timeout=5, **extra)
        self._controller.start()

    def stop(self):
        """Stop listening: connections to the port are refused until start() again."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def free_port():
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
