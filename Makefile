# User-facing targets: `make test` and `make demo`, and the two seats `make lab` (student) and
# `make instructor`; each builds the environment first.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# Set GPU=1 to install the CUDA builds (tensorflow[and-cuda], jax[cuda12], PyPI's torch) instead
# of the CPU builds; the code is the same.
GPU ?= 0
# The Keras backends installed beside TensorFlow: `make test` runs its backend tests on each, and
# `make lab KERAS_BACKEND=jax` opens the notebook on one. `BACKENDS=` installs TensorFlow alone.
BACKENDS ?= jax torch
comma := ,
space := $(subst ,, )
gpu_suffix := $(if $(filter 1,$(GPU)),-gpu)
EXTRAS := $(subst $(space),$(comma),$(strip dev $(if $(filter 1,$(GPU)),gpu) $(addsuffix $(gpu_suffix),$(BACKENDS))))
STAMP := $(VENV)/.installed-$(EXTRAS)
# The lock pins torch's CPU build; a GPU install leaves torch's pin to the torch-gpu extra.
CONSTRAINTS := $(if $(filter 1,$(GPU)),$(VENV)/constraints-gpu.txt,constraints.txt)

export TF_CPP_MIN_LOG_LEVEL ?= 2
export KERAS_BACKEND ?= tensorflow
export PYTHONUNBUFFERED := 1

# The release notebook the student's JupyterLab opens on.
STUDENT_NOTEBOOK := assignments/resnets/Residual_Networks.ipynb

.PHONY: test demo env clean data lab instructor

env: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@sh tools/install-sandbox-tools.sh
	@sh tools/install-browser.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@grep -v '^torch==' constraints.txt > $(VENV)/constraints-gpu.txt
	$(PY) -m pip install --disable-pip-version-check -q -c $(CONSTRAINTS) -e ".[$(EXTRAS)]"
	@rm -f $(VENV)/.installed-*
	@touch $@

test: $(STAMP)
	KERAS_BACKEND=tensorflow $(PY) -m pytest
	@for backend in $(BACKENDS); do \
		echo "== the backend-sensitive tests on $$backend"; \
		KERAS_BACKEND=$$backend $(PY) -m pytest -m every_backend -p no:cacheprovider || exit 1; \
	done

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
