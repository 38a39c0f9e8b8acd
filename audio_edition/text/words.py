"""How each language says what the normalization rules produce: its words for numbers, money,
units, dates and times (num2words for numbers, and tables of our own), and which languages
write dates as "6.10.2015"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from audio_edition.text.language import base


@dataclass(frozen=True)
class Words:
    """How one language says the things the rules produce."""

    code: str  # num2words' language code
    decimal: str  # decimal separator in written numbers
    thousands: str  # thousands separator in written numbers
    percent: str
    and_: str
    to: str  # in ranges: "2010 to 2014"
    dot: str
    at: str
    degrees_c: str
    degrees_f: str
    months: tuple[str, ...]
    currencies: dict[str, tuple[str, str]]  # symbol or code -> (singular, plural)
    scales: dict[str, str]  # "m", "bn", "million" -> the spoken scale word
    units: dict[str, tuple[str, str]]  # "km" -> (singular, plural)
    abbreviations: dict[str, str]  # exact written form -> spoken form
    date: str  # format with {day} (ordinal words), {month}, {year}
    time: Callable[[int, int], str] = field(default=lambda h, m: "")
    year_words: tuple[str, ...] = ()  # words after which a four-digit number is a year


def _n(value: float | int, lang: str, to: str = "cardinal") -> str:
    """``value`` in words. num2words fails in its own ways by language and size (OverflowError
    past 10^18 in pt_BR, NotImplementedError or KeyError for forms some languages lack): then the
    cardinal, and as a last resort each digit on its own, which every language can say."""
    from num2words import num2words

    try:
        return num2words(value, lang=lang, to=to).replace(",", "")
    except Exception:  # noqa: BLE001 - see above; nothing here may stop a build
        if to != "cardinal":
            return _n(value, lang)
    digits = [c for c in str(abs(value)) if c.isdigit()]
    words = []
    for digit in digits:
        try:
            words.append(num2words(int(digit), lang=lang))
        except Exception:  # noqa: BLE001
            words.append(digit)
    return " ".join(words)


def _en_time(hour: int, minute: int) -> str:
    if minute == 0:
        return f"{_n(hour, 'en')} o'clock"
    if minute < 10:
        return f"{_n(hour, 'en')} oh {_n(minute, 'en')}"
    return f"{_n(hour, 'en')} {_n(minute, 'en')}"


def _de_time(hour: int, minute: int) -> str:
    return f"{_n(hour, 'de')} Uhr" + (f" {_n(minute, 'de')}" if minute else "")


EN = Words(
    code="en", decimal=".", thousands=",", percent="percent", and_="and", to="to", dot="dot", at="at",
    degrees_c="degrees Celsius", degrees_f="degrees Fahrenheit",
    months=("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December"),
    currencies={"$": ("dollar", "dollars"), "US$": ("dollar", "dollars"), "USD": ("dollar", "dollars"),
                "€": ("euro", "euros"), "EUR": ("euro", "euros"), "£": ("pound", "pounds"), "GBP": ("pound", "pounds"),
                "¥": ("yen", "yen"), "JPY": ("yen", "yen"), "CHF": ("Swiss franc", "Swiss francs"),
                "₹": ("rupee", "rupees"), "INR": ("rupee", "rupees")},
    scales={"k": "thousand", "thousand": "thousand", "m": "million", "mn": "million", "million": "million",
            "bn": "billion", "b": "billion", "billion": "billion", "tn": "trillion", "trillion": "trillion"},
    units={"km": ("kilometre", "kilometres"), "m": ("metre", "metres"), "cm": ("centimetre", "centimetres"),
           "mm": ("millimetre", "millimetres"), "kg": ("kilogram", "kilograms"), "g": ("gram", "grams"),
           "mg": ("milligram", "milligrams"), "t": ("tonne", "tonnes"), "l": ("litre", "litres"),
           "ml": ("millilitre", "millilitres"), "km/h": ("kilometre per hour", "kilometres per hour"),
           "mph": ("mile per hour", "miles per hour"), "kWh": ("kilowatt hour", "kilowatt hours"),
           "MW": ("megawatt", "megawatts"), "GW": ("gigawatt", "gigawatts"), "kW": ("kilowatt", "kilowatts"),
           "ha": ("hectare", "hectares"), "mi": ("mile", "miles"), "ft": ("foot", "feet"), "lb": ("pound", "pounds"),
           "lbs": ("pound", "pounds"), "GB": ("gigabyte", "gigabytes"), "MB": ("megabyte", "megabytes"),
           "TB": ("terabyte", "terabytes"), "kB": ("kilobyte", "kilobytes"), "GHz": ("gigahertz", "gigahertz"),
           "MHz": ("megahertz", "megahertz"), "kHz": ("kilohertz", "kilohertz"), "Hz": ("hertz", "hertz"),
           "mAh": ("milliamp hour", "milliamp hours"), "Mbps": ("megabit per second", "megabits per second"),
           "Gbps": ("gigabit per second", "gigabits per second"), "cl": ("centilitre", "centilitres"),
           "oz": ("ounce", "ounces")},  # not "in": "3 in the first half"
    abbreviations={"U.S.A.": "U S A", "U.S.": "U S", "U.K.": "U K", "E.U.": "E U", "U.N.": "U N",
                   "Dr.": "Doctor", "Mr.": "Mister", "Mrs.": "Missus", "Ms.": "Miz", "Prof.": "Professor",
                   "e.g.": "for example", "i.e.": "that is", "etc.": "et cetera", "vs.": "versus", "vs": "versus",
                   "approx.": "approximately", "No.": "number", "Jr.": "Junior", "Sr.": "Senior",
                   "Gen.": "General", "Sen.": "Senator", "Rep.": "Representative", "Gov.": "Governor",
                   "Inc.": "Incorporated", "Ltd.": "Limited", "Co.": "Company", "Corp.": "Corporation",
                   "Mt.": "Mount", "Ave.": "Avenue", "Rd.": "Road", "a.m.": "a m", "p.m.": "p m"},
    date="{month} {day}, {year}",
    time=_en_time,
    year_words=("in", "since", "by", "from", "until", "till", "of", "year", "around", "before", "after", "during",
                "early", "late", "mid", "summer", "winter", "spring", "autumn", "fall", "season"),
)

DE = Words(
    code="de", decimal=",", thousands=".", percent="Prozent", and_="und", to="bis", dot="Punkt", at="at",
    degrees_c="Grad Celsius", degrees_f="Grad Fahrenheit",
    months=("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
            "November", "Dezember"),
    currencies={"$": ("Dollar", "Dollar"), "USD": ("Dollar", "Dollar"), "€": ("Euro", "Euro"), "EUR": ("Euro", "Euro"),
                "£": ("Pfund", "Pfund"), "GBP": ("Pfund", "Pfund"), "CHF": ("Franken", "Franken"),
                "¥": ("Yen", "Yen")},
    scales={"tsd.": "tausend", "mio.": "Millionen", "mio": "Millionen", "millionen": "Millionen",
            "million": "Million", "mrd.": "Milliarden", "mrd": "Milliarden", "milliarden": "Milliarden",
            "milliarde": "Milliarde", "bn": "Milliarden", "m": "Millionen"},
    units={"km": ("Kilometer", "Kilometer"), "m": ("Meter", "Meter"), "cm": ("Zentimeter", "Zentimeter"),
           "mm": ("Millimeter", "Millimeter"), "kg": ("Kilogramm", "Kilogramm"), "g": ("Gramm", "Gramm"),
           "t": ("Tonne", "Tonnen"), "l": ("Liter", "Liter"), "ml": ("Milliliter", "Milliliter"),
           "km/h": ("Kilometer pro Stunde", "Kilometer pro Stunde"), "kWh": ("Kilowattstunde", "Kilowattstunden"),
           "MW": ("Megawatt", "Megawatt"), "ha": ("Hektar", "Hektar"), "cl": ("Zentiliter", "Zentiliter"),
           "GB": ("Gigabyte", "Gigabyte"), "MB": ("Megabyte", "Megabyte"), "TB": ("Terabyte", "Terabyte"),
           "GHz": ("Gigahertz", "Gigahertz"), "MHz": ("Megahertz", "Megahertz"), "Hz": ("Hertz", "Hertz"),
           "mAh": ("Milliamperestunde", "Milliamperestunden"), "kW": ("Kilowatt", "Kilowatt")},
    abbreviations={"z.B.": "zum Beispiel", "z. B.": "zum Beispiel", "d.h.": "das heißt", "d. h.": "das heißt",
                   "usw.": "und so weiter", "bzw.": "beziehungsweise", "ca.": "circa", "Dr.": "Doktor",
                   "Prof.": "Professor", "Nr.": "Nummer", "Str.": "Straße", "u.a.": "unter anderem",
                   "u. a.": "unter anderem", "vgl.": "vergleiche", "evtl.": "eventuell", "inkl.": "inklusive",
                   "Mio.": "Millionen", "Mrd.": "Milliarden", "EU": "E U", "USA": "U S A"},
    date="{day} {month} {year}",
    time=_de_time,
    year_words=("im", "seit", "bis", "von", "ab", "jahr", "jahre", "jahres", "anfang", "ende", "mitte", "herbst",
                "winter", "sommer", "frühjahr", "frühling", "vor", "nach", "um"),
)

FR = Words(
    code="fr", decimal=",", thousands=" ", percent="pour cent", and_="et", to="à", dot="point", at="arobase",
    degrees_c="degrés Celsius", degrees_f="degrés Fahrenheit",
    months=("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
            "novembre", "décembre"),
    currencies={"$": ("dollar", "dollars"), "€": ("euro", "euros"), "£": ("livre", "livres"), "EUR": ("euro", "euros")},
    scales={"million": "millions", "millions": "millions", "milliard": "milliards", "milliards": "milliards",
            "md": "milliards", "m": "millions"},
    units={"km": ("kilomètre", "kilomètres"), "m": ("mètre", "mètres"), "kg": ("kilo", "kilos"), "g": ("gramme", "grammes"),
           "l": ("litre", "litres"), "km/h": ("kilomètre-heure", "kilomètres-heure"), "ha": ("hectare", "hectares")},
    abbreviations={"M.": "Monsieur", "Mme": "Madame", "Dr": "Docteur", "etc.": "et cetera", "p. ex.": "par exemple"},
    date="{day} {month} {year}",
    time=lambda h, m: f"{_n(h, 'fr')} heures" + (f" {_n(m, 'fr')}" if m else ""),
    year_words=("en", "depuis", "de", "jusqu'en", "année"),
)

ES = Words(
    code="es", decimal=",", thousands=".", percent="por ciento", and_="y", to="a", dot="punto", at="arroba",
    degrees_c="grados Celsius", degrees_f="grados Fahrenheit",
    months=("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
            "noviembre", "diciembre"),
    currencies={"$": ("dólar", "dólares"), "€": ("euro", "euros"), "£": ("libra", "libras"), "EUR": ("euro", "euros")},
    scales={"millón": "millones", "millones": "millones", "mil": "mil", "m": "millones"},
    units={"km": ("kilómetro", "kilómetros"), "m": ("metro", "metros"), "kg": ("kilo", "kilos"), "g": ("gramo", "gramos"),
           "l": ("litro", "litros"), "km/h": ("kilómetro por hora", "kilómetros por hora"), "ha": ("hectárea", "hectáreas")},
    abbreviations={"Sr.": "señor", "Sra.": "señora", "Dr.": "doctor", "etc.": "etcétera", "p. ej.": "por ejemplo",
                   "EE. UU.": "Estados Unidos", "EE.UU.": "Estados Unidos"},
    date="{day} de {month} de {year}",
    time=lambda h, m: f"las {_n(h, 'es')}" + (f" y {_n(m, 'es')}" if m else ""),
    year_words=("en", "desde", "de", "hasta", "año"),
)

LANGUAGES: dict[str, Words] = {"en": EN, "de": DE, "fr": FR, "es": ES}
SECTION = {"en": "section", "de": "Paragraf", "fr": "article", "es": "artículo"}  # "§ 5"
LATIN_SCRIPT = {"en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "nb", "fi", "pl", "cs", "sk", "hu", "ro",
                "hr", "sl", "et", "lv", "lt", "tr", "id", "ms", "ca", "eu", "gl", "ga", "cy", "is", "sq", "vi"}


def words_for(language: str) -> Words:
    """The spoken-form table for a language; English for languages without one."""
    return LANGUAGES.get(base(language), EN)



# Languages that write a date as "6.10." or "1.9.2015" (day, month, year).
NUMERIC_DATES = {"de"}
DATE_WORDS = (r"am|vom|zum|bis|ab|seit|dem|den|und|zwischen|"
              r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag,?")


def _point_word(lang: str) -> str:
    """The word num2words says for the decimal point ("point", "Komma")."""
    from num2words import CONVERTER_CLASSES

    return getattr(CONVERTER_CLASSES.get(lang), "pointword", None) or "point"


def _num2words_lang(language: str) -> str:
    from num2words import CONVERTER_CLASSES

    tag = language.replace("-", "_")
    for candidate in (tag, base(language)):
        if candidate in CONVERTER_CLASSES:
            return candidate
    return "en"
