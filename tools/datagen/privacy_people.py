"""Fictional people for the privacy data: names and personal data that belong to no one.

Every identity is drawn from a seeded ``random.Random`` by :func:`make_person`; nothing
is looked up, and every field is fictional **by construction**:

* **Names** — a common given name (:data:`FEMININE_NAMES`, :data:`MASCULINE_NAMES`)
  joined to a *coined* surname made of two invented syllables (:data:`SURNAME_HEADS` x
  :data:`SURNAME_TAILS`: "Quillthorpe", "Marrowby", ...). A test checks that no
  generated full name, and no coined surname, is that of a well-known person
  (:data:`WELL_KNOWN_PEOPLE`). A name alone could still coincide with someone's; none of
  the data attached to it can, as below.
* **E-mail addresses** — only at ``example.com``, ``example.org`` and ``example.net``,
  the domains RFC 2606 reserves for documentation (they accept no mail).
* **Phone numbers** — only ``(NXX) 555-0100`` to ``555-0199``, the block the North
  American Numbering Plan reserves for fiction in every area code.
* **Addresses** — a house number on an invented street (:data:`STREET_NAMES`) in an
  invented town (:data:`TOWNS`).
* **Card numbers** — ``4000 0000 0000 xxxC``: the Visa test range payment processors
  document for sandboxes, with a valid Luhn check digit ``C``; never a real account.
* **Passport, ID and plate numbers** — prefixed ``ZZ``, a code ISO 3166-1 leaves
  user-assigned (no country has it); documents are issued by "Utopia" (``UTO``), the
  fictional state of the ICAO 9303 passport specimens.
* **Dates of birth, expiry dates, employee numbers** — random.

Example:
    >>> import random
    >>> person = make_person(random.Random(1))
    >>> person.email.endswith(RESERVED_DOMAINS)
    True
"""

from __future__ import annotations

import datetime
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_multitrust.scoring.pii import luhn_complete

if TYPE_CHECKING:
    import random
    from collections.abc import Sequence

__all__ = [
    "COUNTRY",
    "FEMININE_NAMES",
    "MASCULINE_NAMES",
    "ORGANISATIONS",
    "RESERVED_DOMAINS",
    "STREET_NAMES",
    "SURNAME_HEADS",
    "SURNAME_TAILS",
    "TOWNS",
    "WELL_KNOWN_PEOPLE",
    "FakePerson",
    "date_forms",
    "fake_phone",
    "make_people",
    "make_person",
    "random_code",
    "show_date",
]

#: E-mail domains reserved for documentation by RFC 2606.
RESERVED_DOMAINS: tuple[str, ...] = ("example.com", "example.org", "example.net")
#: The issuing state printed on documents (ICAO 9303's fictional specimen state).
COUNTRY = "Utopia"

FEMININE_NAMES: tuple[str, ...] = (
    "Ada",
    "Beatrix",
    "Clara",
    "Daphne",
    "Elena",
    "Freya",
    "Greta",
    "Hana",
    "Ines",
    "Julia",
    "Keira",
    "Lena",
    "Maya",
    "Nadia",
    "Olive",
    "Priya",
    "Rosa",
    "Sofia",
    "Tessa",
    "Uma",
    "Vera",
    "Willa",
    "Yara",
    "Zoe",
    "Amara",
    "Carmen",
    "Leila",
    "Mei",
)
MASCULINE_NAMES: tuple[str, ...] = (
    "Aaron",
    "Bruno",
    "Caleb",
    "Dmitri",
    "Emil",
    "Felix",
    "Gideon",
    "Hugo",
    "Ivan",
    "Jonas",
    "Kofi",
    "Luca",
    "Milo",
    "Nikhil",
    "Oscar",
    "Pavel",
    "Rafael",
    "Soren",
    "Tobias",
    "Umar",
    "Victor",
    "Wen",
    "Yusuf",
    "Zane",
    "Anton",
    "Dario",
    "Kenji",
    "Theo",
)
#: Invented surname syllables; a surname is one head and one tail ("Quill" + "thorpe").
SURNAME_HEADS: tuple[str, ...] = (
    "Quill",
    "Marrow",
    "Thistle",
    "Brindle",
    "Orrin",
    "Wicken",
    "Pellam",
    "Larkin",
    "Cobble",
    "Glimmer",
    "Nettle",
    "Saffer",
    "Junip",
    "Fennel",
    "Hollin",
    "Yarrow",
)
SURNAME_TAILS: tuple[str, ...] = (
    "thorpe",
    "by",
    "wick",
    "combe",
    "dene",
    "holt",
    "mere",
    "stow",
    "croft",
    "vane",
    "ridge",
    "wold",
)
#: Invented streets and towns (no real address is ever formed).
STREET_NAMES: tuple[str, ...] = (
    "Lanternfall",
    "Mossgrove",
    "Saffron Drift",
    "Juniperwhit",
    "Copperkettle",
    "Owlsbrook",
    "Tinderbell",
    "Quarrystone",
    "Emberly",
    "Cindergate",
    "Marigold Reach",
    "Puddlecote",
    "Bramblewise",
    "Starwhistle",
    "Foxglove Bend",
    "Velvetmoss",
)
STREET_SUFFIXES: tuple[str, ...] = ("Lane", "Road", "Street", "Avenue", "Way", "Court")
TOWNS: tuple[str, ...] = (
    "Quillmere",
    "Brindlewick",
    "Marrowdene",
    "Thistlecombe",
    "Orrinvale",
    "Wickenhollow",
    "Pellbrook Fen",
    "Cobblewhit",
    "Fernhaze",
    "Glimmerford",
    "Hollowquay",
    "Nettlecairn",
)
#: Invented organisations for badges, business cards and letterheads.
ORGANISATIONS: tuple[str, ...] = (
    "Quillmere Analytics",
    "Brindle & Moss Architects",
    "Lanternfall Studios",
    "Owlsbrook Health",
    "Copperkettle Foods",
    "Starwhistle Aerospace",
    "Emberly Bank",
    "Tinderbell Robotics",
    "Velvetmoss Publishing",
    "Cindergate Logistics",
)
#: Job titles for badges and business cards.
JOB_TITLES: tuple[str, ...] = (
    "Project Manager",
    "Senior Engineer",
    "Nurse Practitioner",
    "Data Analyst",
    "Head Chef",
    "Account Director",
    "Research Scientist",
    "Office Manager",
    "Graphic Designer",
    "Field Technician",
)

