"""SMTP delivery with the standard library: one connection per message, nothing queued here."""
import smtplib
import ssl
from dataclasses import dataclass

from . import defaults


@dataclass(frozen=True)
class MailSettings:
    """Where and how to hand mail to an SMTP server; an empty host means mail is off."""

    host: str | None = None
    port: int = defaults.SMTP_PORT
    sender: str = defaults.SENDER
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = defaults.SMTP_TIMEOUT_S

    @property
    def enabled(self):
        """True when a server is configured."""
        return bool(self.host)


def send(settings, message, recipients):
    """Send `message` to `recipients`; returns {address: reason} for those the server refused.

    Raises (OSError, smtplib.SMTPException) when nothing could be delivered, so that the
    engine counts a lost attempt and tries again later.
    """
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        refused = smtp.send_message(message, from_addr=settings.sender, to_addrs=recipients)
    return {address: f"{code} {reply.decode(errors='replace')}"
            for address, (code, reply) in refused.items()}
