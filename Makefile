# paintmatch: the two set-up commands are `make demo` and `make test`; both install what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEMO_OUT ?= demo-out
# Benchmark processes at a time (make bench, make ablation): the scores are the same with any number; more than 1
# pays only with more than 2 cores (on 2 cores `make bench` took 80 min with 2, as with 1).
BENCH_JOBS ?= 1

.PHONY: install install-test browser demo test bench bench-small bench-speed bench-batch bench-drift bench-memory bench-gaps bench-flags bench-leaks bench-errors bench-palette bench-jpeg bench-scans bench-inks bench-sizes bench-keys bench-next-key bench-workflow ablation example weights clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

install: $(PY)
	$(PIP) install --quiet -e .

install-test: $(PY)
	$(PIP) install --quiet -e ".[train,web,dist,dev]"

# Debian's chromium for the browser test (Playwright's own browser download does not work offline).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "the browser test needs Debian's chromium: sudo apt-get install chromium"; exit 1; fi; \
	fi

demo: install
	$(VENV)/bin/paintmatch colorize examples/demo-cut --out $(DEMO_OUT)
	$(PY) -m paintmatch.contact_sheet examples/demo-cut $(DEMO_OUT) --out $(DEMO_OUT)/contact_sheet.png
	@echo "results: $(DEMO_OUT)/ (frames + JSON sidecars); look at $(DEMO_OUT)/contact_sheet.png"

test: install-test browser
	$(VENV)/bin/pytest -q

bench: install-test
	$(PY) benchmarks/run.py --jobs $(BENCH_JOBS)

bench-small: install-test
	$(PY) benchmarks/run.py --small

bench-speed: install
	$(PY) benchmarks/bench_speed.py

ablation: install-test
	$(PY) benchmarks/ablation.py --jobs $(BENCH_JOBS)

bench-batch: install-test
	$(PY) benchmarks/bench_batch.py --repeat 2

# Gap closing ms at 1600x1600: auto (endpoint-driven) against trapped ball.
bench-gaps: install
	$(PY) benchmarks/bench_gaps.py

# Review effort on the production-like test suite (8 references per cut): components flagged, wrong ones caught.
bench-flags: install-test
	$(PY) benchmarks/flags.py --suite production-test --max-references 8

# Why painted regions come out transparent on the production-like dev suite: gap left open, edge or inner component.
bench-leaks: install-test
	$(PY) benchmarks/leaks.py

# Where best's wrong regions are on the production-like dev suite: by cause (a color the painter's frame lacks, a hole
# painted, a leak, another shade of the region's own paint, another part's color), by region size, by distance to the
# reference.
bench-errors: install-test
	$(PY) benchmarks/errors.py

# How right colorize reads the painter's frames of the production-like dev suite, region by region, before matching.
bench-palette: install-test
	$(PY) benchmarks/palette_read.py

# How right colorize reads the painter's frames exported as JPEG (quality 95 / 85 / 70), by the cleanup applied.
bench-jpeg: install-test
	$(PY) benchmarks/jpeg_paint.py

# How best colors the production-like dev cuts handed over as scans on grey paper (230 / 200 / 175 / 150).
bench-scans: install-test
	$(PY) benchmarks/scans.py

# How best colors the production-like dev cuts with their main lines drawn in dark brown, purple or navy, also as
# scans (flattened on white, blurred), in light grey, and with every line at low opacity; about 30 min.
bench-inks: install-test
	$(PY) benchmarks/line_inks.py

# How best colors the production-like dev cuts drawn at 2048 px (HD-like) and 614 px instead of 1024 px.
bench-sizes: install-test
	$(PY) benchmarks/frame_sizes.py

# Peak RSS of colorize on 10- and 40-frame 1600 px cuts and a 150-frame 1920x1080 one (flat in the number of frames).
bench-memory: install
	$(PY) benchmarks/bench_memory.py

# Where best's errors come from: drift down a cut, parts the colored frame never shows, a second key frame.
bench-drift: install-test
	$(PY) benchmarks/drift.py

# Two colored frames a cut (first and last drawings): the frames between colored from the nearer one or from both.
bench-keys: install-test
	$(PY) benchmarks/keys.py

# Which frame to color second: the one colorize names next (the least sure), against other rules and hindsight.
bench-next-key: install-test
	$(PY) benchmarks/next_key.py

# A painter's fixes to finish a cut, by workflow: fix every frame, fix frame by frame (fixes locked, or each fixed frame
# made a colored frame), color next k times. Two cuts at a time.
bench-workflow: install-test
	$(PY) benchmarks/workflow.py --jobs 2

# Regenerate the bundled example cut with the synthetic generator (deterministic by seed).
example: install
	$(PY) -m paintmatch.example examples/demo-cut

# Rebuild every shipped weight file in src/paintmatch/models from its recipe in configs/ (hours on a 2-core CPU:
# the part field is seven runs, each starting from the one before, about 6 h; the ResNet-34 about 1 h; the color
# choice, which reads the part fields from src/paintmatch/models, about 20 min after they are copied there). Each run
# writes its checked ONNX export and .json (sha256) under runs/; the shipped files are copied from there.
# tests/test_weights.py checks that every shipped file has its recipe here.
weights: install-test
	$(VENV)/bin/paintmatch train --config configs/part-field-mixed-long.yaml --out runs/part-field-mixed-long
	$(VENV)/bin/paintmatch train --config configs/part-field-mixed-unseen.yaml --out runs/part-field-mixed-unseen
	$(VENV)/bin/paintmatch train --config configs/part-field-mixed-unseen2.yaml --out runs/part-field-mixed-unseen2
	$(VENV)/bin/paintmatch train --config configs/part-field-mixed-unseen3.yaml --out runs/part-field-mixed-unseen3
	$(VENV)/bin/paintmatch train --config configs/resnet34-c32-synth.yaml --out runs/resnet34-c32-synth
	$(VENV)/bin/paintmatch train --config configs/part-field-production.yaml --out runs/part-field-production
	$(VENV)/bin/paintmatch train --config configs/part-field-production2.yaml --out runs/part-field-production2
	$(VENV)/bin/paintmatch train --config configs/part-field-production3.yaml --out runs/part-field-production3
	$(VENV)/bin/paintmatch train --config configs/part-field-production4.yaml --out runs/part-field-production4
	$(VENV)/bin/paintmatch train --config configs/part-field-512.yaml --out runs/part-field-512
	cp runs/part-field-production4/part-field-production4-fp16.onnx runs/part-field-production4/part-field-production4-fp16.json src/paintmatch/models/
	cp runs/part-field-512/part-field-512-fp16.onnx runs/part-field-512/part-field-512-fp16.json src/paintmatch/models/
	$(VENV)/bin/paintmatch train --config configs/color-choice-production.yaml --out runs/color-choice-production
	cp runs/resnet34-c32-synth/resnet34-c32-synth-int8.onnx runs/resnet34-c32-synth/resnet34-c32-synth-int8.json src/paintmatch/models/
	cp runs/color-choice-production/color-choice-production.onnx runs/color-choice-production/color-choice-production.json src/paintmatch/models/

clean:
	rm -rf $(DEMO_OUT) .pytest_cache build *.egg-info
