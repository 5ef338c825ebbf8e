"""Outgoing e-mail: SMTP when LATURI_SMTP_URL is set, otherwise .eml files in the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib
from jinja2 import Environment

from laturi.config import Settings
from laturi.errors import MailFailed

log = logging.getLogger(__name__)


class Mailer:
    """Renders a mail template and delivers it."""

    def __init__(self, settings: Settings, templates: Environment) -> None:
        self.settings = settings
        self.templates = templates

    async def send(self, to: str, template: str, **context: object) -> None:
        """Send `mail/<template>.txt`, whose first line is the subject."""
        text = self.templates.get_template(f"mail/{template}.txt").render(
            base_url=self.settings.base_url, **context
        )
        subject, _, body = text.partition("\n")
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = to
        message["Subject"] = subject.strip()
        message.set_content(body.lstrip("\n"))
        await self._deliver(message)

    async def deliver(self, message: EmailMessage) -> None:
        """Send a message built by the caller (one with attachments, say) the same way."""
        if "From" not in message:
            message["From"] = self.settings.mail_from
        await self._deliver(message)

    async def deliver_many(
        self, messages: list[EmailMessage], connections: int = 4
    ) -> list[MailFailed | None]:
        """Send many over a few SMTP connections kept open (a connection per message halves
        the rate); per message, None or why it failed: one refused address fails only its own."""
        results: list[MailFailed | None] = [None] * len(messages)
        for message in messages:
            if "From" not in message:
                message["From"] = self.settings.mail_from
        if not self.settings.smtp_url:
            for message in messages:
                self._write_outbox(message)
            return results
        shares = [range(n, len(messages), connections) for n in range(connections)]
        await asyncio.gather(*(self._send_share(messages, share, results) for share in shares))
        return results

    async def _send_share(
        self, messages: list[EmailMessage], share: range, results: list[MailFailed | None]
    ) -> None:
        client: aiosmtplib.SMTP | None = None
        for n in share:
            try:
                if client is None or not client.is_connected:
                    client = aiosmtplib.SMTP(**self._smtp_options())
                    await client.connect()
                await client.send_message(messages[n])
            except (aiosmtplib.SMTPException, OSError) as err:
                log.warning("mail to %s failed: %s", messages[n]["To"], err)
                failed = MailFailed()
                failed.__cause__ = err
                results[n] = failed
                if not isinstance(err, aiosmtplib.SMTPRecipientsRefused) and client is not None:
                    client.close()  # the connection may be broken: the next message opens anew
        if client is not None and client.is_connected:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await client.quit()

    def _smtp_options(self) -> dict[str, Any]:
        url = urlsplit(self.settings.smtp_url or "")
        return {
            "hostname": url.hostname or "localhost",
            "port": url.port or (465 if url.scheme == "smtps" else 25),
            "username": unquote(url.username) if url.username else None,
            "password": unquote(url.password) if url.password else None,
            "use_tls": url.scheme == "smtps",
            "start_tls": True if url.scheme == "smtp+starttls" else None,
            "timeout": 15,
        }

    async def _deliver(self, message: EmailMessage) -> None:
        if not self.settings.smtp_url:
            self._write_outbox(message)
            return
        try:
            await aiosmtplib.send(message, **self._smtp_options())
        except (aiosmtplib.SMTPException, OSError) as err:
            log.warning("mail to %s failed: %s", message["To"], err)
            raise MailFailed() from err
        log.info("mail sent", extra={"to": message["To"], "subject": message["Subject"]})

    def _write_outbox(self, message: EmailMessage) -> None:
        outbox = Path(self.settings.outbox_dir)
        outbox.mkdir(parents=True, exist_ok=True)
        path = outbox / f"{secrets.token_hex(8)}.eml"
        path.write_bytes(bytes(message))
        log.info("mail written to outbox", extra={"to": message["To"], "path": str(path)})
