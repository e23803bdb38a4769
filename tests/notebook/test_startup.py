"""Keras starts on the chosen backend, says which, and finds the device that backend sees."""

import types

import keras
import pytest
from claims_text import DEGRADATION, RESNETS, read
from kernel_output import run_in_kernel

from resnet_course import device, startup
from resnet_course.tensorflow_startup import nvidia_device_present


def test_startup_line_names_keras_backend_and_device():
    line = startup.startup_line("3.15.1", "jax", device.Device("CPU", "CPU (2 cores)"))
    assert line == "Keras 3.15.1 on jax; device: CPU (2 cores)"


@pytest.mark.every_backend
def test_start_keras_prints_the_configured_backend(capsys):
    found = startup.start_keras()
    expected = startup.startup_line(keras.__version__, keras.config.backend(), found)
    assert capsys.readouterr().out == expected + "\n"


@pytest.mark.every_backend
@pytest.mark.skipif(nvidia_device_present(), reason="this machine has an NVIDIA GPU")
def test_backend_without_a_gpu_trains_on_the_cpu():
    assert device.detect_device() == device.cpu_device()


@pytest.mark.every_backend
@pytest.mark.parametrize("notebook", [RESNETS, DEGRADATION], ids=["resnets", "degradation"])
def test_imports_cell_names_the_backend_and_writes_nothing_to_stderr(notebook):
    imports = next(cell.source for cell in read(notebook).cells if cell.cell_type == "code")
    stderr, printed = run_in_kernel([imports])
    assert stderr == []
    assert f" on {keras.config.backend()}; device: " in printed


def test_gpu_names_count_each_gpu_and_list_each_model_once():
    found = device.gpu_device(["NVIDIA H100", "NVIDIA A100", "NVIDIA H100"])
    assert found == device.Device("GPU", "3 GPU (NVIDIA A100, NVIDIA H100)")


def test_tensorflow_gpus_are_found_through_tf_config(monkeypatch):
    tf = pytest.importorskip("tensorflow")
    gpu = types.SimpleNamespace(name="/physical_device:GPU:0")
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind: [gpu])
    monkeypatch.setattr(
        tf.config.experimental, "get_device_details", lambda _: {"device_name": "NVIDIA L4"}
    )
    assert device.detect_device("tensorflow") == device.Device("GPU", "1 GPU (NVIDIA L4)")


def test_jax_gpus_are_its_devices_on_the_gpu_platform(monkeypatch):
    jax = pytest.importorskip("jax")
    gpus = [types.SimpleNamespace(platform="gpu", device_kind="NVIDIA H200")] * 2
    monkeypatch.setattr(jax, "devices", lambda: gpus)
    assert device.detect_device("jax") == device.Device("GPU", "2 GPU (NVIDIA H200)")


def test_jax_cpu_devices_are_no_gpu(monkeypatch):
    jax = pytest.importorskip("jax")
    monkeypatch.setattr(jax, "devices", lambda: [types.SimpleNamespace(platform="cpu")])
    assert not device.detect_device("jax").is_gpu


def test_torch_gpus_are_its_cuda_devices(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index: "NVIDIA T4")
    assert device.detect_device("torch") == device.Device("GPU", "1 GPU (NVIDIA T4)")


def test_torch_without_cuda_is_no_gpu(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert not device.detect_device("torch").is_gpu
