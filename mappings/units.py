"""Units of measured parameters: the spelling a facility published -> QUDT unit IRI + conversion to SI.

Table-driven: one row per unit, with every spelling seen in the PaN search API and SciCat data
(`Å`, `angstrom`, `Angstrom`, `Ang`, `celsius`, `°C`, `microns`, `Joules`, ...). A value converts as
`si = value * factor + offset` (the offset only for °C). Unknown spellings are kept as given by the
crosswalk and reported; they are never guessed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from mappings.vocab import QUDT_UNIT


@dataclass(frozen=True, slots=True)
class Unit:
    code: str  # QUDT unit local name, e.g. "ANGSTROM"
    si_code: str  # QUDT local name of the SI (coherent) unit, e.g. "M"
    factor: float = 1.0
    offset: float = 0.0

    @property
    def iri(self) -> str:
        return QUDT_UNIT.iri + self.code

    @property
    def si_iri(self) -> str:
        return QUDT_UNIT.iri + self.si_code

    def to_si(self, value: float) -> float:
        return value * self.factor + self.offset


_EV = 1.602176634e-19  # J, exact since the 2019 SI

# (spellings, QUDT code, SI code, factor, offset). Symbols match case-sensitively, word forms also
# case-insensitively.
_TABLE: list[tuple[tuple[str, ...], str, str, float, float]] = [
    # length
    (("m", "meter", "metre", "meters", "metres"), "M", "M", 1.0, 0.0),
    (("mm", "millimeter", "millimetre"), "MilliM", "M", 1e-3, 0.0),
    (("cm",), "CentiM", "M", 1e-2, 0.0),
    (("um", "µm", "μm", "micron", "microns", "micrometer", "micrometre"), "MicroM", "M", 1e-6, 0.0),
    (("nm", "nanometer", "nanometre"), "NanoM", "M", 1e-9, 0.0),
    (("Å", "Å", "angstrom", "angstroms", "ang", "ångström"), "ANGSTROM", "M", 1e-10, 0.0),
    # wave number / scattering vector
    (("1/Å", "1/Ang", "1/angstrom", "Å^-1", "ang^-1"), "PER-ANGSTROM", "PER-M", 1e10, 0.0),
    (("1/nm", "nm^-1"), "PER-NanoM", "PER-M", 1e9, 0.0),
    (("1/m", "m^-1"), "PER-M", "PER-M", 1.0, 0.0),
    # energy
    (("J", "joule", "joules"), "J", "J", 1.0, 0.0),
    (("mJ", "millijoule", "millijoules"), "MilliJ", "J", 1e-3, 0.0),
    (("µJ", "μJ", "uJ", "microjoule", "microjoules"), "MicroJ", "J", 1e-6, 0.0),
    (("eV", "electronvolt"), "EV", "J", _EV, 0.0),
    (("keV",), "KiloEV", "J", 1e3 * _EV, 0.0),
    (("MeV",), "MegaEV", "J", 1e6 * _EV, 0.0),
    (("GeV",), "GigaEV", "J", 1e9 * _EV, 0.0),
    # temperature
    (("K", "kelvin", "kelvins"), "K", "K", 1.0, 0.0),
    (("°C", "℃", "degC", "celsius", "deg_c", "degrees celsius"), "DEG_C", "K", 1.0, 273.15),
    (("mK", "millikelvin"), "MilliK", "K", 1e-3, 0.0),
    # pressure
    (("Pa", "pascal"), "PA", "PA", 1.0, 0.0),
    (("hPa",), "HectoPA", "PA", 1e2, 0.0),
    (("kPa",), "KiloPA", "PA", 1e3, 0.0),
    (("bar",), "BAR", "PA", 1e5, 0.0),
    (("mbar", "millibar"), "MilliBAR", "PA", 1e2, 0.0),
    # angle
    (("rad", "radian", "radians"), "RAD", "RAD", 1.0, 0.0),
    (("mrad", "milliradian"), "MilliRAD", "RAD", 1e-3, 0.0),
    (("deg", "degree", "degrees", "°"), "DEG", "RAD", math.pi / 180.0, 0.0),
    # time and frequency
    (("s", "sec", "second", "seconds"), "SEC", "SEC", 1.0, 0.0),
    (("ms", "millisecond", "milliseconds"), "MilliSEC", "SEC", 1e-3, 0.0),
    (("us", "µs", "μs", "microsecond", "microseconds"), "MicroSEC", "SEC", 1e-6, 0.0),
    (("ns", "nanosecond", "nanoseconds"), "NanoSEC", "SEC", 1e-9, 0.0),
    (("ps", "picosecond", "picoseconds"), "PicoSEC", "SEC", 1e-12, 0.0),
    (("fs", "femtosecond", "femtoseconds"), "FemtoSEC", "SEC", 1e-15, 0.0),
    (("min", "minute", "minutes"), "MIN", "SEC", 60.0, 0.0),
    (("h", "hour", "hours"), "HR", "SEC", 3600.0, 0.0),
    (("Hz", "hertz"), "HZ", "HZ", 1.0, 0.0),
    (("kHz",), "KiloHZ", "HZ", 1e3, 0.0),
    (("MHz",), "MegaHZ", "HZ", 1e6, 0.0),
    (("s^-1", "1/s", "/s", "s-1"), "PER-SEC", "PER-SEC", 1.0, 0.0),
    # electricity
    (("ampere", "amperes"), "A", "A", 1.0, 0.0),
    (("mA", "milliampere", "milliamperes"), "MilliA", "A", 1e-3, 0.0),
    (("V", "volt", "volts"), "V", "V", 1.0, 0.0),
    (("kV", "kilovolt", "kilovolts"), "KiloV", "V", 1e3, 0.0),
    # power, intensity, magnetic field
    (("W", "watt", "watts"), "W", "W", 1.0, 0.0),
    (("W/cm^2", "W/cm2", "W cm^-2"), "W-PER-CentiM2", "W-PER-M2", 1e4, 0.0),
    (("T", "tesla"), "T", "T", 1.0, 0.0),
    (("mT", "millitesla"), "MilliT", "T", 1e-3, 0.0),
    # ratios and counts
    (("%", "percent"), "PERCENT", "UNITLESS", 1e-2, 0.0),
    (("count", "counts"), "NUM", "NUM", 1.0, 0.0),
    # data size (not SI, but a common parameter: the "SI" unit is the byte)
    (("B", "byte", "bytes"), "BYTE", "BYTE", 1.0, 0.0),
]

UNITS: dict[str, Unit] = {}
_FOLDED: dict[str, Unit] = {}
for _spellings, _code, _si, _factor, _offset in _TABLE:
    _unit = Unit(_code, _si, _factor, _offset)
    for _s in _spellings:
        UNITS[_s] = _unit
        # Case-insensitive only for word forms ("Angstrom", "Joules"): for symbols case is the prefix
        # (meV / MeV, mbar / Mbar).
        if len(_s) >= 4 or _s == "ang":
            _FOLDED.setdefault(_s.casefold(), _unit)
# "A" is deliberately absent: ampere or Ångström, a guess either way; it stays an unknown unit.

# Values meaning "no unit": not unknown units, just dimensionless or unstated.
NO_UNIT = frozenset({"", "na", "n/a", "none", "null", "-", "unitless", "dimensionless"})

_SPACES = re.compile(r"\s+")


def lookup(spelling: str | None) -> Unit | None:
    """The unit for a published spelling; None when there is no unit or it is unknown (see `is_unitless`)."""
    if spelling is None:
        return None
    s = _SPACES.sub(" ", spelling.strip())
    if not s:
        return None
    return UNITS.get(s) or _FOLDED.get(s.casefold())


def is_unitless(spelling: str | None) -> bool:
    return spelling is None or spelling.strip().casefold() in NO_UNIT


_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def as_number(value: object) -> float | None:
    """A finite number from a JSON number or a numeric string ("1.13010"); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and _NUMBER.match(value.strip()):
        number = float(value.strip())
    else:
        return None
    return number if math.isfinite(number) else None
