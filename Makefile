# botsKYC — `make help` lists the targets. The two you need:
#   make demo   the stack plus a demo round trip, printed
#   make test   the whole test suite against the real services
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
export PYTHONPATH := $(CURDIR):$(CURDIR)/clients/python

help: ## Show this help
	@awk 'BEGIN {FS = ":.*?## "} /^[a-zA-Z_-]+:.*?## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: ## Install everything missing (cached in ~/.cache/botskyc; minutes the first time)
	@bash infra/install.sh all

up: install ## Start Kafka, MinIO, PostgreSQL, Triton, then the worker and the API (idempotent)
	@$(PY) -m infra.stack up

down: ## Stop the stack (idempotent)
	@$(PY) -m infra.stack down

status: ## One line per service: state, ports, pid, log file
	@$(PY) -m infra.stack status

smoke: up ## A round trip through every service
	@$(PY) -m infra.stack smoke

demo: up ## The main job: the stack, the smoke round trip, and demo verifications through the API
	@$(PY) -m infra.stack smoke
	@$(PY) -m infra.stack demo

lint: ## ruff (lint and format check) and mypy
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .
	@$(PY) -m mypy .

test: up ## The test suite (lint, unit, integration against the real stack)
	@$(MAKE) --no-print-directory lint
	@$(PY) -m pytest

format: ## Format the code
	@$(PY) -m ruff format .
	@$(PY) -m ruff check --fix .

docs-sample: ## Generate a few labelled synthetic documents into out/docgen (see tools/docgen)
	@$(PY) -m tools.docgen --out out/docgen --seed 1 --per-type 1 --conditions scan,phone

train: ## Retrain the document classifier into out/doctype (install does it into the cache)
	@$(PY) -m models.doctype.train --out out/doctype

eval-documents: up ## Classification and OCR accuracy on the held-out generated set (minutes)
	@$(PY) -m models.eval.documents --out out/eval-documents

calibrate-fields: up ## Refit field-confidence calibration (models/extract/calibration.json; minutes)
	@$(PY) -m models.eval.calibrate

eval-faces: ## Face comparison on real photos from PyPI packages (FAR, FRR, EER; minutes)
	@$(PY) -m models.eval.faces --out out/eval-faces

eval-liveness: ## Liveness: APCER per attack type and BPCER on synthesised sessions (minutes)
	@$(PY) -m models.eval.liveness --out out/eval-liveness --seed0 3100000

bench-models: up ## Per-model latency and throughput through Triton, and the response cache
	@$(PY) -m benchmarks.triton_models

bench-biometrics: up ## Face model steps, face_analysis and a liveness clip through Triton
	@$(PY) -m benchmarks.biometrics

bench-fraud: up ## Fraud stage: document_forensics through Triton, the worker's parts, the stage
	@$(PY) -m benchmarks.fraud

bench-face-search: ## 1:N face search at 10k and 100k stored embeddings (minutes; add 1M by hand)
	@$(PY) -m benchmarks.face_search --sizes 10000,100000

bench-policy-simulation: ## Re-scoring stored fraud results under a candidate policy (what /risk-policy/simulate does)
	@$(PY) -m benchmarks.policy_simulation

eval-fraud-genuine: ## False positives on 200 genuine phone photos, with 95% upper bounds
	@$(PY) -m models.eval.fraud_genuine --n 200 --condition phone

eval-fraud-genuine-ocr: up ## The same 200 phone photos with the served OCR's signals and extraction checks too
	@$(PY) -m models.eval.fraud_genuine --n 200 --condition phone --ocr

eval-fraud-holdout: ## The signals against a second forger nothing was trained on (inpainting, Poisson cloning)
	@$(PY) -m models.eval.fraud_holdout --out out/eval-fraud-holdout

eval-fraud-policy: ## Risk policies compared (previous default, default) on development seeds: decisions, risk AUC
	@$(PY) -m models.eval.fraud_policy --out out/eval-fraud-policy

eval-copy-move-repeats: ## How closely genuine pages repeat their own print, against a forger's copies
	@$(PY) -m models.eval.copy_move_repeats --n 80

eval-copy-move-semantic: up ## Copy-moves onto values the document repeats (MRZ, barcode, sums), through the checks (~8 min)
	@$(PY) -m models.eval.copy_move_semantic --out out/eval-copy-move-semantic

eval-cropping: ## Whether the quality stage's CROPPED flag means cut off by the frame (~3 min)
	@$(PY) -m models.eval.cropping

eval-edit-windows: ## Where local_edits loses a forgery: its windows, or the page's maximum (~3 min)
	@$(PY) -m models.eval.edit_windows

train-layout: install ## Refit the template-layout profiles (models/fraud/layout_profiles.json; OCR in process, ~30 min)
	@$(PY) -m models.fraud.train_layout

eval-layout: install ## Template-layout check: counterfeits made from scratch against genuine uploads (OCR in process, ~15 min)
	@$(PY) -m models.eval.layout --out out/eval-layout

eval-fraud: up ## Tampering set: ROC AUC and detection at 1% FPR per attack; reuse precision/recall (OCR served)
	@$(PY) -m models.eval.fraud --out out/eval-fraud

.PHONY: help install up down status smoke demo lint test format docs-sample train eval-documents \
	calibrate-fields eval-faces eval-liveness bench-models bench-biometrics bench-fraud \
	bench-face-search eval-fraud eval-fraud-genuine eval-fraud-genuine-ocr eval-fraud-holdout eval-copy-move-repeats eval-copy-move-semantic eval-cropping eval-edit-windows \
	eval-fraud-policy bench-policy-simulation train-layout eval-layout