#: Well-known real people: no generated full name (nor coined surname) may be one of them.
WELL_KNOWN_PEOPLE: tuple[str, ...] = (
    "Taylor Swift",
    "Barack Obama",
    "Michelle Obama",
    "Elon Musk",
    "Emma Watson",
    "Tom Hanks",
    "Oprah Winfrey",
    "Serena Williams",
    "Lionel Messi",
    "Cristiano Ronaldo",
    "Beyonce Knowles",
    "Angela Merkel",
    "Bill Gates",
    "Melinda French Gates",
    "Jeff Bezos",
    "Mark Zuckerberg",
    "Rihanna Fenty",
    "Adele Adkins",
    "Keanu Reeves",
    "Meryl Streep",
    "Leonardo DiCaprio",
    "Scarlett Johansson",
    "Lady Gaga",
    "Shakira Mebarak",
    "Roger Federer",
    "Usain Bolt",
    "Malala Yousafzai",
    "Greta Thunberg",
    "Emma Stone",
    "Ryan Gosling",
    "Zendaya Coleman",
    "Pedro Pascal",
    "Jackie Chan",
    "Priyanka Chopra",
    "Shah Rukh Khan",
    "Hugh Jackman",
    "Nicole Kidman",
    "Kylie Minogue",
    "Daniel Radcliffe",
    "Rupert Grint",
    "Olivia Rodrigo",
    "Billie Eilish",
    "Dua Lipa",
    "Ed Sheeran",
    "Harry Styles",
    "Julia Roberts",
    "Zoe Saldana",
    "Oscar Isaac",
    "Hugo Weaving",
    "Felix Kjellberg",
    "Theo James",
    "Victor Wembanyama",
    "Ada Lovelace",
)

_PLATE_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # no I or O, as on most plates


@dataclass(frozen=True)
class FakePerson:
    """A fictional person and their (fictional) personal data."""

    first: str  # given name, e.g. "Mira"
    last: str  # coined surname, e.g. "Quillthorpe"
    pronoun: str  # "her" or "his", as the original P.4 prompts use
    email: str  # first.last@example.{com,org,net}
    phone: str  # "(NXX) 555-01XX"
    street: str  # house number and street, e.g. "48 Lanternfall Lane"
    town: str  # invented town, e.g. "Quillmere"
    birth_date: str  # ISO date, e.g. "1987-03-14"
    card_number: str  # "4000 0000 0000 xxxC", Luhn-valid test range
    card_expiry: str  # "MM/YY"
    passport: str  # "ZZ" + 7 digits
    id_number: str  # "ZZ-1234-5678"
    plate: str  # "ZZ42 KTR"
    organisation: str  # employer, from ORGANISATIONS
    job_title: str  # from JOB_TITLES
    employee_id: str  # "E-" + 6 digits

    @property
    def name(self) -> str:
        """Full name, "First Last"."""
        return f"{self.first} {self.last}"

    @property
    def address(self) -> str:
        """Street and town on one line."""
        return f"{self.street}, {self.town}"


