"""Text as a newsreader would say it: numbers, money, units, dates, times, abbreviations, links.

Runs before any engine, in the article's language, so no engine ever sees "$4.2bn", "45%",
"U.S." or a web address. A user lexicon wins over every rule: its phrases are set aside first
and put back, as written in the lexicon, at the end.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from audio_edition.languages.codes import LATIN_SCRIPT, base
from audio_edition.languages.spoken import DATE_WORDS, DE, EN, NUMERIC_DATES, words_for
from audio_edition.text import tokens
from audio_edition.text.lexicon import Lexicon
from audio_edition.text.numbers import clock, num2words_language, point_word
from audio_edition.text.numbers import say as _n


def _alternation(entries: dict[str, str], before: str, after: str, flags: int = 0) -> re.Pattern[str] | None:
    """One pattern matching any of ``entries``' keys (the longest that fits), or None."""
    if not entries:
        return None
    keys = sorted(entries, key=len, reverse=True)
    return re.compile(before + "(?:" + "|".join(re.escape(k) for k in keys) + ")" + after, flags)


# --- the rules -----------------------------------------------------------------------------

_PROTECT_OPEN, _PROTECT_CLOSE = "\ue000", "\ue001"
_INITIALISM_COMPOUND = re.compile(r"\b((?:[A-Z]\.){2,})-(?=[^\W\d_])")
_URL = re.compile(
    r"(?:https?://|\bwww\.)[^\s<>\"]+"
    r"|(?<![@\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|edu|gov|io|co|uk|de|fr|es|eu|info|news)(?:/[^\s<>\"]*)?\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_SUM = re.compile(r"(?<=\d)\s*\+\s*(?=\d)")  # a plus between two numbers is arithmetic
_NUM = r"\d+(?:[.,\u00a0 ]\d{3}(?!\d))*(?:[.,]\d+)?|\d+"  # "1.1075" is a decimal, not 1,107 and a 5


def _trailing(url: str) -> str:
    """Sentence punctuation a URL pattern swallowed: "see example.com." ends a sentence."""
    match = re.search(r"[.,;:!?)]+$", url)
    return match.group(0) if match else ""


class Normalizer:
    """Normalizes text for one language, with an optional lexicon."""

    def __init__(self, language: str, lexicon: Lexicon | None = None) -> None:
        self.language = language
        self.w = words_for(language)
        self.lang = num2words_language(language)
        self.lexicon = dict(sorted((lexicon or {}).items(), key=lambda kv: -len(kv[0])))
        # One pattern each for the lexicon and the abbreviations, longest first, compiled once:
        # a pattern per entry per paragraph made long articles slow.
        self._lexicon_re = _alternation(self.lexicon, r"(?<!\w)", r"(?!\w)", re.IGNORECASE)
        self._lexicon_spoken = {written.casefold(): spoken for written, spoken in self.lexicon.items()}
        self._abbreviation_re = _alternation(self.w.abbreviations, r"(?<![\w.])", r"(?!\w)")
        self.currencies = {**tokens.all_currency_signs(), **self.w.currencies}  # every sign in Unicode is said

    # numbers -----------------------------------------------------------------------------
    def _value(self, written: str) -> float | int:
        """A written number ("1,200", "18.5", "1.200,5" in German) as a value."""
        text = written.replace("\u00a0", " ").replace(" ", "")
        dec, thou = self.w.decimal, self.w.thousands.strip() or " "
        if thou != " " and re.fullmatch(r"\d{1,3}(?:" + re.escape(thou) + r"\d{3})+", text):
            return int(text.replace(thou, ""))
        if thou != " " and thou in text and dec in text:
            text = text.replace(thou, "")
        if dec != "." and dec in text:
            text = text.replace(dec, ".")
        if "," in text:  # a thousands comma in a language that writes decimals with a dot
            text = text.replace(",", "")
        return float(text) if "." in text else int(text)

    def number(self, written: str) -> str:
        try:
            value = self._value(written)
            spoken = _n(value, self.lang)
            if isinstance(value, float):  # "6.10", "2,0": num2words says 6.1 and 2; the written zeros are read too
                fraction = re.split(r"[.,]", written.strip())[-1]
                zeros = len(fraction) - len(fraction.rstrip("0"))
                if zeros and value.is_integer():
                    spoken += f" {point_word(self.lang)}"
                spoken += f" {_n(0, self.lang)}" * zeros
            return spoken
        except (ValueError, OverflowError):  # "1.200.12": say each run of digits
            return " ".join(_n(int(d), self.lang) for d in re.findall(r"\d+", written))

    def year(self, value: int) -> str:
        try:
            return _n(value, self.lang, "year")
        except (NotImplementedError, TypeError):
            return _n(value, self.lang)

    def ordinal(self, value: int) -> str:
        try:
            return _n(value, self.lang, "ordinal")
        except NotImplementedError:
            return _n(value, self.lang)

    def _plural(self, pair: tuple[str, str], amount: str) -> str:
        return pair[0] if amount.strip() in ("1", "one", "eins", "un", "uno") else pair[1]

    # the pipeline ------------------------------------------------------------------------
    def __call__(self, text: str) -> str:
        protected: list[str] = []

        def protect(spoken: str) -> str:
            protected.append(spoken)
            return f"{_PROTECT_OPEN}{len(protected) - 1}{_PROTECT_CLOSE}"

        if self._lexicon_re:
            text = self._lexicon_re.sub(lambda m: protect(self._lexicon_spoken[m.group(0).casefold()]), text)
        text = self._typography(text)
        text = _URL.sub(lambda m: " " + protect(self._site(m.group(0))) + _trailing(m.group(0)) + " ", text)
        text = _EMAIL.sub(lambda m: " " + protect(self._email(m.group(0))) + " ", text)
        # "U.S.-Russia", "U.K.-based": the letters, then the word; a dot and a dash make engines stumble
        text = _INITIALISM_COMPOUND.sub(lambda m: " ".join(m.group(1).replace(".", "")) + " ", text)
        text = self._abbreviations(text, protect)
        text = self._dates(text)
        text = tokens.drop_emoji(text)  # listed in the report by build.prepare
        text = _SUM.sub(f" {self.w.plus} ", text)  # "3 + 4": the language's word; "Disney+" stays "plus" below
        text = tokens.signs(text, self)  # "< 30%": before the number becomes words
        text = tokens.decades(text, self)
        text = tokens.identifiers(text, self)
        text = self._ranges(text)  # before units: "3-5%" is "three to five percent"
        text = self._money(text)
        text = self._times(text)
        text = self._measures(text)
        text = self._ordinals(text)
        text = tokens.codes(text, self)  # "A350-900", "802.11ax": whole, before numbers take their digits
        text = tokens.dotted(text, self)  # "2.6.1": a version, not a decimal with a tail
        text = self._numbers(text)
        text = self._symbols(text)
        text = re.sub(_PROTECT_OPEN + r"(\d+)" + _PROTECT_CLOSE, lambda m: protected[int(m.group(1))], text)
        text = re.sub(r"\s+([,.;:!?])", r"\1", text)
        return " ".join(text.split())

    def _typography(self, text: str) -> str:
        text = unicodedata.normalize("NFC", text)  # "u" + combining diaeresis is one "ü" to an engine
        text = text.replace("\u00ad", "").replace("\u00a0", " ")
        if base(self.language) in LATIN_SCRIPT:  # the joiners matter only in scripts such as Arabic or Devanagari
            text = text.replace("\u200c", "").replace("\u200d", "")
        text = re.sub(r"[‘’‚‛′]", "'", text)
        text = re.sub(r"[“”„«»″]", '"', text)
        text = re.sub(r"(?<=\d)\s*[–—]\s*(?=\d)", "-", text)  # 2010–2014: a range, handled below
        text = re.sub(r"\s*[—–]\s*", ", ", text)  # a dash in a sentence is a pause
        text = text.replace("…", "...")
        return text

    def _site(self, url: str) -> str:
        host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url, flags=re.IGNORECASE).split("/")[0].split("?")[0]
        host = host.rstrip(".,;:)").lower()
        return f" {self.w.dot} ".join(host.split("."))

    def _email(self, address: str) -> str:
        user, _, domain = address.partition("@")
        return f"{user.replace('.', f' {self.w.dot} ')} {self.w.at} {self._site(domain)}"

    def _abbreviations(self, text: str, protect: Callable[[str], str]) -> str:
        def spoken(match: re.Match[str]) -> str:
            written = match.group(0)
            # An abbreviation written without a dot is not one when a dot follows ("Dr" in "Dr.").
            if not written.endswith(".") and text[match.end() : match.end() + 1] == ".":
                return written
            return protect(self.w.abbreviations[written])

        if self._abbreviation_re:
            text = self._abbreviation_re.sub(spoken, text)
        if self.w is EN:
            # "St." is Saint before a name and Street after one.
            text = re.sub(r"\bSt\.(?=\s+[A-Z])", lambda m: protect("Saint"), text)
            text = re.sub(r"(?<=[a-z] )St\.|(?<=[A-Z][a-z] )St\b", lambda m: protect("Street"), text)
            # Q3 2024: "the third quarter"
            text = re.sub(r"\bQ([1-4])\b", lambda m: protect(f"the {self.ordinal(int(m.group(1)))} quarter"), text)
            text = re.sub(r"\bH([12])\b", lambda m: protect(f"the {self.ordinal(int(m.group(1)))} half"), text)
        return text

    def _dates(self, text: str) -> str:
        months = self.w.months
        month_re = "|".join(months) + "|" + "|".join(m[:3] + r"\.?" for m in months)

        def month_index(name: str) -> int | None:
            key = name.rstrip(".").lower()[:3]
            for i, m in enumerate(months):
                if m.lower()[:3] == key:
                    return i
            return None

        def say(day: int, month: int, year: int | None) -> str:
            if not (1 <= day <= 31 and 0 <= month < 12):
                return ""
            day_words = self.ordinal(day) + ("n" if self.w is DE else "")  # German: "am vierzehnten"
            spoken = self.w.date.format(day=day_words, month=months[month], year=self.year(year) if year else "")
            return spoken.replace(" , ", " ").rstrip(", ").strip()

        def iso(m: re.Match[str]) -> str:
            return say(int(m.group(3)), int(m.group(2)) - 1, int(m.group(1))) or m.group(0)

        text = re.sub(r"\b(\d{4})-(\d{2})-(\d{2})\b", iso, text)
        if base(self.language) in NUMERIC_DATES:  # "am 6.10." and "seit dem 1.9.2015": day, month, year
            # with a year, or after a word that introduces a date ("Kapitel 3.2." is no date)
            text = re.sub(r"(?<![\w.,])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\w.,]?\d)",
                          lambda m: say(int(m.group(1)), int(m.group(2)) - 1, int(m.group(3))) or m.group(0), text)
            text = re.sub(r"(?i)(?<!\w)((?:" + DATE_WORDS + r")\s+|\()(\d{1,2})\.(\d{1,2})\.(?![\w.,]?\d)",
                          lambda m: m.group(1) + (say(int(m.group(2)), int(m.group(3)) - 1, None)
                                                  or m.group(0)[len(m.group(1)):]), text)
        # "September 14, 2026" and "Sept. 14"
        text = re.sub(r"\b(" + month_re + r")\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?\b",
                      lambda m: (say(int(m.group(2)), month_index(m.group(1)) or 0,
                                     int(m.group(3)) if m.group(3) else None)
                                 if month_index(m.group(1)) is not None else m.group(0)) or m.group(0), text)
        # "14 September 2026", "14. September 2026", "14th of September"
        text = re.sub(r"\b(\d{1,2})(?:\.|st|nd|rd|th)?\s+(?:of\s+|de\s+)?(" + month_re
                      + r")(?:\s+(?:de\s+)?(\d{4}))?\b",
                      lambda m: (say(int(m.group(1)), month_index(m.group(2)) or 0,
                                     int(m.group(3)) if m.group(3) else None)
                                 if month_index(m.group(2)) is not None else m.group(0)) or m.group(0), text)
        return text

    def _times(self, text: str) -> str:
        def say(m: re.Match[str]) -> str:
            hour, minute = int(m["hour"]), int(m["minute"])
            raw_suffix = m["ampm"] or ""
            suffix = raw_suffix.replace(".", "").lower()
            if hour > 24 or minute > 59 or (m["sep"] == "." and not (suffix or m["uhr"])):
                return m.group(0)  # "5.50" is a number; "9.30am" and "9.30 Uhr" are times
            spoken = clock(self.w, hour, minute)
            if suffix in ("am", "pm"):
                spoken = spoken.replace(" o'clock", "") + f" {suffix[0]} m" + ("." if raw_suffix.endswith(".") else "")
            return spoken  # with "Uhr" written after the time, the spoken form already says it

        pattern = (r"\b(?P<hour>\d{1,2})(?P<sep>[:.])(?P<minute>\d{2})(?:\s*(?P<ampm>a\.?m\.?|p\.?m\.?))?"
                   r"(?P<uhr>\s*Uhr\b)?(?!\d)")
        text = re.sub(pattern, say, text, flags=re.IGNORECASE)
        # "5am", "11 p.m.": an hour alone
        return re.sub(r"\b(\d{1,2})\s?([ap])\.?m\b(\.?)",
                      lambda m: f"{_n(int(m.group(1)), self.lang)} {m.group(2).lower()} m{m.group(3)}"
                      if int(m.group(1)) <= 12 else m.group(0), text, flags=re.IGNORECASE)

    def _money(self, text: str) -> str:
        symbols = sorted(self.currencies, key=len, reverse=True)
        sym_re = "|".join(re.escape(s) for s in symbols)
        scale_re = "|".join(re.escape(s) for s in sorted(self.w.scales, key=len, reverse=True))

        by_case = {k.casefold(): v for k, v in self.currencies.items()}

        def say(amount: str, scale: str | None, currency: str) -> str:
            pair = self.currencies.get(currency) or by_case[currency.casefold()]  # matched ignoring case: "eur"
            scale_word = self.w.scales.get(scale.lower(), scale) if scale else ""
            decimals = re.search(r"[.,](\d+)$", amount)
            if (decimals and len(decimals.group(1)) > 2 and not scale_word
                    and not re.fullmatch(r"\d{1,3}([.,]\d{3})+", amount)):
                return f"{self.number(amount)} {pair[1]}"  # "$1.1075": one point one zero seven five dollars
            try:
                value = self._value(amount)
            except ValueError:
                return f"{self.number(amount)} {scale_word} {pair[1]}".replace("  ", " ")
            if scale_word:
                return f"{_n(value, self.lang)} {scale_word} {pair[1]}"
            if isinstance(value, float) and round(value, 2) == value:  # $5.50: dollars and cents
                whole, cents = int(value), round((value - int(value)) * 100)
                main = f"{_n(whole, self.lang)} {pair[0] if whole == 1 else pair[1]}"
                if not cents:
                    return main
                if self.w is EN:
                    cent_words = ("penny", "pence") if currency in ("£", "GBP") else ("cent", "cents")
                    return f"{main} {self.w.and_} {_n(cents, self.lang)} {cent_words[cents != 1]}"
                return f"{main} {_n(cents, self.lang)}"  # "zwei Euro fünfzig"
            return f"{_n(value, self.lang)} {self._plural(pair, amount)}"

        # $18.5 million, $4.2bn, €30, US$ 5
        text = re.sub(r"(" + sym_re + r")\s?(" + _NUM + r")(?:\s?(" + scale_re + r")\b)?",
                      lambda m: say(m.group(2), m.group(3), m.group(1)), text, flags=re.IGNORECASE)
        # 30 €, 18,5 Mio. Euro (written after the number)
        text = re.sub(r"(?<![\w.])(" + _NUM + r")(?:\s?(" + scale_re + r"))?\s?(" + sym_re + r")(?!\w)",
                      lambda m: say(m.group(1), m.group(2), m.group(3)), text, flags=re.IGNORECASE)
        return text

    def _measures(self, text: str) -> str:
        def percent(m: re.Match[str]) -> str:
            return f"{self.number(m.group(1))} {self.w.percent}"

        text = re.sub(r"(" + _NUM + r")\s?(?:%|percent\b|per cent\b)", percent, text)
        text = re.sub(r"(-|minus\s|−)?(" + _NUM + r")\s?°\s?([CF])\b",
                      lambda m: ("minus " if m.group(1) and self.w is EN else ("minus " if m.group(1) else ""))
                      + f"{self.number(m.group(2))} {self.w.degrees_c if m.group(3) == 'C' else self.w.degrees_f}",
                      text)
        degrees = self.w.degrees_c.split()[0]
        text = re.sub(r"(" + _NUM + r")\s?°(?!\s?[CF]\b)", lambda m: f"{self.number(m.group(1))} {degrees}", text)
        units = sorted(self.w.units, key=len, reverse=True)
        unit_re = "|".join(re.escape(u) for u in units)
        text = re.sub(r"(?<![\w.])(" + _NUM + r")\s?(" + unit_re + r")(?![\w/])",
                      lambda m: f"{self.number(m.group(1))} {self._plural(self.w.units[m.group(2)], m.group(1))}", text)
        return text

    def _ordinals(self, text: str) -> str:
        if self.w is EN:
            return re.sub(r"\b(\d+)(?:st|nd|rd|th)\b", lambda m: self.ordinal(int(m.group(1))), text)
        return text

    def _ranges(self, text: str) -> str:
        return re.sub(r"(?<![\w.,-])(\d+)-(\d+)(?![\w.,]\d)", lambda m: f"{m.group(1)} {self.w.to} {m.group(2)}", text)

    def _numbers(self, text: str) -> str:
        year_words = set(self.w.year_words)

        def say(m: re.Match[str]) -> str:
            written = m.group(0)
            before = text[: m.start()].split()
            previous = before[-1].lower().strip("(,") if before else ""
            after = text[m.end() : m.end() + 1]
            if re.fullmatch(r"1[1-9]\d\d|20\d\d", written) and (
                    previous in year_words or not after.strip() or after in ".,;:!?)" or previous in self.w.to.split()):
                return self.year(int(written))
            return self.number(written)

        return re.sub(r"(?<![\w" + _PROTECT_OPEN + r"])(" + _NUM + r")(?![\w" + _PROTECT_CLOSE + r"])", say, text)

    def _symbols(self, text: str) -> str:
        currency = {s: pair[1] for s, pair in self.currencies.items() if not s.isalpha()}
        for symbol, spoken in {**currency, "%": self.w.percent, "&": self.w.and_, "+": "plus", "=": "=",
                               "§": self.w.section, "©": "", "®": "", "™": "", "•": ",",
                               "·": ",", "↩": "", "↑": "", "→": ",", "←": ",", "°": "", "´": "", "`": "",
                               "\ufffd": "",
                               "@": self.w.at, "#": "", "*": "", "_": " ", "|": ",", "/": " ", "\\": " ",
                               "<": "", ">": "", "~": "", "^": "", "{": "", "}": "", "[": "", "]": ""}.items():
            if symbol in text:
                text = text.replace(symbol, f" {spoken} " if spoken.strip() and symbol not in "|" else spoken)
        return text.replace(" = ", f" {self.w.equals} ").replace("=", f" {self.w.equals} ")


def normalizer(language: str, lexicon: Lexicon | None = None) -> Normalizer:
    """A normalizer for ``language`` (BCP 47), applying ``lexicon`` first."""
    return Normalizer(language, lexicon)
