#!/usr/bin/env bash
# On a lent GPU machine (benchmarks/triton_gpu.py's docstring says what it measures), in
# the checkout's root. The bundle that benchmarks/device/bundle.sh packs is larger than one
# call may carry, so it travels in parts, one per call, under .gpu/c*/; each call adds
# its part to $G/parts and, once all are there, unpacks them and runs the benchmark.
# A call before the last only reports what the machine has (Python, libpython, CUDA).
# `run.sh shapes [ARGS]` runs benchmarks/ort_gpu_shapes.py instead (ONNX Runtime alone).
set -u
G=/tmp/botskyc-gpu
OUT=${OUT:-$G/out}
mkdir -p "$G/parts" "$OUT"
cp -n .gpu/c*/part.* "$G/parts/" 2>/dev/null
. .gpu/bundle.env   # NPARTS, REST_BYTES, SHA_BLOB
have=$(ls "$G/parts" | wc -l)
echo "parts: $have of $NPARTS"

# Where the CUDA 13 libraries that onnxruntime-gpu's CUDA provider loads live here.
cuda_dirs=""
for lib in libcudart.so.13 libcublasLt.so.13 libcublas.so.13 libcurand.so.10 libcufft.so.12 libcudnn.so.9; do
    f=$(find /opt /usr/local /usr/lib -name "$lib" 2>/dev/null | head -1)
    [ -n "$f" ] && cuda_dirs="$cuda_dirs:$(dirname "$f")" || echo "not found: $lib"
done

if [ "$have" -lt "$NPARTS" ]; then
    nvidia-smi -L; nproc; df -h /tmp | tail -1
    command -v python3; python3 -V
    echo "libpython3.12: $(find / -name 'libpython3.12*.so*' -not -path '/proc/*' 2>/dev/null | head -3 | tr '\n' ' ')"
    echo "cuda dirs: $cuda_dirs"
    exit 0
fi

if [ ! -e "$G/unpacked" ]; then
    cat "$G"/parts/part.* > "$G/blob"
    echo "$SHA_BLOB  $G/blob" | sha256sum -c - || exit 1
    head -c "$REST_BYTES" "$G/blob" | xz -d | tar -C "$G" -xf - || exit 1
    tail -c +$((REST_BYTES + 1)) "$G/blob" | xz -d > "$G/site/onnxruntime/capi/libonnxruntime_providers_cuda.so" || exit 1
    rm -f "$G/blob"
    touch "$G/unpacked"
fi
mkdir -p triton-repo/document_ocr/1/ppocr
cp "$G"/ppocr/*.onnx triton-repo/document_ocr/1/ppocr/
# Variants of the GPU configuration to compare, written here only (--variants NAME,...):
# gpu.pbtxt asks for the heuristic cuDNN search and fixed_shapes (one input shape per
# ONNX Runtime session); each variant takes one of the two back, to show what each buys.
cfg=triton-repo/document_ocr/configs
sed 's/key: "fixed_shapes" value: { string_value: "true" }/key: "fixed_shapes" value: { string_value: "false" }/' \
    "$cfg/gpu.pbtxt" > "$cfg/gpu_variable_shapes.pbtxt"
grep -v 'key: "cuda_provider_options"' "$cfg/gpu.pbtxt" > "$cfg/gpu_exhaustive.pbtxt"

# The Python backend's stub embeds this machine's Python 3.12 (the bundle's stub is
# the 3.12 one), finds it through PATH, and does not inherit PYTHONPATH. So it gets a
# venv of its own whose path puts $G/site (numpy<2, onnxruntime-gpu, zxing-cpp,
# pyclipper) ahead of this machine's packages (OpenCV there): with numpy 2 the stub
# answers empty outputs.
if [ ! -x "$G/stubenv/bin/python3" ]; then
    python3 -m venv --without-pip "$G/stubenv" || exit 1
    base_site=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    printf '%s\n%s\n' "$G/site" "$base_site" \
        > "$("$G/stubenv/bin/python3" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/botskyc.pth"
fi
export PATH="$G/stubenv/bin:$PATH"
python3 -c 'import numpy, cv2, zxingcpp, pyclipper, onnxruntime as o; print("stub env:", numpy.__version__, cv2.__version__, o.__version__, o.get_available_providers())' || exit 1
py_lib=$(dirname "$(find / -name 'libpython3.12.so.1.0' -not -path '/proc/*' 2>/dev/null | head -1)")
export LD_LIBRARY_PATH="$G/triton/nvidia_pytriton.libs:$py_lib${cuda_dirs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONPATH="$PWD"
export PYTHONUNBUFFERED=1
if [ "${1:-}" = shapes ]; then  # ONNX Runtime alone: per-shape vs per-run cost
    shift
    python3 -m benchmarks.ort_gpu_shapes --models "$G/ppocr" --out "$OUT" "$@"
    exit $?
fi
python3 -m benchmarks.triton_gpu --server "$G/triton/pytriton/tritonserver" \
    --pages "$G/pages" --out "$OUT" "$@"
