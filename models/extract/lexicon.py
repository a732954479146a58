"""What each document type's fields are called, and what kind of value each holds.

The label synonyms are domain knowledge (how Botswana and international
documents name their fields, English and the French of bilingual ICAO
documents), written by hand; the extractor matches OCR lines against them.
A field's kind picks its normaliser and its plausibility test.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.doctypes import DocumentType as D


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # name, date, period, month, id, code, amount, sex, text, country
    labels: tuple[str, ...]


def _f(name: str, kind: str, *labels: str) -> FieldSpec:
    return FieldSpec(name, kind, tuple(label.upper() for label in labels))


SURNAME = _f("surname", "name", "Surname", "Last name", "Family name", "Nom")
FORENAMES = _f(
    "forenames", "name", "Forenames", "Given names", "First names", "First name", "Prenoms"
)
GIVEN = FieldSpec("given_names", "name", FORENAMES.labels)
DOB = _f("birth_date", "date", "Date of birth", "Birth date", "Born", "DOB", "Date de naissance")
POB = _f("birth_place", "text", "Place of birth", "Birthplace", "Born at", "Lieu de naissance")
SEX = _f("sex", "sex", "Sex", "Gender", "Sexe")
EXPIRY = _f(
    "expiry_date",
    "date",
    "Date of expiry",
    "Expiry date",
    "Expiry",
    "Expires",
    "Valid until",
    "Date d'expiration",
)
ISSUE = _f(
    "issue_date", "date", "Date of issue", "Issue date", "Issued on", "Issued", "Date de delivrance"
)
NATIONALITY = _f("nationality", "text", "Nationality", "Citizenship", "Nationalite")
ID_NUMBER = _f(
    "id_number",
    "id",
    "Omang No",
    "Omang Number",
    "ID Number",
    "ID No",
    "National ID",
    "Identity Number",
    "Identity No",
    "Personal number",
    "Omang",
)
AUTHORITY = _f("authority", "text", "Authority", "Issuing authority", "Issuing office", "Autorite")
PASSPORT_NO = _f(
    "passport_number",
    "code",
    "Passport No",
    "Passport Number",
    "Document number",
    "Document No",
    "N du passeport",
)
COUNTRY_CODE = _f(
    "country_code", "country", "Code of State", "Country code", "Code", "Code du pays"
)

CUSTOMER = _f(
    "customer_name", "name", "Customer Name", "Account Holder", "Bill To", "Customer", "Name"
)
ACCOUNT = _f(
    "account_number", "code", "Account Number", "Account No", "Customer Account", "Account"
)
BILL_DATE = _f("bill_date", "date", "Bill Date", "Invoice Date", "Statement Date", "Date")
DUE_DATE = _f("due_date", "date", "Due Date", "Pay By", "Payment Due")
AMOUNT_DUE = _f(
    "amount_due", "amount", "Amount Due", "Total Due", "Balance Payable", "Amount payable"
)
POSTAL = _f("postal_address", "text", "Postal Address", "Mailing address")
PHYSICAL = _f(
    "physical_address",
    "text",
    "Physical Address",
    "Premises",
    "Service address",
    "Residential address",
)
PERIOD = _f("period", "period", "Billing Period", "Period", "Service period")

COMPANY = _f(
    "company",
    "text",
    "Company",
    "Company name",
    "Name of company",
    "Business name",
    "Taxpayer name",
    "Name of taxpayer",
    "Trading name",
)
REG_NO = _f(
    "registration_number",
    "code",
    "Registration Number",
    "Registration No",
    "Company Number",
    "UIN",
    "Reg No",
)
TIN = _f("tin", "code", "TIN", "Taxpayer Identification Number", "Tax Identification Number")


def _p(name: str, kind: str) -> FieldSpec:
    """A field read from prose or a table (``prose.py``, ``tables.py``): no label."""
    return FieldSpec(name, kind, ())


# Rows read from a company extract's tables and a bank statement (more are not reported).
MAX_TABLE_ROWS = 10
MAX_TRANSACTIONS = 50
DIRECTOR_COLUMNS = (("name", "name"), ("nationality", "name"), ("appointed", "date"))
SHAREHOLDER_COLUMNS = (("name", "name"), ("shares", "int"))
TRANSACTION_COLUMNS = (
    ("date", "date"),
    ("description", "caps"),
    ("debit", "amount"),
    ("credit", "amount"),
    ("amount", "amount"),  # one signed column instead of debit and credit
    ("balance", "amount"),
)


def _rows(prefix: str, columns: tuple[tuple[str, str], ...], count: int) -> tuple[FieldSpec, ...]:
    return tuple(
        _p(f"{prefix}_{i}_{col}", kind) for i in range(1, count + 1) for col, kind in columns
    )


# A person named with an ID in a sentence, and the fields every letter has.
def _party(role: str) -> tuple[FieldSpec, FieldSpec]:
    return _p(role, "name"), _p(f"{role}_id", "id")


LETTER_DATE = _p("letter_date", "date")
SIGNATORY = _p("signatory", "name")
# "since 15/01/2022" or "since 2002".
SINCE = _p("since", "date_or_year")
COMPANY_ORG = _f(
    "company",
    "org",
    "Company name",
    "Name of company",
    "Business name",
    "Name of business",
    "Trading name",
    "Registered name",
)

# Every utility, telecom and rates bill states these.
BILL = (CUSTOMER, ACCOUNT, POSTAL, PHYSICAL, BILL_DATE, PERIOD, DUE_DATE, AMOUNT_DUE)

FIELDS: dict[D, tuple[FieldSpec, ...]] = {
    D.NATIONAL_ID_FRONT: (SURNAME, FORENAMES, ID_NUMBER, DOB, POB, SEX, EXPIRY, NATIONALITY),
    D.NATIONAL_ID_BACK: (
        _f("address", "text", "Address", "Residential address", "Residence", "Physical address"),
        _f(
            "issue_place",
            "text",
            "Place of issue",
            "Issued at",
            "Office of issue",
            "Issuing office",
        ),
        ISSUE,
    ),
    D.PASSPORT: (PASSPORT_NO, SURNAME, GIVEN, NATIONALITY, DOB, SEX, POB, ISSUE, AUTHORITY, EXPIRY),
    D.FOREIGN_PASSPORT: (
        PASSPORT_NO,
        SURNAME,
        GIVEN,
        NATIONALITY,
        DOB,
        SEX,
        POB,
        ISSUE,
        AUTHORITY,
        EXPIRY,
    ),
    D.DRIVERS_LICENCE: (
        SURNAME,
        FORENAMES,
        _f("licence_number", "code", "Licence No", "Licence Number", "Licence", "Number"),
        ID_NUMBER,
        DOB,
        ISSUE,
        EXPIRY,
    ),
    D.RESIDENCE_PERMIT: (
        _f("permit_number", "code", "Permit No", "Permit Number", "Permit"),
        SURNAME,
        GIVEN,
        NATIONALITY,
        DOB,
        _f("employer", "text", "Employer", "Employed by", "Name of employer", "Employer name"),
        _f("valid_from", "date", "Valid from", "Date of issue", "From"),
        _f("valid_to", "date", "Valid to", "Valid until", "Date of expiry", "To"),
    ),
    D.FOREIGN_ID_CARD: (
        SURNAME,
        GIVEN,
        SEX,
        NATIONALITY,
        DOB,
        _f("card_number", "code", "Card No", "Card Number", "Document No"),
        EXPIRY,
    ),
    D.VISA: (
        _f("visa_number", "code", "Visa No", "Visa Number", "Number"),
        _f("name", "name", "Name", "Surname, given names", "Holder"),
        _f(
            "passport_number",
            "code",
            "Passport No",
            "Passport Number",
            "Passport",
            "Document number",
            "Travel document No",
            "Travel document number",
        ),
        NATIONALITY,
        DOB,
        SEX,
        _f("valid_from", "date", "Valid from", "From"),
        _f("valid_until", "date", "Valid until", "Until"),
    ),
    D.ELECTRICITY_BILL: BILL,
    D.WATER_BILL: BILL,
    D.TELECOM_BILL: BILL,
    D.COUNCIL_RATES_BILL: (*BILL, _f("plot_number", "text", "Plot No", "Plot Number")),
    D.PAYSLIP: (
        _f("employee_name", "name", "Employee Name", "Name of Employee", "Employee", "Name"),
        _f(
            "employee_number",
            "code",
            "Employee No",
            "Employee Number",
            "Staff Number",
            "Emp code",
            "Staff No",
        ),
        ID_NUMBER,
        _f("pay_period", "month", "Pay Period", "Period", "Month"),
        _f("pay_date", "date", "Pay Date", "Date Paid", "Paid on"),
        _f("gross_pay", "amount", "Gross Pay", "Gross Earnings", "Gross", "Total Earnings"),
        _f("total_deductions", "amount", "Total Deductions", "Deductions total"),
        _f(
            "net_pay",
            "amount",
            "Net Pay",
            "Net Salary Payable",
            "Net Salary",
            "Take-home pay",
            "Take home pay",
            "Net",
        ),
    ),
    D.TAX_CERTIFICATE: (
        _f(
            "employer_name",
            "text",
            "Employer",
            "Name of Employer",
            "Employer name",
            "Company",
            "Company name",
        ),
        _f("employer_tin", "code", "Employer TIN", "TIN (employer)", "TIN of employer"),
        _f("employee_name", "name", "Employee", "Name of Employee", "Employee name"),
        _f("employee_tin", "code", "Employee TIN", "TIN (employee)", "TIN of employee", "TIN"),
        _f("total_remuneration", "amount", "Total Remuneration", "Total"),
        _f(
            "tax_deducted",
            "amount",
            "Tax Deducted",
            "Total tax deducted",
            "PAYE deducted",
            "PAYE withheld",
            "Tax withheld",
            "Tax",
        ),
    ),
    D.CERTIFICATE_OF_INCORPORATION: (
        COMPANY,
        REG_NO,
        _f(
            "incorporation_date",
            "date",
            "Date of Incorporation",
            "Incorporated on",
            "Incorporation date",
            "Incorporated",
        ),
    ),
    D.COMPANY_EXTRACT: (
        _f("company_name", "text", "Company Name", "Name", "Company"),
        REG_NO,
        _f(
            "incorporation_date",
            "date",
            "Date of Incorporation",
            "Incorporation date",
            "Incorporated",
            "Date registered",
            "Registration date",
        ),
        _f("status", "text", "Status", "Company status"),
        _f(
            "registered_office",
            "text",
            "Registered Office",
            "Registered office address",
            "Registered address",
        ),
        _f("postal_address", "address", "Postal Address", "Postal", "Mailing address"),
        *_rows("director", DIRECTOR_COLUMNS, MAX_TABLE_ROWS),
        *_rows("shareholder", SHAREHOLDER_COLUMNS, MAX_TABLE_ROWS),
    ),
    D.TAX_CLEARANCE_CERTIFICATE: (
        COMPANY,
        TIN,
        _f("certificate_number", "code", "Certificate No", "Certificate Number", "Certificate"),
        ISSUE,
        _f("expiry_date", "date", "Date of Expiry", "Valid until", "Expires", "Expiry"),
    ),
    D.VAT_REGISTRATION_CERTIFICATE: (
        COMPANY,
        _f("vat_number", "code", "VAT Number", "VAT No", "VAT Registration Number"),
        TIN,
        _f("effective_date", "date", "Effective Date", "Effective from", "With effect from"),
    ),
    D.BANK_STATEMENT: (
        _f("account_holder", "name", "Account Holder", "Account Name", "Customer", "Name"),
        _f("account_number", "code", "Account Number", "Account No", "Account"),
        _f("address", "address", "Address", "Postal Address", "Residential Address"),
        _f("statement_period", "period", "Statement Period", "Period", "From - to"),
        _f(
            "opening_balance",
            "amount",
            "Opening Balance",
            "Balance brought forward",
            "Balance at start",
        ),
        _f(
            "closing_balance",
            "amount",
            "Closing Balance",
            "Balance carried forward",
            "Balance at end",
        ),
        *_rows("txn", TRANSACTION_COLUMNS, MAX_TRANSACTIONS),
    ),
    D.LANDLORD_LETTER: (
        *_party("tenant"),
        _p("landlord", "name"),
        _p("address", "address"),
        SINCE,
        _p("rent", "amount"),
        LETTER_DATE,
        SIGNATORY,
    ),
    D.LEASE_AGREEMENT: (
        *_party("landlord"),
        *_party("tenant"),
        _p("premises", "address"),
        _p("start", "date"),
        _p("end", "date"),
        _p("rent", "amount"),
        _p("deposit", "amount"),
        _p("signed_date", "date"),
    ),
    D.AFFIDAVIT: (
        *_party("deponent"),
        _p("address", "address"),
        _p("postal", "address"),
        SINCE,
        _p("sworn_date", "date"),
        _p("commissioner", "name"),
    ),
    D.KGOTLA_LETTER: (
        *_party("resident"),
        _p("ward", "name"),
        _p("village", "name"),
        SINCE,
        LETTER_DATE,
        SIGNATORY,
    ),
    D.EMPLOYMENT_LETTER: (
        *_party("employee"),
        _p("employer", "org"),
        _p("position", "name"),
        _p("start", "date"),
        _p("salary", "amount"),
        LETTER_DATE,
        SIGNATORY,
    ),
    D.EMPLOYMENT_CONTRACT: (
        _p("employer", "org"),
        *_party("employee"),
        _p("position", "name"),
        _p("start", "date"),
        _p("salary", "amount"),
        _p("signed_place", "name"),
        _p("signed_date", "date"),
    ),
    D.BOARD_RESOLUTION: (
        _p("company", "org"),
        _p("reg_no", "code"),
        _p("meeting_date", "date"),
        _p("signatory_name", "name"),
        SIGNATORY,
        LETTER_DATE,
    ),
    D.MEMORANDUM_COVER: (
        COMPANY_ORG,
        REG_NO,
        _f(
            "incorporation_date",
            "date",
            "Date of Incorporation",
            "Incorporated on",
            "Incorporation date",
            "Incorporated",
        ),
        _f("lodged_by", "name", "Lodged by", "Presented by", "Submitted by", "Filed by"),
        _p("lodged_address", "address"),
    ),
    D.BUSINESS_REGISTRATION_CERTIFICATE: (
        COMPANY_ORG,
        _f(
            "bin",
            "code",
            "Business Identification Number",
            "UIN",
            "Unique Identification Number",
            "BIN",
            "Business Number",
            "Business Registration Number",
            "Registration Number",
            "Registration No",
        ),
        _f(
            "owner",
            "name",
            "Proprietor",
            "Owner",
            "Registered owner",
            "Name of proprietor",
            "Name of owner",
            "Proprietors",
            "Owners",
        ),
        _f(
            "registration_date",
            "date",
            "Date of Registration",
            "Registered on",
            "Registration date",
            "Date registered",
            "Registered",
        ),
        _f(
            "nature",
            "caps",
            "Nature of Business",
            "Business Activity",
            "Type of Business",
            "Principal activity",
            "Principal business activity",
            "Business type",
            "Nature of trade",
            "Activity",
            "Business activities",
        ),
    ),
    D.TRADING_LICENCE: (
        _f(
            "company",
            "org",
            "Licensee",
            "Licence holder",
            "Name of licensee",
            "Business name",
            "Trading name",
            "Name of business",
            "Holder",
        ),
        _f(
            "licence_number",
            "code",
            "Licence No",
            "Licence Number",
            "Licence",
            "Trading Licence No",
            "Licence Ref",
            "No",
        ),
        _f(
            "trade_type",
            "caps",
            "Type of Trade",
            "Category of Licence",
            "Trade type",
            "Type of licence",
            "Licence type",
            "Licence category",
            "Class of licence",
            "Licence class",
            "Nature of trade",
            "Trade",
        ),
        _f(
            "premises",
            "address",
            "Premises",
            "Location of Premises",
            "Address of premises",
            "Business address",
            "Business premises",
            "Physical address",
            "Trading site",
            "Site",
        ),
        _f(
            "valid_from",
            "date",
            "Valid from",
            "Date of Issue",
            "Issue date",
            "Issued on",
            "Effective date",
            "Commencement date",
            "From",
        ),
        _f(
            "valid_to",
            "date",
            "Valid to",
            "Valid until",
            "Date of Expiry",
            "Expiry date",
            "Expires on",
            "To",
        ),
    ),
}


def fields_of(doc_type: D) -> tuple[FieldSpec, ...]:
    """The fields extracted for a type (empty: not yet covered by the extractor)."""
    return FIELDS.get(doc_type, ())


def all_labels() -> frozenset[str]:
    """Every label of every field: a value never runs into one of these."""
    return frozenset(label for specs in FIELDS.values() for spec in specs for label in spec.labels)
