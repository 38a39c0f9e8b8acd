"""How each language says what the normalization rules produce: its words for money, units,
dates and times, signs and abbreviations (numbers themselves come from num2words, in
text.numbers), and which languages write dates as "6.10.2015"."""

from __future__ import annotations

from dataclasses import dataclass

from audio_edition.languages.codes import base


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
    clock: str  # a time of day, with {hour} and {minute} in words: "{hour} Uhr {minute}"
    clock_on_the_hour: str  # at minute 0: "{hour} o'clock"
    plus: str  # between numbers: "3 + 4" (elsewhere, as in "Disney+", "+" is "plus" in every language)
    equals: str  # "= 7"
    section: str  # "§ 5"
    identifier_words: str  # before a long number said digit by digit ("set 75188"): a pattern
    signs: dict[str, str]  # comparison and math signs before a number: "< 30%" -> "less than"
    clock_under_ten: str = ""  # at minutes 1-9, when said otherwise: "{hour} oh {minute}"
    year_words: tuple[str, ...] = ()  # words after which a four-digit number is a year
    weekdays: tuple[str, ...] = ()  # Monday first, as written mid-sentence


EN = Words(
    weekdays=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
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
    clock="{hour} {minute}", clock_on_the_hour="{hour} o'clock", clock_under_ten="{hour} oh {minute}",
    plus="plus", equals="equals", section="section",
    identifier_words=r"set|model|part|item|product|order|flight|no\.?|number|serial|ref\.?|#",
    signs={"≤": "at most", "≥": "at least", "<": "less than", ">": "more than", "±": "plus or minus", "×": "times",
           "÷": "divided by", "≠": "not equal to", "≈": "about", "~": "about"},
    year_words=("in", "since", "by", "from", "until", "till", "of", "year", "around", "before", "after", "during",
                "early", "late", "mid", "summer", "winter", "spring", "autumn", "fall", "season"),
)

