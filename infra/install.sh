#!/usr/bin/env bash
# Installs everything the stack needs that is slow to build, into a cache
# outside the clone (keyed by version) so that fresh clones reuse it.
#
#   infra/install.sh [all|python|minio|kafka|postgres|triton|tools|models|prune]
#
# Idempotent: each step writes a stamp when it finished, and is skipped when
# the stamp is there. A step that fails leaves no stamp and is redone next time.
#
# Every key of a dependency list leaves a virtualenv (0.5-1 GB) behind, and
# every change of the generator a trained classifier. `all` ends with `prune`:
# entries of those kinds that no checkout has used for BOTSKYC_CACHE_KEEP_DAYS
# (default 14) days are removed. Any checkout's install marks what it uses, so
# an older clone that still runs keeps its entries.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=infra/versions.env
source "$ROOT/infra/versions.env"
CACHE="${BOTSKYC_CACHE_DIR:-$HOME/.cache/botskyc}"
PYTHON="${BOTSKYC_PYTHON:-python3.11}"
mkdir -p "$CACHE"
PYTHON_TAG="$("$PYTHON" -c 'import sys;print(f"{sys.version_info[0]}{sys.version_info[1]}")')"

log() { printf '[install] %s\n' "$*" >&2; }
stamp_ok() { [ -f "$1/.installed" ]; }
stamp() { date -u +%FT%TZ >"$1/.installed"; }
# used DIR: this checkout uses the cache entry now (its age for `prune`).
used() { touch "$1/.last-used"; }
KEEP_DAYS="${BOTSKYC_CACHE_KEEP_DAYS:-14}"

# Cache entries (virtualenvs, trained classifiers) unused for KEEP_DAYS days,
# except the ones this checkout uses. An entry without a .last-used mark
# (made before marks existed) ages from its .installed stamp.
prune() {
  local keep; keep=" $(project_venv_dir) $(triton_venv_dir) $(doctype_dir) $(edits_dir) "
  local entry mark
  for entry in "$CACHE"/venvs/*/ "$CACHE"/models/doctype-*/ "$CACHE"/models/edits-*/; do
    entry="${entry%/}"
    [ -d "$entry" ] || continue
    case "$keep" in *" $entry "*) continue ;; esac
    mark="$entry/.last-used"; [ -f "$mark" ] || mark="$entry/.installed"
    # No mark at all: a build that is under way or failed; `all` redoes or replaces it.
    [ -f "$mark" ] || continue
    if [ -n "$(find "$mark" -mtime +"$KEEP_DAYS" -print)" ]; then
      log "pruning $entry (unused for over $KEEP_DAYS days: $(du -sh "$entry" | cut -f1))"
      rm -rf "$entry"
    fi
  done
}

# Hash of a file list, so that a venv is rebuilt when its requirements change.
hash_of() { cat "$@" | sha256sum | cut -c1-12; }

project_requirements() { "$PYTHON" "$ROOT/infra/deps_from_pyproject.py" "$ROOT/pyproject.toml" --all; }
# Keyed by the dependency list, not the whole pyproject (tool settings change often).
project_venv_dir() { echo "$CACHE/venvs/project-py$PYTHON_TAG-$(project_requirements | sha256sum | cut -c1-12)"; }
triton_venv_dir() { echo "$CACHE/venvs/triton-py$PYTHON_TAG-$(hash_of "$ROOT/infra/triton/requirements.txt")"; }

# new_venv DIR REQUIREMENTS_FILE: a fresh virtualenv with those requirements.
new_venv() {
  rm -rf "$1"
  "$PYTHON" -m venv "$1"
  "$1/bin/pip" install --quiet --upgrade pip
  "$1/bin/pip" install --quiet -r "$2"
}

# apt_install PACKAGE...: Debian packages, non-interactively.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "$@" >/dev/null
}

