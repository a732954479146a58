"""Document-type classification from OCR text (trained in-repo on generated documents)."""
