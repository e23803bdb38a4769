# Two user-facing targets, `make test` and `make demo`; both build the environment first.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# Set GPU=1 to install tensorflow[and-cuda] instead of the CPU build; the code is the same.
GPU ?= 0
comma := ,
EXTRAS := dev$(if $(filter 1,$(GPU)),$(comma)gpu)
STAMP := $(VENV)/.installed-$(EXTRAS)

export TF_CPP_MIN_LOG_LEVEL ?= 2
export KERAS_BACKEND := tensorflow
export PYTHONUNBUFFERED := 1

.PHONY: test demo env clean data

env: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@sh tools/install-sandbox-tools.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -c constraints.txt -e ".[$(EXTRAS)]"
	@rm -f $(VENV)/.installed-*
	@touch $@

test: $(STAMP)
	$(PY) -m pytest

demo: $(STAMP)
	$(PY) -m instructor.demo

data: $(STAMP)
	$(PY) -m signs_data generate

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