install_python() {
  local venv; venv="$(project_venv_dir)"
  if ! stamp_ok "$venv"; then
    log "project virtualenv -> $venv"
    # Dependencies only, not the checkout, so that one cached venv serves every clone.
    new_venv "$venv" <(project_requirements)
    stamp "$venv"
  fi
  used "$venv"
  # .venv in the checkout links to the cached venv. The checkout is not
  # installed into it (that would bind the venv to one clone): callers set
  # PYTHONPATH to the checkout instead (Makefile, scripts).
  ln -sfn "$venv" "$ROOT/.venv"
}

install_minio() {
  local dir; dir="$(minio_dir)"
  if ! stamp_ok "$dir"; then
    log "building MinIO $MINIO_VERSION from source with $(go version | cut -d' ' -f3) (a few minutes, once)"
    mkdir -p "$dir/bin"
    GOBIN="$dir/bin" GOFLAGS=-trimpath CGO_ENABLED=0 go install "github.com/minio/minio@$MINIO_VERSION"
    stamp "$dir"
  fi
}

kafka_dir() { echo "$CACHE/kafka/$KAFKA_VERSION-$(hash_of "$ROOT/infra/kafka/pom.xml")"; }
minio_dir() { echo "$CACHE/minio/$MINIO_VERSION"; }

install_kafka() {
  local dir; dir="$(kafka_dir)"
  if ! stamp_ok "$dir"; then
    log "resolving Apache Kafka $KAFKA_VERSION and a log4j2 backend from Maven Central"
    mkdir -p "$dir/libs"
    mvn -q -B -Dstyle.color=never -f "$ROOT/infra/kafka/pom.xml" \
      -Dkafka.version="$KAFKA_VERSION" -Dlog4j.version="$LOG4J_VERSION" \
      dependency:copy-dependencies -DoutputDirectory="$dir/libs" -DincludeScope=runtime
    stamp "$dir"
  fi
}

install_postgres() {
  if [ ! -x "/usr/lib/postgresql/$POSTGRES_MAJOR/bin/postgres" ]; then
    log "installing PostgreSQL $POSTGRES_MAJOR from Debian packages"
    apt_install "postgresql-$POSTGRES_MAJOR"
  fi
}

# Tools the tests use: Debian's docker-compose validates docker-compose.yml
# with no Docker engine.
install_tools() {
  if ! command -v docker-compose >/dev/null 2>&1; then
    log "installing docker-compose (for validating docker-compose.yml) from Debian packages"
    apt_install docker-compose
  fi
  # Fonts the document generator (tools/docgen) renders with; OCR-B for MRZs.
  if [ ! -f /usr/share/fonts/opentype/ocr-b/OCRB.otf ] || [ ! -d /usr/share/fonts/truetype/liberation2 ] \
    || [ ! -d /usr/share/fonts/truetype/freefont ] || [ ! -d /usr/share/fonts/opentype/urw-base35 ]; then
    log "installing fonts for the document generator from Debian packages"
    apt_install fonts-ocr-b fonts-liberation2 fonts-freefont-ttf fonts-urw-base35 fonts-dejavu-core
  fi
}

install_triton() {
  local venv; venv="$(triton_venv_dir)"
  if ! stamp_ok "$venv"; then
    log "Triton virtualenv (tritonserver from nvidia-pytriton, numpy<2) -> $venv"
    new_venv "$venv" "$ROOT/infra/triton/requirements.txt"
    local pt; pt="$("$venv/bin/python" -c 'import pytriton,os;print(os.path.dirname(pytriton.__file__))')"
    local pyver; pyver="$("$venv/bin/python" -c 'import sys;print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    cp "$pt/tritonserver/python_backend_stubs/$pyver/triton_python_backend_stub" "$pt/tritonserver/backends/python/"
    # numpy 2 makes the python-backend stub return empty outputs silently.
    "$venv/bin/python" -c 'import numpy,sys; sys.exit(0 if numpy.__version__.startswith("1.") else "numpy>=2 in the Triton venv")'
    stamp "$venv"
  fi
  used "$venv"
}

