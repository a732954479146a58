# Triton with the Python backend, the same numpy<2 pin and the models package.
#
# Stage 1 fetches the PP-OCRv4 ONNX files from the rapidocr-onnxruntime wheel
# (PyPI) and trains the document classifier on generated documents, exactly as
# `infra/install.sh models` does outside Docker.
FROM python:3.11-slim AS models
RUN apt-get update && apt-get install -y --no-install-recommends unzip \
      fonts-ocr-b fonts-liberation2 fonts-freefont-ttf fonts-urw-base35 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY infra/versions.env /tmp/versions.env
RUN . /tmp/versions.env && pip download --no-deps --only-binary :all: \
      "rapidocr-onnxruntime==${RAPIDOCR_VERSION}" -d /tmp/whl \
    && mkdir -p /out/ppocr && unzip -q -j /tmp/whl/*.whl 'rapidocr_onnxruntime/models/*.onnx' -d /out/ppocr
RUN pip install --no-cache-dir numpy scipy pillow opencv-python-headless scikit-image
COPY models /app/models
COPY tools /app/tools
RUN cd /app && python -m models.doctype.train --out /out/doctype

FROM nvcr.io/nvidia/tritonserver:24.10-py3
COPY infra/triton/requirements.txt /tmp/requirements.txt
RUN grep -v nvidia-pytriton /tmp/requirements.txt > /tmp/req.txt && pip install --no-cache-dir -r /tmp/req.txt
COPY models /app/models
COPY triton-repo /app/triton-repo
COPY --from=models /out/ppocr /app/triton-repo/document_ocr/1/ppocr
COPY --from=models /out/doctype /app/triton-repo/document_classifier/1/weights
