"""The organisation's invoice settings: every field of the manual, validated with its name.

They are the organisation's (one set: one payee, one bank account, one reference number
series); every admin operator of the organisation reads them (an add-invoice form starts from
them), and only admins whose domain is the whole organisation change them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import nh3
from PIL import Image, UnidentifiedImageError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError
from stdnum import bic, iban
from stdnum.exceptions import ValidationError as NumberError
from stdnum.fi import ytunnus

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.errors import AccessDenied, StaleEdit, ValidationFailed
from laturi.groups.repository import is_root
from laturi.invoices import repository
from laturi.invoices.references import MAX_BASE, MIN_BASE
from laturi.kit.emails import normalize_email
from laturi.kit.time import utcnow
from laturi.models import InvoiceSettings

STALE = "Invoice settings were changed by another operator. Refresh the page and retry."
ONLY_WHOLE = "Only admin operators of the whole organisation may change the invoice settings."
LOGO_MAX_BYTES = 1_000_000
EMAIL_TAGS = {
    "a", "b", "strong", "i", "em", "u", "p", "br", "ul", "ol", "li", "h1", "h2", "h3", "h4",
    "span", "div", "hr", "blockquote", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
DEFAULT_EMAIL = "Hi,<br>Please find attached your EV charging invoice."

# Form field -> the manual's field name, for error messages.
LABELS = {
    "recipient_bic": "RECIPIENT BIC",
    "recipient_iban": "RECIPIENT IBAN",
    "recipient_name": "RECIPIENT NAME",
    "recipient_address_1": "RECIPIENT ADDRESS 1",
    "recipient_address_2": "RECIPIENT ADDRESS 2",
    "business_id": "BUSINESS ID",
    "telephone": "TELEPHONE",
    "www": "WWW",
    "email": "EMAIL",
    "logo": "LOGO",
    "ref_nr_start": "REF NR START",
    "kwh_price": "KWH PRICE",
    "monthly_price": "MONTHLY PRICE",
    "invoice_period": "INVOICE PERIOD",
    "cutoff_day": "CUTOFF DAY",
    "payment_terms": "PAYMENT TERMS",
    "vat": "VAT",
    "penalty_interest": "PENALTY INTEREST",
    "email_content": "EMAIL CONTENT",
}
TEXTS = {  # field: (maximum length, required)
    "recipient_name": (200, True),
    "recipient_address_1": (200, False),
    "recipient_address_2": (200, False),
    "telephone": (40, False),
    "www": (200, False),
}


@dataclass(frozen=True)
class SettingsInput:
    """The form as typed: text per field, plus an uploaded logo or a logo URL to read once."""

    values: dict[str, str]
    logo_upload: bytes | None = None
    remove_logo: bool = False
    version: int | None = None


@dataclass
class SettingsSaved:
    settings: InvoiceSettings
    warnings: list[str] = field(default_factory=list)


def defaults(organization_id: int) -> InvoiceSettings:
    """Unsaved settings with the manual's example values, for the first visit."""
    return InvoiceSettings(
        organization_id=organization_id,
        ref_nr_start=1000,
        ref_nr_next=1000,
        kwh_price=Decimal("0.15"),
        monthly_price=Decimal("0.00"),
        invoice_period=3,
        cutoff_day=31,
        payment_terms=14,
        vat=Decimal("24.00"),
        penalty_interest=Decimal("8.00"),
        email_content=DEFAULT_EMAIL,
        recipient_bic="",
        recipient_iban="",
        recipient_name="",
        recipient_address_1="",
        recipient_address_2="",
        business_id="",
        telephone="",
        www="",
        email="",
        logo_url="",
        version=0,
    )


async def may_change(session: AsyncSession, actor: Actor) -> bool:
    return actor.can(Permission.MANAGE_INVOICES) and await is_root(session, actor)


async def get_settings(session: AsyncSession, actor: Actor) -> InvoiceSettings:
    """The organisation's settings, or the defaults while none are saved (admins only)."""
    actor.require(Permission.MANAGE_INVOICES)
    found = await repository.settings_of(session, actor.organization_id)
    return found or defaults(actor.organization_id)


