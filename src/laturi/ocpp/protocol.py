"""OCPP-J framing over the `ocpp` package, with the gaps it leaves filled in.

What the package does not do the way a central system must, and this module does:
- a malformed frame is answered with a CallError instead of only being logged;
- an unknown action is `NotImplemented` and a known one we do not serve is `NotSupported`
  (the package has the two the other way round for OCPP 1.6);
- schema violations use the OCPP 1.6 codes (`FormationViolation`, not 2.0's
  `FormatViolation`), and an invalid value is `PropertyConstraintViolation`;
- a CallResult or CallError nobody is waiting for (late, or unknown id) is logged and
  ignored instead of being queued for the next command to trip over;
- commands go out as raw payloads (so odd ones can be tested), one in flight per station,
  each with its own timeout;
- every frame each way goes to the message log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from jsonschema.exceptions import ValidationError, best_match
from ocpp.exceptions import (
    FormationViolationError,
    InternalError,
    NotImplementedError,
    NotSupportedError,
    OccurenceConstraintViolationError,
    OCPPError,
    PropertyConstraintViolationError,
    ProtocolError,
    TypeConstraintViolationError,
)
from ocpp.messages import Call, CallError, CallResult, MessageType, get_validator
from ocpp.v16 import ChargePoint
from ocpp.v16.enums import Action

from laturi.bus import CommandFailed, InvalidRequest, NoAnswer, Payload, StationOffline
from laturi.models.station_event import Direction

log = logging.getLogger("laturi.ocpp")
# The `ocpp` package logs every frame at INFO; the message log keeps them already, and at a
# thousand frames a second the log lines would cost more than the frames.
frames_log = logging.getLogger("laturi.ocpp.frames")
frames_log.setLevel(logging.WARNING)

VERSION = "1.6"
V16_ACTIONS = frozenset(a.value for a in Action)
# The OCPP 1.6 schemas that give numbers one decimal (multipleOf 0.1) must be read with
# Decimal, as the `ocpp` package itself does, or 21.4 fails as 21.399999999999995.
DECIMAL_SCHEMAS = {
    (MessageType.Call, "SetChargingProfile"),
    (MessageType.Call, "RemoteStartTransaction"),
    (MessageType.CallResult, "GetCompositeSchedule"),
}
SCHEMA_ERRORS: dict[str, type[OCPPError]] = {
    "type": TypeConstraintViolationError,
    "maxLength": TypeConstraintViolationError,
    "required": ProtocolError,
    "additionalProperties": FormationViolationError,
    "minItems": OccurenceConstraintViolationError,
    "maxItems": OccurenceConstraintViolationError,
    "enum": PropertyConstraintViolationError,
    "minimum": PropertyConstraintViolationError,
    "maximum": PropertyConstraintViolationError,
    "multipleOf": PropertyConstraintViolationError,
    "pattern": PropertyConstraintViolationError,
    "format": PropertyConstraintViolationError,
}
# The `ocpp` package raises OCPP 2.0 names in places; OCPP 1.6 spells them this way.
V16_CODES = {
    "FormatViolation": FormationViolationError,
    "OccurrenceConstraintViolation": OccurenceConstraintViolationError,
}

Journal = Callable[[Direction, str, int | None, str | None, str | None], None]

# OCPP-J: a message id is a string of at most 36 characters.
MAX_UNIQUE_ID = 36
# OCPP 1.6 integers are 32-bit; anything wider is the wrong type, not a value to store.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# No OCPP 1.6 payload nests deeper than a charging profile's periods (about 6 levels).
MAX_DEPTH = 16
# What a transport hands over for a binary frame: OCPP-J frames are text, never judged as one.
BINARY_FRAME = "\x00binary frame"


class _TooLong:
    """An integer literal too long to be read: it reaches the schema as the wrong type."""

    def __repr__(self) -> str:
        return "<integer too long>"


def _int(text: str) -> int | _TooLong:
    # Python refuses to read integers of more than 4,300 digits (and reading long ones costs
    # quadratic time): a literal beyond 64 bits is the wrong type in any OCPP payload.
    return int(text) if len(text) <= 20 else _TooLong()


def _load(raw: str) -> Any:
    """The frame's JSON; FormationViolationError when it is not text a station may send."""
    try:
        data = json.loads(raw, parse_int=_int)
    except (ValueError, RecursionError) as err:
        raise FormationViolationError(details={"cause": "Message is not valid JSON"}) from err
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise FormationViolationError(details={"cause": "Message nests too deeply"})
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, dict):
            for key, v in value.items():
                _check_text(key)
                stack.append((v, depth + 1))
    return data


