"""Where sentences do not end, by language: abbreviations whose dot ends no sentence, and the
languages that write ordinals with a dot ("am 14. September")."""

from __future__ import annotations

# Languages that write ordinals with a dot ("am 14. September"): a number and a dot end no sentence.
ORDINAL_DOT = {"de", "da", "no", "nb", "fi", "cs", "sk", "pl", "hu", "hr", "sl", "sr", "et", "lv", "is"}
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "mt", "no", "vs", "etc", "e.g", "i.e", "approx", "gen",
    "sen", "rep", "gov", "inc", "ltd", "co", "corp", "ave", "rd", "u.s", "u.k", "e.u", "u.n", "a.m", "p.m",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "z.b", "d.h", "bzw", "ca", "nr", "str", "usw", "vgl", "evtl", "inkl", "mio", "mrd", "u.a",
    "m", "mme", "p.ex", "sra", "p.ej",
}
