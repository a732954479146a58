"""Fields stated in prose: people with IDs, addresses, cued dates and amounts, signatories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from models.doctypes import DocumentType as D
from models.extract import normalise as n
from models.extract.kv import NORMALISERS
from models.extract.lexicon import fields_of
from models.extract.prose import RULE_FACTOR
from models.extract.viz import extract_visual_zone

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ocr"
LINE_H = 24
CHAR_W = 9.0


def page(*texts: str, conf: float = 0.98) -> list[dict[str, Any]]:
    """OCR-like lines, one under the other, as wide as their text (a paragraph wraps when
    its lines are long)."""
    out = []
    for i, text in enumerate(texts):
        x0, y0 = 100.0, 60.0 + 34 * i
        x1 = x0 + CHAR_W * len(text)
        out.append(
            {
                "text": text,
                "confidence": conf,
                "box": [[x0, y0], [x1, y0], [x1, y0 + LINE_H], [x0, y0 + LINE_H]],
            }
        )
    return out


def values(doc_type: D, lines: list[dict[str, Any]]) -> dict[str, str]:
    return {k: v.normalized for k, v in extract_visual_zone(doc_type, lines).items()}


def fixture(name: str) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = json.loads((FIXTURES / f"{name}.json").read_text())["lines"]
    return lines


LANDLORD_LETTER = page(
    "NAOMI MPHO MOGAE",
    "Private Bag 7888, Tsabong",
    "23/07/2024",
    "To whom it may concern",
    "This letter serves to confirm that Naomi Ruth Letsholo (Omang 527621084) is my",
    "tenant and has been residing at Plot 50373, Extension 9, Tsabong since",
    "15/01/2022. The monthly rent is P 4,300.00 and it is paid on time every month.",
    "Yours faithfully,",
    "Naomi Mpho Mogae",
    "Landlord",
)


def test_landlord_letter_reads_the_tenant_address_date_and_rent() -> None:
    got = values(D.LANDLORD_LETTER, LANDLORD_LETTER)
    assert got == {
        "tenant": "NAOMI RUTH LETSHOLO",
        "tenant_id": "527621084",
        "landlord": "NAOMI MPHO MOGAE",  # the signatory above the "Landlord" line
        "address": "PLOT 50373, EXTENSION 9, TSABONG",
        "since": "2022-01-15",
        "rent": "4300.00",
        "letter_date": "2024-07-23",
        "signatory": "NAOMI MPHO MOGAE",
    }


def test_prose_values_are_extracted_fields_with_evidence() -> None:
    got = extract_visual_zone(D.LANDLORD_LETTER, LANDLORD_LETTER)
    tenant = got["tenant"]
    assert tenant.source == "VIZ" and tenant.value == "Naomi Ruth Letsholo"
    assert tenant.confidence == pytest.approx(0.98 * RULE_FACTOR["person_id"])
    # The box is the line the name was read from.
    assert tenant.box == [100.0, 196.0, 100.0 + CHAR_W * len(LANDLORD_LETTER[4]["text"]), 220.0]
    # The date after "since" at the end of a line is on the next line.
    assert got["since"].box[1] == 264.0


def test_lease_parties_take_their_roles_from_the_words_after_them() -> None:
    lines = page(
        "LEASE AGREEMENT",
        "Entered into between Olebogeng Kitso Mothibi (Omang 487419099), hereinafter the",
        "Landlord, and Onkemetse Masilo (Omang 492814477), hereinafter the Tenant. The",
        "Landlord lets to the Tenant the dwelling at Plot 19813, Block 6, Letlhakane.",
        "The lease commences on 20/12/2022 and terminates on 18/06/2023. The monthly",
        "rent is P 5,500.00 and the Tenant shall pay a deposit of P 6,000.00 on signing.",
        "Signed at Lobatse on 21/12/2022.",
    )
    got = values(D.LEASE_AGREEMENT, lines)
    assert got["landlord"] == "OLEBOGENG KITSO MOTHIBI" and got["landlord_id"] == "487419099"
    assert got["tenant"] == "ONKEMETSE MASILO" and got["tenant_id"] == "492814477"
    assert got["premises"] == "PLOT 19813, BLOCK 6, LETLHAKANE"
    assert (got["start"], got["end"], got["signed_date"]) == (
        "2022-12-20",
        "2023-06-18",
        "2022-12-21",
    )
    assert (got["rent"], got["deposit"]) == ("5500.00", "6000.00")


def test_roles_are_read_from_the_words_not_the_order() -> None:
    lines = page(
        "Entered into between Samuel Molefe (Omang 848711634), the Tenant, and the owner",
        "Kabelo Moses Segokgo (Omang 929015274), the Landlord, on the terms below. The",
    )
    got = values(D.LEASE_AGREEMENT, lines)
    assert got["tenant"] == "SAMUEL MOLEFE" and got["landlord"] == "KABELO MOSES SEGOKGO"


def test_affidavit_first_person_postal_address_and_commissioner() -> None:
    lines = page(
        "AFFIDAVIT",
        "I, Tumisang Modise (ID No. 855622630), solemnly swear that the following is true:",
        "(a) my residential address is Plot 70438, Broadhurst, Letlhakane; and I have lived",
        "there since 19 MAR 2016; (c) I receive mail at Private Bag 5916, Letlhakane.",
        "Sworn before me at Tlokweng this 14 JUL 2024. The deponent has no objection.",
        "COMMISSIONER OF OATHS",
        "Goitseone Mpho Mmusi",
        "BOTSWANA POLICE SERVICE",
    )
    got = values(D.AFFIDAVIT, lines)
    assert got == {
        "deponent": "TUMISANG MODISE",
        "deponent_id": "855622630",
        "address": "PLOT 70438, BROADHURST, LETLHAKANE",
        "postal": "PRIVATE BAG 5916, LETLHAKANE",
        "since": "2016-03-19",
        "sworn_date": "2024-07-14",
        "commissioner": "GOITSEONE MPHO MMUSI",
    }


def test_kgotla_letter_ward_village_and_a_year() -> None:
    lines = page(
        "Moshupa Kgotla",
        "09 JUL 2024",
        "The Moshupa Kgotla confirms that Mosadi Oratile Masilo (ID 884021550) resides in",
        "Rampedi ward, Moshupa, and has been a member of this community since 2002.",
        "Yours sincerely,",
        "Grace Motsumi",
        "Headman of Arbitration",
    )
    got = values(D.KGOTLA_LETTER, lines)
    assert got["resident"] == "MOSADI ORATILE MASILO" and got["resident_id"] == "884021550"
    assert (got["ward"], got["village"], got["since"]) == ("RAMPEDI", "MOSHUPA", "2002")
    assert (got["signatory"], got["letter_date"]) == ("GRACE MOTSUMI", "2024-07-09")


def test_employment_letter_employer_position_and_salary() -> None:
    lines = page(
        "Kgalagadi Breweries (Pty) Ltd",
        "19 JUL 2024",
        "We hereby confirm that Neo Gaolathe, ID 189214925, is employed with Kgalagadi",
        "Breweries (Pty) Ltd in the position of Sales Assistant, with effect from the",
        "01 APR 2017, earning a basic salary of BWP 38 650.00 per month. Please call us.",
        "Yours sincerely,",
        "Naomi Sechele",
        "HR Officer",
    )
    got = values(D.EMPLOYMENT_LETTER, lines)
    assert got["employer"] == "KGALAGADI BREWERIES (PTY) LTD"
    assert (got["position"], got["start"], got["salary"]) == (
        "SALES ASSISTANT",
        "2017-04-01",
        "38650.00",
    )
    assert (got["employee"], got["signatory"]) == ("NEO GAOLATHE", "NAOMI SECHELE")


def test_board_resolution_company_registration_and_the_authorised_person() -> None:
    lines = page(
        "TLOTLO MOTORS (PTY) LTD",
        "25/06/2024",
        "At a meeting of the Board of Directors of Tlotlo Motors (Pty) Ltd (registration",
        "number BW46809390039) held on 24/06/2024, it was RESOLVED THAT Onkemetse Thato",
        "Motsumi be and is hereby authorised to sign all documents for the company today.",
        "Yours faithfully,",
        "Olebogeng Boitumelo Mokgosi",
        "Director",
    )
    got = values(D.BOARD_RESOLUTION, lines)
    assert got == {
        "company": "TLOTLO MOTORS (PTY) LTD",
        "reg_no": "BW46809390039",
        "meeting_date": "2024-06-24",
        "signatory_name": "ONKEMETSE THATO MOTSUMI",
        "signatory": "OLEBOGENG BOITUMELO MOKGOSI",
        "letter_date": "2024-06-25",
    }


def test_ocr_confusions_in_cues_and_ids() -> None:
    lines = page(
        "1, the undersigned, Onkemetse David Rantao, holder of 0mang number 9148I2093, do",
        "hereby state that I reside at Plot 29921, Phase 2, Francistown since 05/07/2021.",
        "My postal address is P 0 Box 5804, Francistown.",
    )
    got = values(D.AFFIDAVIT, lines)
    assert got["deponent"] == "ONKEMETSE DAVID RANTAO" and got["deponent_id"] == "914812093"
    assert got["postal"] == "P O BOX 5804, FRANCISTOWN"


def test_certificates_read_labels_and_the_company_from_a_sentence() -> None:
    lines = page(
        "Business Registration Certificate",
        "This certifies that the business Tati Consulting has been registered",
        "Business Identification Number: BN98695079029",
        "Proprietor: Keabetswe Mothibi",
        "Date of Registration: 30/05/2024",
        "Nature of Business: General Dealer",
    )
    got = values(D.BUSINESS_REGISTRATION_CERTIFICATE, lines)
    assert got == {
        "company": "TATI CONSULTING",
        "bin": "BN98695079029",
        "owner": "KEABETSWE MOTHIBI",
        "registration_date": "2024-05-30",
        "nature": "GENERAL DEALER",
    }
    memo = page(
        "CONSTITUTION of Thuso Properties (Pty) Ltd, a private company limited",
        "Company Number: BW99915867802",
        "Lodged by: Kefilwe Michael Ramotswe, P O Box 3474, Serowe",
    )
    got = values(D.MEMORANDUM_COVER, memo)
    assert got["company"] == "THUSO PROPERTIES (PTY) LTD"  # not "CONSTITUTION of ..."
    assert got["lodged_by"] == "KEFILWE MICHAEL RAMOTSWE"
    assert got["lodged_address"] == "P O BOX 3474, SEROWE"


@pytest.mark.parametrize(
    ("name", "doc_type"),
    [
        ("landlord_letter-0-scan-3100000", D.LANDLORD_LETTER),
        ("affidavit-0-scan-3100000", D.AFFIDAVIT),
    ],
)
def test_real_ocr_output(name: str, doc_type: D) -> None:
    """OCR of generated pages (tools.docgen, seed 3100000, template 0): every field right."""
    truth = {
        "landlord_letter-0-scan-3100000": {
            "letter_date": "2024-02-04",
            "tenant": "NEO MOKOENA",  # OCR: "(0mang 975616675)"
            "tenant_id": "975616675",
            "address": "PLOT 50509, EXTENSION 14, RAMOTSWA",
            "since": "2019-08-16",
            "rent": "4900.00",
            "signatory": "MASEGO PATIENCE GAOLATHE",
        },
        "affidavit-0-scan-3100000": {
            "deponent": "ONKEMETSE DAVID RANTAO",  # OCR: "1, the undersigned, ..."
            "deponent_id": "914812093",
            "address": "PLOT 29921, PHASE 2, FRANCISTOWN",
            "since": "2021-07-05",
            "postal": "P O BOX 5804, FRANCISTOWN",  # OCR: "P 0 Box"
            "sworn_date": "2024-02-11",
            "commissioner": "LESEGO LETSHOLO",
        },
    }[name]
    got = values(doc_type, fixture(name))
    assert {k: got.get(k) for k in truth} == truth


def test_every_produced_field_is_declared_with_its_kind() -> None:
    for doc_type in (D.LANDLORD_LETTER, D.AFFIDAVIT):
        kinds = {s.name: s.kind for s in fields_of(doc_type)}
        got = extract_visual_zone(doc_type, fixture(f"{doc_type.value}-0-scan-3100000"))
        for name, f in got.items():
            assert NORMALISERS[kinds[name]](f.value) == f.normalized


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("P.O. Box 7, Maun", "P O BOX 7, MAUN"),
        ("PO Box 7 ,Maun.", "P O BOX 7, MAUN"),
        ("Private  Bag 12,Gaborone", "PRIVATE BAG 12, GABORONE"),
        ("Maun", None),
    ],
)
def test_address_normaliser(text: str, want: str | None) -> None:
    assert n.address(text) == want


def test_other_new_normalisers() -> None:
    assert (
        n.org("Tlotlo Motors (Pty)Ltd.")
        == n.org("TLOTLO MOTORS PTY LTD")
        == ("TLOTLO MOTORS (PTY) LTD")
    )
    assert n.integer("016") == "16" and n.integer("1,000") == "1000" and n.integer("x") is None
    assert n.date_or_year("since 2002"[6:]) == "2002" and n.date_or_year("1 Mar 2002") == (
        "2002-03-01"
    )
    assert n.amount("-BWP 804.75") == "-804.75" and n.amount("BWP 804.75") == "804.75"
    assert n.date("the 14th day of July 2024") == "2024-07-14"


def test_text_whose_spaces_ocr_dropped() -> None:
    """Phone photos: OCR glues words ("monthlyrentis", "Omang345218953", "Officerbased")."""
    lease = page(
        "Entered into between Neo Mpho Phiri (Omang 548329656), hereinafter the Landlordand",
        "Thato Boitumelo Gaolathe（Omang345218953),hereinafter the Tenant. Clause 1: RENT:",
        "Thmonthlyrentis BWP4300.00payableonorbforeday7feach month. Thelease commences on",
        "27NOV2023and terminates on25MAY2024.",
    )
    got = values(D.LEASE_AGREEMENT, lease)
    assert (got["landlord"], got["tenant"]) == ("NEO MPHO PHIRI", "THATO BOITUMELO GAOLATHE")
    assert got["tenant_id"] == "345218953" and got["rent"] == "4300.00"
    assert (got["start"], got["end"]) == ("2023-11-27", "2024-05-25")
    contract = page(
        "This contract is made between Morupule Coal Mine (the Employer) and Michael Olebogeng",
        "Radebe, Omang 865912390 (the Employee). The Employee is appointed as Security",
        "Officerbased in Tlokweng. SIGNEDAT Serowe ON 14 AUG 2023",
    )
    got = values(D.EMPLOYMENT_CONTRACT, contract)
    assert got["employer"] == "MORUPULE COAL MINE"
    assert (got["position"], got["signed_place"]) == ("SECURITY OFFICER", "SEROWE")
    affidavit = page(
        "Sworn before me at Ramotswa this 24 JUL 2025.",
        "COMMISSIONEROFOATHS",
        "Pako Gaone Motlhabane",
    )
    assert values(D.AFFIDAVIT, affidavit)["commissioner"] == "PAKO GAONE MOTLHABANE"
    brc = page(
        "CERTIFICATE OF REGISTRATION OF BUSINESS NAME",
        "Thebusiness name CHOBE INVESTMENTS is registered in terms of the Act.",
    )
    assert values(D.BUSINESS_REGISTRATION_CERTIFICATE, brc)["company"] == "CHOBE INVESTMENTS"


def test_a_name_wrapped_over_two_lines_has_both_boxes() -> None:
    lines = page(
        "This letter serves to confirm that the person known to me as Naomi Ruth",
        "Letsholo (Omang 527621084) is my tenant and has lived at my house for years.",
    )
    tenant = extract_visual_zone(D.LANDLORD_LETTER, lines)["tenant"]
    assert tenant.normalized == "NAOMI RUTH LETSHOLO"
    assert (tenant.box[1], tenant.box[3]) == (60.0, 118.0)


def test_a_heading_does_not_run_into_the_next_line() -> None:
    def at(text: str, x0: float, y0: float, x1: float) -> dict[str, Any]:
        return {
            "text": text,
            "confidence": 0.98,
            "box": [[x0, y0], [x1, y0], [x1, y0 + 32], [x0, y0 + 32]],
        }

    lines = [
        at("GABORONE CITY COUNCIL", 389, 71, 851),  # centred, reaching the right margin
        at("Mophane Transport (Pty) Ltd is hereby licensed to carry on the trade", 100, 215, 926),
    ]
    assert values(D.TRADING_LICENCE, lines)["company"] == "MOPHANE TRANSPORT (PTY) LTD"
