"""TensorFlow's start-up notices stay out of students' notebooks; its warnings and errors do not."""

import os

import pytest
from claims_text import RESNETS, code_cell
from kernel_output import run_in_kernel

from resnet_course import tensorflow_startup

# Lines TensorFlow 2.21 printed on this project's CPU machines while starting (timestamps and ids
# vary).
NOTICES = (
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796166923.834248    7813 port.cc:153] oneDNN custom operations are on. "
    "You may see slightly different numerical results due to floating-point round-off errors "
    "from different computation orders. To turn them off, set the environment variable "
    "`TF_ENABLE_ONEDNN_OPTS=0`.",
    "I0000 00:00:1796166923.835559    7813 cudart_stub.cc:31] Could not find cuda drivers on "
    "your machine, GPU will not be used.",
    "I0000 00:00:1796166923.951519    7813 cpu_feature_guard.cc:227] This TensorFlow binary is "
    "optimized to use available CPU instructions in performance-critical operations.",
    "To enable the following instructions: AVX2 AVX512F AVX512_VNNI AVX512_BF16 AVX512_FP16 "
    "AVX_VNNI AMX_TILE AMX_INT8 AMX_BF16 FMA, in other operations, rebuild TensorFlow with the "
    "appropriate compiler flags.",
)
CUINIT = (
    "E0000 00:00:1796166926.724404    7813 cuda_platform.cc:52] failed call to cuInit: "
    "INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)"
)


def stderr_of(cells: list[str]) -> list[str]:
    """Runs the cells in a fresh kernel without TF_CPP_MIN_LOG_LEVEL; returns its stderr."""
    return run_in_kernel(cells)[0]


def test_imports_and_device_cells_write_nothing_to_stderr():
    device_query = "device = training.detect_device()\nprint(device.name)"
    assert stderr_of([code_cell(RESNETS, "imports"), device_query]) == []


def test_without_the_helper_tensorflow_writes_its_notices_into_the_notebook():
    plain_import = "import keras\nimport tensorflow as tf\ntf.config.list_physical_devices('GPU')"
    assert any("absl::InitializeLog" in text for text in stderr_of([plain_import]))


@pytest.mark.parametrize("line", NOTICES, ids=lambda line: line.split("]")[0][-30:])
def test_start_up_notices_are_recognized(line):
    assert tensorflow_startup.is_startup_notice(line, gpu_present=False)


def test_failed_cuinit_is_a_notice_only_without_a_gpu():
    assert tensorflow_startup.is_startup_notice(CUINIT, gpu_present=False)
    assert not tensorflow_startup.is_startup_notice(CUINIT, gpu_present=True)


def test_warnings_and_errors_from_tensorflow_stay_visible(capsys):
    with tensorflow_startup.filtered_stderr(gpu_present=False):
        os.write(2, (NOTICES[0] + "\nW0000 00:00:1.0    1 loader.cc:10] a real warning\n").encode())
    assert capsys.readouterr().err == "W0000 00:00:1.0    1 loader.cc:10] a real warning\n"


def test_lines_printed_before_an_exception_are_still_shown(capsys):
    with pytest.raises(ImportError):
        with tensorflow_startup.filtered_stderr(gpu_present=False):
            os.write(2, b"E0000 00:00:1.0    1 loader.cc:10] cannot load libtensorflow\n")
            raise ImportError("no tensorflow")
    assert "cannot load libtensorflow" in capsys.readouterr().err


def test_file_descriptor_2_is_restored():
    before = os.fstat(2)
    with tensorflow_startup.filtered_stderr(gpu_present=False):
        pass
    after = os.fstat(2)
    assert (before.st_dev, before.st_ino) == (after.st_dev, after.st_ino)
