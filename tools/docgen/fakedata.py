"""Fake but plausible Botswana data: people, places, companies, money and dates.

Everything is drawn from a ``random.Random`` passed in; nothing here touches
global random state. None of these people, companies or numbers exist.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass


def _names(text: str) -> tuple[str, ...]:
    """A comma-separated list as a tuple (keeps the long lists compact)."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


MALE_NAMES = _names(
    "Kabelo, Thabo, Tshepo, Kagiso, Tebogo, Mpho, Neo, Lesego, Oratile, Goitseone, "
    "Onkemetse, Boitumelo, Kgosi, Mothusi, Tumelo, Kefilwe, Phenyo, Gaone, Otsile, "
    "Ofentse, Bakang, Kitso, Mompati, Tlotlo, Gaolathe, Keoagile, Olebogeng, Thato, "
    "Tiro, Pako, Katlego, Omphemetse, David, Michael, Joseph, Samuel, Peter, Emmanuel, "
    "Isaac, Moses"
)
FEMALE_NAMES = _names(
    "Masego, Keabetswe, Onalenna, Boitumelo, Lesego, Mpho, Neo, Tebogo, Oratile, "
    "Goitseone, Kelebogile, Naledi, Lorato, Dineo, Bontle, Amantle, Gorata, Kagiso, "
    "Refilwe, Tshegofatso, Boipelo, Mmaserame, Tumisang, Kgomotso, Onneile, Galaletsang, "
    "Mosadi, Segametsi, Mary, Grace, Ruth, Esther, Faith, Precious, Patience, Sarah, "
    "Elizabeth, Naomi, Boago"
)
SURNAMES = _names(
    "Molefe, Mokgosi, Seretse, Motsumi, Kgafela, Ramotswe, Masilo, Modise, Sebego, Tau, "
    "Pilane, Kgosietsile, Khama, Masisi, Mogae, Sechele, Mothibi, Ntshole, Keitseng, "
    "Gaolathe, Mmusi, Moatlhodi, Mokoena, Phiri, Dikgang, Segokgo, Kebonang, Tshekedi, "
    "Motlhabane, Radebe, Mosweu, Moremi, Letsholo, Sithole, Nkwe, Koosimile, Mogotsi, "
    "Baitshepi, Rantao, Lekoko, Moagi, Mathambo, Sebele, Gabaake"
)
TOWNS = _names(
    "Gaborone, Francistown, Maun, Kasane, Serowe, Molepolole, Kanye, Mahalapye, Palapye, "
    "Lobatse, Selebi-Phikwe, Jwaneng, Mochudi, Tlokweng, Mogoditshane, Ramotswa, "
    "Letlhakane, Ghanzi, Tsabong"
)
VILLAGES = _names(
    "Mochudi, Kanye, Serowe, Molepolole, Ramotswa, Tlokweng, Mmadinare, Shoshong, "
    "Thamaga, Moshupa, Bobonong, Tonota, Gumare, Shakawe, Letlhakeng, Otse, Mmathethe, "
    "Good Hope, Tutume, Nata"
)
WARDS = _names(
    "Kgosing, Maratwe, Goo-Ra, Mabudisa, Makgophana, Ntloedibe, Basimane, Kgaphamadi, "
    "Phaphane, Bokaa, Mmamotshwane, Kgwatlheng, Rampedi, Goo-Tau"
)
EXTENSIONS = _names(
    "Extension 9, Extension 12, Block 6, Block 8, Phase 2, Phase 4, Broadhurst, "
    "Gaborone West, Tsholofelo, White City, Mogoditshane Ledumadumane, Village, "
    "Extension 14, Block 3, Tati Siding, Monarch, Area W, Boseja, Old Naledi"
)
STREETS = _names(
    "Nelson Mandela Drive, Khama Crescent, Queens Road, Kaunda Road, Nyerere Drive, "
    "Independence Avenue, Blue Jacket Street, Haile Selassie Road, Molepolole Road, "
    "Lobatse Road, Tlokweng Road, Seretse Khama Avenue, Botswana Road"
)
COMPANY_WORDS = _names(
    "Kgalagadi, Motswedi, Tshwaragano, Letsatsi, Pula, Okavango, Chobe, Tati, "
    "Makgadikgadi, Tswelelo, Boswa, Kagisano, Lesedi, Naledi, Masa, Thuso, Kopano, "
    "Moremi, Tsodilo, Mokoro, Mophane, Legae, Tlotlo"
)
COMPANY_TRADES = _names(
    "Construction, Trading, Logistics, Holdings, Investments, Engineering, Consulting, "
    "Supplies, Security Services, Catering, Transport, Technologies, Properties, "
    "Agri Ventures, Motors, Hardware, Printing, Cleaning Services"
)
EMPLOYERS = _names(
    "Debswana Diamond Company (Pty) Ltd, Botswana Housing Corporation, "
    "Sefalana Holdings Ltd, Choppies Enterprises Ltd, Letshego Holdings Ltd, "
    "Botswana Post, University of Botswana, Ministry of Health, Ministry of Education, "
    "Botswana Railways, Morupule Coal Mine, Kgalagadi Breweries (Pty) Ltd, "
    "Botswana Meat Commission, Gaborone Private Hospital"
)
JOB_TITLES = _names(
    "Accountant, Teacher, Registered Nurse, Driver, Security Officer, Sales Assistant, "
    "Mechanical Technician, Clerk, Human Resources Officer, Software Developer, "
    "Electrician, Storekeeper, Administrative Assistant, Procurement Officer, Cashier, "
    "Site Supervisor"
)
TRADES = _names(
    "General Dealer, Restaurant, Hair Salon, Butchery, Bottle Store, Hardware Store, "
    "Tuck Shop, Car Wash, Bakery, Internet Cafe, Boutique, Auto Spares"
)
BANK_DESCRIPTIONS = _names(
    "POS PURCHASE CHOPPIES, POS PURCHASE SPAR, ATM WITHDRAWAL, BPC PREPAID ELECTRICITY, "
    "MASCOM AIRTIME, ORANGE MONEY TRANSFER, WUC WATER PAYMENT, EFT PAYMENT RENT, "
    "POS PURCHASE SEFALANA, MONTHLY ACCOUNT FEE, POS PURCHASE PICK N PAY, "
    "INSURANCE DEBIT ORDER, BTC INTERNET, FUEL ENGEN, POS PURCHASE WOOLWORTHS"
)


