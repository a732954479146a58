"""Field extraction and validation from OCR lines (visual zone, MRZ)."""
