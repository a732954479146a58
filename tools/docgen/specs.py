"""Per-document-type content specs: titles, label synonyms, field generators, boilerplate.

One builder per *family* of documents (identity cards and data pages, utility
bills, letters, certificates, agreements, tabular documents, and the unknown
class), each driven by data tables keyed by document type and template. The
three templates of a type differ in wording (title phrasing, label synonyms,
boilerplate), in the order of sections and in layout (fonts, header band,
form style, portrait side).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from models.doctypes import DocumentType as D
from models.mrz import MrzData, MrzFormat, compose
from tools.docgen import fakedata as fk
from tools.docgen.content import (
    Box,
    Builder,
    Code,
    Doc,
    Gap,
    Mrz,
    Rule,
    Seg,
    Signature,
    Text,
    Theme,
)
from tools.docgen.content import Tiles as TilesBlock

BW_BLUE = (30, 90, 160)
COLOURS: dict[D, tuple[int, int, int]] = {
    D.ELECTRICITY_BILL: (200, 120, 10),
    D.WATER_BILL: (20, 110, 170),
    D.TELECOM_BILL: (120, 40, 140),
    D.COUNCIL_RATES_BILL: (40, 110, 60),
    D.BANK_STATEMENT: (0, 110, 120),
    D.PAYSLIP: (60, 60, 120),
}

# Font families per template: (regular, bold, title).
_FAMILIES = (
    ("dejavu-sans", "dejavu-sans-bold", "dejavu-sans-bold"),
    ("liberation-serif", "liberation-serif-bold", "c059-bold"),
    ("free-sans", "free-sans-bold", "gothic-bold"),
)
_CARD_FAMILIES = (
    ("dejavu-condensed", "dejavu-condensed-bold", "dejavu-sans-bold"),
    ("liberation-sans", "liberation-sans-bold", "nimbus-sans-bold"),
    ("nimbus-narrow", "nimbus-narrow-bold", "gothic-bold"),
)


def theme(kind: str, t: int, accent: tuple[int, int, int]) -> Theme:
    """The theme of template ``t`` for a page ``kind``."""
    card = kind in ("card", "passport_page")
    regular, bold, title = (_CARD_FAMILIES if card else _FAMILIES)[t % 3]
    if card:
        return Theme(
            font=regular,
            bold=bold,
            title_font=title,
            accent=accent,
            band=accent if t != 1 else None,
            ink=(15, 20, 45),
            paper=(236, 242, 236),
            body=27 if kind == "card" else 30,
            label=17,
            title=32,
            upper_labels=t == 1,
            guilloche=True,
            frame=True,
        )
    return Theme(
        font=regular,
        bold=bold,
        title_font=title,
        accent=accent,
        band=accent if t in (0, 2) else None,
        body=(24, 24, 23)[t % 3],
        label=19,
        title=(40, 42, 38)[t % 3],
        upper_labels=t == 1,
        frame=t == 1,
    )


@dataclass
class Ctx:
    """Everything a family builder needs."""

    b: Builder
    t: int
    rng: random.Random
    today: dt.date
    doc_type: D

    def pick(self, options: tuple[str, ...] | list[str]) -> str:
        """The option of this template (options are per template)."""
        return options[self.t % len(options)]

    def date(self, d: dt.date) -> str:
        """A date in this template's style."""
        return fk.fmt_date(d, (0, 1, 3)[self.t])

    def money(self, cents: int) -> str:
        """An amount in this template's style."""
        return fk.money(cents, (0, 1, 2)[self.t])


# -- label synonyms (template 0, 1, 2) -----------------------------------------------
L: dict[str, tuple[str, str, str]] = {
    "surname": ("Surname", "Surname / Nom", "Last name"),
    "forenames": ("Forenames", "Given names / Prénoms", "First names"),
    "dob": ("Date of Birth", "Date of birth / Date de naissance", "Born"),
    "pob": ("Place of Birth", "Place of birth / Lieu de naissance", "Birthplace"),
    "sex": ("Sex", "Sex / Sexe", "Gender"),
    "expiry": ("Date of Expiry", "Date of expiry / Date d'expiration", "Valid until"),
    "issue": ("Date of Issue", "Date of issue / Date de délivrance", "Issued on"),
    "nationality": ("Nationality", "Nationality / Nationalité", "Citizenship"),
    "authority": ("Authority", "Authority / Autorité", "Issuing office"),
    "passport_no": ("Passport No.", "Passport No. / N° du passeport", "Document number"),
    "type": ("Type", "Type / Type", "Category"),
    "code": ("Code", "Code of State / Code du pays", "Country code"),
    "customer": ("Customer Name", "Account Holder", "Bill To"),
    "account": ("Account Number", "Account No.", "Customer Account"),
    "bill_date": ("Bill Date", "Invoice Date", "Statement Date"),
    "due_date": ("Due Date", "Pay By", "Payment Due"),
    "amount_due": ("Amount Due", "TOTAL DUE", "Balance Payable"),
    "postal": ("Postal Address", "Postal address", "Mailing address"),
    "physical": ("Physical Address", "Premises", "Service address"),
    "period": ("Billing Period", "Period", "Service period"),
    "employee": ("Employee Name", "Name of Employee", "Employee"),
    "employer": ("Employer", "Name of Employer", "Company"),
}


def _lab(ctx: Ctx, key: str) -> str:
    return L[key][ctx.t]


def _sex_word(sex: str, t: int) -> str:
    return (sex, {"M": "MALE", "F": "FEMALE"}[sex], {"M": "Male", "F": "Female"}[sex])[t]


# -- machine-readable codes ------------------------------------------------------------
# Payloads are built from values the document already prints, and no code draws on
# ``ctx.rng``: adding one leaves every other generated value (and pixel) as it was.
# Module sizes keep a phone photo of the page decodable (an A4 page lands at about
# 0.7 of its size in a ``phone`` capture, a card at about 0.95).
BURS_VERIFY = "https://verify.burs.org.bw"
CIPA_VERIFY = "https://www.cipa.co.bw/verify"
QR_MODULE = 5  # px per QR cell on an A4 page: ~3.5 px after a phone capture
C128_MODULE = 4  # px per narrow bar of a payment Code 128 on an A4 page
PDF417_MODULE = 3  # px per PDF417 module on the licence card
PDF417_ROW = 3  # PDF417 row height in modules (the specification's minimum)


def _code(ctx: Ctx, fmt: str, payload: str, module: int, aspect: int = 3) -> None:
    ctx.b.doc.codes.append(Code(fmt, payload, module, aspect))


