"""Labels and values as phone-photo OCR reads them: misread, cut short, glued, merged."""

from __future__ import annotations

from typing import Any

from models.doctypes import DocumentType as D
from models.extract import tables
from models.extract.kv import Line, extract, label_match, split_at_labels
from models.extract.lexicon import fields_of
from models.extract.prose import is_name_word
from models.extract.viz import extract_visual_zone

H = 24


def line(text: str, x: float, y: float, w: float | None = None) -> dict[str, Any]:
    x1 = x + (w if w is not None else 9.0 * len(text))
    return {"text": text, "confidence": 0.98, "box": [[x, y], [x1, y], [x1, y + H], [x, y + H]]}


def got(doc_type: D, lines: list[dict[str, Any]]) -> dict[str, str]:
    return {k: v.normalized for k, v in extract(lines, fields_of(doc_type)).items()}


def prose(doc_type: D, *texts: str) -> dict[str, str]:
    lines = [line(t, 100, 60 + 34 * i) for i, t in enumerate(texts)]
    return {k: v.normalized for k, v in extract_visual_zone(doc_type, lines).items()}


# ---------------------------------------------------------------- label matching


def test_ocr_confusions_in_labels() -> None:
    # "rn" read as "m", "l" for "I", "0" for "O".
    assert label_match("Bom", ("BORN",)) is not None
    assert label_match("Date of lssue", ("DATE OF ISSUE",)) is not None
    assert label_match("0mang No", ("OMANG NO",)) is not None
    # A caption alone on its line may be read worse than a label with its value after it.
    assert label_match("Gonder.", ("GENDER",)) is not None
    assert label_match("Gonder: MALE", ("GENDER",)) is None


def test_a_caption_cut_short_inside_a_word() -> None:
    found = label_match("Birthpiac", ("BIRTHPLACE",))
    assert found is not None and found[1] < 1.0
    assert label_match("Issuingo", ("ISSUING OFFICE",)) is not None
    # A whole word of a longer label is a value too ("Registered", a company's status).
    assert label_match("Registered", ("REGISTERED OFFICE",)) is None
    assert label_match("Birt", ("BIRTHPLACE",)) is None  # too little of it


def test_a_short_label_is_a_whole_word() -> None:
    assert label_match("Notice of renewal", ("NO",)) is None
    assert label_match("No. TL/2024/50896", ("NO",)) is not None
    assert label_match("SEXISEXE", ("SEX",)) is not None  # capitals go on: "/" read as I
    # ...but not into a name: "Nom" labels a surname, and NOMSA is a given name.
    assert label_match("NOMSA", ("NOM",)) is None
    lines = [line("Frstnames", 316, 241, 80), line("NOMSA", 315, 256)]
    assert got(D.FOREIGN_PASSPORT, lines) == {"given_names": "NOMSA"}


def test_a_line_misread_as_two_labels_belongs_to_the_nearer() -> None:
    lines = [
        line("Employee TIN:", 100, 100, 160),
        line("C454142403", 320, 100),
        line("Employer TIN:", 100, 140, 160),
        line("C237791951", 320, 140),
    ]
    assert got(D.TAX_CERTIFICATE, lines) == {
        "employee_tin": "C454142403",
        "employer_tin": "C237791951",
    }


def test_a_possessive_label_is_not_the_shorter_one() -> None:
    lines = [
        line("NAME OF EMPLOYER:", 100, 100, 270),
        line("Botswana Railways", 460, 100),
        line("EMPLOYER'STIN:", 100, 140, 220),
        line("C966502969", 460, 140),
    ]
    assert got(D.TAX_CERTIFICATE, lines)["employer_name"] == "Botswana Railways"


# ---------------------------------------------------------------- where the value is


def test_a_caption_beside_a_caption_is_not_its_value() -> None:
    # A card in two columns: caption over value, "Bom" (Born) to the right of "Firstnames".
    lines = [
        line("Firstnames", 330, 117, 86),
        line("Bom", 695, 118, 39),
        line("ONALENNA", 331, 138, 137),
        line("25 April 1956", 696, 139, 154),
        line("SURNAME / NOM", 30, 200, 153),
        line("GVEN NAMES / PRENOMS", 392, 200, 235),
        line("SITHOLE", 29, 223, 130),
        line("ISAAC", 391, 226, 94),
    ]
    values = got(D.NATIONAL_ID_FRONT, lines)
    assert values["forenames"] == "ONALENNA"
    assert values["birth_date"] == "1956-04-25"
    assert values["surname"] == "SITHOLE"


