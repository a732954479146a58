"""Face fixtures for this package (defined in tests/fixtures/faces.py)."""

from tests.fixtures.faces import face_models, no_face_photos, real_photos

__all__ = ["face_models", "no_face_photos", "real_photos"]