# Model files that ship through PyPI, and the models we train, linked into
# triton-repo/ (the links are git-ignored; the files live in the cache).
rapidocr_dir() { echo "$CACHE/models/rapidocr-onnxruntime-$RAPIDOCR_VERSION"; }
doctype_dir() {
  echo "$CACHE/models/doctype-$(cd "$ROOT" && cat models/doctypes.py models/doctype/*.py \
    $(find tools/docgen -name '*.py' | sort) | sha256sum | cut -c1-12)"
}

# The local-edit detector (models/fraud/edits.py) learns from generated forgeries;
# retrained when its code, the forensics it reads, or the generators change.
edits_dir() {
  echo "$CACHE/models/edits-$(cd "$ROOT" && cat models/fraud/edits.py models/fraud/train_edits.py \
    models/fraud/tamper.py $(find tools/docgen tools/tampergen -name '*.py' | sort) \
    | sha256sum | cut -c1-12)"
}

install_models() {
  local dir; dir="$(rapidocr_dir)"
  if ! stamp_ok "$dir"; then
    log "PP-OCRv4 ONNX models from the rapidocr-onnxruntime $RAPIDOCR_VERSION wheel (PyPI)"
    local tmp; tmp="$(mktemp -d)"
    "$(project_venv_dir)/bin/pip" download --quiet --no-deps --only-binary :all: \
      "rapidocr-onnxruntime==$RAPIDOCR_VERSION" -d "$tmp"
    mkdir -p "$dir"
    unzip -q -j -o "$tmp"/rapidocr_onnxruntime-*.whl 'rapidocr_onnxruntime/models/*.onnx' -d "$dir"
    rm -rf "$tmp"
    stamp "$dir"
  fi
  ln -sfn "$dir" "$ROOT/triton-repo/document_ocr/1/ppocr"
  local clf; clf="$(doctype_dir)"
  if ! stamp_ok "$clf"; then
    log "training the document classifier on generated data -> $clf"
    mkdir -p "$clf"
    (cd "$ROOT" && PYTHONPATH="$ROOT" "$(project_venv_dir)/bin/python" -m models.doctype.train --out "$clf")
    stamp "$clf"
  fi
  used "$clf"
  ln -sfn "$clf" "$ROOT/triton-repo/document_classifier/1/weights"
  local det; det="$(edits_dir)"
  if ! stamp_ok "$det"; then
    log "training the local-edit detector on generated forgeries (~20 min) -> $det"
    mkdir -p "$det"
    (cd "$ROOT" && PYTHONPATH="$ROOT" "$(project_venv_dir)/bin/python" -m models.fraud.train_edits \
      --out "$det" > "$det/train.log")
    stamp "$det"
  fi
  used "$det"
  ln -sfn "$det" "$ROOT/triton-repo/document_forensics/1/edits"
}

what="${1:-all}"
# Two installers must not build the same cache entry at once (parallel
# launchers, a test run beside a shell): one at a time, per cache.
if [ "$what" != "path" ]; then
  exec 9>"$CACHE/.install.lock"
  flock 9
fi
case "$what" in
  all)
    # apt steps share dpkg's lock: one after the other. The rest are
    # independent downloads and builds: in parallel, each failure reported.
    install_postgres; install_tools
    pids=()
    for step in python kafka minio triton; do
      ( "install_$step" ) & pids+=("$!")
    done
    failed=0
    for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
    [ "$failed" = 0 ] || { log "an install step failed (see above)"; exit 1; }
    # Needs the project venv (pip download, training).
    install_models
    prune ;;
  python|minio|kafka|postgres|triton|tools|models) "install_$what" ;;
  prune) prune ;;
  # Where each cached build lives, for the launchers (one place computes it).
  path)
    case "${2:-}" in
      python) project_venv_dir ;; triton) triton_venv_dir ;;
      kafka) kafka_dir ;; minio) minio_dir ;;
      *) echo "usage: $0 path python|triton|kafka|minio" >&2; exit 2 ;;
    esac ;;
  *) echo "usage: $0 [all|python|minio|kafka|postgres|triton|tools|models|prune|path NAME]" >&2; exit 2 ;;
esac
