"""The background job making invoice previews: claimed from the database, so it runs once.

Every node runs a worker. A run is claimed by a compare-and-set on its row (waiting, or
running with a heartbeat older than `stale_after`: its node died or restarted), so one node
makes it however many look. The claimant beats at every chunk; a node that restarts, or any
other, resumes a run whose beat stopped. A run that fails, or is claimed `MAX_ATTEMPTS` times
without finishing, is marked failed with the reason: never left half-done silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import secrets
import socket
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from laturi.auth.permissions import Permission
from laturi.auth.service import actor_for
from laturi.config import Settings
from laturi.db import Database
from laturi.errors import LaturiError, MailFailed
from laturi.invoices import repository
from laturi.invoices.generation import Renderer, pool_renderer, process_chunk, thread_renderer
from laturi.kit.time import utcnow
from laturi.mail import Mailer
from laturi.models import InvoiceRun, Operator
from laturi.models.operator import OperatorStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Up to this many invoices open the previews page when ready; more are announced by e-mail.
FEW = 50


def node_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class InvoiceWorker:
    """Claims and makes invoice runs; `running()` keeps it polling in the background."""

    def __init__(
        self,
        db: Database,
        *,
        settings: Settings,
        mailer: Mailer | None = None,
        renderer: Renderer | None = None,
        node: str | None = None,
        chunk: int = 100,
        stale_after: timedelta = timedelta(seconds=60),
        poll: float = 2.0,
        processes: int = 0,
        few: int = FEW,
    ) -> None:
        self.db = db
        self.settings = settings
        self.mailer = mailer
        self.renderer = renderer or thread_renderer()
        self.node = node or node_name()
        self.chunk = chunk
        self.stale_after = stale_after
        self.poll = poll
        self.processes = processes
        self.few = few
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A run was asked for: look now rather than at the next poll."""
        self._wake.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Poll in the background; with `processes`, PDFs are made in a process pool."""
        pool = None
        if self.processes > 0:
            # spawn, not fork: a forked child would inherit the server's event loop and sockets.
            context = multiprocessing.get_context("spawn")
            pool = ProcessPoolExecutor(self.processes, mp_context=context)
            self.renderer = pool_renderer(pool, self.processes)
        task = asyncio.create_task(self._loop(), name="invoice-worker")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if pool is not None:
                pool.shutdown(cancel_futures=True)

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_pending()
            except Exception:  # the loop must outlive one failure; it is logged
                log.exception("invoice worker pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll)
            self._wake.clear()

    async def run_pending(self) -> int:
        """Claim and make every claimable run; returns how many this node made."""
        made = 0
        while (run_id := await self._claim_one()) is not None:
            await self.make(run_id)
            made += 1
        return made

    async def _claim_one(self) -> int | None:
        now = utcnow()
        async with self.db.session() as session:
            for run_id in await repository.claimable_runs(session, now - self.stale_after):
                if await repository.claim_run(
                    session, run_id, self.node, now, now - self.stale_after
                ):
                    return run_id
        return None

    async def make(self, run_id: int) -> None:
        """Make the claimed run chunk by chunk; mark it done, or failed with the reason."""
        clashes = 0
        try:
            while True:
                try:
                    if not await self._next_chunk(run_id):
                        break
                except IntegrityError:
                    # Another run billed one of these sessions meanwhile: the chunk was rolled
                    # back whole; made again, it leaves those sessions out.
                    clashes += 1
                    if clashes > MAX_ATTEMPTS:
                        raise
        except (LaturiError, ValueError) as err:
            await self._fail(run_id, str(err))
        except Exception as err:
            log.exception("invoice run %s failed", run_id)
            await self._fail(run_id, f"Unexpected failure: {type(err).__name__}.")

    async def _next_chunk(self, run_id: int) -> bool:
        async with self.db.session() as session:
            run = await repository.run_for_node(session, run_id, self.node)
            if run is None:  # finished, failed, or taken over by another node
                return False
            if run.attempts > MAX_ATTEMPTS:
                raise ValueError(f"Stopped {MAX_ATTEMPTS} times before it was done.")
            operator = await session.get(Operator, run.operator_id)
            if operator is None or operator.status is not OperatorStatus.ACTIVE:
                raise ValueError("The operator who asked for the previews is no longer active.")
            actor = await actor_for(session, operator)
            if not actor.can(Permission.MANAGE_INVOICES):
                raise ValueError("The operator who asked for the previews is no longer an admin.")
            taken = await process_chunk(session, run, actor, self.renderer, self.chunk)
            run.heartbeat_at = utcnow()
            if taken == 0:
                await self._finish(run, operator)
            return taken > 0

    async def _finish(self, run: InvoiceRun, operator: Operator) -> None:
        run.status, run.finished_at = "done", utcnow()
        if run.total <= self.few or self.mailer is None:
            return
        link = f"{self.settings.base_url}/invoices/previews?run={run.id}"
        try:
            await self.mailer.send(operator.email, "invoices_ready", run=run, link=link)
        except MailFailed:  # the previews are made all the same; the run page links to them
            run.error = (
                f"The e-mail with the link to the previews could not be sent to {operator.email}."
            )

    async def _fail(self, run_id: int, reason: str) -> None:
        async with self.db.session() as session:
            run = await session.get(InvoiceRun, run_id)
            if run is not None and run.status in ("queued", "running"):
                run.status, run.error, run.finished_at = "failed", reason[:500], utcnow()