def _yyyymmdd(d: dt.date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def _letterhead(ctx: Ctx, org: str, lines: list[str], title: str) -> None:
    """Issuer, its address lines and the document title, per template."""
    b = ctx.b
    b.target = b.doc.header
    if ctx.t == 0:
        b.line(org.upper(), "band", "left")
        for ln in lines:
            b.line(ln, "small", "left")
        if title:
            b.add(Gap(10))
            b.line(title, "title", "center")
    elif ctx.t == 1:
        b.line(org, "title", "center")
        for ln in lines:
            b.line(ln, "small", "center")
        b.add(Rule(heavy=True))
        if title:
            b.line(title.upper(), "subtitle", "center")
    else:
        b.line(title.upper() if title else org.upper(), "band", "right")
        b.line(org, "heading", "left")
        for ln in lines:
            b.line(ln, "small", "left")
        b.add(Rule())
    b.add(Gap(14))
    b.target = b.doc.body


def _form_style(ctx: Ctx) -> tuple[str, int]:
    return (("inline", 2), ("boxed", 1), ("stacked", 3))[ctx.t]


def _footer_note(ctx: Ctx, notes: tuple[str, str, str]) -> None:
    b = ctx.b
    b.target = b.doc.footer
    b.add(Rule())
    b.para(ctx.pick(notes), width=100, style="small")
    b.target = b.doc.body


# =====================================================================================
# Identity documents
# =====================================================================================
def _issue_date(ctx: Ctx, p: fk.Person, lo: int, hi: int) -> dt.date:
    """A day ``lo``..``hi`` days ago, never before the holder's 16th birthday."""
    return max(fk.days_before(ctx.rng, ctx.today, lo, hi), fk.add_years(p.birth_date, 16))


def _portrait_side(t: int) -> str:
    return ("left", "right", "left")[t]


def _card_header(ctx: Ctx, lines: list[tuple[str, str]]) -> None:
    b = ctx.b
    b.target = b.doc.header
    align = ("center", "center", "left")[ctx.t]
    for text, style in lines:
        b.line(text, style, align)
    b.target = b.doc.body


def _id_form(ctx: Ctx, items: list[tuple[str, str, str]], columns: int = 2) -> None:
    order = list(items)
    if ctx.t == 2:  # a different reading order on the third template
        order = order[1::2] + order[0::2]
    ctx.b.form(order, style="stacked", columns=columns)


def _mrz_block(ctx: Ctx, data: MrzData, fmt: MrzFormat) -> None:
    lines = compose(data, fmt)
    ctx.b.doc.mrz = lines
    for i, line in enumerate(lines, 1):
        ctx.b.doc.fields[f"mrz_line_{i}"] = line
    ctx.b.target = ctx.b.doc.footer
    ctx.b.add(Mrz(lines))
    ctx.b.target = ctx.b.doc.body


def _signature(ctx: Ctx, caption: str) -> None:
    ctx.b.target = ctx.b.doc.footer
    ctx.b.add(Signature((Text((Seg(caption),), "small"),), "left"))
    ctx.b.target = ctx.b.doc.body


def build_national_id_front(ctx: Ctx) -> None:
    """Omang front: names, Omang number, birth, sex, expiry, nationality, portrait."""
    t = ctx.t
    p = fk.person(ctx.rng, ctx.today, min_age=17, max_age=75)
    issue = _issue_date(ctx, p, 30, 3000)
    expiry = fk.add_years(issue, 10)
    number = fk.omang_number(ctx.rng, p.sex)
    _card_header(
        ctx,
        [
            ("REPUBLIC OF BOTSWANA", "band"),
            (ctx.pick(("NATIONAL IDENTITY CARD", "OMANG", "IDENTITY CARD - OMANG")), "title"),
        ],
    )
    _id_form(
        ctx,
        [
            ("surname", _lab(ctx, "surname"), p.surname.upper()),
            ("forenames", _lab(ctx, "forenames"), p.forenames.upper()),
            ("id_number", ctx.pick(("Omang No.", "ID NUMBER", "Identity No.")), number),
            ("birth_date", _lab(ctx, "dob"), ctx.date(p.birth_date)),
            ("birth_place", _lab(ctx, "pob"), p.birth_place.upper()),
            ("sex", _lab(ctx, "sex"), _sex_word(p.sex, t)),
            ("expiry_date", _lab(ctx, "expiry"), ctx.date(expiry)),
            (
                "nationality",
                _lab(ctx, "nationality"),
                ctx.pick(("MOTSWANA", "BOTSWANA", "MOTSWANA")),
            ),
        ],
    )
    _signature(ctx, ctx.pick(("Signature of holder", "HOLDER'S SIGNATURE", "Signature")))


def build_national_id_back(ctx: Ctx) -> None:
    """Omang back: address, place and date of issue, TD1 MRZ ``I<BWA``."""
    b = ctx.b
    p = fk.person(ctx.rng, ctx.today, min_age=17, max_age=75)
    addr = fk.address(ctx.rng)
    issue = _issue_date(ctx, p, 30, 3000)
    expiry = fk.add_years(issue, 10)
    number = fk.omang_number(ctx.rng, p.sex)
    _card_header(ctx, [(ctx.pick(("REPUBLIC OF BOTSWANA", "OMANG", "BOTSWANA")), "subtitle")])
    items = [
        (
            "address",
            ctx.pick(("Address", "RESIDENTIAL ADDRESS", "Residence")),
            f"{addr.plot.upper()}, {addr.town.upper()}",
        ),
        (
            "issue_place",
            ctx.pick(("Place of Issue", "ISSUED AT", "Office of issue")),
            ctx.rng.choice(fk.TOWNS).upper(),
        ),
        ("issue_date", _lab(ctx, "issue"), ctx.date(issue)),
        (
            "eye_colour",
            ctx.pick(("Colour of Eyes", "EYE COLOUR", "Eyes")),
            ctx.rng.choice(("BROWN", "DARK BROWN", "BLACK")),
        ),
    ]
    if ctx.t != 1:
        items.append(
            ("registrar", ctx.pick(("Registrar", "", "Issued by")), "NATIONAL REGISTRATION")
        )
    _id_form(ctx, items, columns=2)
    b.doc.portrait = None
    _mrz_block(
        ctx,
        MrzData("I", "BWA", p.surname, p.forenames, number, "BWA", p.birth_date, p.sex, expiry),
        MrzFormat.TD1,
    )


def _passport_like(ctx: Ctx, country: fk.Country | None) -> None:
    t = ctx.t
    p = fk.person(ctx.rng, ctx.today, country=country, min_age=18, max_age=75)
    issue = _issue_date(ctx, p, 30, 3300)
    expiry = fk.add_years(issue, 10)
    code = country.code if country else "BWA"
    name = country.name if country else "REPUBLIC OF BOTSWANA"
    nationality = country.nationality if country else "MOTSWANA"
    letter = ctx.rng.choice("ABCDEFGHJKLMNPRSTUVWZ")
    number = letter + fk.digits(ctx.rng, ctx.rng.choice((7, 8)))
    authority = (
        "DIRECTOR OF IMMIGRATION"
        if country is None
        else ctx.rng.choice(
            ("MINISTRY OF HOME AFFAIRS", "PASSPORT OFFICE", "DEPARTMENT OF IMMIGRATION")
        )
    )
    title = ("PASSPORT", "PASSPORT / PASSEPORT", "PASSPORT")[t]
    _card_header(ctx, [(name, "band"), (title, "title")])
    _id_form(
        ctx,
        [
            ("doc_type", _lab(ctx, "type"), "P"),
            ("country_code", _lab(ctx, "code"), code),
            ("passport_number", _lab(ctx, "passport_no"), number),
            ("surname", _lab(ctx, "surname"), p.surname.upper()),
            ("given_names", _lab(ctx, "forenames"), p.forenames.upper()),
            ("nationality", _lab(ctx, "nationality"), nationality),
            ("birth_date", _lab(ctx, "dob"), fk.fmt_date(p.birth_date, 1)),
            ("sex", _lab(ctx, "sex"), p.sex),
            ("birth_place", _lab(ctx, "pob"), p.birth_place.upper()),
            ("issue_date", _lab(ctx, "issue"), fk.fmt_date(issue, 1)),
            ("authority", _lab(ctx, "authority"), authority),
            ("expiry_date", _lab(ctx, "expiry"), fk.fmt_date(expiry, 1)),
        ],
    )
    _mrz_block(
        ctx,
        MrzData("P", code, p.surname, p.forenames, number, code, p.birth_date, p.sex, expiry),
        MrzFormat.TD3,
    )


def build_passport(ctx: Ctx) -> None:
    """Botswana passport TD3 data page."""
    _passport_like(ctx, None)


def build_foreign_passport(ctx: Ctx) -> None:
    """A TD3 data page of another issuing state."""
    _passport_like(ctx, ctx.rng.choice(fk.FOREIGN))


def build_foreign_id_card(ctx: Ctx) -> None:
    """An identity card of another state with a TD1 (or, template 1, TD2) MRZ."""
    t = ctx.t
    country = ctx.rng.choice(fk.FOREIGN[:4])
    p = fk.person(ctx.rng, ctx.today, country=country, min_age=18, max_age=70)
    issue = _issue_date(ctx, p, 30, 3000)
    expiry = fk.add_years(issue, 10)
    number = fk.digits(ctx.rng, 9)
    personal = p.birth_date.strftime("%y%m%d") + fk.digits(ctx.rng, 7)
    _card_header(
        ctx,
        [
            (country.name, "band"),
            (ctx.pick(("IDENTITY CARD", "NATIONAL IDENTITY CARD", "SMART ID CARD")), "title"),
        ],
    )
    _id_form(
        ctx,
        [
            ("surname", _lab(ctx, "surname"), p.surname.upper()),
            ("given_names", _lab(ctx, "forenames"), p.forenames.upper()),
            ("sex", _lab(ctx, "sex"), _sex_word(p.sex, t)),
            ("nationality", _lab(ctx, "nationality"), country.code),
            ("birth_date", _lab(ctx, "dob"), ctx.date(p.birth_date)),
            ("personal_number", ctx.pick(("Identity Number", "PERSONAL NO.", "ID No.")), personal),
            ("card_number", ctx.pick(("Card No.", "DOCUMENT NO.", "Card number")), number),
            ("expiry_date", _lab(ctx, "expiry"), ctx.date(expiry)),
        ],
    )
    fmt = MrzFormat.TD2 if t == 1 else MrzFormat.TD1
    _mrz_block(
        ctx,
        MrzData(
            "ID",
            country.code,
            p.surname,
            p.forenames,
            number,
            country.code,
            p.birth_date,
            p.sex,
            expiry,
            optional_data=personal if fmt is MrzFormat.TD1 else personal[:7],
        ),
        fmt,
    )


def build_drivers_licence(ctx: Ctx) -> None:
    """Botswana driving licence card."""
    p = fk.person(ctx.rng, ctx.today, min_age=18, max_age=70)
    first = fk.add_years(p.birth_date, ctx.rng.randint(18, 30))
    first = min(first, fk.days_before(ctx.rng, ctx.today, 40, 400))
    issue = max(first, fk.days_before(ctx.rng, ctx.today, 30, 1500))
    expiry = fk.add_years(issue, 5)
    codes = ctx.rng.choice(("B", "B, EB", "C1, B", "B, C1, EB", "A, B", "C, C1, B"))
    _card_header(
        ctx,
        [
            ("REPUBLIC OF BOTSWANA", "band"),
            (ctx.pick(("DRIVING LICENCE", "DRIVER'S LICENCE", "DRIVING LICENCE CARD")), "title"),
        ],
    )
    _id_form(
        ctx,
        [
            ("surname", _lab(ctx, "surname"), p.surname.upper()),
            ("forenames", _lab(ctx, "forenames"), p.forenames.upper()),
            (
                "licence_number",
                ctx.pick(("Licence No.", "LICENCE NUMBER", "Licence number")),
                fk.digits(ctx.rng, 10),
            ),
            (
                "id_number",
                ctx.pick(("Omang No.", "ID NO.", "Identity No.")),
                fk.omang_number(ctx.rng, p.sex),
            ),
            ("birth_date", _lab(ctx, "dob"), ctx.date(p.birth_date)),
            ("codes", ctx.pick(("Vehicle Codes", "CODE(S)", "Categories")), codes),
            (
                "first_issue",
                ctx.pick(("First Issue", "FIRST ISSUED", "First issued")),
                ctx.date(first),
            ),
            ("issue_date", _lab(ctx, "issue"), ctx.date(issue)),
            ("expiry_date", _lab(ctx, "expiry"), ctx.date(expiry)),
        ],
    )
    _signature(ctx, ctx.pick(("Holder's signature", "SIGNATURE", "Signature of holder")))
    # The layout of the PDF417 on Botswana licences is not public: this payload borrows
    # the AAMVA (North American) element lines -- ID, value, newline -- for the fields
    # the card prints. Dates as YYYYMMDD, sex as 1 (male) / 2 (female), as AAMVA does.
    f = ctx.b.doc.fields
    payload = "\n".join(
        (
            "@",
            "ANSI ",
            "DCS" + f["surname"],
            "DAC" + f["forenames"],
            "DBB" + _yyyymmdd(p.birth_date),
            "DAQ" + f["licence_number"],
            "DBA" + _yyyymmdd(expiry),
            "DBC" + ("1" if p.sex == "M" else "2"),
        )
    )
    _code(ctx, "PDF417", payload, PDF417_MODULE, PDF417_ROW)


def build_residence_permit(ctx: Ctx) -> None:
    """Botswana residence / work permit card with a TD1 MRZ."""
    country = ctx.rng.choice(fk.FOREIGN)
    p = fk.person(ctx.rng, ctx.today, country=country, min_age=21, max_age=65)
    start = fk.days_before(ctx.rng, ctx.today, 30, 700)
    end = fk.add_years(start, ctx.rng.choice((2, 3, 5)))  # still valid today
    number = "RP" + fk.digits(ctx.rng, 7)
    kind = ctx.rng.choice(("RESIDENCE PERMIT", "WORK AND RESIDENCE PERMIT"))
    _card_header(
        ctx,
        [
            ("REPUBLIC OF BOTSWANA", "band"),
            (ctx.pick((kind, kind + " / PERMIS", "Permit: " + kind.title())), "title"),
        ],
    )
    _id_form(
        ctx,
        [
            ("permit_number", ctx.pick(("Permit No.", "PERMIT NUMBER", "Permit number")), number),
            ("surname", _lab(ctx, "surname"), p.surname.upper()),
            ("given_names", _lab(ctx, "forenames"), p.forenames.upper()),
            ("nationality", _lab(ctx, "nationality"), country.nationality),
            ("birth_date", _lab(ctx, "dob"), ctx.date(p.birth_date)),
            (
                "employer",
                ctx.pick(("Employer", "EMPLOYER", "Employed by")),
                fk.company_name(ctx.rng).upper(),
            ),
            (
                "valid_from",
                ctx.pick(("Valid From", "DATE OF ISSUE", "Valid from")),
                ctx.date(start),
            ),
            ("valid_to", ctx.pick(("Valid To", "DATE OF EXPIRY", "Valid until")), ctx.date(end)),
        ],
    )
    _mrz_block(
        ctx,
        MrzData(
            "IR", "BWA", p.surname, p.forenames, number, country.code, p.birth_date, p.sex, end
        ),
        MrzFormat.TD1,
    )


def build_visa(ctx: Ctx) -> None:
    """A Botswana visa foil with an MRV-A MRZ (``V<BWA``)."""
    country = ctx.rng.choice(fk.FOREIGN)
    p = fk.person(ctx.rng, ctx.today, country=country, min_age=18, max_age=75)
    start = fk.days_before(ctx.rng, ctx.today, 1, 120)
    end = start + dt.timedelta(days=ctx.rng.choice((30, 90, 180, 365)))
    number = "BV" + fk.digits(ctx.rng, 7)
    passport_no = ctx.rng.choice("ABCDEFGHJKLMN") + fk.digits(ctx.rng, 8)
    _card_header(
        ctx,
        [
            ("REPUBLIC OF BOTSWANA", "band"),
            (ctx.pick(("VISA", "VISA / VISA", "ENTRY VISA")), "title"),
        ],
    )
    _id_form(
        ctx,
        [
            (
                "valid_from",
                ctx.pick(("Valid From", "FROM / DU", "Valid from")),
                fk.fmt_date(start, 1),
            ),
            ("valid_until", ctx.pick(("Until", "UNTIL / AU", "Valid until")), fk.fmt_date(end, 1)),
            ("visa_type", _lab(ctx, "type"), ctx.rng.choice(("VISITOR", "BUSINESS", "TRANSIT"))),
            (
                "entries",
                ctx.pick(("Entries", "NUMBER OF ENTRIES", "Entries allowed")),
                ctx.rng.choice(("SINGLE", "MULTIPLE", "DOUBLE")),
            ),
            (
                "duration",
                ctx.pick(("Duration of Stay", "DURATION OF STAY", "Stay")),
                f"{ctx.rng.choice((14, 30, 60, 90))} DAYS",
            ),
            (
                "issue_place",
                ctx.pick(("Issued at", "PLACE OF ISSUE", "Issued in")),
                ctx.rng.choice(("GABORONE", "PRETORIA", "LONDON", "WINDHOEK")),
            ),
            ("visa_number", ctx.pick(("Visa No.", "VISA NUMBER", "No.")), number),
            ("passport_number", _lab(ctx, "passport_no"), passport_no),
            (
                "name",
                ctx.pick(("Name", "SURNAME, GIVEN NAMES", "Holder")),
                f"{p.surname.upper()}, {p.forenames.upper()}",
            ),
            ("nationality", _lab(ctx, "nationality"), country.code),
            ("birth_date", _lab(ctx, "dob"), fk.fmt_date(p.birth_date, 1)),
            ("sex", _lab(ctx, "sex"), p.sex),
        ],
    )
    _mrz_block(
        ctx,
        MrzData(
            "V",
            "BWA",
            p.surname,
            p.forenames,
            number,
            country.code,
            p.birth_date,
            p.sex,
            end,
            optional_data=passport_no,
        ),
        MrzFormat.MRVA,
    )


# =====================================================================================
# Utility bills
# =====================================================================================
@dataclass(frozen=True)
class BillSpec:
    """The wording and charge model of a bill issuer."""

    issuers: tuple[tuple[str, str], ...]  # (name, address line) options
    titles: tuple[str, str, str]
    charges: Callable[[random.Random], list[tuple[str, int]]]  # (description, cents)
    usage: Callable[[random.Random], list[tuple[str, str, str]]]  # (field, label, value)
    notes: tuple[str, str, str]


def _electricity(rng: random.Random) -> list[tuple[str, int]]:
    kwh = rng.randint(180, 1400)
    return [
        (f"Energy charge {kwh} kWh", kwh * rng.randint(105, 135)),
        ("Fixed monthly charge", rng.randint(3000, 6500)),
        ("Electricity levy", kwh * 5),
    ]


def _water(rng: random.Random) -> list[tuple[str, int]]:
    kl = rng.randint(4, 40)
    return [
        (f"Water consumption {kl} kl", kl * rng.randint(900, 1600)),
        ("Sewerage charge", rng.randint(2000, 9000)),
        ("Meter rental", rng.randint(500, 1500)),
    ]


def _telecom(rng: random.Random) -> list[tuple[str, int]]:
    return [
        (
            rng.choice(("Fibre 20 Mbps monthly", "ADSL 10 Mbps monthly", "LTE data 50 GB")),
            rng.randint(39900, 99900),
        ),
        ("Voice calls", rng.randint(1000, 25000)),
        ("Line rental", rng.randint(5000, 12000)),
    ]


def _rates(rng: random.Random) -> list[tuple[str, int]]:
    return [
        ("Property rates instalment", rng.randint(15000, 180000)),
        ("Refuse collection", rng.randint(3000, 9000)),
        ("Arrears interest", rng.randint(0, 5000)),
    ]


def _usage_electricity(rng: random.Random) -> list[tuple[str, str, str]]:
    prev = rng.randint(10000, 90000)
    return [
        ("meter_number", "Meter No.", fk.digits(rng, 11)),
        ("previous_reading", "Previous reading", str(prev)),
        ("current_reading", "Current reading", str(prev + rng.randint(180, 1400))),
    ]


def _usage_water(rng: random.Random) -> list[tuple[str, str, str]]:
    prev = rng.randint(100, 9000)
    return [
        ("meter_number", "Meter No.", "WM" + fk.digits(rng, 8)),
        ("previous_reading", "Previous reading (kl)", str(prev)),
        ("current_reading", "Current reading (kl)", str(prev + rng.randint(4, 40))),
    ]


def _usage_telecom(rng: random.Random) -> list[tuple[str, str, str]]:
    return [
        ("service_number", "Service No.", f"3{rng.randint(10, 99)} {rng.randint(1000, 9999)}"),
        ("package", "Package", rng.choice(("Home Fibre", "Business Broadband", "Smart Home"))),
    ]


def _usage_rates(rng: random.Random) -> list[tuple[str, str, str]]:
    return [
        ("plot_number", "Plot No.", str(rng.randint(1000, 79999))),
        ("rateable_value", "Rateable value", fk.money(rng.randint(20, 300) * 1000000, 0)),
        ("rate", "Rate in the Pula", f"{rng.randint(40, 120) / 10000:.4f}"),
    ]


BILLS: dict[D, BillSpec] = {
    D.ELECTRICITY_BILL: BillSpec(
        (("Botswana Power Corporation", "Motlakase House, Macheng Way, P O Box 48, Gaborone"),),
        ("Electricity Bill", "Tax Invoice - Electricity Account", "Customer Account Statement"),
        _electricity,
        _usage_electricity,
        (
            "BPC: Pay at any BPC office, bank or online. Report faults on 0800 600 700.",
            "Payments received after the due date attract interest. BPC - Lighting up Botswana.",
            "Please quote your account number with every payment to Botswana Power Corporation.",
        ),
    ),
    D.WATER_BILL: BillSpec(
        (("Water Utilities Corporation", "Private Bag 00276, Gaborone"),),
        ("Water Bill", "Tax Invoice - Water and Wastewater", "Statement of Water Account"),
        _water,
        _usage_water,
        (
            "WUC: Save water. Report leaks on 17177.",
            "Water Utilities Corporation (WUC) - "
            "supply may be disconnected if this account is not settled.",
            "Pay WUC bills at any WUC office or through Orange Money and Smega.",
        ),
    ),
    D.TELECOM_BILL: BillSpec(
        (
            ("Botswana Telecommunications Corporation (BTC)", "Megaleng, Khama Crescent, Gaborone"),
            ("Mascom Wireless", "Tsholetsa House, Plot 4705/6, Gaborone"),
            ("Orange Botswana", "Plot 50350, Block A, Gaborone Business Park"),
        ),
        ("Internet and Telephone Bill", "Tax Invoice", "Your Monthly Statement"),
        _telecom,
        _usage_telecom,
        (
            "Thank you for choosing us. Queries: dial 111 from your phone.",
            "Services may be suspended if payment is not received by the due date.",
            "Pay with your mobile wallet, at a branch or by EFT quoting your account number.",
        ),
    ),
    D.COUNCIL_RATES_BILL: BillSpec(
        (
            ("Gaborone City Council", "Private Bag 0089, Gaborone"),
            ("Francistown City Council", "P O Box 40, Francistown"),
        ),
        ("Property Rates Bill", "Rates Account - Tax Invoice", "Notice of Rates Due"),
        _rates,
        _usage_rates,
        (
            "Rates are levied in terms of the Township Act. Pay at the Civic Centre.",
            "Failure to pay rates may lead to legal action against the owner of the plot.",
            "Rates fund roads, street lighting and refuse collection in your town.",
        ),
    ),
}


def build_bill(ctx: Ctx) -> None:
    """A utility, telecom or council rates bill."""
    b, t, rng = ctx.b, ctx.t, ctx.rng
    spec = BILLS[ctx.doc_type]
    org, org_addr = rng.choice(spec.issuers)
    p = fk.person(rng, ctx.today)
    town = org.split()[0] if ctx.doc_type is D.COUNCIL_RATES_BILL else None
    addr = fk.address(rng, town if town in fk.TOWNS else None)
    bill_date = fk.days_before(rng, ctx.today, 3, 80)
    period_start = (bill_date.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    period_end = bill_date.replace(day=1) - dt.timedelta(days=1)
    due = bill_date + dt.timedelta(days=rng.choice((14, 21, 30)))
    account = fk.digits(rng, rng.choice((8, 10, 12)))
    charges = spec.charges(rng)
    subtotal = sum(c for _, c in charges)
    vat = round(subtotal * 0.14) if ctx.doc_type is not D.COUNCIL_RATES_BILL else 0
    previous = rng.choice((0, 0, rng.randint(5000, 90000)))
    paid = previous if rng.random() < 0.8 else previous // 2
    total = subtotal + vat + previous - paid
    _letterhead(ctx, org, [org_addr, f"Tel: {fk.phone(rng)}"], ctx.pick(spec.titles))

    details = [
        ("customer_name", _lab(ctx, "customer"), p.full_name.upper()),
        ("account_number", _lab(ctx, "account"), account),
        ("postal_address", _lab(ctx, "postal"), addr.postal),
        ("physical_address", _lab(ctx, "physical"), addr.physical),
        ("bill_date", _lab(ctx, "bill_date"), ctx.date(bill_date)),
        (
            "period",
            _lab(ctx, "period"),
            f"{fk.fmt_date(period_start, 0)} - {fk.fmt_date(period_end, 0)}",
        ),
        ("due_date", _lab(ctx, "due_date"), ctx.date(due)),
    ]
    usage = [(n, lab, v) for n, lab, v in spec.usage(rng)]
    style, cols = _form_style(ctx)
    if t == 2:
        b.form(usage, style, cols)
        b.add(Gap(10))
        b.form(details, style, cols)
    else:
        b.form(details, style, 2 if style == "inline" else cols)
        b.add(Gap(8))
        b.form(usage, style, 2 if style == "inline" else cols)
    b.add(Gap(14))
    b.line(ctx.pick(("Charges for this period", "DETAILS OF CHARGES", "What you owe")), "heading")
    rows: list[list[tuple[str, str] | str]] = [
        [
            ctx.pick(("Previous balance", "Balance brought forward", "Last bill")),
            ("previous_balance", ctx.money(previous)),
        ],
        [
            ctx.pick(("Payment received - thank you", "Payments", "Paid since last bill")),
            ("payment_received", ctx.money(-paid)),
        ],
    ]
    rows += [[desc, (f"charge_{i + 1}", ctx.money(c))] for i, (desc, c) in enumerate(charges)]
    if vat:
        rows.append(
            [ctx.pick(("VAT @ 14%", "Value Added Tax 14%", "VAT")), ("vat", ctx.money(vat))]
        )
    headers = [ctx.pick(("Description", "ITEM", "Charge")), ctx.pick(("Amount", "AMOUNT", "Pula"))]
    b.table(headers, rows, [0.7, 0.3], "lr", zebra=t == 2)
    b.add(Gap(10))
    total_box = Text(
        (Seg(_lab(ctx, "amount_due") + ": "), b.v("amount_due", ctx.money(total))),
        "subtitle",
        "right",
    )
    b.add(total_box)
    _footer_note(ctx, spec.notes)
    if t != 1:  # a tear-off payment slip repeating the account and the amount
        b.target = b.doc.footer
        b.add(
            Box(
                (
                    Text(
                        (
                            Seg(
                                ctx.pick(
                                    (
                                        "PAYMENT SLIP - please return with your payment",
                                        "",
                                        "Remittance advice",
                                    )
                                )
                            ),
                        ),
                        "bold",
                    ),
                    Text(
                        (
                            Seg(_lab(ctx, "account") + ": "),
                            b.v("account_number", account),
                            Seg("   " + _lab(ctx, "amount_due") + ": "),
                            b.v("amount_due", ctx.money(total)),
                        ),
                        "body",
                    ),
                ),
                "notice",
                "left",
            )
        )
        b.target = b.doc.body
    # Utilities print the account number as a Code 128 so that tellers can scan it.
    _code(ctx, "Code128", account.replace(" ", ""), C128_MODULE)


# =====================================================================================
# Letters, affidavits and resolutions
# =====================================================================================
def _sign_off(ctx: Ctx, name: str, role: str, date_value: str | None = None) -> None:
    b = ctx.b
    b.add(Gap(10))
    b.line(ctx.pick(("Yours faithfully,", "Yours sincerely,", "Regards,")))
    caption = [Text((b.v("signatory", name),), "bold"), Text((Seg(role),), "small")]
    if date_value:
        caption.append(Text((Seg("Date: "), b.v("signed_date", date_value)), "small"))
    b.add(Signature(tuple(caption)))


def _addressee(ctx: Ctx, date: str) -> None:
    b = ctx.b
    b.fline("{letter_date}", align="right" if ctx.t != 1 else "left", letter_date=date)
    b.line(ctx.pick(("To whom it may concern", "TO WHOM IT MAY CONCERN", "Dear Sir/Madam")), "bold")
    b.add(Gap(6))


LETTERS: dict[D, tuple[tuple[str, str, str], tuple[str, str, str]]] = {
    # (subject lines per template, body paragraphs per template)
    D.LANDLORD_LETTER: (
        ("RE: CONFIRMATION OF RESIDENCE", "Subject: Proof of Address", "Confirmation of Tenancy"),
        (
            "This letter serves to confirm that {tenant} (Omang {tenant_id}) is my tenant and has "
            "been residing at {address} since {since}. The monthly rent is {rent}. ||Should you "
            "need any further information, please contact me on {phone}.",
            "I, {landlord}, the owner of {address}, hereby confirm that {tenant}, holder of "
            "identity number {tenant_id}, rents a room at the above premises and has lived there "
            "since {since}. ||I can be reached on {phone}.",
            "I am the landlord of {address}. {tenant} ({tenant_id}) has rented my property since "
            "{since} at {rent} per month and is a tenant in good standing. ||Contact: {phone}.",
        ),
    ),
    D.KGOTLA_LETTER: (
        (
            "RE: CONFIRMATION OF RESIDENCE",
            "LETTER OF RESIDENCE FROM THE KGOTLA",
            "Proof of Residence - Kgotla",
        ),
        (
            "This is to certify that {resident}, Omang number {resident_id}, is a resident of "
            "{ward} ward in {village} and is known to this Kgotla. ||This letter is issued at the "
            "request of the above-named person for official purposes.",
            "The {village} Kgotla confirms that {resident} (ID {resident_id}) resides in {ward} "
            "ward, {village}, and has been a member of this community since {since}. ||We "
            "request that any assistance be afforded to the bearer.",
            "I, the undersigned Kgosi, confirm that {resident}, identity number {resident_id}, "
            "stays in {ward} ward of {village} village since {since}. ||Re a leboga.",
        ),
    ),
    D.EMPLOYMENT_LETTER: (
        (
            "RE: CONFIRMATION OF EMPLOYMENT",
            "Subject: Employment and Salary Confirmation",
            "Confirmation of Employment",
        ),
        (
            "This letter confirms that {employee} (Omang {employee_id}) has been permanently "
            "employed by {employer} as {position} since {start}. ||The gross monthly salary is "
            "{salary}. This confirmation is issued at the employee's request.",
            "We hereby confirm that {employee}, ID {employee_id}, is employed with {employer} in "
            "the position of {position}, with effect from {start}, earning a basic salary of "
            "{salary} per month. ||Please do not hesitate to contact the undersigned.",
            "{employer} confirms the employment of {employee} ({employee_id}) as {position}. "
            "Start date: {start}. Monthly gross remuneration: {salary}. ||The employee is not "
            "under any disciplinary process.",
        ),
    ),
    D.BOARD_RESOLUTION: (
        (
            "RESOLUTION OF THE BOARD OF DIRECTORS",
            "WRITTEN RESOLUTION OF THE DIRECTORS",
            "Board Resolution - Authority to Sign",
        ),
        (
            "At a meeting of the Board of Directors of {company} (registration number {reg_no}) "
            "held on {meeting_date}, it was RESOLVED THAT {signatory_name} be and is hereby "
            "authorised to sign all documents and to open and operate accounts on behalf of "
            "the company. ||Certified a true copy of the resolution.",
            "The directors of {company}, registration {reg_no}, resolved on {meeting_date} that "
            "{signatory_name}, in the capacity of director, is authorised to represent the "
            "company in all dealings with financial institutions. ||Passed unanimously.",
            "RESOLVED on {meeting_date}: {company} ({reg_no}) authorises {signatory_name} to "
            "act as its authorised signatory and to complete customer due diligence on its "
            "behalf. ||This resolution remains valid until revoked in writing.",
        ),
    ),
}


def build_letter(ctx: Ctx) -> None:
    """Landlord, kgotla and employment letters and board resolutions."""
    b, rng, t = ctx.b, ctx.rng, ctx.t
    subjects, bodies = LETTERS[ctx.doc_type]
    date = fk.days_before(rng, ctx.today, 1, 40)
    values: dict[str, str] = {}
    if ctx.doc_type is D.LANDLORD_LETTER:
        landlord, tenant = fk.person(rng, ctx.today, min_age=30), fk.person(rng, ctx.today)
        addr = fk.address(rng)
        org, lines = landlord.full_name, [addr.postal, fk.phone(rng)]
        signer, role = landlord.full_name, "Landlord"
        values = {
            "tenant": tenant.full_name,
            "tenant_id": fk.omang_number(rng, tenant.sex),
            "address": addr.physical,
            "since": ctx.date(fk.days_before(rng, date, 60, 2000)),
            "rent": ctx.money(rng.randint(15, 90) * 10000),
            "phone": fk.phone(rng),
            "landlord": landlord.full_name,
        }
    elif ctx.doc_type is D.KGOTLA_LETTER:
        village = rng.choice(fk.VILLAGES)
        resident = fk.person(rng, ctx.today)
        kgosi = fk.person(rng, ctx.today, min_age=45)
        org = f"{village} Kgotla"
        lines = [f"{rng.choice(('P O Box', 'Private Bag'))} {rng.randint(1, 999)}, {village}"]
        signer = kgosi.full_name
        role = rng.choice(("Kgosi", "Headman of Arbitration", "Headman of Records"))
        values = {
            "resident": resident.full_name,
            "resident_id": fk.omang_number(rng, resident.sex),
            "ward": rng.choice(fk.WARDS),
            "village": village,
            "since": str(ctx.today.year - rng.randint(2, 30)),
        }
    elif ctx.doc_type is D.EMPLOYMENT_LETTER:
        org = rng.choice(fk.EMPLOYERS)
        addr = fk.address(rng)
        lines = [addr.postal, f"Tel: {fk.phone(rng)}"]
        emp = fk.person(rng, ctx.today)
        signer = fk.person(rng, ctx.today, min_age=30).full_name
        role = rng.choice(("Human Resources Manager", "HR Officer", "Managing Director"))
        values = {
            "employee": emp.full_name,
            "employee_id": fk.omang_number(rng, emp.sex),
            "employer": org,
            "position": rng.choice(fk.JOB_TITLES),
            "start": ctx.date(fk.days_before(rng, date, 100, 5000)),
            "salary": ctx.money(rng.randint(400, 4500) * 1000),
        }
    else:  # board resolution
        org = fk.company_name(rng)
        addr = fk.address(rng)
        lines = [addr.physical, addr.postal]
        director = fk.person(rng, ctx.today, min_age=25)
        signer, role = fk.person(rng, ctx.today, min_age=25).full_name, "Director"
        values = {
            "company": org,
            "reg_no": "BW" + fk.digits(rng, 11),
            "meeting_date": ctx.date(date),
            "signatory_name": director.full_name,
        }
    _letterhead(ctx, org, lines, ctx.pick(subjects) if t == 1 else "")
    _addressee(ctx, ctx.date(date))
    if t != 1:
        b.line(ctx.pick(subjects), "heading")
        b.add(Gap(6))
    for part in ctx.pick(bodies).split("||"):
        b.para(part.strip(), width=(78, 84, 74)[t], **values)
        b.add(Gap(10))
    if ctx.doc_type is D.BOARD_RESOLUTION:
        _sign_off(ctx, signer, role, ctx.date(date))
        b.add(
            Signature(
                (Text((Seg(ctx.pick(("Director", "DIRECTOR", "Second director"))),), "small"),)
            )
        )
    else:
        _sign_off(ctx, signer, role)
    if ctx.doc_type is D.KGOTLA_LETTER:
        b.add(
            Box(
                (
                    Text((Seg(values["village"].upper() + " KGOTLA"),), "bold", "center"),
                    Text((b.v("stamp_date", fk.fmt_date(date, 1)),), "body", "center"),
                ),
                "stamp",
                ("right", "left", "right")[t],
            )
        )


def build_affidavit(ctx: Ctx) -> None:
    """Affidavit of residence sworn before a commissioner of oaths."""
    b, rng, t = ctx.b, ctx.rng, ctx.t
    dep = fk.person(rng, ctx.today)
    addr = fk.address(rng)
    station = rng.choice(fk.TOWNS)
    date = fk.days_before(rng, ctx.today, 1, 60)
    b.target = b.doc.header
    b.line(
        ctx.pick(("AFFIDAVIT", "SWORN AFFIDAVIT OF RESIDENCE", "Affidavit - Proof of Residence")),
        "title",
        "center",
    )
    b.line(
        ctx.pick(
            (
                "REPUBLIC OF BOTSWANA",
                "In the matter of proof of residential address",
                "Commissioner of Oaths Act (Cap. 04:03)",
            )
        ),
        "small",
        "center",
    )
    b.add(Rule())
    b.target = b.doc.body
    values = {
        "deponent": dep.full_name,
        "deponent_id": fk.omang_number(rng, dep.sex),
        "address": addr.physical,
        "since": ctx.date(fk.days_before(rng, date, 60, 4000)),
        "postal": addr.postal,
    }
    paras = (
        (
            "I, the undersigned, {deponent}, holder of Omang number {deponent_id}, do hereby make "
            "oath and state that:",
            "1. I reside at {address} and have done so since {since}.",
            "2. My postal address is {postal}.",
            "3. The facts herein are within my personal knowledge and are true and correct.",
        ),
        (
            "I, {deponent} (ID No. {deponent_id}), solemnly swear that the following is true:",
            "(a) my residential address is {address};",
            "(b) I have lived there since {since};",
            "(c) I receive mail at {postal}.",
        ),
        (
            "DEPONENT: {deponent}, Omang {deponent_id}.",
            "The deponent states under oath that he or she resides at {address} since {since}, "
            "postal address {postal}, and that no other proof of residence is available.",
        ),
    )[t]
    for p in paras:
        b.para(p, width=(80, 84, 76)[t], **values)
        b.add(Gap(6))
    b.add(
        Signature(
            (Text((Seg(ctx.pick(("DEPONENT", "Signature of deponent", "Deponent"))),), "small"),)
        )
    )
    b.para(
        ctx.pick(
            (
                "Thus signed and sworn to before me at {station} on {sworn_date}, the deponent "
                "having acknowledged that he/she knows and understands the contents of "
                "this affidavit.",
                "Sworn before me at {station} this {sworn_date}. The deponent has no objection to "
                "taking the prescribed oath and considers it binding on his/her conscience.",
                "Signed and sworn at {station} on {sworn_date}.",
            )
        ),
        width=80,
        station=station,
        sworn_date=ctx.date(date),
    )
    b.add(
        Signature(
            (
                Text((Seg("COMMISSIONER OF OATHS"),), "small"),
                Text((b.v("commissioner", fk.person(rng, ctx.today).full_name),), "small"),
            )
        )
    )
    b.add(
        Box(
            (
                Text((Seg("BOTSWANA POLICE SERVICE"),), "bold", "center"),
                Text(
                    (b.v("police_station", station.upper() + " POLICE STATION"),), "small", "center"
                ),
                Text((b.v("stamp_date", fk.fmt_date(date, 1)),), "body", "center"),
            ),
            "stamp",
            ("right", "left", "center")[t],
        )
    )


# =====================================================================================
# Certificates (entity and compliance)
# =====================================================================================
@dataclass(frozen=True)
class CertSpec:
    """An issuing authority's certificate: titles, statement and detail labels."""

    issuer: tuple[str, str, str]
    titles: tuple[str, str, str]
    statements: tuple[str, str, str]  # with {placeholders}
    signer: tuple[str, str, str]


CIPA = (
    "Companies and Intellectual Property Authority",
    "COMPANIES AND INTELLECTUAL PROPERTY AUTHORITY (CIPA)",
    "CIPA - Republic of Botswana",
)
BURS = (
    "Botswana Unified Revenue Service",
    "BOTSWANA UNIFIED REVENUE SERVICE (BURS)",
    "BURS - Botswana Unified Revenue Service",
)
CERTS: dict[D, CertSpec] = {
    D.CERTIFICATE_OF_INCORPORATION: CertSpec(
        CIPA,
        (
            "Certificate of Incorporation",
            "CERTIFICATE OF INCORPORATION OF A PRIVATE COMPANY",
            "Incorporation Certificate",
        ),
        (
            "I hereby certify that {company} is this day incorporated under the Companies Act "
            "(Cap. 42:01) and that the company is a private company limited by shares.",
            "This is to certify that {company} was incorporated in Botswana under the Companies "
            "Act, Cap. 42:01, on the date stated below.",
            "The Registrar of Companies certifies the incorporation of {company} as a company "
            "limited by shares.",
        ),
        ("Registrar of Companies", "REGISTRAR OF COMPANIES", "For: Registrar of Companies"),
    ),
    D.BUSINESS_REGISTRATION_CERTIFICATE: CertSpec(
        CIPA,
        (
            "Business Registration Certificate",
            "CERTIFICATE OF REGISTRATION OF BUSINESS NAME",
            "Business Identification Certificate",
        ),
        (
            "This certifies that the business {company} has been registered and allocated the "
            "Business Identification Number shown below.",
            "The business name {company} is registered in terms of the Registration of Business "
            "Names Act (Cap. 42:05).",
            "{company} is registered on the Online Business Registration System.",
        ),
        ("Registrar", "REGISTRAR OF BUSINESS NAMES", "Authorised officer"),
    ),
    D.TRADING_LICENCE: CertSpec(
        ("Gaborone City Council", "FRANCISTOWN CITY COUNCIL", "Kweneng District Council"),
        ("Trading Licence", "LICENCE TO TRADE", "Trade Licence Certificate"),
        (
            "{company} is hereby licensed to carry on the trade described below at the premises "
            "stated, in terms of the Trade Act (Cap. 43:02).",
            "Licence is granted to {company} to conduct business as specified below.",
            "This licence authorises {company} to trade at the premises below for the period "
            "stated. It must be displayed at the premises.",
        ),
        ("Licensing Officer", "TOWN CLERK", "Council Licensing Authority"),
    ),
    D.TAX_CLEARANCE_CERTIFICATE: CertSpec(
        BURS,
        ("Tax Clearance Certificate", "CERTIFICATE OF TAX CLEARANCE", "Tax Compliance Certificate"),
        (
            "This is to certify that {company} has complied with its obligations under the "
            "Income Tax Act and the Value Added Tax Act as at the date of issue.",
            "BURS certifies that the taxpayer named below, {company}, is in good standing with "
            "the Botswana Unified Revenue Service.",
            "{company} has filed all returns and paid all taxes due. This certificate is valid "
            "until the expiry date shown.",
        ),
        ("Commissioner General", "FOR: COMMISSIONER GENERAL", "Authorised officer, BURS"),
    ),
    D.VAT_REGISTRATION_CERTIFICATE: CertSpec(
        BURS,
        (
            "VAT Registration Certificate",
            "CERTIFICATE OF REGISTRATION FOR VALUE ADDED TAX",
            "Value Added Tax - Registration",
        ),
        (
            "This is to certify that {company} is registered as a vendor under the Value Added "
            "Tax Act (Cap. 50:03).",
            "{company} has been registered for VAT purposes with effect from the date below.",
            "The vendor {company} is registered for VAT and must display this certificate at "
            "its principal place of business.",
        ),
        ("Commissioner General", "COMMISSIONER GENERAL", "For Commissioner General"),
    ),
    D.MEMORANDUM_COVER: CertSpec(
        ("Companies Act (Cap. 42:01)", "REPUBLIC OF BOTSWANA - COMPANIES ACT", "Filed with CIPA"),
        ("Constitution", "MEMORANDUM AND ARTICLES OF ASSOCIATION", "Constitution of the Company"),
        (
            "CONSTITUTION of {company}, a private company limited by shares, adopted by special "
            "resolution of its shareholders.",
            "Memorandum and Articles of Association of {company} (a company limited by shares).",
            "The constitution of {company} as lodged with the Registrar of Companies.",
        ),
        ("Prepared by", "LODGED BY", "Company Secretary"),
    ),
}


def build_certificate(ctx: Ctx) -> None:
    """Certificates: incorporation, registration, trading licence, tax clearance, VAT,
    and the constitution cover page."""
    b, rng, t = ctx.b, ctx.rng, ctx.t
    spec = CERTS[ctx.doc_type]
    company = fk.company_name(rng)
    if ctx.doc_type is D.BUSINESS_REGISTRATION_CERTIFICATE:
        company = company.replace(" (Pty) Ltd", "")
    issue = fk.days_before(rng, ctx.today, 5, 900)
    b.target = b.doc.header
    align = ("center", "center", "left")[t]
    b.line(
        ctx.pick(spec.issuer).upper() if t == 0 else ctx.pick(spec.issuer),
        "band" if t != 1 else "subtitle",
        align if t != 2 else "left",
    )
    if t == 1:
        b.line("REPUBLIC OF BOTSWANA", "small", "center")
    b.add(Gap(30 if t == 1 else 16))
    b.line(ctx.pick(spec.titles), "title", align)
    b.add(Gap(20))
    b.target = b.doc.body
    b.para(
        ctx.pick(spec.statements),
        width=(70, 74, 80)[t],
        company=company.upper() if t == 1 else company,
    )
    b.add(Gap(16))
    dt_ = ctx.doc_type
    items: list[tuple[str, str, str]] = []
    if dt_ in (D.CERTIFICATE_OF_INCORPORATION, D.MEMORANDUM_COVER):
        items = [
            (
                "registration_number",
                ctx.pick(("Company Number", "REGISTRATION NO.", "UIN")),
                "BW" + fk.digits(rng, 11),
            ),
            (
                "incorporation_date",
                ctx.pick(("Date of Incorporation", "INCORPORATED ON", "Incorporated")),
                ctx.date(issue),
            ),
        ]
    elif dt_ is D.BUSINESS_REGISTRATION_CERTIFICATE:
        items = [
            (
                "bin",
                ctx.pick(("Business Identification Number", "BIN", "UIN")),
                "BN" + fk.digits(rng, 11),
            ),
            (
                "owner",
                ctx.pick(("Proprietor", "OWNER", "Registered owner")),
                fk.person(rng, ctx.today).full_name,
            ),
            (
                "registration_date",
                ctx.pick(("Date of Registration", "REGISTERED ON", "Registered")),
                ctx.date(issue),
            ),
            (
                "nature",
                ctx.pick(("Nature of Business", "BUSINESS ACTIVITY", "Activity")),
                rng.choice(fk.TRADES),
            ),
        ]
    elif dt_ is D.TRADING_LICENCE:
        addr = fk.address(rng)
        items = [
            (
                "licence_number",
                ctx.pick(("Licence No.", "LICENCE NUMBER", "No.")),
                f"TL/{issue.year}/{rng.randint(100, 99999):05d}",
            ),
            (
                "trade_type",
                ctx.pick(("Type of Trade", "CATEGORY OF LICENCE", "Trade")),
                rng.choice(fk.TRADES),
            ),
            (
                "premises",
                ctx.pick(("Premises", "LOCATION OF PREMISES", "Trading site")),
                addr.physical,
            ),
            ("valid_from", ctx.pick(("Valid From", "DATE OF ISSUE", "From")), ctx.date(issue)),
            (
                "valid_to",
                ctx.pick(("Valid To", "DATE OF EXPIRY", "To")),
                ctx.date(fk.add_years(issue, 1)),
            ),
        ]
    elif dt_ is D.TAX_CLEARANCE_CERTIFICATE:
        # Drawn in the order the item list used to draw them: tin, number, validity.
        tin = fk.tin(rng)
        number = "TCC" + fk.digits(rng, 9)
        expiry = issue + dt.timedelta(days=rng.choice((90, 180, 365)))
        items = [
            ("tin", ctx.pick(("Taxpayer Identification Number", "TIN", "TIN")), tin),
            (
                "certificate_number",
                ctx.pick(("Certificate No.", "CERTIFICATE NUMBER", "Reference")),
                number,
            ),
            ("issue_date", ctx.pick(("Date of Issue", "ISSUED ON", "Issued")), ctx.date(issue)),
            (
                "expiry_date",
                ctx.pick(("Date of Expiry", "VALID UNTIL", "Expires")),
                ctx.date(expiry),
            ),
        ]
        # BURS's real verification URL format is not public; this one is illustrative.
        code = f"{BURS_VERIFY}/c?t={tin}&n={number}&v={expiry.isoformat()}"
        _code(ctx, "QRCode", code, QR_MODULE)
    elif dt_ is D.VAT_REGISTRATION_CERTIFICATE:
        vat_number = "P" + fk.digits(rng, 11)
        tin = fk.tin(rng)
        # A VAT registration has no certificate number and no expiry: its QR carries the
        # VAT number and the effective date instead (``/vat`` tells the two apart).
        code = f"{BURS_VERIFY}/vat?t={tin}&n={vat_number}&e={issue.isoformat()}"
        _code(ctx, "QRCode", code, QR_MODULE)
        items = [
            (
                "vat_number",
                ctx.pick(("VAT Registration Number", "VAT NO.", "VAT number")),
                vat_number,
            ),
            ("tin", ctx.pick(("TIN", "TAXPAYER IDENTIFICATION NO.", "TIN")), tin),
            (
                "effective_date",
                ctx.pick(("Effective Date", "EFFECTIVE FROM", "Registered from")),
                ctx.date(issue),
            ),
            (
                "tax_period",
                ctx.pick(("Tax Period", "FILING FREQUENCY", "Period")),
                rng.choice(("Monthly", "Bi-monthly", "Quarterly")),
            ),
        ]
    style, cols = (("inline", 1), ("boxed", 1), ("stacked", 2))[t]
    b.form(items, style, cols)
    if dt_ is D.CERTIFICATE_OF_INCORPORATION:
        reg = b.doc.fields["registration_number"]
        _code(ctx, "QRCode", f"{CIPA_VERIFY}?reg={reg}", QR_MODULE)
    if dt_ is D.MEMORANDUM_COVER:
        b.add(Gap(30))
        b.para(
            "Lodged by: {lodged_by}, {lodged_address}",
            width=80,
            lodged_by=fk.person(rng, ctx.today).full_name,
            lodged_address=fk.address(rng).postal,
        )
    b.add(Gap(30))
    b.target = b.doc.footer
    b.fline(
        ctx.pick(
            (
                "Given under my hand at {place} on {signed_on}",
                "DATED AT {place} ON {signed_on}",
                "{place}, {signed_on}",
            )
        ),
        place=rng.choice(("Gaborone", "Francistown")),
        signed_on=ctx.date(issue),
    )
    b.add(Signature((Text((Seg(ctx.pick(spec.signer)),), "small"),), ("left", "right", "left")[t]))
    b.target = b.doc.body


# =====================================================================================
# Agreements
# =====================================================================================
def build_agreement(ctx: Ctx) -> None:
    """Lease agreements and employment contracts: parties, numbered clauses, signatures."""
    b, rng, t = ctx.b, ctx.rng, ctx.t
    start = fk.days_before(rng, ctx.today, 10, 700)
    if ctx.doc_type is D.LEASE_AGREEMENT:
        a, c = fk.person(rng, ctx.today, min_age=30), fk.person(rng, ctx.today)
        addr = fk.address(rng)
        rent = rng.randint(15, 120) * 10000
        term = rng.choice((6, 12, 24))
        values = {
            "landlord": a.full_name,
            "landlord_id": fk.omang_number(rng, a.sex),
            "tenant": c.full_name,
            "tenant_id": fk.omang_number(rng, c.sex),
            "premises": addr.physical,
            "rent": ctx.money(rent),
            "deposit": ctx.money(rent),
            "start": ctx.date(start),
            "end": ctx.date(start + dt.timedelta(days=term * 30)),
            "pay_day": str(rng.choice((1, 5, 7, 25))),
        }
        titles = ("LEASE AGREEMENT", "RESIDENTIAL LEASE AGREEMENT", "Agreement of Lease")
        parties = (
            "Entered into between {landlord} (Omang {landlord_id}), hereinafter the "
            "Landlord, and {tenant} (Omang {tenant_id}), hereinafter the Tenant."
        )
        clauses = [
            "PREMISES: The Landlord lets to the Tenant the dwelling at {premises}.",
            "DURATION: The lease commences on {start} and terminates on {end}.",
            "RENT: The monthly rent is {rent}, payable on or before day {pay_day} of each month.",
            "DEPOSIT: The Tenant shall pay a deposit of {deposit}, refundable at the end of "
            "the lease less the cost of any damage.",
            "The Tenant shall not sublet the premises without written consent.",
            "Either party may terminate this lease on one calendar month's written notice.",
        ]
        signers = (("Landlord", "LANDLORD", "The Landlord"), ("Tenant", "TENANT", "The Tenant"))
    else:
        org = rng.choice(fk.EMPLOYERS)
        emp = fk.person(rng, ctx.today)
        values = {
            "employer": org,
            "employee": emp.full_name,
            "employee_id": fk.omang_number(rng, emp.sex),
            "position": rng.choice(fk.JOB_TITLES),
            "start": ctx.date(start),
            "salary": ctx.money(rng.randint(400, 4500) * 1000),
            "hours": str(rng.choice((40, 45))),
            "leave": str(rng.choice((15, 18, 21, 24))),
            "probation": str(rng.choice((3, 6))),
            "town": rng.choice(fk.TOWNS),
        }
        titles = ("CONTRACT OF EMPLOYMENT", "EMPLOYMENT AGREEMENT", "Contract of Service")
        parties = (
            "This contract is made between {employer} (the Employer) and {employee}, "
            "Omang {employee_id} (the Employee), in terms of the Employment Act "
            "(Cap. 47:01)."
        )
        clauses = [
            "POSITION: The Employee is appointed as {position} based in {town}.",
            "COMMENCEMENT: Employment commences on {start}, subject to a probation period "
            "of {probation} months.",
            "REMUNERATION: A gross monthly salary of {salary}, paid by electronic transfer.",
            "HOURS: Normal working hours are {hours} hours per week.",
            "LEAVE: The Employee is entitled to {leave} working days of annual leave.",
            "TERMINATION: Either party may terminate this contract by giving one month's "
            "notice in writing.",
        ]
        signers = (
            ("For the Employer", "EMPLOYER", "Employer"),
            ("Employee", "EMPLOYEE", "The Employee"),
        )
    if t == 1:  # a different clause order and numbering
        clauses = clauses[2:] + clauses[:2]
    b.target = b.doc.header
    b.line(ctx.pick(titles), "title", ("center", "center", "left")[t])
    if t == 2:
        b.add(Rule(heavy=True))
    b.target = b.doc.body
    b.para(parties, width=(82, 86, 78)[t], **values)
    b.add(Gap(10))
    for i, clause in enumerate(clauses, 1):
        number = (f"{i}. ", f"Clause {i}: ", f"{i}.1 ")[t]
        b.para(number + clause, width=(82, 86, 78)[t], **values)
        b.add(Gap(6))
    b.add(Gap(14))
    b.fline(
        ctx.pick(
            (
                "Signed at {signed_place} on {signed_date}.",
                "SIGNED AT {signed_place} ON {signed_date}",
                "Place: {signed_place}  Date: {signed_date}",
            )
        ),
        signed_place=rng.choice(fk.TOWNS),
        signed_date=ctx.date(start),
    )
    for who in signers:
        b.add(Signature((Text((Seg(ctx.pick(who)),), "small"),)))


# =====================================================================================
# Tabular documents: payslip, tax certificate, company extract, bank statement
# =====================================================================================
Cell = tuple[str, str] | str
Amount = tuple[str, tuple[str, str, str], int]  # field name, labels per template, thebe


def _amounts(ctx: Ctx, items: list[Amount]) -> list[list[Cell]]:
    """Table rows ``label | amount`` of named amounts."""
    return [[labels[ctx.t], (name, ctx.money(c))] for name, labels, c in items]


def build_payslip(ctx: Ctx) -> None:
    """A payslip whose gross minus deductions is exactly the net pay."""
    b, rng, t = ctx.b, ctx.rng, ctx.t
    org = rng.choice(fk.EMPLOYERS)
    emp = fk.person(rng, ctx.today)
    pay_date = fk.days_before(rng, ctx.today, 3, 90)
    basic = rng.randint(350, 4500) * 1000
    earnings = [
        ("basic_pay", ("Basic Pay", "BASIC SALARY", "Basic salary"), basic),
        (
            "housing_allowance",
            ("Housing Allowance", "HOUSING ALLOWANCE", "Housing"),
            rng.randint(0, 20) * 5000,
        ),
        (
            "transport_allowance",
            ("Transport Allowance", "TRAVEL ALLOWANCE", "Transport"),
            rng.randint(2, 12) * 5000,
        ),
    ]
    if rng.random() < 0.5:
        earnings.append(
            ("overtime", ("Overtime", "OVERTIME", "Overtime"), rng.randint(5, 150) * 1000)
        )
    gross = sum(e[2] for e in earnings)
    paye = max(0, round((gross - 400000) * 0.18)) if gross > 400000 else round(gross * 0.02)
    deductions = [
        ("paye", ("PAYE", "INCOME TAX (PAYE)", "Tax"), paye),
        ("pension", ("Pension Fund", "PENSION CONTRIBUTION", "Pension"), round(basic * 0.05)),
        (
            "medical_aid",
            ("Medical Aid", "MEDICAL AID (BOMAID)", "Medical"),
            rng.randint(20, 120) * 1000,
        ),
    ]
    if rng.random() < 0.4:
        deductions.append(
            ("loan", ("Staff Loan", "LOAN REPAYMENT", "Loan"), rng.randint(10, 200) * 1000)
        )
    total_ded = sum(d[2] for d in deductions)
    net = gross - total_ded
    if net <= 0:  # pathological draws: keep the arithmetic exact and positive
        deductions = deductions[:1]
        total_ded = deductions[0][2]
        net = gross - total_ded
    month = f"{fk.MONTH_NAMES[pay_date.month - 1]} {pay_date.year}"
    addr = fk.address(rng)
    _letterhead(ctx, org, [addr.postal], ctx.pick(("PAYSLIP", "Salary Advice", "Pay Statement")))
    details = [
        ("employee_name", _lab(ctx, "employee"), emp.full_name.upper()),
        (
            "employee_number",
            ctx.pick(("Employee No.", "STAFF NUMBER", "Emp. code")),
            f"{rng.choice('EPS')}{rng.randint(1000, 99999)}",
        ),
        (
            "id_number",
            ctx.pick(("Omang No.", "ID NUMBER", "National ID")),
            fk.omang_number(rng, emp.sex),
        ),
        ("position", ctx.pick(("Job Title", "DESIGNATION", "Position")), rng.choice(fk.JOB_TITLES)),
        ("pay_period", ctx.pick(("Pay Period", "PERIOD", "Month")), month),
        ("pay_date", ctx.pick(("Pay Date", "DATE PAID", "Paid on")), ctx.date(pay_date)),
    ]
    style, cols = _form_style(ctx)
    b.form(details, style, 2 if style == "inline" else cols)
    b.add(Gap(16))
    if t == 0:
        n = max(len(earnings), len(deductions))
        rows: list[list[tuple[str, str] | str]] = []
        for i in range(n):
            row: list[tuple[str, str] | str] = []
            for items in (earnings, deductions):
                if i < len(items):
                    name, labels, cents = items[i]
                    row += [labels[t], (name, ctx.money(cents))]
                else:
                    row += ["", ""]
            rows.append(row)
        rows.append(
            [
                "Gross Pay",
                ("gross_pay", ctx.money(gross)),
                "Total Deductions",
                ("total_deductions", ctx.money(total_ded)),
            ]
        )
        b.table(["Earnings", "Amount", "Deductions", "Amount"], rows, [0.3, 0.2, 0.3, 0.2], "lrlr")
    elif t == 1:
        b.table(
            ["EARNINGS", "AMOUNT"],
            [*_amounts(ctx, earnings), ["GROSS EARNINGS", ("gross_pay", ctx.money(gross))]],
            [0.65, 0.35],
            "lr",
        )
        b.add(Gap(12))
        b.table(
            ["DEDUCTIONS", "AMOUNT"],
            [
                *_amounts(ctx, deductions),
                ["TOTAL DEDUCTIONS", ("total_deductions", ctx.money(total_ded))],
            ],
            [0.65, 0.35],
            "lr",
        )
    else:
        b.line("Earnings", "heading")
        b.form(
            [(n, lab[t], ctx.money(c)) for n, lab, c in earnings]
            + [("gross_pay", "Gross pay", ctx.money(gross))],
            "stacked",
            3,
        )
        b.add(Gap(8))
        b.line("Deductions", "heading")
        b.form(
            [(n, lab[t], ctx.money(c)) for n, lab, c in deductions]
            + [("total_deductions", "Total deductions", ctx.money(total_ded))],
            "stacked",
            3,
        )
    b.add(Gap(14))
    b.add(
        Text(
            (
                Seg(ctx.pick(("NET PAY: ", "NET SALARY PAYABLE: ", "Take-home pay: "))),
                b.v("net_pay", ctx.money(net)),
            ),
            "subtitle",
            "right",
        )
    )
    b.fline(
        ctx.pick(
            (
                "Paid into: {bank} account {bank_account}",
                "BANK: {bank}  ACC: {bank_account}",
                "Bank {bank}, a/c {bank_account}",
            )
        ),
        style="small",
        bank=rng.choice(("FNB Botswana", "Absa", "Stanbic", "Bank Gaborone")),
        bank_account=fk.digits(rng, 11),
    )
    _footer_note(
        ctx,
        (
            "This is a computer generated payslip. Queries to Human Resources.",
            "CONFIDENTIAL - FOR THE ADDRESSEE ONLY.",
            "Keep this statement for your records.",
        ),
    )


def build_tax_certificate(ctx: Ctx) -> None:
    """ITW-8 style BURS employee tax certificate."""
    b, rng, t = ctx.b, ctx.rng, ctx.t
    org = rng.choice(fk.EMPLOYERS)
    emp = fk.person(rng, ctx.today)
    end_year = ctx.today.year if ctx.today.month > 6 else ctx.today.year - 1
    parts = [
        (
            "salary",
            ("Salary and wages", "SALARY / WAGES", "Salary"),
            rng.randint(4000, 50000) * 1000,
        ),
        ("allowances", ("Allowances", "ALLOWANCES", "Allowances"), rng.randint(0, 6000) * 1000),
        (
            "benefits",
            ("Benefits in kind", "VALUE OF BENEFITS", "Fringe benefits"),
            rng.randint(0, 3000) * 1000,
        ),
        ("bonus", ("Bonus", "BONUS / GRATUITY", "Bonus"), rng.randint(0, 8000) * 1000),
    ]
    total = sum(p[2] for p in parts)
    tax = max(0, round((total - 4800000) * 0.2))
    b.target = b.doc.header
    b.line(ctx.pick(BURS), "band" if t != 1 else "subtitle", "center" if t != 2 else "left")
    b.line(
        ctx.pick(
            (
                "EMPLOYEE TAX CERTIFICATE (ITW 8)",
                "ITW-8 CERTIFICATE OF EMPLOYEE TAX",
                "Employee Tax Deduction Certificate - Form ITW8",
            )
        ),
        "title",
        "center",
    )
    b.line(
        ctx.pick(
            (
                "Income Tax Act (Cap. 52:01)",
                "Section 56 of the Income Tax Act",
                "Issued by the employer",
            )
        ),
        "small",
        "center",
    )
    b.add(Gap(10))
    b.target = b.doc.body
    employer = [
        ("employer_name", _lab(ctx, "employer"), org),
        (
            "employer_tin",
            ctx.pick(("Employer TIN", "EMPLOYER'S TIN", "TIN (employer)")),
            fk.tin(rng),
        ),
    ]
    employee = [
        ("employee_name", _lab(ctx, "employee"), emp.full_name),
        (
            "employee_tin",
            ctx.pick(("Employee TIN", "EMPLOYEE'S TIN", "TIN (employee)")),
            fk.tin(rng),
        ),
        (
            "employee_id",
            ctx.pick(("Omang No.", "ID NUMBER", "Omang")),
            fk.omang_number(rng, emp.sex),
        ),
        (
            "year_of_assessment",
            ctx.pick(("Year of Assessment", "TAX YEAR", "Assessment year")),
            f"{end_year}/{end_year + 1}",
        ),
        (
            "employment_period",
            ctx.pick(("Period of Employment", "PERIOD EMPLOYED", "Employed")),
            f"01/07/{end_year} - 30/06/{end_year + 1}",
        ),
    ]
    style, cols = _form_style(ctx)
    sections = [("employer", employer), ("employee", employee)]
    if t == 2:
        sections.reverse()
    for key, items in sections:
        b.line(
            ctx.pick(("Employer details", "PART A - EMPLOYER", "Employer"))
            if key == "employer"
            else ctx.pick(("Employee details", "PART B - EMPLOYEE", "Employee")),
            "heading",
        )
        b.form(items, style, 2 if style == "inline" else cols)
        b.add(Gap(10))
    b.table(
        [ctx.pick(("Remuneration", "INCOME", "Component")), ctx.pick(("Amount", "PULA", "BWP"))],
        [
            *_amounts(ctx, parts),
            [
                ctx.pick(("Total remuneration", "TOTAL REMUNERATION", "Total")),
                ("total_remuneration", ctx.money(total)),
            ],
            [
                ctx.pick(("Tax deducted (PAYE)", "TOTAL TAX DEDUCTED", "PAYE withheld")),
                ("tax_deducted", ctx.money(tax)),
            ],
        ],
        [0.65, 0.35],
        "lr",
        zebra=t == 0,
    )
    b.add(Gap(14))
    b.para(
        ctx.pick(
            (
                "I certify that the information given above is true and correct.",
                "THE EMPLOYER CERTIFIES THAT THE TAX SHOWN HAS BEEN DEDUCTED AND PAID TO BURS.",
                "Certified correct by the employer.",
            )
        ),
        width=90,
    )
    b.add(
        Signature(
            (
                Text(
                    (Seg(ctx.pick(("Employer's signature", "FOR THE EMPLOYER", "Signature"))),),
                    "small",
                ),
            )
        )
    )


def build_company_extract(ctx: Ctx) -> None:
    """CIPA company extract: details, registered office, directors and shareholders."""
    b, rng, t = ctx.b, ctx.rng, ctx.t
    company = fk.company_name(rng)
    inc = fk.days_before(rng, ctx.today, 100, 6000)
    addr = fk.address(rng)
    b.target = b.doc.header
    b.line(ctx.pick(CIPA), "band" if t != 1 else "subtitle", "left" if t == 2 else "center")
    b.line(
        ctx.pick(("Company Extract", "EXTRACT FROM THE REGISTER OF COMPANIES", "Company Profile")),
        "title",
        "center" if t != 2 else "left",
    )
    b.fline(
        ctx.pick(("Printed on {printed}", "DATE OF EXTRACT: {printed}", "As at {printed}")),
        style="small",
        align="right",
        printed=ctx.date(ctx.today),
    )
    b.target = b.doc.body
    style, _ = _form_style(ctx)
    details = [
        ("company_name", ctx.pick(("Company Name", "NAME", "Name")), company.upper()),
        (
            "registration_number",
            ctx.pick(("Company Number", "REGISTRATION NO.", "UIN")),
            "BW" + fk.digits(rng, 11),
        ),
        (
            "incorporation_date",
            ctx.pick(("Incorporation Date", "DATE REGISTERED", "Registered")),
            ctx.date(inc),
        ),
        ("company_type", ctx.pick(("Company Type", "TYPE", "Entity type")), "Private Company"),
        (
            "status",
            ctx.pick(("Status", "STATUS", "Company status")),
            rng.choice(("Registered", "Registered", "Active")),
        ),
        (
            "registered_office",
            ctx.pick(("Registered Office", "REGISTERED OFFICE ADDRESS", "Office")),
            addr.physical,
        ),
        ("postal_address", _lab(ctx, "postal"), addr.postal),
    ]
    b.form(details, style, 1 if style != "stacked" else 2)
    b.add(Gap(14))
    directors = [fk.person(rng, ctx.today, min_age=22) for _ in range(rng.randint(1, 4))]
    dir_rows: list[list[tuple[str, str] | str]] = [
        [
            (f"director_{i + 1}_name", d.full_name),
            (f"director_{i + 1}_nationality", d.nationality),
            (
                f"director_{i + 1}_appointed",
                fk.fmt_date(fk.days_before(rng, ctx.today, 10, 5000), 0),
            ),
        ]
        for i, d in enumerate(directors)
    ]
    shares = [rng.randint(1, 100) for _ in directors]
    sh_rows: list[list[tuple[str, str] | str]] = [
        [(f"shareholder_{i + 1}_name", d.full_name), (f"shareholder_{i + 1}_shares", str(s))]
        for i, (d, s) in enumerate(zip(directors, shares, strict=True))
    ]
    sections = [
        (
            ctx.pick(("Directors", "DIRECTORS", "Directors")),
            [
                ctx.pick(("Name", "FULL NAME", "Director")),
                "Nationality",
                ctx.pick(("Appointed", "DATE OF APPOINTMENT", "Since")),
            ],
            dir_rows,
            [0.5, 0.25, 0.25],
            "lll",
        ),
        (
            ctx.pick(("Shareholders", "SHAREHOLDERS", "Shareholding")),
            [
                ctx.pick(("Name", "SHAREHOLDER", "Holder")),
                ctx.pick(("Shares", "NO. OF SHARES", "Ordinary shares")),
            ],
            sh_rows,
            [0.7, 0.3],
            "lr",
        ),
    ]
    if t == 1:
        sections.reverse()
    for title, headers, rows, widths, aligns in sections:
        b.line(title, "heading")
        b.table(headers, rows, widths, aligns, zebra=t == 2)
        b.add(Gap(14))
    _footer_note(
        ctx,
        (
            "This extract reflects the register at the date of printing.",
            "ISSUED BY CIPA. VERIFY AT WWW.CIPA.CO.BW",
            "Computer generated extract; no signature required.",
        ),
    )


def build_bank_statement(ctx: Ctx) -> None:
    """A bank statement whose balances run exactly from opening to closing."""
    b, rng, t = ctx.b, ctx.rng, ctx.t
    bank, bank_addr = rng.choice(
        (
            ("First National Bank Botswana", "First Place, CBD, Gaborone"),
            ("Absa Bank Botswana", "Absa House, Main Mall, Gaborone"),
            ("Stanbic Bank Botswana", "Plot 50672, Fairground Office Park, Gaborone"),
            ("Bank Gaborone", "Plot 5129, Queens Road, Gaborone"),
        )
    )
    p = fk.person(rng, ctx.today)
    addr = fk.address(rng)
    end = fk.days_before(rng, ctx.today, 1, 60).replace(day=1) - dt.timedelta(days=1)
    start = end.replace(day=1)
    opening = rng.randint(0, 2000000)
    n = rng.randint(9, 15)
    days = sorted(rng.randint(0, (end - start).days) for _ in range(n))
    balance = opening
    txns: list[tuple[dt.date, str, int, int]] = []
    for k, day in enumerate(days):
        if k == 0 or rng.random() < 0.15:
            desc, amount = (
                rng.choice(
                    (
                        "SALARY " + rng.choice(fk.EMPLOYERS)[:18].upper(),
                        "CASH DEPOSIT",
                        "EFT RECEIVED",
                    )
                ),
                rng.randint(50000, 1500000),
            )
        else:
            desc, amount = rng.choice(fk.BANK_DESCRIPTIONS), -rng.randint(1000, 150000)
        balance += amount
        txns.append((start + dt.timedelta(days=day), desc, amount, balance))
    _letterhead(
        ctx,
        bank,
        [bank_addr],
        ctx.pick(("Bank Statement", "STATEMENT OF ACCOUNT", "Account Statement")),
    )
    style, cols = _form_style(ctx)
    holder = [
        (
            "account_holder",
            ctx.pick(("Account Holder", "ACCOUNT NAME", "Customer")),
            p.full_name.upper(),
        ),
        ("address", ctx.pick(("Address", "POSTAL ADDRESS", "Address")), addr.postal),
        (
            "account_number",
            ctx.pick(("Account Number", "ACCOUNT NO.", "Account")),
            fk.digits(rng, 11),
        ),
        ("branch", ctx.pick(("Branch", "BRANCH", "Branch")), rng.choice(fk.TOWNS)),
        (
            "statement_period",
            ctx.pick(("Statement Period", "PERIOD", "From - to")),
            f"{ctx.date(start)} - {ctx.date(end)}",
        ),
        (
            "opening_balance",
            ctx.pick(("Opening Balance", "BALANCE BROUGHT FORWARD", "Opening balance")),
            ctx.money(opening),
        ),
    ]
    b.form(holder, style, 2 if style == "inline" else cols)
    b.add(Gap(14))
    rows: list[list[tuple[str, str] | str]] = []
    for i, (d, desc, amount, bal) in enumerate(txns, 1):
        date = (f"txn_{i}_date", fk.fmt_date(d, (0, 1, 2)[t]))
        dsc = (f"txn_{i}_description", desc)
        money = ctx.money(abs(amount))
        if t == 1:
            rows.append(
                [
                    date,
                    dsc,
                    (f"txn_{i}_amount", ctx.money(amount)),
                    (f"txn_{i}_balance", ctx.money(bal)),
                ]
            )
        else:
            debit = (f"txn_{i}_debit", money) if amount < 0 else ""
            credit = (f"txn_{i}_credit", money) if amount > 0 else ""
            cells: list[tuple[str, str] | str] = [date, dsc]
            cells += [debit, credit] if t == 0 else [credit, debit]
            rows.append([*cells, (f"txn_{i}_balance", ctx.money(bal))])
    if t == 1:
        b.table(
            ["DATE", "TRANSACTION DETAILS", "AMOUNT", "BALANCE"],
            rows,
            [0.18, 0.46, 0.18, 0.18],
            "llrr",
        )
    elif t == 0:
        b.table(
            ["Date", "Description", "Debit", "Credit", "Balance"],
            rows,
            [0.15, 0.4, 0.15, 0.15, 0.15],
            "llrrr",
            zebra=True,
        )
    else:
        b.table(
            ["Posted", "Details", "Money in", "Money out", "Balance"],
            rows,
            [0.16, 0.39, 0.15, 0.15, 0.15],
            "llrrr",
        )
    b.add(Gap(10))
    b.add(
        Text(
            (
                Seg(ctx.pick(("Closing Balance: ", "CLOSING BALANCE: ", "Balance at end: "))),
                b.v("closing_balance", ctx.money(balance)),
            ),
            "subtitle",
            "right",
        )
    )
    _footer_note(
        ctx,
        (
            "Please examine this statement and report any discrepancy within 30 days.",
            "THIS STATEMENT IS ISSUED SUBJECT TO THE BANK'S TERMS AND CONDITIONS.",
            "Deposits are subject to final clearance.",
        ),
    )


# =====================================================================================
# Unknown: things that are not KYC documents
# =====================================================================================
_NOUNS = (
    "council",
    "minister",
    "market",
    "festival",
    "team",
    "farmers",
    "school",
    "road",
    "rain season",
    "tourism board",
    "community",
    "museum",
    "league",
    "project",
)
_VERBS = (
    "announced",
    "celebrated",
    "postponed",
    "launched",
    "reviewed",
    "welcomed",
    "discussed",
    "completed",
    "reported on",
    "planned",
)
_OBJECTS = (
    "a new weekend programme",
    "the annual cultural event",
    "the final match",
    "plans for a public park",
    "a recycling campaign",
    "the local harvest",
    "a youth training scheme",
    "improvements to the bus station",
    "a reading week",
)
_WHEN = (
    "on Tuesday",
    "this weekend",
    "last month",
    "earlier today",
    "after a long delay",
    "despite the heat",
    "in the morning",
)
_PRODUCTS = (
    "Wireless Headphones",
    "Running Shoes",
    "Coffee Maker",
    "Backpack",
    "Desk Lamp",
    "Water Bottle",
    "Sunglasses",
    "Bluetooth Speaker",
    "Kettle",
    "Throw Pillow",
    "Phone Case",
    "Notebook Set",
)
_MENU = (
    "Seswaa with pap",
    "Beef stew",
    "Grilled chicken",
    "Chips",
    "Vetkoek",
    "Salad",
    "Mogodu",
    "Coke 330ml",
    "Fanta 500ml",
    "Bottled water",
    "Coffee",
    "Chicken wrap",
)


def _sentence(rng: random.Random) -> str:
    return (
        f"The {rng.choice(_NOUNS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_WHEN)}."
    )


def build_unknown(ctx: Ctx) -> None:
    """Web pages, receipts, blank pages and photos: what the classifier must refuse."""
    b, rng, t = ctx.b, ctx.rng, ctx.t
    if t in (0, 2):
        site = rng.choice(
            ("dailyvoice", "newsnow", "shopzone", "megamart", "citynews")
        ) + rng.choice((".com", ".net", ".co"))
        b.target = b.doc.header
        b.fline(
            "https://www.{url}", "mono", url=f"{site}/{rng.choice(('home', 'latest', 'deals'))}"
        )
        b.line(site.split(".")[0].title(), "band", "left")
        b.line(
            "  |  ".join(
                rng.sample(
                    (
                        "Home",
                        "World",
                        "Sport",
                        "Business",
                        "Travel",
                        "Deals",
                        "Electronics",
                        "Fashion",
                        "Contact",
                    ),
                    5,
                )
            ),
            "body",
            "left",
        )
        b.add(Rule())
        b.target = b.doc.body
    if t == 0:
        b.fline("{headline}", "title", headline=_sentence(rng)[:-1].title()[:44])
        b.fline(
            "By {author} | {published}",
            "small",
            author=fk.person(rng, ctx.today).full_name,
            published=ctx.date(ctx.today),
        )
        b.add(Gap(10))
        for _ in range(rng.randint(4, 7)):
            b.para(" ".join(_sentence(rng) for _ in range(rng.randint(2, 5))), width=96)
            b.add(Gap(12))
        b.target = b.doc.footer
        b.add(
            Box(
                (
                    Text(
                        (
                            Seg(
                                "We use cookies to improve your experience. By continuing you "
                                "accept our cookie policy."
                            ),
                        ),
                        "small",
                    ),
                    Text((Seg("Accept all"),), "button", "right"),
                ),
                "banner",
                "left",
            )
        )
    elif t == 2:
        b.line(rng.choice(("Today's deals", "Best sellers", "New arrivals")), "title")
        tiles = []
        for i, name in enumerate(rng.sample(_PRODUCTS, 6), 1):
            tiles.append(
                (
                    Text((b.v(f"product_{i}", name),), "bold"),
                    Text(
                        (
                            b.v(
                                f"price_{i}",
                                f"${rng.randint(5, 300)}.{rng.choice(('99', '49', '00'))}",
                            ),
                        ),
                        "body",
                    ),
                    Text((Seg("Add to cart"),), "button"),
                )
            )
        b.add(TilesBlock(tuple(tiles), 3))
    elif t == 1:
        shop = rng.choice(
            ("Mma Ramotswe Cafe", "Kgotla Kitchen", "Riverside Grill", "Sunrise Takeaways")
        )
        b.target = b.doc.header
        b.fline("{shop}", "title", "center", shop=shop)
        b.line(f"Plot {rng.randint(100, 9999)}, {rng.choice(fk.TOWNS)}", "mono", "center")
        b.fline(
            "Till {till}   {receipt_time}",
            "mono",
            "center",
            till=str(rng.randint(1, 9)),
            receipt_time=f"{ctx.date(ctx.today)} {rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}",
        )
        b.add(Rule())
        b.target = b.doc.body
        total = 0
        for i, item in enumerate(rng.sample(_MENU, rng.randint(3, 7)), 1):
            qty, price = rng.randint(1, 3), rng.randint(8, 95) * 100
            total += qty * price
            b.fline(
                f"{{qty_{i}}}x {{item_{i}}}  {{amount_{i}}}",
                "mono",
                **{
                    f"qty_{i}": str(qty),
                    f"item_{i}": item,
                    f"amount_{i}": fk.money(qty * price, 2),
                },
            )
        b.add(Rule())
        b.fline("TOTAL {total}", "bold", "right", total=fk.money(total, 2))
        b.line("VAT included at 14%", "mono", "right")
        b.line("Thank you - come again!", "mono", "center")


# =====================================================================================
# Dispatch
# =====================================================================================
Spec = tuple[str, tuple[int, int, int], Callable[[Ctx], None]]

SPECS: dict[D, Spec] = {
    D.NATIONAL_ID_FRONT: ("card", BW_BLUE, build_national_id_front),
    D.NATIONAL_ID_BACK: ("card", BW_BLUE, build_national_id_back),
    D.PASSPORT: ("passport_page", (20, 70, 120), build_passport),
    D.DRIVERS_LICENCE: ("card", (150, 60, 60), build_drivers_licence),
    D.RESIDENCE_PERMIT: ("card", (90, 60, 130), build_residence_permit),
    D.FOREIGN_PASSPORT: ("passport_page", (110, 30, 40), build_foreign_passport),
    D.FOREIGN_ID_CARD: ("card", (30, 110, 80), build_foreign_id_card),
    D.VISA: ("passport_page", (40, 100, 140), build_visa),
    D.ELECTRICITY_BILL: ("a4", COLOURS[D.ELECTRICITY_BILL], build_bill),
    D.WATER_BILL: ("a4", COLOURS[D.WATER_BILL], build_bill),
    D.TELECOM_BILL: ("a4", COLOURS[D.TELECOM_BILL], build_bill),
    D.COUNCIL_RATES_BILL: ("a4", COLOURS[D.COUNCIL_RATES_BILL], build_bill),
    D.LEASE_AGREEMENT: ("a4", (60, 60, 60), build_agreement),
    D.LANDLORD_LETTER: ("letter", (70, 70, 90), build_letter),
    D.AFFIDAVIT: ("a4", (40, 40, 90), build_affidavit),
    D.KGOTLA_LETTER: ("letter", (120, 80, 30), build_letter),
    D.PAYSLIP: ("a4", COLOURS[D.PAYSLIP], build_payslip),
    D.EMPLOYMENT_CONTRACT: ("a4", (50, 70, 90), build_agreement),
    D.EMPLOYMENT_LETTER: ("letter", (30, 80, 120), build_letter),
    D.TAX_CERTIFICATE: ("a4", (0, 90, 60), build_tax_certificate),
    D.CERTIFICATE_OF_INCORPORATION: ("a4", (0, 70, 130), build_certificate),
    D.COMPANY_EXTRACT: ("a4", (0, 70, 130), build_company_extract),
    D.MEMORANDUM_COVER: ("a4", (70, 70, 70), build_certificate),
    D.BUSINESS_REGISTRATION_CERTIFICATE: ("a4", (0, 90, 130), build_certificate),
    D.TRADING_LICENCE: ("a4", (40, 110, 60), build_certificate),
    D.TAX_CLEARANCE_CERTIFICATE: ("a4", (0, 90, 60), build_certificate),
    D.VAT_REGISTRATION_CERTIFICATE: ("a4", (0, 90, 60), build_certificate),
    D.BOARD_RESOLUTION: ("letter", (60, 60, 80), build_letter),
    D.BANK_STATEMENT: ("a4", COLOURS[D.BANK_STATEMENT], build_bank_statement),
}

_UNKNOWN_KINDS = ("screen", "receipt", "screen", "blank", "photo")
PHOTOS = (
    "chelsea",
    "coffee",
    "rocket",
    "hubble_deep_field",
    "immunohistochemistry",
    "coins",
    "moon",
    "brick",
    "grass",
    "colorwheel",
)


def build(seed: int, doc_type: D, template: int) -> Doc:
    """The content of document ``doc_type`` in ``template`` for ``seed`` (no rendering)."""
    # Synthetic data, not cryptography: a seeded Mersenne Twister is what we want.
    rng = random.Random(f"docgen/{seed}/{doc_type.value}/{template}")  # noqa: S311
    today = fk.reference_date(random.Random(f"docgen/{seed}/today"))  # noqa: S311
    if doc_type is D.UNKNOWN:
        kind = _UNKNOWN_KINDS[template]
        accent = rng.choice(((200, 40, 40), (30, 30, 30), (20, 120, 200), (240, 140, 0)))
        th = theme("a4", (0, 1, 2, 0, 0)[template], accent)
        if kind == "receipt":
            th = Theme(
                font="liberation-mono",
                bold="liberation-mono-bold",
                title_font="liberation-mono-bold",
                accent=(0, 0, 0),
                band=None,
                paper=(250, 248, 240),
                body=22,
                label=18,
                title=30,
            )
        b = Builder(kind, th, template, rng)
        if kind == "photo":
            b.doc.photo = rng.choice(PHOTOS)
        build_unknown(Ctx(b, template, rng, today, doc_type))
        return b.doc
    kind, accent, fn = SPECS[doc_type]
    b = Builder(kind, theme(kind, template, accent), template, rng)
    if kind in ("card", "passport_page"):
        b.doc.portrait = _portrait_side(template)
        b.doc.portrait_grey = template == 1
    fn(Ctx(b, template, rng, today, doc_type))
    return b.doc
