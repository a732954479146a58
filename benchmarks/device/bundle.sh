#!/usr/bin/env bash
# Packs, here, what benchmarks/device/run.sh needs on a lent GPU machine that has no
# network, and splits it into parts that fit one device call each (64 MiB a call, the
# checkout included): .gpu/c1/part.aa, .gpu/c2/part.ab, ... and .gpu/bundle.env.
#   - tritonserver and its Python backend from the nvidia-pytriton wheel in the stack's
#     Triton venv (make up installs it), with the Python 3.12 stub: the lent machine's
#     Python is 3.12;
#   - for that stub, cp312 wheels from PyPI: onnxruntime-gpu (CUDA 13; its CUDA
#     provider alone is 284 MB, most of the bundle), numpy<2, zxing-cpp, pyclipper;
#   - the PP-OCRv4 ONNX files (triton-repo/document_ocr/1/ppocr) and 48 generated pages.
# .gpu/ is git-ignored; each device call carries .gpu/cK and .gpu/bundle.env.
set -euo pipefail
cd "$(dirname "$0")/../.."
PART_MIB=${PART_MIB:-60}
G=.gpu
S=$G/stage
rm -rf "$G" && mkdir -p "$S/site" "$S/triton/pytriton/tritonserver" "$G/wheels"
T=$(ls -d ~/.cache/botskyc/venvs/triton-py311-*/lib/python3.11/site-packages | head -1)
cp -a "$T/pytriton/tritonserver/"{bin,backends,caches} "$S/triton/pytriton/tritonserver/"
cp -a "$T/nvidia_pytriton.libs" "$S/triton/"
rm -f "$S"/triton/nvidia_pytriton.libs/libpython3-*   # the 3.13 stub's; not used
cp "$T/pytriton/tritonserver/python_backend_stubs/3.12/triton_python_backend_stub" \
    "$S/triton/pytriton/tritonserver/backends/python/"
find "$S/triton" -name __pycache__ -prune -exec rm -rf {} +
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$G/wheels" \
    onnxruntime-gpu==1.31.1 numpy==1.26.4 zxing-cpp==3.1.1 pyclipper==1.4.0
for w in "$G"/wheels/*.whl; do
    unzip -q -o "$w" -d "$S/site" -x 'onnxruntime/capi/libonnxruntime_providers_cuda.so' \
        'onnxruntime/capi/libonnxruntime_providers_tensorrt.so' 'onnxruntime/capi/libonnxruntime.so*' \
        'onnxruntime/transformers/*' 'onnxruntime/tools/*' 'onnxruntime/quantization/*'
done
unzip -q -o -j "$G"/wheels/onnxruntime_gpu-*.whl 'onnxruntime/capi/libonnxruntime_providers_cuda.so' -d "$G"
cp -rL triton-repo/document_ocr/1/ppocr "$S/ppocr" && rm -f "$S/ppocr/.installed"
PYTHONPATH=. .venv/bin/python -m benchmarks.triton_gpu --make-pages "$S/pages" --count 48
tar -C "$S" -cf - triton site ppocr pages | xz -T2 -6 > "$G/rest.tar.xz"
xz -T2 -9 -c "$G/libonnxruntime_providers_cuda.so" > "$G/cuda.xz"
cat "$G/rest.tar.xz" "$G/cuda.xz" > "$G/blob"
split -b "${PART_MIB}M" "$G/blob" "$G/part."
i=0
for p in "$G"/part.*; do i=$((i + 1)); mkdir -p "$G/c$i"; mv "$p" "$G/c$i/"; done
cat > "$G/bundle.env" <<ENV
NPARTS=$i
REST_BYTES=$(stat -c %s "$G/rest.tar.xz")
SHA_BLOB=$(sha256sum "$G/blob" | cut -d' ' -f1)
ENV
rm -rf "$S" "$G/blob" "$G/rest.tar.xz" "$G/cuda.xz" "$G/libonnxruntime_providers_cuda.so" "$G/wheels"
cat "$G/bundle.env"; du -sh "$G"/c*
