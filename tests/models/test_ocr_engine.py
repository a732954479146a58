"""OCR post-processing and page geometry (pure logic), and the real PP-OCRv4 models in-process."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from models.ocr import engine as ocr
from models.ocr.document import read_document
from models.ocr.geometry import find_page, rectify, rotate
from tests.fixtures.images import Image

MODEL_DIR = Path(__file__).resolve().parents[2] / "triton-repo" / "document_ocr" / "1" / "ppocr"
FONT = "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"
LINES = ["REPUBLIC OF BOTSWANA", "Surname: MOLEFE", "Omang No: 123416789", "Amount due P 1,234.56"]


def rendered_page(lines: list[str] = LINES, size: tuple[int, int] = (1000, 700)) -> Image:
    img = PILImage.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 26)
    for i, text in enumerate(lines):
        draw.text((60, 60 + 60 * i), text, font=font, fill="black")
    return np.asarray(img)[:, :, ::-1].copy()


def test_ctc_decode_collapses_repeats_and_drops_blanks() -> None:
    charset = ["", "A", "B", " "]
    steps = [0, 1, 1, 0, 1, 2, 2, 0]
    probs = np.full((len(steps), 4), 0.01, np.float32)
    for t, k in enumerate(steps):
        probs[t, k] = 0.9
    text, conf, positions = ocr.ctc_decode(probs, charset)
    assert text == "AAB"
    assert positions == [1, 4, 5]
    assert conf == pytest.approx(0.9)


def test_ctc_decode_of_only_blanks_is_empty() -> None:
    probs = np.zeros((5, 3), np.float32)
    probs[:, 0] = 1
    assert ocr.ctc_decode(probs, ["", "A", " "]) == ("", 0.0, [])


def test_order_quad_is_clockwise_from_top_left() -> None:
    pts = np.array([[10, 50], [90, 10], [10, 10], [90, 50]], np.float32)
    assert ocr.order_quad(pts).tolist() == [[10, 10], [90, 10], [90, 50], [10, 50]]


def test_sort_quads_reads_rows_left_to_right() -> None:
    def q(x: float, y: float) -> ocr.Quad:
        return np.array([[x, y], [x + 50, y], [x + 50, y + 20], [x, y + 20]], np.float32)

    ordered = ocr.sort_quads([q(300, 104), q(10, 100), q(10, 200)])
    assert [(int(a[0, 0]), int(a[0, 1])) for a in ordered] == [(10, 100), (300, 104), (10, 200)]


def test_db_boxes_finds_each_blob_and_scales_it_back() -> None:
    prob = np.zeros((64, 128), np.float32)
    prob[10:20, 10:60] = 0.9
    prob[40:50, 70:120] = 0.9
    quads = ocr.db_boxes(prob, 2.0, 2.0, (256, 128))
    assert len(quads) == 2
    xs = sorted(float(q[:, 0].min()) for q in quads)
    # Scaled ×2, grown by the unclip offset: the first box starts a little before x=20.
    assert 5 < xs[0] < 20 and 125 < xs[1] < 140


def _two_glyph_line(gap: int) -> Image:
    """A 48-px line: three ink blocks, 20 px apart, then ``gap`` px, then three more."""
    crop = np.full((48, 400, 3), 255, np.uint8)
    x = 10
    for k in range(6):
        crop[10:38, x : x + 14] = 0
        x += 14 + (gap if k == 2 else 6)
    return crop


@pytest.mark.parametrize(("gap", "expected"), [(30, "ABC DEF"), (6, "ABCDEF")])
def test_word_spaces_come_back_only_at_wide_gaps(gap: int, expected: str) -> None:
    crop = _two_glyph_line(gap)
    width, n_steps = 400, 50  # 8 columns per CTC step
    centres = [17 + 20 * k + (gap - 6 if k > 2 else 0) for k in range(6)]
    steps = [c // 8 for c in centres]
    assert ocr.insert_word_spaces("ABCDEF", steps, n_steps, crop, width) == expected


def test_mrz_lines_never_get_spaces() -> None:
    line = "P<BWAMOLEFE<<KABELO<<<<<<<<<<<<<<<<<<<<<<<<"
    steps = list(range(0, 2 * len(line), 2))
    assert ocr.insert_word_spaces(line, steps, 100, _two_glyph_line(60), 400) == line


# Where ``photo_of_page`` puts the page's corners in the photo.
PHOTO_CORNERS = np.array([[180, 120], [1120, 170], [1080, 880], [140, 820]], np.float32)


def photo_of_page() -> Image:
    """``rendered_page`` photographed at an angle on a dark table (corners: PHOTO_CORNERS)."""
    background = np.full((1000, 1300, 3), 60, np.uint8)
    src = np.array([[0, 0], [999, 0], [999, 699], [0, 699]], np.float32)
    m = cv2.getPerspectiveTransform(src, PHOTO_CORNERS)
    warped = cv2.warpPerspective(
        rendered_page(), m, (1300, 1000), dst=background, borderMode=cv2.BORDER_TRANSPARENT
    )
    return np.asarray(warped, np.uint8)


def test_find_page_on_a_photo_and_rectify_it() -> None:
    photo = photo_of_page()
    quad = find_page(photo)
    assert quad is not None
    assert np.abs(quad - PHOTO_CORNERS).max() < 15
    flat = rectify(photo, quad)
    # Side lengths as measured: perspective shortens the far side a little.
    assert abs(flat.shape[1] / flat.shape[0] - 1000 / 700) < 0.15


def test_a_scan_has_no_page_outline_to_correct() -> None:
    assert find_page(rendered_page()) is None


def _shaded(image: Image, top: int, sigma: float, depth: float = 0.5) -> Image:
    """``image`` darkened below row ``top`` by a shadow whose edge is blurred by ``sigma``."""
    edge = np.zeros(image.shape[:2], np.float32)
    edge[top:] = 1
    mask = np.asarray(cv2.GaussianBlur(edge, (0, 0), sigma), np.float32)
    return np.clip(image * (1 - depth * mask)[..., None], 0, 255).astype(np.uint8)


@pytest.mark.parametrize("sigma", [12.0, 30.0])
def test_a_shadow_across_a_photo_leaves_the_whole_page_found(sigma: float) -> None:
    quad = find_page(_shaded(photo_of_page(), 600, sigma))
    assert quad is not None
    assert np.abs(quad - PHOTO_CORNERS).max() < 15


@pytest.mark.parametrize(
    ("seed", "doc_type", "template"),
    [(4_600_092, "foreign_passport", 2), (4_600_123, "visa", 0), (4_600_554, "drivers_licence", 2)],
)
def test_the_lit_part_of_a_shadowed_scan_is_not_taken_for_the_page(
    seed: int, doc_type: str, template: int
) -> None:
    from models.doctypes import DocumentType
    from tools.docgen import generate

    sample = generate(seed, DocumentType(doc_type), template, "shadow")
    # The shadow's edge is a step with four straight sides around the lit part; it
    # is soft where the paper's edge is sharp. The page is the whole scan.
    assert find_page(sample.image) is None


@pytest.mark.parametrize(
    ("seed", "doc_type", "template"), [(4_650_001, "national_id_back", 1), (4_650_007, "visa", 1)]
)
def test_a_blurred_photo_keeps_its_page_found(seed: int, doc_type: str, template: int) -> None:
    from models.doctypes import DocumentType
    from tools.docgen import generate

    sample = generate(seed, DocumentType(doc_type), template, "phone")
    # Out of focus, every edge of the page is soft alike; only a side much softer
    # than the others is a shadow's.
    blurred = np.asarray(cv2.GaussianBlur(sample.image, (0, 0), 3.0), np.uint8)
    quad = find_page(blurred)
    assert quad is not None
    outline = quad.reshape(-1, 1, 2)
    for f in sample.fields:
        assert all(cv2.pointPolygonTest(outline, p, True) > -4 for p in f.quad), f.name


def test_rotate_is_clockwise() -> None:
    img = np.zeros((2, 3, 3), np.uint8)
    img[0, 0] = 255
    assert rotate(img, 90).shape == (3, 2, 3) and rotate(img, 90)[0, 1, 0] == 255
    assert rotate(img, 0) is img


@pytest.fixture(scope="module")
def engine() -> ocr.OcrEngine:
    if not (MODEL_DIR / ocr.DET_MODEL).exists():
        pytest.fail(f"PP-OCRv4 models missing in {MODEL_DIR}: run `bash infra/install.sh models`")
    return ocr.OcrEngine(MODEL_DIR)


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_real_models_read_a_page_in_any_orientation(engine: ocr.OcrEngine, degrees: int) -> None:
    reading = read_document(rotate(rendered_page(), degrees), engine)
    assert [line.text for line in reading.lines] == LINES
    assert (reading.geometry.rotation + degrees) % 360 == 0
    assert all(0.5 <= line.confidence <= 1 for line in reading.lines)


def test_a_blank_page_reads_as_nothing(engine: ocr.OcrEngine) -> None:
    reading = read_document(np.full((600, 800, 3), 245, np.uint8), engine)
    assert reading.lines == [] and reading.geometry.rotation == 0


@pytest.mark.parametrize(
    ("seed", "template", "condition"),
    [
        # Read unstretched, this photo's MRZ lost the W of BWA twice and read the
        # O of MOAGI as 0 (the development set's failure that MRZ_STRETCH fixes).
        (3_000_302, 2, "phone"),
        # The angle classifier called this scan's MRZ name line ('P<BWA...<<<<')
        # upside down; read turned, it came out as '>>>>' and was dropped.
        (1_503_000, 0, "scan"),
        # A shadow across the left of this scan: its lit part, four straight sides,
        # was taken for the page and cropping to it cut the MRZ in half.
        (4_600_321, 0, "shadow"),
    ],
)
def test_mrz_lines_are_read_whole(
    engine: ocr.OcrEngine, seed: int, template: int, condition: str
) -> None:
    from models.doctypes import DocumentType
    from tools.docgen import generate

    sample = generate(seed, DocumentType.PASSPORT, template, condition)
    ok, buf = cv2.imencode(".jpg", sample.image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok and sample.mrz
    reading = read_document(cv2.imdecode(buf, cv2.IMREAD_COLOR), engine)
    texts = [line.text for line in reading.lines]
    assert all(line in texts for line in sample.mrz)


def test_stretch_widens_and_keeps_the_height() -> None:
    crop = np.zeros((30, 100, 3), np.uint8)
    assert ocr.stretch(crop, 1.5).shape == (30, 150, 3)


class _Recorder:
    """An ONNX Runtime session that records the shape of every input it runs on."""

    def __init__(self, session: object, width: int = 0) -> None:
        self.session = session
        self.width = width  # the recognition width it serves (fixed_shapes), 0 if none
        self.shapes: list[tuple[int, ...]] = []

    def get_inputs(self) -> object:
        return self.session.get_inputs()  # type: ignore[attr-defined]

    def run(self, names: object, feeds: dict[str, np.ndarray]) -> object:
        self.shapes.append(tuple(next(iter(feeds.values())).shape))
        return self.session.run(names, feeds)  # type: ignore[attr-defined]


def test_fixed_shapes_give_each_session_one_shape_and_read_the_same() -> None:
    # The CUDA provider pays whenever a session's input shape changes; fixed_shapes must
    # leave every classifier and recogniser session one shape, across pages and line
    # widths (MRZ re-reads included), and still read what the default path reads.
    if not (MODEL_DIR / ocr.DET_MODEL).exists():
        pytest.fail(f"PP-OCRv4 models missing in {MODEL_DIR}: run `bash infra/install.sh models`")
    from models.doctypes import DocumentType
    from tools.docgen import generate

    fixed = ocr.OcrEngine(MODEL_DIR, fixed_shapes=True)
    cls = _Recorder(fixed.cls)
    fixed.cls = cls
    recorders: list[_Recorder] = []
    session = fixed._rec_session

    def recorded(width: int) -> _Recorder:
        r = _Recorder(session(width), width)
        recorders.append(r)
        return r

    fixed._rec_session = recorded  # type: ignore[method-assign]
    reading = read_document(rendered_page(), fixed)
    assert [line.text for line in reading.lines] == LINES
    passport = generate(1_503_000, DocumentType.PASSPORT, 0, "scan")
    texts = [line.text for line in read_document(passport.image, fixed).lines]
    assert passport.mrz and all(line in texts for line in passport.mrz)
    assert set(cls.shapes) == {(ocr.REC_BATCH, 3, *ocr.CLS_SHAPE)}
    widths = {r.width for r in recorders}
    assert len(widths) >= 3 and widths <= set(ocr.REC_WIDTH_BUCKETS)
    for r in recorders:
        assert r.shapes == [(ocr.REC_BATCH, 3, ocr.REC_HEIGHT, r.width)]
    # one session per width, the same one every time it is asked for
    assert all(session(w) is fixed._rec_by_width[w] for w in widths)
    assert len({id(fixed._rec_by_width[w]) for w in widths}) == len(widths)


def test_rec_bucket_is_the_narrowest_that_holds_the_line() -> None:
    assert ocr.rec_bucket(10) == 320
    assert ocr.rec_bucket(320) == 320
    assert ocr.rec_bucket(321) == 384
    assert ocr.rec_bucket(2600) == 2848
    assert ocr.rec_bucket(9999) == ocr.REC_WIDTH_BUCKETS[-1]
    steps = [b / a for a, b in zip(ocr.REC_WIDTH_BUCKETS, ocr.REC_WIDTH_BUCKETS[1:], strict=False)]
    assert max(steps) <= 1.25  # a line's padding stays within a quarter of its width


def test_without_fixed_shapes_line_widths_change_the_recogniser_shape() -> None:
    # The default (CPU) path batches by width: padding costs a CPU more than it saves.
    if not (MODEL_DIR / ocr.DET_MODEL).exists():
        pytest.fail(f"PP-OCRv4 models missing in {MODEL_DIR}: run `bash infra/install.sh models`")
    plain = ocr.OcrEngine(MODEL_DIR)
    recorder = _Recorder(plain.rec)
    plain.rec = recorder
    plain.recognize([np.full((30, w, 3), 255, np.uint8) for w in (100, 600, 1500)])
    assert len({s[-1] for s in recorder.shapes}) == 3


def test_warm_up_gives_every_width_its_session_and_only_with_fixed_shapes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # three widths instead of thirteen: a CPU runs the widest ones for seconds
    monkeypatch.setattr(ocr, "REC_WIDTH_BUCKETS", (320, 384, 480))
    if not (MODEL_DIR / ocr.DET_MODEL).exists():
        pytest.fail(f"PP-OCRv4 models missing in {MODEL_DIR}: run `bash infra/install.sh models`")
    plain = ocr.OcrEngine(MODEL_DIR)
    plain.warm_up()
    assert list(plain._rec_by_width) == [ocr.REC_WIDTH_BUCKETS[0]]
    fixed = ocr.OcrEngine(MODEL_DIR, fixed_shapes=True)
    fixed.warm_up()
    assert sorted(fixed._rec_by_width) == list(ocr.REC_WIDTH_BUCKETS)
    assert len({id(s) for s in fixed._rec_by_width.values()}) == len(ocr.REC_WIDTH_BUCKETS)
