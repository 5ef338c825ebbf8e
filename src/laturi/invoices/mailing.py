"""SEND INVOICES: each selected preview e-mailed to its user with the PDF attached.

A send refused for one address leaves that invoice in preview with the reason; the others are
sent. Messages go over a few SMTP connections kept open (a new connection per message halved
the rate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage

import nh3
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.errors import Conflict, NotFound
from laturi.invoices import repository
from laturi.invoices.settings import DEFAULT_EMAIL
from laturi.kit.time import utcnow
from laturi.mail import Mailer
from laturi.models import Invoice

CONNECTIONS = 4  # SMTP connections kept open while sending


@dataclass
class SendResult:
    sent: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # invoice id -> reason

    def add(self, other: SendResult) -> None:
        self.sent += other.sent
        self.failed.update(other.failed)


def message_for(invoice: Invoice, content: str, reply_to: str) -> EmailMessage:
    """The settings' EMAIL CONTENT (already cleaned when saved) with the PDF attached."""
    message = EmailMessage()
    message["To"] = invoice.email
    message["Subject"] = f"Vehicle charging invoice {invoice.reference}"
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content(nh3.clean(content.replace("<br>", "\n"), tags=set()) + "\n")
    message.add_alternative(f"<!doctype html><html><body>{content}</body></html>", subtype="html")
    message.add_attachment(
        invoice.pdf,
        maintype="application",
        subtype="pdf",
        filename=f"invoice-{invoice.reference}.pdf",
    )
    return message


async def check_sendable(session: AsyncSession, actor: Actor, ids: Sequence[int]) -> None:
    """Every selected invoice is a preview the operator sees (checked before any is sent)."""
    await _previews(session, actor, ids, with_pdf=False)


async def _previews(
    session: AsyncSession, actor: Actor, ids: Sequence[int], *, with_pdf: bool
) -> Sequence[Invoice]:
    actor.require(Permission.MANAGE_INVOICES)
    invoices = await repository.invoices_of(session, actor, set(ids), with_pdf=with_pdf)
    if len(invoices) != len(set(ids)) or not ids:
        raise NotFound("Invoice not found.")
    if any(i.status != "preview" for i in invoices):
        raise Conflict("Only previews can be sent; an invoice is sent once.")
    return invoices


async def send_invoices(
    session: AsyncSession, actor: Actor, ids: Sequence[int], mailer: Mailer
) -> SendResult:
    """Send the selected previews; status preview -> sent, or the reason it failed."""
    invoices = await _previews(session, actor, ids, with_pdf=True)
    settings = await repository.settings_of(session, actor.organization_id)
    content = settings.email_content if settings else DEFAULT_EMAIL
    reply_to = settings.email if settings else ""
    messages = [message_for(invoice, content, reply_to) for invoice in invoices]
    result = SendResult()
    outcomes = await mailer.deliver_many(messages, CONNECTIONS)
    for invoice, failed in zip(invoices, outcomes, strict=True):
        if failed is None:
            invoice.status, invoice.sent_at, invoice.send_error = "sent", utcnow(), None
            result.sent.append(invoice.id)
        else:
            cause = f" ({failed.__cause__})" if failed.__cause__ else ""
            invoice.send_error = f"{failed.message}{cause}"[:300]
            result.failed[invoice.id] = invoice.send_error
    await session.flush()
    return result
