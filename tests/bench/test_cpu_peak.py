"""The throughput benchmark's CPU peak: the vector width comes from the CPU's flags."""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

CPU_PEAK = Path(__file__).resolve().parents[2] / "bench" / "cpu_peak.py"

SAPPHIRE_RAPIDS_FLAGS = {
    "sse4_2",
    "avx",
    "avx2",
    "fma",
    "avx512f",
    "avx512bw",
    "avx512_bf16",
    "amx_bf16",
}
ZEN3_FLAGS = {"sse4_2", "avx", "avx2", "fma"}
ZEN4_FLAGS = ZEN3_FLAGS | {"avx512f", "avx512bw", "avx512_bf16"}
SANDY_BRIDGE_FLAGS = {"sse4_2", "avx"}


@pytest.fixture(scope="module")
def cpu_peak():
    spec = importlib.util.spec_from_file_location("cpu_peak", CPU_PEAK)
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is created.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_avx512_core_does_64_flops_per_cycle(cpu_peak):
    unit = cpu_peak.vector_unit(SAPPHIRE_RAPIDS_FLAGS, "GenuineIntel", 6)
    assert (unit.extension, unit.flops_per_cycle) == ("AVX-512", 64)


def test_avx2_core_with_fma_does_32_flops_per_cycle(cpu_peak):
    unit = cpu_peak.vector_unit(ZEN3_FLAGS, "AuthenticAMD", 25)
    assert (unit.extension, unit.flops_per_cycle) == ("AVX2", 32)


def test_amd_zen4_counts_avx512_at_256_bit_width(cpu_peak):
    assert cpu_peak.vector_unit(ZEN4_FLAGS, "AuthenticAMD", 25).flops_per_cycle == 32


def test_amd_zen5_counts_full_avx512_width(cpu_peak):
    assert cpu_peak.vector_unit(ZEN4_FLAGS, "AuthenticAMD", 26).flops_per_cycle == 64


def test_avx_without_fma_counts_a_multiply_and_an_add_unit(cpu_peak):
    assert cpu_peak.vector_unit(SANDY_BRIDGE_FLAGS, "GenuineIntel", 6).flops_per_cycle == 16


def test_no_avx_falls_back_to_sse_lanes(cpu_peak):
    assert cpu_peak.vector_unit({"sse2", "sse4_2"}).flops_per_cycle == 8


def test_read_cpuinfo_takes_first_flags_and_highest_clock(cpu_peak, tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(
        "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\ncpu MHz\t\t: 2100.000\n"
        "flags\t\t: fpu avx2 fma avx512f\n\n"
        "processor\t: 1\nvendor_id\t: GenuineIntel\ncpu family\t: 6\ncpu MHz\t\t: 2600.000\n"
        "flags\t\t: fpu avx2 fma\n"
    )
    info = cpu_peak.read_cpuinfo(str(cpuinfo))
    assert info == {
        "flags": {"fpu", "avx2", "fma", "avx512f"},
        "vendor": "GenuineIntel",
        "family": 6,
        "megahertz": 2600.0,
    }


def test_peak_multiplies_cores_clock_and_vector_width(cpu_peak, tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(
        "vendor_id\t: GenuineIntel\ncpu family\t: 6\ncpu MHz\t\t: 2500.000\n"
        "flags\t\t: avx2 fma avx512f\n"
    )
    peak, how = cpu_peak.cpu_peak_flops(str(cpuinfo))
    assert peak == pytest.approx(os.cpu_count() * 2.5e9 * 64)
    assert "AVX-512" in how and "2 units assumed" in how
