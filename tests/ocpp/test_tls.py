"""Security profile 2 as the README sets it up: uvicorn's TLS options, Basic auth inside."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import trustme
import websockets
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.factories import create_group, create_organization, create_station
from tests.fixtures.server import serving
from tests.fixtures.station import connected

PASSWORD = "tls-Pass-1"


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def certificate(authority: trustme.CA, tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    issued = authority.issue_cert("127.0.0.1", "localhost")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    issued.private_key_and_cert_chain_pem.write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    yield cert, key


@pytest.fixture
async def wss_url(app: FastAPI, certificate: tuple[Path, Path]) -> AsyncIterator[str]:
    cert, key = certificate
    async with serving(app, ssl_certfile=str(cert), ssl_keyfile=str(key)) as port:
        yield f"wss://127.0.0.1:{port}"


@pytest.fixture
async def locked(session: AsyncSession) -> None:
    org = await create_organization(session, name="Secure")
    group = await create_group(session, organization=org)
    await create_station(session, group=group, identifier="TLS-1", password=PASSWORD)
    await session.commit()


def trusting(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    authority.configure_trust(context)
    return context


class TestSecurityProfile2:
    async def test_a_station_trusting_the_issuer_connects_over_tls_with_its_password(
        self, locked: None, wss_url: str, authority: trustme.CA
    ) -> None:
        tls = trusting(authority)
        async with connected(wss_url, "TLS-1", password=PASSWORD, tenant="secure", tls=tls) as cp:
            assert cp.ws.subprotocol == "ocpp1.6"
            assert (await cp.boot()).status == "Accepted"

    async def test_tls_does_not_replace_the_password(
        self, locked: None, wss_url: str, authority: trustme.CA
    ) -> None:
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with connected(wss_url, "TLS-1", tls=trusting(authority)):
                pass
        assert refused.value.response.status_code == 401

    async def test_a_station_that_does_not_trust_the_certificate_gets_no_connection(
        self, locked: None, wss_url: str
    ) -> None:
        stranger = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)  # system CAs only
        with pytest.raises(ssl.SSLCertVerificationError):
            async with connected(wss_url, "TLS-1", password=PASSWORD, tls=stranger):
                pass