async def save_settings(
    session: AsyncSession, actor: Actor, data: SettingsInput, fetch: LogoFetcher
) -> SettingsSaved:
    """Validate every field, read the logo once, store; nothing is stored if a field is wrong."""
    actor.require(Permission.MANAGE_INVOICES)
    if not await is_root(session, actor):
        raise AccessDenied(ONLY_WHOLE)
    current = await repository.settings_of(session, actor.organization_id)
    if current is not None and data.version is not None and data.version != current.version:
        raise StaleEdit(STALE)
    clean = clean_values(data.values)
    _check_ref_start(clean["ref_nr_start"], current)
    saved = SettingsSaved(current or defaults(actor.organization_id))
    if current is None:
        saved.settings.version = 1
        saved.settings.ref_nr_next = clean["ref_nr_start"]
        session.add(saved.settings)
    elif clean["ref_nr_start"] != current.ref_nr_start:
        await repository.move_reference_start(
            session, actor.organization_id, current.ref_nr_start, clean["ref_nr_start"]
        )
    await _apply_logo(saved, data, clean, fetch)
    _apply(saved.settings, clean)
    try:
        await session.flush()
    except StaleDataError as err:
        raise StaleEdit(STALE) from err
    await session.refresh(saved.settings, ["ref_nr_next"])  # moved by SQL, not by the ORM
    return saved


def clean_values(values: dict[str, str]) -> dict[str, Any]:
    """Each field checked and normalised; the first wrong one raises, named as the manual does."""
    raw = {k: str(values.get(k, "") or "").strip() for k in LABELS}
    clean: dict[str, Any] = {k: _text(k, raw[k]) for k in TEXTS}
    clean["recipient_iban"] = _iban(raw["recipient_iban"])
    clean["recipient_bic"] = _bic(raw["recipient_bic"])
    clean["business_id"] = _business_id(raw["business_id"])
    clean["email"] = _email(raw["email"])
    clean["logo_url"] = _logo_url(raw["logo"])
    clean["ref_nr_start"] = _whole("ref_nr_start", raw["ref_nr_start"], MIN_BASE, MAX_BASE)
    clean["kwh_price"] = clean_price("kwh_price", raw["kwh_price"], 4)
    clean["monthly_price"] = clean_price("monthly_price", raw["monthly_price"], 2)
    clean["invoice_period"] = _whole("invoice_period", raw["invoice_period"], 1, 24)
    clean["cutoff_day"] = _whole("cutoff_day", raw["cutoff_day"], 1, 31)
    clean["payment_terms"] = _whole("payment_terms", raw["payment_terms"], 0, 365)
    clean["vat"] = _decimal("vat", raw["vat"], 2, Decimal(100))
    clean["penalty_interest"] = _decimal(
        "penalty_interest", raw["penalty_interest"], 2, Decimal(100)
    )
    clean["email_content"] = sanitize_email(raw["email_content"])
    return clean


def sanitize_email(html: str) -> str:
    """EMAIL CONTENT cleaned to a safe set of tags (no scripts, images, styles or handlers)."""
    return nh3.clean(
        html,
        tags=EMAIL_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    ).strip()


def _fail(name: str, why: str) -> ValidationFailed:
    return ValidationFailed(f"{LABELS[name]}: {why}", field=name)


def _text(name: str, value: str) -> str:
    limit, required = TEXTS[name]
    if required and not value:
        raise _fail(name, "this field is required.")
    if len(value) > limit:
        raise _fail(name, f"at most {limit} characters.")
    return value


def _iban(value: str) -> str:
    if not value:
        raise _fail("recipient_iban", "this field is required.")
    try:
        return str(iban.format(iban.validate(value)))
    except NumberError as err:
        raise _fail("recipient_iban", f"not a valid IBAN ({err}).") from err


