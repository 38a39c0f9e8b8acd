"""Speech normalization: each family of rules, in English and German, and the lexicon."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audio_edition.errors import InputError
from audio_edition.text.lexicon import lexicon_for, load_lexicon
from audio_edition.text.normalize import normalizer

en = normalizer("en")
de = normalizer("de")


@pytest.mark.parametrize("written, spoken", [
    # money
    ("It raised $18.5 million.", "It raised eighteen point five million dollars."),
    ("Sales hit $4.2bn.", "Sales hit four point two billion dollars."),
    ("A £4.2 million plan.", "A four point two million pounds plan."),
    ("It costs €30, or $5.50, or $1.", "It costs thirty euros, or five dollars and fifty cents, or one dollar."),
    ("Fares are £2.01.", "Fares are two pounds and one penny."),
    # percent, units, temperatures
    ("Up 6% on the year.", "Up six percent on the year."),
    ("A 5 km run with 10kg packs.", "A five kilometres run with ten kilograms packs."),
    ("It was 25°C, then -20 °C.", "It was twenty-five degrees Celsius, then minus twenty degrees Celsius."),
    # numbers, ordinals, years, ranges
    ("About 1,200 fans came.", "About one thousand two hundred fans came."),
    ("A wall 1.8 metres high.", "A wall one point eight metres high."),
    ("The 22nd game and the 1st goal.", "The twenty-second game and the first goal."),
    ("Since 2014, and in 1999.", "Since twenty fourteen, and in nineteen ninety-nine."),
    ("There were 2000 people.", "There were two thousand people."),
    ("From 2010–2014 it grew.", "From twenty ten to twenty fourteen it grew."),
    ("They won 3-1.", "They won three to one."),
    # dates and times
    ("On September 14, 2026 we met.", "On September fourteenth, twenty twenty-six we met."),
    ("It opens on 2026-03-04.", "It opens on March fourth, twenty twenty-six."),
    ("Moved to 11 March.", "Moved to March eleventh."),
    ("At 9:30am. Then 10:00 and 9:05.", "At nine thirty a m. Then ten o'clock and nine oh five."),
    ("Buses run until 5am.", "Buses run until five a m."),
    # abbreviations
    ("Dr. Lee met U.S. and U.K. officials, e.g. Mr. Kay.",
     "Doctor Lee met U S and U K officials, for example Mister Kay."),
    ("Results for Q3 vs. last year.", "Results for the third quarter versus last year."),
    ("She lives on Main St. near St. Paul.", "She lives on Main Street near Saint Paul."),
    # links and addresses
    ("See https://www.example.com/news/2024/story?id=5 today.", "See example dot com today."),
    ("Write to jane.doe@example.org now.", "Write to jane dot doe at example dot org now."),
    ("Visit www.town-hall.gov.uk/parks.", "Visit town-hall dot gov dot uk."),
    # typography and symbols
    ("It’s “quoted” — and Smith & Sons.", "It's \"quoted\", and Smith and Sons."),
])
def test_english(written: str, spoken: str) -> None:
    assert en(written) == spoken


@pytest.mark.parametrize("written, spoken", [
    ("Der Umsatz stieg um 45 % auf 18,5 Mio. Euro.",
     "Der Umsatz stieg um fünfundvierzig Prozent auf achtzehn Komma fünf Millionen Euro."),
    ("Es kostet 30 € bzw. 2,50 €.", "Es kostet dreißig Euro beziehungsweise zwei Euro fünfzig."),
    ("Das sind 1.200 Menschen.", "Das sind eintausendzweihundert Menschen."),
    ("Am 14. September 2026 um 9:30 Uhr.", "Am vierzehnten September zweitausendsechsundzwanzig um neun Uhr dreißig."),
    ("Die Strecke ist 12 km lang, z. B. bei 25 °C.",
     "Die Strecke ist zwölf Kilometer lang, zum Beispiel bei fünfundzwanzig Grad Celsius."),
    ("Seit 2014 gilt das.", "Seit zweitausendvierzehn gilt das."),
])
def test_german(written: str, spoken: str) -> None:
    assert de(written) == spoken


def test_other_languages_get_numbers_in_their_own_words() -> None:
    assert normalizer("fr")("Il y a 21 personnes et 10 %.") == "Il y a vingt et un personnes et dix pour cent."
    assert normalizer("es")("Son 21 euros: 21 €.") == "Son veintiuno euros: veintiuno euros."


def test_lexicon_wins_over_every_rule(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text('"Nguyen" = "win"\n"Dr. Who" = "Doctor Who, the show"\n"$5" = "a fiver"\n"SQL" = "sequel"\n')
    say = normalizer("en", lexicon_for(load_lexicon(lexicon), phonemes=False)[0])
    assert say("Ms Nguyen watched Dr. Who, paid $5 and wrote SQL for Dr. Lee.") == (
        "Ms win watched Doctor Who, the show, paid a fiver and wrote sequel for Doctor Lee.")
    assert say("NGUYEN and nguyen") == "win and win"  # whole words, any case
    assert say("Nguyenville") == "Nguyenville"


@pytest.mark.parametrize("content, message", [
    ('"a" = 1\n', "neither words nor"),
    ('"a" = { sound = "x" }\n', "neither words nor"),
    ("not toml at all = = =", "not valid TOML"),
])
def test_bad_lexicon(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_lexicon(path)
    with pytest.raises(InputError, match="not found"):
        load_lexicon(tmp_path / "missing.toml")


def test_a_lexicon_gives_phonemes_to_engines_that_take_them(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text('"Nguyen" = { say = "win", phonemes = "ŋwˈiən" }\n"Aoife" = "[[ ˈiːfə ]]"\n"SQL" = "sequel"\n')
    entries = load_lexicon(lexicon)
    neural, unused = lexicon_for(entries, phonemes=True)
    assert normalizer("en", neural)("Nguyen and Aoife use SQL.") == "[[ ŋwˈiən ]] and [[ ˈiːfə ]] use sequel."
    plain, unused = lexicon_for(entries, phonemes=False)
    assert normalizer("en", plain)("Nguyen and Aoife use SQL.") == "win and Aoife use sequel."
    assert unused == ["Aoife"]  # phonemes only: read as written, and the build says so


pieces = st.sampled_from(["$", "%", "€", "£", "&", "12", "3.5", "1,200", "2026", "km", " ", ".", ",", "-", "°C",
                          "word", "U.S.", "Q3", "9:30", "am", "https://x.example.com/a", "a@b.org", "—", "“", "’"])


@pytest.mark.slow  # a property run of many examples, or a long mix
@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, max_size=30), st.sampled_from(["en", "de", "fr", "es"]))
def test_no_symbol_reaches_an_engine(parts: list[str], language: str) -> None:
    spoken = normalizer(language)("".join(parts))
    assert not set(spoken) & set("$%€£&@#<>{}[]|\\^~`*_“”"), spoken
    assert "http" not in spoken and "www" not in spoken


@pytest.mark.parametrize(("written", "said"), [
    ("The U.S.-Russia talks resumed.", "The U S Russia talks resumed."),
    ("A U.K.-based firm hired 20.", "A U K based firm hired twenty."),
    ("An N.Z.-led team won.", "An N Z led team won."),
    ("The U.S. economy grew.", "The U S economy grew."),
])
def test_dotted_initials_joined_to_a_word_by_a_hyphen_are_one_unit(written: str, said: str) -> None:
    assert normalizer("en")(written) == said