@dataclass(frozen=True)
class Country:
    """An issuing state: ICAO code, name, nationality as printed, name pools."""

    code: str
    name: str
    nationality: str
    surnames: tuple[str, ...]
    male: tuple[str, ...]
    female: tuple[str, ...]


FOREIGN = (
    Country(
        "ZAF",
        "REPUBLIC OF SOUTH AFRICA",
        "SOUTH AFRICAN",
        _names("Dlamini, Nkosi, Van der Merwe, Naidoo, Botha, Mahlangu"),
        _names("Sipho, Thabo, Johan, Pieter, Lwazi"),
        _names("Nomsa, Zanele, Anke, Lerato"),
    ),
    Country(
        "ZWE",
        "REPUBLIC OF ZIMBABWE",
        "ZIMBABWEAN",
        _names("Moyo, Ncube, Sibanda, Chikwanha, Mutasa, Dube"),
        _names("Tendai, Farai, Tatenda, Blessing"),
        _names("Chipo, Rutendo, Nyasha, Tsitsi"),
    ),
    Country(
        "ZMB",
        "REPUBLIC OF ZAMBIA",
        "ZAMBIAN",
        _names("Banda, Phiri, Mwale, Tembo, Zulu"),
        _names("Mwansa, Chanda, Mulenga"),
        _names("Mutinta, Bupe, Natasha"),
    ),
    Country(
        "NAM",
        "REPUBLIC OF NAMIBIA",
        "NAMIBIAN",
        _names("Shikongo, Nghidinwa, Amupadhi, Iipumbu"),
        _names("Ndapewa, Tangeni, Shapwa"),
        _names("Ndinelao, Selma, Helvi"),
    ),
    Country(
        "GBR",
        "UNITED KINGDOM OF GREAT BRITAIN AND NORTHERN IRELAND",
        "BRITISH CITIZEN",
        _names("Smith, Jones, Taylor, Brown, Williams"),
        _names("James, Oliver, Harry"),
        _names("Emily, Sophie, Charlotte"),
    ),
    Country(
        "USA",
        "UNITED STATES OF AMERICA",
        "UNITED STATES OF AMERICA",
        _names("Johnson, Miller, Davis, Garcia"),
        _names("Robert, Daniel, Matthew"),
        _names("Jennifer, Ashley, Megan"),
    ),
    Country(
        "IND",
        "REPUBLIC OF INDIA",
        "INDIAN",
        _names("Sharma, Patel, Reddy, Nair, Gupta"),
        _names("Rahul, Arjun, Vikram"),
        _names("Priya, Ananya, Kavya"),
    ),
    Country(
        "CHN",
        "PEOPLE'S REPUBLIC OF CHINA",
        "CHINESE",
        _names("Zhang, Wang, Li, Liu, Chen"),
        _names("Wei, Jun, Hao"),
        _names("Mei, Xiu, Ling"),
    ),
    Country(
        "NGA",
        "FEDERAL REPUBLIC OF NIGERIA",
        "NIGERIAN",
        _names("Okafor, Adeyemi, Okonkwo, Balogun"),
        _names("Chinedu, Emeka, Tunde"),
        _names("Ngozi, Adaeze, Funmi"),
    ),
    Country(
        "KEN",
        "REPUBLIC OF KENYA",
        "KENYAN",
        _names("Otieno, Kamau, Wanjiru, Mutua"),
        _names("Brian, Kevin, Dennis"),
        _names("Wanjiku, Achieng, Njeri"),
    ),
)

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
MONTH_NAMES = _names(
    "January, February, March, April, May, June, July, August, September, October, "
    "November, December"
)