def _bic(value: str) -> str:
    if not value:
        raise _fail("recipient_bic", "this field is required.")
    try:
        return str(bic.validate(value))
    except NumberError as err:
        raise _fail("recipient_bic", f"not a valid BIC ({err}).") from err


def _business_id(value: str) -> str:
    if not value:
        return ""
    try:
        return str(ytunnus.format(ytunnus.validate(value)))
    except NumberError as err:
        message = f"not a valid Finnish business ID, Y-tunnus ({err})."
        raise _fail("business_id", message) from err


def _email(value: str) -> str:
    if not value:
        return ""
    try:
        return normalize_email(value)
    except ValidationFailed as err:
        raise _fail("email", "not a valid e-mail address.") from err


def _logo_url(value: str) -> str:
    if value and not value.lower().startswith(("http://", "https://")):
        raise _fail("logo", "give an http:// or https:// address, or upload an image.")
    if len(value) > 500:
        raise _fail("logo", "at most 500 characters.")
    return value


def _whole(name: str, value: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise _fail(name, f"a whole number from {low} to {high}.")
    return int(value)


def clean_price(name: str, value: str, places: int) -> Decimal:
    """KWH PRICE or MONTHLY PRICE as typed (a comma or a point), VAT included."""
    return _decimal(name, value, places, Decimal(1000 if name == "kwh_price" else 100_000))


def _decimal(name: str, value: str, places: int, below: Decimal) -> Decimal:
    try:
        number = Decimal(value.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        number = Decimal(-1)
    if not number.is_finite() or number < 0 or number >= below:
        raise _fail(name, f"a number from 0 to below {below}.")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise _fail(name, f"at most {places} decimals.")
    return number


def _check_ref_start(start: int, current: InvoiceSettings | None) -> None:
    """A number is never given twice: a changed start may not reach back into given ones."""
    if current is None or start == current.ref_nr_start or start >= current.ref_nr_next:
        return
    if current.ref_nr_next == current.ref_nr_start:  # none given yet
        return
    raise _fail(
        "ref_nr_start",
        f"reference numbers up to {current.ref_nr_next - 1} (without the check digit) "
        f"have been given; start at {current.ref_nr_next} or later.",
    )


def _apply(settings: InvoiceSettings, clean: dict[str, Any]) -> None:
    for name, value in clean.items():
        setattr(settings, name, value)
    settings.updated_at = utcnow()


class LogoFetcher:
    """Reads a logo from its URL once, when the settings are saved (replaced in tests)."""

    async def __call__(self, url: str) -> bytes | None:
        import httpx

        try:
            async with httpx.AsyncClient(timeout=10, follow_redirects=True) as client:
                response = await client.get(url)
        except httpx.HTTPError:
            return None
        if response.status_code != 200 or len(response.content) > LOGO_MAX_BYTES:
            return None
        return response.content


async def _apply_logo(
    saved: SettingsSaved, data: SettingsInput, clean: dict[str, Any], fetch: LogoFetcher
) -> None:
    settings = saved.settings
    if data.logo_upload:
        settings.logo = image_or_fail(data.logo_upload)
        clean["logo_url"] = ""
    elif data.remove_logo:
        settings.logo, clean["logo_url"] = None, ""
    elif clean["logo_url"] and clean["logo_url"] != settings.logo_url:
        fetched = await fetch(clean["logo_url"])
        settings.logo = fetched if fetched and is_image(fetched) else None
        if settings.logo is None:
            saved.warnings.append(
                "The logo could not be read from its address: invoices are printed without it."
            )


def is_image(data: bytes) -> bool:
    """A PNG or JPEG that Pillow can read."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return image.format in ("PNG", "JPEG")
    except (UnidentifiedImageError, OSError, ValueError):
        return False


def image_or_fail(data: bytes) -> bytes:
    if len(data) > LOGO_MAX_BYTES:
        raise _fail("logo", "the image is larger than 1 MB.")
    if not is_image(data):
        raise _fail("logo", "upload a PNG or JPEG image.")
    return data