def _check_text(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:  # a lone surrogate (\ud800): not Unicode text
        raise FormationViolationError(details={"cause": "Message is not valid Unicode"}) from err


def _value_problem(action: str, payload: Any) -> OCPPError | None:
    """What the schemas leave open: 32-bit integers and connector ids that exist."""
    stack = [payload]
    while stack:
        value = stack.pop()
        if isinstance(value, int) and not isinstance(value, bool):
            if not INT_MIN <= value <= INT_MAX:
                return TypeConstraintViolationError(
                    details={"cause": f"{value} is not a 32-bit integer"}
                )
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
    connector = payload.get("connectorId") if isinstance(payload, dict) else None
    lowest = 1 if action == "StartTransaction" else 0
    if isinstance(connector, int) and connector < lowest:
        return PropertyConstraintViolationError(
            details={"cause": f"connectorId: {connector} is less than {lowest}"}
        )
    return None


def _unpack(raw: str) -> Call | CallResult | CallError:
    """`ocpp`'s unpack on our own reading of the JSON (bounded integers, depth, Unicode)."""
    data = _load(raw)
    if not isinstance(data, list):
        raise ProtocolError(details={"cause": "OCPP message should be a list"})
    if not data:
        raise ProtocolError(details={"cause": "Message does not contain MessageTypeId"})
    for cls in (Call, CallResult, CallError):
        if data[0] == cls.message_type_id:
            try:
                return cls(*data[1:])
            except TypeError as err:
                raise ProtocolError(details={"cause": "Message is missing elements."}) from err
    raise PropertyConstraintViolationError(
        details={"cause": f"MessageTypeId '{data[0]}' isn't valid"}
    )


class TransportClosed(Exception):
    """The connection is gone: stop serving it (not a station's mistake to answer)."""


class Transport(Protocol):
    """Raises TransportClosed from either method once the connection is gone."""

    async def recv(self) -> str: ...

    async def send(self, message: str) -> None: ...


def schema_problem(message_type: int, action: str, payload: Any) -> OCPPError | None:
    """The CallError a payload earns against its OCPP 1.6 schema, or None when it is valid."""
    decimal = (message_type, action) in DECIMAL_SCHEMAS
    try:
        validator = get_validator(
            message_type, action, VERSION, parse_float=Decimal if decimal else float
        )
    except (OSError, ValueError):
        return NotImplementedError(details={"cause": f"No schema for {action}"})
    if decimal:
        payload = json.loads(json.dumps(payload), parse_float=Decimal)
    error: ValidationError | None = best_match(validator.iter_errors(payload))
    if error is None:
        return None
    kind = SCHEMA_ERRORS.get(str(error.validator), FormationViolationError)
    where = "/".join(str(p) for p in error.absolute_path) or "payload"
    return kind(details={"cause": f"{where}: {error.message}"})


def v16_error(error: OCPPError) -> OCPPError:
    """The same error under its OCPP 1.6 code."""
    kind = V16_CODES.get(error.code)
    return kind(description=error.description, details=error.details) if kind else error


def _peek(raw: str) -> tuple[int | None, str | None]:
    """Message type and unique id of a frame that would not unpack, when readable."""
    try:
        data = json.loads(raw, parse_int=_int)
    except (ValueError, RecursionError):
        # Truncated: still, a frame opening like an answer must never be answered.
        opening = raw.lstrip()[:2]
        return (int(opening[1]) if opening in ("[3", "[4") else None), None
    if not isinstance(data, list) or not data:
        return None, None
    kind = data[0] if isinstance(data[0], int) else None
    unique_id = data[1] if len(data) > 1 and isinstance(data[1], str) else None
    return kind, unique_id


class CentralSystemBase(ChargePoint):  # type: ignore[misc]  # ocpp ships no types
    """The framing half of a connection; OCPP version modules add the handlers."""

    def __init__(self, identifier: str, transport: Transport, journal: Journal) -> None:
        super().__init__(identifier, transport, logger=frames_log)
        self._journal = journal
        self._pending: dict[str, tuple[str, asyncio.Future[CallResult | CallError]]] = {}
        # Answers are matched to their request in `_settle`, not through the package's
        # queue; dropping it saves memory on every one of thousands of idle connections.
        del self._response_queue
        self._one_call: asyncio.Lock = self._call_lock
        self._answering: str | None = None

    # --- frames from the station -----------------------------------------------------------

    async def route_message(self, raw_msg: str) -> None:
        """Route one frame; nothing a station sends may end the connection."""
        try:
            await self._route(raw_msg)
        except TransportClosed:
            raise
        except Exception:  # keep the connection whatever happened
            log.exception(
                "%s: failed to handle frame %r", self.id, raw_msg[:500], extra={"station": self.id}
            )

    async def _route(self, raw: str) -> None:
        if raw is BINARY_FRAME:
            self._journal(Direction.IN, "(binary frame)", None, None, None)
            cause = {"cause": "OCPP-J frames are text frames"}
            await self._error("-1", FormationViolationError(details=cause))
            return
        try:
            msg = _unpack(raw)
        except OCPPError as err:
            kind, unique_id = _peek(raw)
            self._journal(Direction.IN, raw, kind, unique_id, None)
            await self._unreadable(kind, unique_id, v16_error(err))
            return
        if isinstance(msg, Call):
            await self._answer(msg, raw)
        else:
            self._settle(msg, raw)

    async def _unreadable(self, kind: int | None, unique_id: str | None, err: OCPPError) -> None:
        if kind in (MessageType.CallResult, MessageType.CallError):
            log.warning(
                "%s: unreadable answer ignored: %s", self.id, err, extra={"station": self.id}
            )
            return  # never answer an answer
        # The unique id of a frame we cannot read is unknown: "-1" as OCPP 2.0.1 specifies.
        await self._error(unique_id or "-1", err)

    async def _answer(self, msg: Call, raw: str) -> None:
        action = msg.action if isinstance(msg.action, str) else None
        self._journal(Direction.IN, raw, MessageType.Call, _text(msg.unique_id), action)
        if not isinstance(msg.unique_id, str) or action is None:
            await self._error(_text(msg.unique_id) or "-1", ProtocolError())
            return
        if not 0 < len(msg.unique_id) <= MAX_UNIQUE_ID:
            cause = {"cause": f"A message id has 1 to {MAX_UNIQUE_ID} characters"}
            await self._error("-1", FormationViolationError(details=cause))
            return
        refusal = self._refusal(action, msg.payload)
        if refusal is not None:
            await self._error(msg.unique_id, refusal, action)
            return
        self._answering = action
        try:
            await self._handle_call(msg)
        except OCPPError as err:
            await self._error(msg.unique_id, v16_error(err), action)
        except TransportClosed:
            raise
        except Exception:  # the station gets InternalError, we keep going
            log.exception("%s: %s failed", self.id, action, extra={"station": self.id})
            await self._error(msg.unique_id, InternalError(), action)
        finally:
            self._answering = None

    def _refusal(self, action: str, payload: Any) -> OCPPError | None:
        if action not in self.route_map:
            if action in V16_ACTIONS:
                return NotSupportedError(details={"cause": f"{action} is not served here"})
            return NotImplementedError(details={"cause": f"Unknown action {action}"})
        return schema_problem(MessageType.Call, action, payload) or _value_problem(action, payload)

    async def _error(self, unique_id: str, err: OCPPError, action: str | None = None) -> None:
        self._answering = action
        frame = CallError(unique_id, err.code, err.description, err.details or {})
        await self._send(frame.to_json())

    def _settle(self, msg: CallResult | CallError, raw: str) -> None:
        waiting = self._pending.get(msg.unique_id) if isinstance(msg.unique_id, str) else None
        action = waiting[0] if waiting else None
        self._journal(Direction.IN, raw, msg.message_type_id, _text(msg.unique_id), action)
        if waiting is None or waiting[1].done():
            log.warning(
                "%s: ignoring an answer nobody waits for: %r",
                self.id,
                raw[:500],
                extra={"station": self.id},
            )
            return
        waiting[1].set_result(msg)

    # --- frames to the station -------------------------------------------------------------

    async def _send(self, message: str) -> None:
        kind, unique_id = _peek(message)
        action = self._answering
        if kind == MessageType.Call and unique_id in self._pending:
            action = self._pending[unique_id][0]
        self._journal(Direction.OUT, message, kind, unique_id, action)
        await self._connection.send(message)

    async def request(self, action: str, payload: Payload, answer_within: float) -> Payload:
        """Send a command and return the station's answer; one command in flight at a time."""
        problem = schema_problem(MessageType.Call, action, payload)
        if problem is not None:
            raise InvalidRequest(f"Invalid {action} request: {problem.details.get('cause')}")
        try:
            async with asyncio.timeout(answer_within), self._one_call:
                answer = await self._exchange(action, payload)
        except TimeoutError as err:
            raise NoAnswer(detail=f"No answer to {action} within {answer_within:g} s") from err
        except TransportClosed as err:
            # The socket died before the command left: nothing reached the station.
            raise StationOffline() from err
        return _result(action, answer)

    async def _exchange(self, action: str, payload: Payload) -> CallResult | CallError:
        unique_id = str(uuid.uuid4())
        future: asyncio.Future[CallResult | CallError] = asyncio.get_running_loop().create_future()
        self._pending[unique_id] = (action, future)
        try:
            await self._send(Call(unique_id, action, payload).to_json())
            return await future
        finally:
            self._pending.pop(unique_id, None)

    def abort_pending(self) -> None:
        """The connection is gone: commands waiting for an answer fail now, not at timeout."""
        for _, future in self._pending.values():
            if not future.done():
                future.set_exception(CommandFailed(detail="The connection closed."))


def _result(action: str, answer: CallResult | CallError) -> Payload:
    if isinstance(answer, CallError):
        detail = f"{answer.error_code}: {answer.error_description}"
        raise CommandFailed(detail=detail, answer={"errorCode": answer.error_code})
    problem = schema_problem(MessageType.CallResult, action, answer.payload)
    if problem is not None:
        cause = problem.details.get("cause")
        raise CommandFailed(detail=f"Invalid answer: {cause}", answer=answer.payload)
    payload: Payload = answer.payload
    return payload


def _text(value: object) -> str | None:
    return value[:64] if isinstance(value, str) else None
