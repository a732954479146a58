"""Document OCR: PP-OCRv4 (ONNX) with page geometry."""
