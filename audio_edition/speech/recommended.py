"""The Piper voice to suggest for a language that has none here: one natural, well-rated voice
per language and region from Piper's official catalogue (rhasspy/piper-voices), named in a build's
note and in errors so the user can run ``audio-edition voices install NAME``. A build never reads
the catalogue (it never touches the network), hence this short list; ``voices list --available``
shows every voice."""

from __future__ import annotations

# Language (and region) -> a voice of the official catalogue; medium quality where it exists
# (a 60 MB model, a fair balance of sound and speed).
RECOMMENDED = {
    "ar": "ar_JO-kareem-medium",
    "ca": "ca_ES-upc_ona-medium",
    "cs": "cs_CZ-jirka-medium",
    "cy": "cy_GB-gwryw_gogleddol-medium",
    "da": "da_DK-talesyntese-medium",
    "de": "de_DE-thorsten-medium",
    "el": "el_GR-rapunzelina-low",
    "en": "en_US-lessac-medium",
    "en-gb": "en_GB-alan-medium",
    "en-us": "en_US-lessac-medium",
    "es": "es_ES-davefx-medium",
    "es-mx": "es_MX-claude-high",
    "fa": "fa_IR-amir-medium",
    "fi": "fi_FI-harri-medium",
    "fr": "fr_FR-siwis-medium",
    "hu": "hu_HU-anna-medium",
    "is": "is_IS-bui-medium",
    "it": "it_IT-paola-medium",
    "ka": "ka_GE-natia-medium",
    "kk": "kk_KZ-issai-high",
    "lb": "lb_LU-marylux-medium",
    "ne": "ne_NP-google-medium",
    "nl": "nl_NL-mls-medium",
    "nl-be": "nl_BE-nathalie-medium",
    "no": "no_NO-talesyntese-medium",
    "nb": "no_NO-talesyntese-medium",
    "pl": "pl_PL-darkman-medium",
    "pt": "pt_PT-tugão-medium",
    "pt-br": "pt_BR-faber-medium",
    "ro": "ro_RO-mihai-medium",
    "ru": "ru_RU-irina-medium",
    "sk": "sk_SK-lili-medium",
    "sl": "sl_SI-artur-medium",
    "sr": "sr_RS-serbski_institut-medium",
    "sv": "sv_SE-nst-medium",
    "sw": "sw_CD-lanfrica-medium",
    "tr": "tr_TR-dfki-medium",
    "uk": "uk_UA-ukrainian_tts-medium",
    "vi": "vi_VN-vais1000-medium",
    "zh": "zh_CN-huayan-medium",
}


def recommended(language: str, exact: bool = False) -> str | None:
    """The voice to suggest for ``language`` (BCP 47, "en-GB" or "fr"): its region's, else (unless
    ``exact``: the user asked for that region) its language's."""
    tag = language.lower().replace("_", "-")
    return RECOMMENDED.get(tag) or (None if exact and "-" in tag else RECOMMENDED.get(tag.split("-")[0]))


def install_command(language: str, exact: bool = False) -> str:
    """What to run for a natural voice for ``language`` (of its very region, with ``exact``)."""
    name = recommended(language, exact)
    if name:
        return f"audio-edition voices install {name}"
    return "audio-edition voices list --available, then audio-edition voices install NAME"
