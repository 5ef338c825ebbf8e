"""A session's meter values as chart series: energy, power, current per phase, SoC."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from laturi.models import MeterValue

ENERGY = "Energy.Active.Import.Register"
# measurand -> (label, axis, divisor for the unit shown, units that need the divisor)
SERIES = {
    ENERGY: ("Energy charged (kWh)", "kwh", 1000, {"Wh", None}),
    "Power.Active.Import": ("Power (kW)", "kw", 1000, {"W", None}),
    "Current.Import": ("Current (A)", "a", 1, set()),
    "SoC": ("State of charge (%)", "soc", 1, set()),
}


def series(
    samples: Sequence[MeterValue], time_zone: str, meter_start: int | None = None
) -> dict[str, Any]:
    """Labels (local times) and one dataset per measurand and phase, aligned by time; the
    energy register is shown as charged so far (minus `meter_start`) when that is known.
    """
    zone = ZoneInfo(time_zone)
    times = sorted({s.sampled_at for s in samples})
    index = {t: n for n, t in enumerate(times)}
    found: dict[tuple[str, str | None], list[float | None]] = {}
    for sample in samples:
        if sample.measurand not in SERIES or sample.value is None:
            continue
        key = (sample.measurand, sample.phase)
        points = found.setdefault(key, [None] * len(times))
        points[index[sample.sampled_at]] = _shown(sample, meter_start)
    span = (times[-1] - times[0]).total_seconds() if times else 0
    clock = "%d.%m. %H:%M" if span > 20 * 3600 else "%H:%M:%S" if span < 3600 else "%H:%M"
    return {
        "labels": [t.astimezone(zone).strftime(clock) for t in times],
        "datasets": [
            {"label": _label(m, p), "axis": SERIES[m][1], "data": data}
            for (m, p), data in sorted(found.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
        ],
    }


def _shown(sample: MeterValue, meter_start: int | None) -> float:
    _, _, divisor, scaled_units = SERIES[sample.measurand]
    value = sample.value or Decimal(0)
    if sample.measurand == ENERGY and meter_start is not None:
        value -= Decimal(meter_start) / (1000 if sample.unit == "kWh" else 1)
    if sample.unit in ("kWh", "kW"):
        return float(value)
    return float(value / divisor) if sample.unit in scaled_units else float(value)


def _label(measurand: str, phase: str | None) -> str:
    label = SERIES[measurand][0]
    return f"{label} {phase}" if phase else label
