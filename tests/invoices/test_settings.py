"""Invoice settings: every field checked with the manual's names; the logo read once."""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import InvoiceSettings
from tests.fixtures.world import World, api_token
from tests.invoices.conftest import MANUAL


def body(**changes: Any) -> dict[str, Any]:
    found: dict[str, Any] = {**MANUAL, **changes}
    found["logo_url"] = found.pop("logo")
    return found


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (100, 100), (0, 90, 160)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def image_server() -> Iterator[str]:
    """A real HTTP server on loopback serving /logo.png and a broken /broken.png."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = png() if self.path == "/logo.png" else b"not an image"
            self.send_response(200 if self.path != "/missing.png" else 404)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


async def put(client: httpx.AsyncClient, headers: dict[str, str], **changes: Any) -> httpx.Response:
    return await client.put("/api/v1/invoice-settings", json=body(**changes), headers=headers)


class TestFields:
    async def test_the_manuals_settings_are_saved_normalised(
        self, client: httpx.AsyncClient, alpha: dict[str, str]
    ) -> None:
        first = await client.get("/api/v1/invoice-settings", headers=alpha)
        assert first.json()["saved"] is False and first.json()["cutoff_day"] == 31
        response = await put(
            client, alpha, recipient_iban="fi2112345600000785", business_id="01306554"
        )
        assert response.status_code == 200, response.text
        saved = response.json()
        assert saved["recipient_iban"] == "FI21 1234 5600 0007 85"
        assert saved["business_id"] == "0130655-4"
        assert saved["kwh_price"] == "0.1500" or float(saved["kwh_price"]) == 0.15
        assert saved["ref_nr_next"] == 10898 and saved["saved"] is True

    @pytest.mark.parametrize(
        ("field", "value", "words"),
        [
            ("recipient_iban", "FI21 1234 5600 0007 86", "RECIPIENT IBAN: not a valid IBAN"),
            ("recipient_iban", "", "RECIPIENT IBAN: this field is required."),
            ("recipient_bic", "LADNR213245", "RECIPIENT BIC: not a valid BIC"),
            ("business_id", "0130655-5", "BUSINESS ID: not a valid Finnish business ID"),
            ("recipient_name", "", "RECIPIENT NAME: this field is required."),
            ("email", "operator@", "EMAIL: not a valid e-mail address."),
            ("ref_nr_start", "12", "REF NR START: a whole number from 100"),
            ("kwh_price", "0,15555", "KWH PRICE: at most 4 decimals."),
            ("kwh_price", "-1", "KWH PRICE: a number from 0"),
            ("monthly_price", "abc", "MONTHLY PRICE: a number from 0"),
            ("invoice_period", "0", "INVOICE PERIOD: a whole number from 1 to 24."),
            ("cutoff_day", "32", "CUTOFF DAY: a whole number from 1 to 31."),
            ("payment_terms", "-3", "PAYMENT TERMS: a whole number from 0 to 365."),
            ("vat", "100", "VAT: a number from 0 to below 100."),
            ("penalty_interest", "8.123", "PENALTY INTEREST: at most 2 decimals."),
            ("logo", "ftp://x/logo.png", "LOGO: give an http:// or https:// address"),
        ],
    )
    async def test_a_wrong_field_is_named_and_nothing_is_saved(
        self, client: httpx.AsyncClient, alpha: dict[str, str], field: str, value: str, words: str
    ) -> None:
        response = await put(client, alpha, **{field: value})
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field
        assert response.json()["message"].startswith(words)
        assert (await client.get("/api/v1/invoice-settings", headers=alpha)).json()[
            "saved"
        ] is False

    async def test_email_content_is_cleaned_before_it_is_stored(
        self, client: httpx.AsyncClient, alpha: dict[str, str]
    ) -> None:
        dirty = (
            '<p onclick="steal()">Hi <b>you</b>,</p><script>alert(1)</script>'
            '<a href="javascript:alert(2)">x</a><img src="http://tracker/p.gif">'
            '<a href="https://laturi.example/pay">pay</a><style>p{}</style>'
        )
        saved = (await put(client, alpha, email_content=dirty)).json()["email_content"]
        assert "<b>you</b>" in saved and 'href="https://laturi.example/pay"' in saved
        for bad in ("script", "onclick", "javascript:", "<img", "<style", "alert(1)"):
            assert bad not in saved


class TestLogo:
    async def test_an_uploaded_image_is_stored_and_a_non_image_refused(
        self, client: httpx.AsyncClient, alpha: dict[str, str], session: AsyncSession, world: World
    ) -> None:
        ok = await put(client, alpha, logo_base64=base64.b64encode(png()).decode())
        assert ok.status_code == 200 and ok.json()["has_logo"] is True
        bad = await put(client, alpha, logo_base64=base64.b64encode(b"GIF89a...").decode())
        assert bad.status_code == 422 and bad.json()["field"] == "logo"
        removed = await put(client, alpha, remove_logo=True)
        assert removed.json()["has_logo"] is False

    async def test_a_url_is_read_once_and_stored(
        self,
        client: httpx.AsyncClient,
        alpha: dict[str, str],
        session: AsyncSession,
        world: World,
        image_server: str,
    ) -> None:
        response = await put(client, alpha, logo=f"{image_server}/logo.png")
        assert response.json()["has_logo"] is True and response.json()["warnings"] == []
        stored = await session.get(InvoiceSettings, world.org_a.id)
        assert stored is not None
        await session.refresh(stored, ["logo"])
        assert stored.logo == png()

    @pytest.mark.parametrize("path", ["/broken.png", "/missing.png"])
    async def test_an_unreadable_image_is_left_off_with_a_warning(
        self, client: httpx.AsyncClient, alpha: dict[str, str], image_server: str, path: str
    ) -> None:
        response = await put(client, alpha, logo=f"{image_server}{path}")
        assert response.status_code == 200
        assert response.json()["has_logo"] is False
        assert "printed without it" in response.json()["warnings"][0]


class TestWhoMayChange:
    async def test_a_sub_domain_admin_reads_but_may_not_change(
        self, client: httpx.AsyncClient, alpha: dict[str, str], session: AsyncSession, world: World
    ) -> None:
        await put(client, alpha)
        gamma = await api_token(session, world.gamma)
        read = await client.get("/api/v1/invoice-settings", headers=gamma)
        assert read.status_code == 200 and read.json()["may_change"] is False
        change = await put(client, gamma, recipient_name="Gamma Oy")
        assert change.status_code == 403
        assert "whole organisation" in change.json()["message"]

    async def test_a_stale_version_is_refused(
        self, client: httpx.AsyncClient, alpha: dict[str, str]
    ) -> None:
        version = (await put(client, alpha)).json()["version"]
        assert (await put(client, alpha, version=version)).status_code == 200
        stale = await put(client, alpha, version=version)
        assert stale.status_code == 409