@dataclass(frozen=True)
class Person:
    """A fake person."""

    surname: str
    forenames: str
    sex: str  # "M" or "F"
    birth_date: dt.date
    birth_place: str
    nationality_code: str
    nationality: str

    @property
    def full_name(self) -> str:
        """Forenames then surname, as a letter would write it."""
        return f"{self.forenames} {self.surname}"


@dataclass(frozen=True)
class Address:
    """A fake Botswana address: plot, area, town and a postal box."""

    plot: str
    area: str
    town: str
    box: str

    @property
    def physical(self) -> str:
        """``Plot 12345, Extension 9, Gaborone``."""
        return f"{self.plot}, {self.area}, {self.town}"

    @property
    def postal(self) -> str:
        """``P O Box 1234, Gaborone``."""
        return f"{self.box}, {self.town}"


def reference_date(rng: random.Random) -> dt.date:
    """The 'today' of a sample: a day between 2024 and late 2025."""
    return dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 660))


def person(
    rng: random.Random,
    today: dt.date,
    country: Country | None = None,
    min_age: int = 18,
    max_age: int = 70,
) -> Person:
    """A person aged ``min_age``..``max_age`` at ``today``."""
    sex = rng.choice("MF")
    if country is None:
        given = MALE_NAMES if sex == "M" else FEMALE_NAMES
        surname = rng.choice(SURNAMES)
        code, nationality, birth_place = "BWA", "MOTSWANA", rng.choice(TOWNS + VILLAGES)
    else:
        given = country.male if sex == "M" else country.female
        surname = rng.choice(country.surnames)
        code, nationality = country.code, country.nationality
        birth_place = country.name.split(" OF ")[-1].title()
    names = rng.sample(given, 2 if rng.random() < 0.5 else 1)
    age_days = rng.randint(min_age * 365 + 5, max_age * 365)
    return Person(
        surname=surname,
        forenames=" ".join(names),
        sex=sex,
        birth_date=today - dt.timedelta(days=age_days),
        birth_place=birth_place,
        nationality_code=code,
        nationality=nationality,
    )


def address(rng: random.Random, town: str | None = None) -> Address:
    """A plot-and-box address."""
    town = town or rng.choice(TOWNS)
    return Address(
        plot=f"Plot {rng.randint(100, 79999)}",
        area=rng.choice(EXTENSIONS),
        town=town,
        box=rng.choice(("P O Box", "P.O. Box", "Private Bag")) + f" {rng.randint(10, 9999)}",
    )


def omang_number(rng: random.Random, sex: str) -> str:
    """Nine digits; the fifth is 1 for a man, 2 for a woman."""
    return f"{rng.randint(1000, 9999)}{1 if sex == 'M' else 2}{rng.randint(0, 9999):04d}"


def company_name(rng: random.Random) -> str:
    """``Motswedi Construction (Pty) Ltd``."""
    return f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_TRADES)} (Pty) Ltd"


def digits(rng: random.Random, n: int) -> str:
    """``n`` random digits (the first non-zero)."""
    return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(n - 1))


def phone(rng: random.Random) -> str:
    """A Botswana mobile or landline number."""
    if rng.random() < 0.7:
        return f"+267 7{rng.randint(1, 7)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
    return f"+267 3{rng.randint(10, 99)} {rng.randint(1000, 9999)}"


def days_before(rng: random.Random, d: dt.date, lo: int, hi: int) -> dt.date:
    """A day between ``lo`` and ``hi`` days before ``d``."""
    return d - dt.timedelta(days=rng.randint(lo, hi))


def add_years(d: dt.date, years: int) -> dt.date:
    """``d`` plus ``years`` (29 February becomes 28 February)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def fmt_date(d: dt.date, style: int) -> str:
    """A date in one of the printed styles used by the templates."""
    if style == 0:
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if style == 1:
        return f"{d.day:02d} {MONTHS[d.month - 1]} {d.year}"
    if style == 2:
        return f"{d.year}-{d.month:02d}-{d.day:02d}"
    if style == 3:
        return f"{d.day} {MONTH_NAMES[d.month - 1]} {d.year}"
    return f"{d.day:02d}.{d.month:02d}.{d.year}"


def money(cents: int, style: int) -> str:
    """Pula amounts: ``P 1,234.50``, ``BWP 1 234.50`` or ``P1234.50``."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    whole, frac = divmod(cents, 100)
    if style == 0:
        return f"{sign}P {whole:,}.{frac:02d}"
    if style == 1:
        return f"{sign}BWP {whole:,}.{frac:02d}".replace(",", " ")
    return f"{sign}P{whole}.{frac:02d}"


def tin(rng: random.Random) -> str:
    """A fake BURS taxpayer identification number."""
    return f"C{digits(rng, 2)}{rng.randint(0, 9999999):07d}"
