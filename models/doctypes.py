"""The document types botsKYC knows, and the verification category each belongs to.

One catalogue for the generator (``tools/docgen``), the classifier
(``models/doctype``) and the pipeline's mismatch check. ``unknown`` is a real
answer: the classifier gives it to anything it cannot place (a cat, a blank
page, a web page), and the pipeline never guesses past it.
"""

from __future__ import annotations

from enum import Enum


# (str, Enum) rather than StrEnum: the Triton container (docker-compose) runs
# Python 3.10, and the classifier's adapter imports this module there.
class DocumentType(str, Enum):  # noqa: UP042
    # identity
    NATIONAL_ID_FRONT = "national_id_front"
    NATIONAL_ID_BACK = "national_id_back"
    PASSPORT = "passport"
    DRIVERS_LICENCE = "drivers_licence"
    RESIDENCE_PERMIT = "residence_permit"
    FOREIGN_PASSPORT = "foreign_passport"
    FOREIGN_ID_CARD = "foreign_id_card"
    VISA = "visa"
    # address
    ELECTRICITY_BILL = "electricity_bill"
    WATER_BILL = "water_bill"
    TELECOM_BILL = "telecom_bill"
    COUNCIL_RATES_BILL = "council_rates_bill"
    LEASE_AGREEMENT = "lease_agreement"
    LANDLORD_LETTER = "landlord_letter"
    AFFIDAVIT = "affidavit"
    KGOTLA_LETTER = "kgotla_letter"
    # income
    PAYSLIP = "payslip"
    EMPLOYMENT_CONTRACT = "employment_contract"
    EMPLOYMENT_LETTER = "employment_letter"
    TAX_CERTIFICATE = "tax_certificate"
    # entity
    CERTIFICATE_OF_INCORPORATION = "certificate_of_incorporation"
    COMPANY_EXTRACT = "company_extract"
    MEMORANDUM_COVER = "memorandum_cover"
    BUSINESS_REGISTRATION_CERTIFICATE = "business_registration_certificate"
    TRADING_LICENCE = "trading_licence"
    # compliance
    TAX_CLEARANCE_CERTIFICATE = "tax_clearance_certificate"
    VAT_REGISTRATION_CERTIFICATE = "vat_registration_certificate"
    BOARD_RESOLUTION = "board_resolution"
    # multi-purpose (address and income)
    BANK_STATEMENT = "bank_statement"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return str(self.value)

    @property
    def public_code(self) -> str:
        """``documentType`` in the public API (``OMANG`` for both sides of the national ID)."""
        if self in (DocumentType.NATIONAL_ID_FRONT, DocumentType.NATIONAL_ID_BACK):
            return "OMANG"
        return str(self.value).upper()

    @property
    def side(self) -> str | None:
        """``FRONT``/``BACK`` for two-sided cards read as one document, else None."""
        return {"national_id_front": "FRONT", "national_id_back": "BACK"}.get(self.value)

    @property
    def categories(self) -> frozenset[str]:
        """The ``/verify/{category}`` routes this document may be sent to."""
        return _CATEGORIES[self]


_IDENTITY = {
    DocumentType.NATIONAL_ID_FRONT,
    DocumentType.NATIONAL_ID_BACK,
    DocumentType.PASSPORT,
    DocumentType.DRIVERS_LICENCE,
    DocumentType.RESIDENCE_PERMIT,
    DocumentType.FOREIGN_PASSPORT,
    DocumentType.FOREIGN_ID_CARD,
    DocumentType.VISA,
}
_ADDRESS = {
    DocumentType.ELECTRICITY_BILL,
    DocumentType.WATER_BILL,
    DocumentType.TELECOM_BILL,
    DocumentType.COUNCIL_RATES_BILL,
    DocumentType.LEASE_AGREEMENT,
    DocumentType.LANDLORD_LETTER,
    DocumentType.AFFIDAVIT,
    DocumentType.KGOTLA_LETTER,
}
_INCOME = {
    DocumentType.PAYSLIP,
    DocumentType.EMPLOYMENT_CONTRACT,
    DocumentType.EMPLOYMENT_LETTER,
    DocumentType.TAX_CERTIFICATE,
}
_ENTITY = {
    DocumentType.CERTIFICATE_OF_INCORPORATION,
    DocumentType.COMPANY_EXTRACT,
    DocumentType.MEMORANDUM_COVER,
    DocumentType.BUSINESS_REGISTRATION_CERTIFICATE,
    DocumentType.TRADING_LICENCE,
}
_COMPLIANCE = {
    DocumentType.TAX_CLEARANCE_CERTIFICATE,
    DocumentType.VAT_REGISTRATION_CERTIFICATE,
    DocumentType.BOARD_RESOLUTION,
}


def _categories_of(t: DocumentType) -> frozenset[str]:
    cats: set[str] = set()
    for name, members in (
        ("identity", _IDENTITY),
        ("address", _ADDRESS),
        ("income", _INCOME),
        ("entity", _ENTITY),
        ("compliance", _COMPLIANCE),
    ):
        if t in members:
            cats.add(name)
    if t is DocumentType.BANK_STATEMENT:
        cats |= {"address", "income"}
    return frozenset(cats)


_CATEGORIES = {t: _categories_of(t) for t in DocumentType}

#: The types a classifier is trained on (every real type, plus ``unknown``).
LABELS: tuple[DocumentType, ...] = tuple(DocumentType)