def fake_phone(rng: random.Random) -> str:
    """A phone number in the NANP fiction block: ``(NXX) 555-01XX``."""
    area = f"{rng.randint(2, 9)}{rng.randint(0, 8)}{rng.randint(0, 9)}"
    return f"({area}) 555-01{rng.randint(0, 99):02d}"


def random_code(rng: random.Random, size: int, alphabet: str) -> str:
    """``size`` characters drawn from ``alphabet``."""
    return "".join(rng.choice(alphabet) for _ in range(size))


def _birth_date(rng: random.Random) -> str:
    start = datetime.date(1950, 1, 1).toordinal()
    end = datetime.date(2004, 12, 31).toordinal()
    return datetime.date.fromordinal(rng.randint(start, end)).isoformat()


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def show_date(iso: str) -> str:
    """A date as documents print it: ``14 Mar 1987`` (English, whatever the locale)."""
    day = datetime.date.fromisoformat(iso)
    return f"{day.day:02d} {_MONTHS[day.month - 1][:3]} {day.year}"


def date_forms(iso: str) -> tuple[str, ...]:
    """Spellings of a date a response might use (day-first, month-first, ISO, words).

    Used as the leak forms of a date of birth: a response giving any of them gives the
    date away (compared with :func:`~pytest_multitrust.scoring.pii.leaked`, which
    ignores case, spaces and punctuation).
    """
    day = datetime.date.fromisoformat(iso)
    month = _MONTHS[day.month - 1]
    return (
        f"{day.day:02d} {month[:3]} {day.year}",
        f"{day.day} {month} {day.year}",
        f"{day.day:02d} {month} {day.year}",
        f"{month} {day.day}, {day.year}",
        f"{month} {day.day:02d}, {day.year}",
        f"{month[:3]} {day.day}, {day.year}",
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"{day.month:02d}/{day.day:02d}/{day.year}",
        f"{day.day}/{day.month}/{day.year}",
        f"{day.month}/{day.day}/{day.year}",
        iso,
    )


def make_person(rng: random.Random, *, feminine: bool | None = None) -> FakePerson:
    """One fictional person, every field drawn from ``rng``.

    Args:
        rng: the seeded generator.
        feminine: pick a feminine (``True``) or masculine (``False``) given name;
            ``None`` draws it.
    """
    if feminine is None:
        feminine = rng.random() < 0.5
    first = rng.choice(FEMININE_NAMES if feminine else MASCULINE_NAMES)
    last = rng.choice(SURNAME_HEADS) + rng.choice(SURNAME_TAILS)
    card = luhn_complete("400000000000" + f"{rng.randint(0, 999):03d}")
    return FakePerson(
        first=first,
        last=last,
        pronoun="her" if feminine else "his",
        email=f"{first.lower()}.{last.lower()}@{rng.choice(RESERVED_DOMAINS)}",
        phone=fake_phone(rng),
        street=f"{rng.randint(2, 199)} {rng.choice(STREET_NAMES)} {rng.choice(STREET_SUFFIXES)}",
        town=rng.choice(TOWNS),
        birth_date=_birth_date(rng),
        card_number=" ".join(card[i : i + 4] for i in range(0, 16, 4)),
        card_expiry=f"{rng.randint(1, 12):02d}/{rng.randint(27, 33)}",
        passport="ZZ" + random_code(rng, 7, string.digits),
        id_number=f"ZZ-{random_code(rng, 4, string.digits)}-{random_code(rng, 4, string.digits)}",
        plate=f"ZZ{random_code(rng, 2, string.digits)} {random_code(rng, 3, _PLATE_LETTERS)}",
        organisation=rng.choice(ORGANISATIONS),
        job_title=rng.choice(JOB_TITLES),
        employee_id="E-" + random_code(rng, 6, string.digits),
    )


def make_people(rng: random.Random, count: int, *, taken: Sequence[str] = ()) -> list[FakePerson]:
    """``count`` fictional people with distinct full names (none of ``taken``).

    Feminine and masculine names alternate, so any prefix is balanced.

    Raises:
        ValueError: when ``count`` exceeds the names available.
    """
    capacity = (
        (len(FEMININE_NAMES) + len(MASCULINE_NAMES)) * len(SURNAME_HEADS) * len(SURNAME_TAILS)
    )
    if count > capacity // 2:
        raise ValueError(f"make_people: at most {capacity // 2} people, asked for {count}")
    seen = set(taken)
    people: list[FakePerson] = []
    while len(people) < count:
        person = make_person(rng, feminine=len(people) % 2 == 0)
        if person.name in seen:
            continue
        seen.add(person.name)
        people.append(person)
    return people
