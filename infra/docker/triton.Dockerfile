# Triton with the Python backend, the same numpy<2 pin and the models package.
FROM nvcr.io/nvidia/tritonserver:24.10-py3
COPY infra/triton/requirements.txt /tmp/requirements.txt
RUN grep -v nvidia-pytriton /tmp/requirements.txt > /tmp/req.txt && pip install --no-cache-dir -r /tmp/req.txt
COPY models /app/models
COPY triton-repo /app/triton-repo