def test_a_caption_without_colon_takes_the_value_under_it_before_a_far_column() -> None:
    lines = [
        line("Citizenship", 325, 137, 55),
        line("Gonder.", 645, 133, 45),
        line("MOTSWANA", 324, 162, 120),
        line("M", 646, 162, 22),
    ]
    values = got(D.PASSPORT, lines)
    assert values["nationality"] == "MOTSWANA"
    assert values["sex"] == "M"


def test_a_label_with_a_colon_points_across() -> None:
    lines = [
        line("Status:", 104, 357, 87),
        line("Registered", 460, 362, 135),
        line("Registered Office:", 104, 397, 203),
        line("Plot 38035, Extension 9, Jwaneng", 460, 397),
    ]
    values = got(D.COMPANY_EXTRACT, lines)
    assert values["status"] == "Registered"
    assert values["registered_office"] == "Plot 38035, Extension 9, Jwaneng"


def test_the_line_under_a_label_may_overlap_it_on_a_phone_photo() -> None:
    lines = [
        {
            "text": "Address",
            "confidence": 0.99,
            "box": [[84, 114], [146, 114], [146, 135], [84, 135]],
        },
        {
            "text": "P O Box 9410, Palapye",
            "confidence": 0.9,
            "box": [[82, 128.5], [294, 128.5], [294, 156], [82, 156]],
        },
        {
            "text": "From-to",
            "confidence": 0.99,
            "box": [[83, 161], [150, 161], [150, 181], [83, 181]],
        },
    ]
    assert got(D.BANK_STATEMENT, lines)["address"] == "P O BOX 9410, PALAPYE"


def test_a_sentence_going_on_in_lower_case_holds_no_label() -> None:
    lines = [
        line("trade described below at the premises stated, in terms of the Trade", 100, 100),
        line("Type of Trade:", 100, 200, 160),
        line("Bottle Store", 460, 200),
    ]
    assert got(D.TRADING_LICENCE, lines)["trade_type"] == "BOTTLE STORE"
    # A short caption OCR lower-cased is still one.
    lines = [line("issued on", 626, 181, 66), line("5 January 2022", 626, 205, 160)]
    assert got(D.DRIVERS_LICENCE, lines)["issue_date"] == "2022-01-05"


def test_a_title_is_not_a_name_after_its_first_word() -> None:
    lines = [
        line("Employee Tax Deduction Certificate - Form ITW8", 180, 121),
        line("Employee", 97, 237, 89),
        line("Onkemetse Mothusi Mmusi", 98, 262),
    ]
    assert got(D.TAX_CERTIFICATE, lines)["employee_name"] == "ONKEMETSE MOTHUSI MMUSI"


def test_another_types_label_may_begin_a_value() -> None:
    # "Passport" labels a visa's passport number; "PASSPORT OFFICE" is an authority.
    lines = [line("AUTHORITY /AUTORITE", 38, 461, 200), line("PASSPORT OFFICE", 40, 488, 282)]
    assert got(D.FOREIGN_PASSPORT, lines)["authority"] == "PASSPORT OFFICE"


# ---------------------------------------------------------------- lines OCR merged


def test_a_label_after_a_value_with_a_dot_before_its_colon() -> None:
    merged = Line("KITSO THABO KGAFELA Employee No.:", 0.97, 322, 233, 792, 264)
    assert [p.text for p in split_at_labels(merged)] == ["KITSO THABO KGAFELA", "Employee No.:"]


def test_two_glued_labels_on_one_line_each_keep_their_value() -> None:
    # A remittance slip read by phone: the narrow gaps inside both labels are lost.
    text = "CustomerAccount:240007119810 BalancePayable:P1110.10"
    merged = Line(text, 0.98, 84, 1158, 549, 1178)
    assert [p.text for p in split_at_labels(merged)] == [
        "CustomerAccount:240007119810",
        "BalancePayable:P1110.10",
    ]
    assert got(D.ELECTRICITY_BILL, [line(text, 84, 1158, 465)])["account_number"] == (
        "240007119810"
    )


