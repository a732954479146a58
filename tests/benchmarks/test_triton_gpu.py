"""``benchmarks.triton_gpu``: its hand-written KServe v2 client against the real Triton, its
pure parts, and one guarded run without a server."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from benchmarks import triton_gpu
from core.inference import TritonGateway
from core.settings import Settings
from models.doctypes import DocumentType
from tests.fixtures.documents import document


def test_a_request_is_a_json_header_then_one_length_prefixed_image() -> None:
    image = b"\xff\xd8 not really a jpeg \xff\xd9"
    body, header_len = triton_gpu.encode_request(image)
    header = json.loads(body[:header_len])
    (tensor,) = header["inputs"]
    assert tensor["datatype"] == "BYTES" and tensor["shape"] == [1, 1]
    assert tensor["parameters"]["binary_data_size"] == 4 + len(image)
    assert body[header_len:] == struct.pack("<I", len(image)) + image
    assert header["outputs"] == [{"name": "READING", "parameters": {"binary_data": False}}]


def test_the_reading_is_taken_from_the_json_response() -> None:
    reading = {"lines": [{"text": "OMANG"}], "timingsMs": {"recognize": 3.0}}
    body = json.dumps(
        {"outputs": [{"name": "READING", "datatype": "BYTES", "data": [json.dumps(reading)]}]}
    ).encode()
    assert triton_gpu.parse_response(body) == reading
    assert triton_gpu.texts(reading) == ["OMANG"]
    with pytest.raises(ValueError, match="no READING"):
        triton_gpu.parse_response(b'{"outputs": []}')


def test_agreement_counts_identical_pages_and_character_similarity() -> None:
    a = [["REPUBLIC OF BOTSWANA", "OMANG"], ["SURNAME", "MOTSUMI"]]
    same = triton_gpu.agreement(a, [list(p) for p in a])
    assert same["pages"] == 2 and same["pages_identical"] == 1.0
    assert same["char_similarity"] == 1.0
    one_off = triton_gpu.agreement(a, [a[0], ["SURNAME", "MOTSUM1"]])
    assert one_off["pages_identical"] == 0.5
    assert 0.9 < one_off["char_similarity"] < 1.0


def test_a_variant_names_its_configuration_and_one_model_is_loaded(tmp_path: Path) -> None:
    gpu = triton_gpu.server_command(tmp_path, "gpu", 0)
    variable = triton_gpu.server_command(tmp_path, "gpu_variable_shapes", 1)
    cpu = triton_gpu.server_command(tmp_path, "cpu", 2)
    assert "--model-config-name=gpu" in gpu
    assert "--model-config-name=gpu_variable_shapes" in variable
    assert not any(a.startswith("--model-config-name") for a in cpu)
    for cmd in (gpu, variable, cpu):
        assert cmd[0] == str(tmp_path / "bin" / "tritonserver")
        assert "--model-control-mode=explicit" in cmd
        assert f"--load-model={triton_gpu.MODEL}" in cmd
    # Variants run one after another; a server still shutting down must not hold
    # the next one's ports.
    assert len(set(triton_gpu.ports(0) + triton_gpu.ports(1) + triton_gpu.ports(2))) == 9
    assert f"--http-port={triton_gpu.ports(1)[0]}" in variable


def test_a_run_without_a_server_records_the_error_and_writes_the_report(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "p000.jpg").write_bytes(b"\xff\xd8\xff\xd9")
    out = tmp_path / "out"
    args = ["--server", str(tmp_path / "absent"), "--pages", str(pages), "--out", str(out)]
    rc = triton_gpu.main([*args, "--variants", "cpu"])
    assert rc == 1
    report = json.loads((out / "triton_gpu.json").read_text())
    (variant,) = report["variants"]
    assert variant["variant"] == "cpu" and "FileNotFoundError" in variant["error"]
    assert "cpu: FileNotFoundError" in (out / "triton_gpu.md").read_text()


@pytest.mark.integration
def test_the_hand_written_client_reads_what_tritonclient_reads(stack: Settings) -> None:
    jpeg, sample = document(DocumentType.NATIONAL_ID_FRONT, condition="scan")
    ours = triton_gpu.infer(stack.triton.http_port, jpeg)
    (theirs,) = TritonGateway(stack.triton).document_ocr([jpeg])
    assert triton_gpu.texts(ours) == [line["text"] for line in theirs["lines"]]
    assert any(sample.field("surname").value.upper() in t.upper() for t in triton_gpu.texts(ours))
