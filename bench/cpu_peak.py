"""The float32 peak FLOP/s of this machine's CPU, from the vector width its flags announce.

Peak = cores x clock x FLOPs per cycle per core, and FLOPs per cycle = FMA units x float32 lanes x 2
(a fused multiply-add counts as two FLOPs; without FMA, one multiplier and one adder give half).
The lanes come from the widest vector extension in
``/proc/cpuinfo``'s flags; the number of FMA units is not in the flags, so it stays an assumption:
two, as on server cores since Intel Skylake-SP and AMD Zen 2. AMD Zen 4 (CPU family 25) runs
AVX-512 instructions on 256-bit units, so it gets the AVX2 lanes.
"""

from __future__ import annotations

import dataclasses
import os

#: Assumed FMA units per core; the flags do not say (Xeon Bronze/Silver have one 512-bit unit).
FMA_UNITS = 2
#: CPU family of AMD Zen 4, whose AVX-512 executes on 256-bit units (Zen 5 is family 26).
AMD_ZEN4_FAMILY = 25


@dataclasses.dataclass(frozen=True)
class VectorUnit:
    """What one core can do per cycle in float32.

    Attributes:
        extension: The vector extension used, e.g. "AVX-512".
        lanes: float32 values per vector register the units process.
        fused_multiply_add: Whether a multiply and an add issue as one instruction.
    """

    extension: str
    lanes: int
    fused_multiply_add: bool

    @property
    def flops_per_cycle(self) -> int:
        """float32 FLOPs per cycle per core: units x lanes, x 2 when each unit does an FMA.

        Without FMA the two units are one multiplier and one adder, one FLOP per lane each.
        """
        return FMA_UNITS * self.lanes * (2 if self.fused_multiply_add else 1)

    def describe(self) -> str:
        """One line saying how the FLOPs per cycle were counted."""
        how = "FMA" if self.fused_multiply_add else "separate multiply and add"
        return (
            f"{self.flops_per_cycle} FLOP/cycle ({self.extension}, {self.lanes} float32 lanes, "
            f"{FMA_UNITS} units assumed, {how})"
        )


def vector_unit(flags: set[str], vendor: str = "", family: int | None = None) -> VectorUnit:
    """Chooses the widest float32 vector unit that `flags` announce.

    Args:
        flags: The CPU flags, as in the ``flags`` line of ``/proc/cpuinfo``.
        vendor: The ``vendor_id`` line, e.g. "GenuineIntel" or "AuthenticAMD".
        family: The ``cpu family`` number.

    Returns:
        The `VectorUnit` this CPU computes float32 with.
    """
    fma = "fma" in flags
    if "avx512f" in flags and not (vendor == "AuthenticAMD" and family == AMD_ZEN4_FAMILY):
        return VectorUnit("AVX-512", 16, True)
    if "avx512f" in flags:
        return VectorUnit("AVX-512 on 256-bit units (AMD Zen 4)", 8, True)
    if "avx2" in flags or "avx" in flags:
        return VectorUnit("AVX2" if "avx2" in flags else "AVX", 8, fma)
    return VectorUnit("SSE", 4, fma)


def read_cpuinfo(path: str = "/proc/cpuinfo") -> dict:
    """Reads the first processor's flags, vendor and family, and the highest clock listed.

    Args:
        path: The cpuinfo file.

    Returns:
        A dict with ``flags`` (set), ``vendor`` (str), ``family`` (int or None) and ``megahertz``
        (the highest ``cpu MHz`` line, or None when there is none).
    """
    info = {"flags": set(), "vendor": "", "family": None, "megahertz": None}
    with open(path) as cpuinfo:
        for line in cpuinfo:
            key, _, value = (part.strip() for part in line.partition(":"))
            if key == "flags" and not info["flags"]:
                info["flags"] = set(value.split())
            elif key == "vendor_id" and not info["vendor"]:
                info["vendor"] = value
            elif key == "cpu family" and info["family"] is None:
                info["family"] = int(value)
            elif key == "cpu MHz":
                info["megahertz"] = max(float(value), info["megahertz"] or 0.0)
    return info


def cpu_peak_flops(path: str = "/proc/cpuinfo") -> tuple[float, str]:
    """Peak float32 FLOP/s of this machine: cores x clock x FLOPs per cycle of its vector unit.

    Args:
        path: The cpuinfo file.

    Returns:
        (peak FLOP/s, a description of how it was computed).
    """
    info = read_cpuinfo(path)
    unit = vector_unit(info["flags"], info["vendor"], info["family"])
    cores = os.cpu_count() or 1
    clock_hz = (info["megahertz"] or 2000.0) * 1e6
    return (
        cores * clock_hz * unit.flops_per_cycle,
        f"{cores} cores x {clock_hz / 1e9:.2f} GHz x {unit.describe()}",
    )