def test_a_label_ending_the_line_after_a_value() -> None:
    merged = Line("P 44,410.00 Total Deductions", 0.95, 465, 552, 830, 582)
    assert [p.text for p in split_at_labels(merged)] == ["P 44,410.00", "Total Deductions"]


def test_the_last_word_of_a_misread_label_is_not_a_label() -> None:
    text = "Business ldentification Number: BN21778702289"
    assert len(split_at_labels(Line(text, 0.96, 83, 131, 504, 151))) == 1
    assert got(D.BUSINESS_REGISTRATION_CERTIFICATE, [line(text, 83, 131)])["bin"] == (
        "BN21778702289"
    )


def test_captions_read_as_one_line_are_split() -> None:
    merged = Line("PLACEOFBIRTH/LIEUDENAISSANCE SEX/SEXE", 0.97, 23, 261, 440, 284)
    assert [p.text for p in split_at_labels(merged)] == [
        "PLACEOFBIRTH/LIEUDENAISSANCE",
        "SEX/SEXE",
    ]
    lines = [line(merged.text, 23, 261, 417), line("KANYE", 24, 290), line("FEMALE", 345, 290)]
    values = got(D.NATIONAL_ID_FRONT, lines)
    assert values["birth_place"] == "KANYE"
    assert values["sex"] == "F"


def test_a_value_does_not_run_into_the_next_columns_date_or_number() -> None:
    lines = [
        line("Employed by", 303, 179, 87),
        line("TLOTLO CATERING (PTY) LTD 17 September 2026", 303, 201),
    ]
    assert got(D.RESIDENCE_PERMIT, lines)["employer"] == "TLOTLO CATERING (PTY) LTD"
    lines = [line("Bill To", 72, 138, 46), line("LESEGO REFILWE MOKGOSI 86614946", 72, 166)]
    assert got(D.WATER_BILL, lines)["customer_name"] == "LESEGO REFILWE MOKGOSI"
    lines = [line("Lodged by: Segametsi KeabetsweMothibi PrivateBag9493, Ghanzi", 73, 213)]
    assert got(D.MEMORANDUM_COVER, lines)["lodged_by"] == "SEGAMETSI KEABETSWE MOTHIBI"


def test_spaces_dropped_in_a_company_name_are_put_back() -> None:
    lines = [
        line("The Registrar of Companies certifies the incorporation of", 100, 100),
        line("MophanePrinting(Pty) Ltd as a company limited by shares.", 100, 134),
    ]
    assert got(D.CERTIFICATE_OF_INCORPORATION, lines)["company"] == "Mophane Printing (Pty) Ltd"
    lines = [line("The vendor Tsodilo Cleaning Services (Pty) Ltd is registered for VAT", 100, 100)]
    assert got(D.VAT_REGISTRATION_CERTIFICATE, lines)["company"] == (
        "Tsodilo Cleaning Services (Pty) Ltd"
    )


# ---------------------------------------------------------------- synonyms


def test_label_synonyms_of_real_documents() -> None:
    lines = [
        line("TIN (employee)", 445, 237, 134),
        line("C786136443", 444, 262),
        line("TIN (employer)", 98, 466, 132),
        line("C261251457", 97, 490),
        line("PAYE withheld", 104, 758, 158),
        line("P59852.00", 1020, 759),
    ]
    assert got(D.TAX_CERTIFICATE, lines) == {
        "employee_tin": "C786136443",
        "employer_tin": "C261251457",
        "tax_deducted": "59852.00",
    }
    lines = [line("Take-home pay: P6679.40", 808, 680)]
    assert got(D.PAYSLIP, lines)["net_pay"] == "6679.40"
    lines = [line("Balance at end: P41801.40", 668, 549)]
    assert got(D.BANK_STATEMENT, lines)["closing_balance"] == "41801.40"
    lines = [
        line("UIN", 72, 128, 31),
        line("BN78556864056", 72, 152),
        line("Activity", 454, 200, 70),
        line("Internet Cafe", 454, 224),
    ]
    assert got(D.BUSINESS_REGISTRATION_CERTIFICATE, lines) == {
        "bin": "BN78556864056",
        "nature": "INTERNET CAFE",
    }
    lines = [line("Office ofissue", 23, 47, 91), line("LETLHAKANE", 25, 71)]
    assert got(D.NATIONAL_ID_BACK, lines)["issue_place"] == "LETLHAKANE"