DE = Words(
    weekdays=("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
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
    clock="{hour} Uhr {minute}", clock_on_the_hour="{hour} Uhr",
    plus="plus", equals="gleich", section="Paragraf",
    identifier_words=r"set|modell|nr\.?|nummer|bestellnummer|artikel|flug",
    signs={"≤": "höchstens", "≥": "mindestens", "<": "weniger als", ">": "mehr als", "±": "plus minus", "×": "mal",
           "÷": "geteilt durch", "≠": "ungleich", "≈": "etwa", "~": "etwa"},
    year_words=("im", "seit", "bis", "von", "ab", "jahr", "jahre", "jahres", "anfang", "ende", "mitte", "herbst",
                "winter", "sommer", "frühjahr", "frühling", "vor", "nach", "um"),
)

FR = Words(
    weekdays=("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    code="fr", decimal=",", thousands=" ", percent="pour cent", and_="et", to="à", dot="point", at="arobase",
    degrees_c="degrés Celsius", degrees_f="degrés Fahrenheit",
    months=("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
            "novembre", "décembre"),
    currencies={"$": ("dollar", "dollars"), "€": ("euro", "euros"), "£": ("livre", "livres"), "EUR": ("euro", "euros")},
    scales={"million": "millions", "millions": "millions", "milliard": "milliards", "milliards": "milliards",
            "md": "milliards", "m": "millions"},
    units={"km": ("kilomètre", "kilomètres"), "m": ("mètre", "mètres"), "kg": ("kilo", "kilos"),
           "g": ("gramme", "grammes"), "l": ("litre", "litres"), "km/h": ("kilomètre-heure", "kilomètres-heure"),
           "ha": ("hectare", "hectares")},
    abbreviations={"M.": "Monsieur", "Mme": "Madame", "Dr": "Docteur", "etc.": "et cetera", "p. ex.": "par exemple"},
    date="{day} {month} {year}",
    clock="{hour} heures {minute}", clock_on_the_hour="{hour} heures",
    plus="plus", equals="égale", section="article",
    identifier_words=r"set|modèle|n°|no\.?|numéro|référence|vol",
    signs={"≤": "au plus", "≥": "au moins", "<": "moins de", ">": "plus de", "±": "plus ou moins", "×": "fois",
           "÷": "divisé par", "≠": "différent de", "≈": "environ", "~": "environ"},
    year_words=("en", "depuis", "de", "jusqu'en", "année"),
)

ES = Words(
    weekdays=("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    code="es", decimal=",", thousands=".", percent="por ciento", and_="y", to="a", dot="punto", at="arroba",
    degrees_c="grados Celsius", degrees_f="grados Fahrenheit",
    months=("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
            "noviembre", "diciembre"),
    currencies={"$": ("dólar", "dólares"), "€": ("euro", "euros"), "£": ("libra", "libras"), "EUR": ("euro", "euros")},
    scales={"millón": "millones", "millones": "millones", "mil": "mil", "m": "millones"},
    units={"km": ("kilómetro", "kilómetros"), "m": ("metro", "metros"), "kg": ("kilo", "kilos"),
           "g": ("gramo", "gramos"), "l": ("litro", "litros"), "km/h": ("kilómetro por hora", "kilómetros por hora"),
           "ha": ("hectárea", "hectáreas")},
    abbreviations={"Sr.": "señor", "Sra.": "señora", "Dr.": "doctor", "etc.": "etcétera", "p. ej.": "por ejemplo",
                   "EE. UU.": "Estados Unidos", "EE.UU.": "Estados Unidos"},
    date="{day} de {month} de {year}",
    clock="las {hour} y {minute}", clock_on_the_hour="las {hour}",
    plus="más", equals="igual a", section="artículo",
    identifier_words=r"set|modelo|n\.?º|nº|número|referencia|vuelo",
    signs={"≤": "como máximo", "≥": "como mínimo", "<": "menos de", ">": "más de", "±": "más o menos", "×": "por",
           "÷": "dividido por", "≠": "distinto de", "≈": "aproximadamente", "~": "aproximadamente"},
    year_words=("en", "desde", "de", "hasta", "año"),
)

LANGUAGES: dict[str, Words] = {"en": EN, "de": DE, "fr": FR, "es": ES}


def words_for(language: str) -> Words:
    """The spoken-form table for a language; English for languages without one."""
    return LANGUAGES.get(base(language), EN)



# Languages that write a date as "6.10." or "1.9.2015" (day, month, year).
NUMERIC_DATES = {"de"}
DATE_WORDS = (r"am|vom|zum|bis|ab|seit|dem|den|und|zwischen|"
              r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag,?")

# Currency signs by their English names where Unicode's are not what people say.
CURRENCY_NAMES = {"¢": ("cent", "cents"), "₩": ("won", "won"), "₽": ("ruble", "rubles"), "₺": ("lira", "lira"),
                  "₴": ("hryvnia", "hryvnias"), "₪": ("shekel", "shekels"), "฿": ("baht", "baht"),
                  "₦": ("naira", "naira"), "₱": ("peso", "pesos"), "₫": ("dong", "dong"), "₸": ("tenge", "tenge"),
                  "₿": ("bitcoin", "bitcoins"), "₡": ("colón", "colones"), "₲": ("guaraní", "guaraníes"),
                  "₵": ("cedi", "cedis"), "₭": ("kip", "kip"), "₮": ("tugrik", "tugriks"), "₼": ("manat", "manats"),
                  "₾": ("lari", "lari"), "﷼": ("rial", "rials"), "৳": ("taka", "taka"), "₨": ("rupee", "rupees"),
                  "₹": ("rupee", "rupees"), "¥": ("yen", "yen"), "£": ("pound", "pounds"), "€": ("euro", "euros"),
                  "$": ("dollar", "dollars"), "₣": ("franc", "francs"), "₤": ("lira", "lire"),
                  "₧": ("peseta", "pesetas"), "₯": ("drachma", "drachmas"), "₠": ("ecu", "ecus"), "¤": ("", ""),
                  "₥": ("mill", "mills")}
