# User-facing targets: `make test` and `make demo`, and the two seats `make lab` (student) and
# `make instructor`; each builds the environment first.
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

# The release notebook the student's JupyterLab opens on.
STUDENT_NOTEBOOK := assignments/resnets/Residual_Networks.ipynb

.PHONY: test demo env clean data lab instructor

env: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@sh tools/install-sandbox-tools.sh
	@sh tools/install-browser.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -c constraints.txt -e ".[$(EXTRAS)]"
	@rm -f $(VENV)/.installed-*
	@touch $@

test: $(STAMP)
	$(PY) -m pytest

demo: $(STAMP)
	$(PY) -m instructor.demo

lab: $(STAMP)
	@sh tools/seat.sh student --LabApp.default_url=/lab/tree/$(STUDENT_NOTEBOOK) $(LAB_ARGS)

instructor: $(STAMP)
	@sh tools/seat.sh instructor $(LAB_ARGS)

data: $(STAMP)
	$(PY) -m signs_data generate

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