# ---------------------------------------------------------------- prose and tables


def test_signature_block_place_and_date() -> None:
    values = prose(
        D.EMPLOYMENT_CONTRACT,
        "This contract is made between Sefalana Holdings Ltd (the Employer) and",
        "Goitseone Tau, Omang 262428185 (the Employee).",
        "Employment commences on 9 March 2024.",
        "Place: Palapye Date: 19 March 2024",
    )
    assert values["signed_place"] == "PALAPYE"
    assert values["signed_date"] == "2024-03-19"
    assert values["start"] == "2024-03-09"


def test_registration_number_in_brackets_after_the_company() -> None:
    values = prose(
        D.BOARD_RESOLUTION,
        "RESOLVED on 15 October 2024: Mokoro Hardware (Pty) Ltd (BW63768163444)",
        "authorises Oratile Baitshepi to act as its authorised signatory.",
    )
    assert values["reg_no"] == "BW63768163444"


def test_words_ocr_glued_are_not_a_name() -> None:
    assert not is_name_word("Hospitalconfirmstheemploymentof")
    assert is_name_word("Mmaserame-Khama")


def test_a_title_does_not_run_into_the_company_after_it() -> None:
    values = prose(
        D.BUSINESS_REGISTRATION_CERTIFICATE,
        "Business Identification Certificate",
        "Makgadikgadi Consulting is registered on the Online Business Registration",
    )
    assert values["company"] == "MAKGADIKGADI CONSULTING"


def test_a_ward_glued_to_of() -> None:
    values = prose(
        D.KGOTLA_LETTER,
        "I, the undersigned Kgosi, confirm that Mpho Gorata Tau, identity number",
        "798528061, stays in Kgwatlhengwardof Tonotavillagesince2004.",
    )
    assert values["ward"] == "KGWATLHENG"
    assert values["village"] == "TONOTA"


def test_statement_columns_headed_posted_and_a_glued_shares_header() -> None:
    header = [Line(t, 0.99, x, 220, x + 90, 245) for t, x in (("Posted", 88), ("Details", 228))]
    header += [
        Line(t, 0.99, x, 220, x + 90, 245)
        for t, x in (("Money in", 600), ("Money out", 716), ("Balance", 870))
    ]
    row = [
        Line("2024-03-01", 1.0, 89, 248, 193, 272),
        Line("EFT RECEIVED", 1.0, 229, 249, 368, 270),
        Line("P12188.91", 1.0, 591, 248, 686, 270),
        Line("P27288.29", 1.0, 850, 248, 946, 268),
    ]
    cells = tables.bank_transactions([*header, *row])
    assert cells["txn_1_credit"].value == "P12188.91"
    assert cells["txn_1_description"].value == "EFT RECEIVED"
    people = tables.company_people(
        [
            Line("SHAREHOLDERS", 0.99, 84, 390, 267, 407),
            Line("SHAREHOLDER", 0.99, 90, 419, 244, 440),
            Line("NO. OFSHARES", 0.99, 798, 419, 949, 440),
            Line("Esther Moatlhodi", 0.98, 88, 445, 236, 469),
            Line("84", 1.0, 923, 446, 950, 466),
        ]
    )
    assert people["shareholder_1_shares"].value == "84"


def test_a_longer_label_with_a_look_alike_digit_is_still_longer() -> None:
    lines = [
        line("Bill To", 84, 136, 49),
        line("SEGAMETSI TUMISANG KEBONANG", 85, 160),
        line("Customer Acc0unt: 672086360695", 96, 600),
    ]
    values = got(D.COUNCIL_RATES_BILL, lines)
    assert values["customer_name"] == "SEGAMETSI TUMISANG KEBONANG"
    assert values["account_number"] == "672086360695"


def test_words_glued_before_a_company_are_not_part_of_it() -> None:
    values = prose(
        D.TRADING_LICENCE,
        "Thislicenceauthorises Naledi Catering (Pty) Ltd to trade at the premises below",
    )
    assert values["company"] == "NALEDI CATERING (PTY) LTD"
