"""Site furniture, by language: whole paragraphs that are a site's, not the article's ("Read
more", "Anzeige"), and those that head a list of links. Each is a regular expression matched
case-insensitively against a whole paragraph; English's apply to every page."""

from __future__ import annotations

# Whole paragraphs that are site furniture, by language (matched case-insensitively, in full).
FURNITURE: dict[str, str] = {
    "en": r"you (?:may|might) also like|related(?: articles| stories| posts| content| reading)?|read more|"
          r"read next|more from .{1,40}|recommended(?: for you| reading)?|trending(?: now)?|most (?:read|popular)|"
          r"share(?: this)?(?: article| story| post| page)?(?: on .{1,30})?|advertisement|advertising|"
          r"sponsored(?: content)?|"
          r"sign up (?:for|to) .{0,60}newsletter.*|subscribe(?: now| today| to .{0,40})?|follow us(?: on .{1,40})?|"
          r"comments?(?: \(\d+\))?|leave a (?:comment|reply)|tags?:.*|filed under:?.*|(?:copyright|©) .*|"
          r"all rights reserved\.?|click here.*|continue reading|skip to (?:main )?content|back to top|"
          r"(?:image|photo|picture) (?:credit|courtesy)?:.*",
    "de": r"das könnte sie auch interessieren|mehr zum thema.*|weitere artikel|lesen sie auch.*|anzeige|werbung|"
          r"(?:artikel )?teilen|newsletter(?: abonnieren)?|kommentare?|folgen sie uns.*|zum seitenanfang",
    "fr": r"à lire aussi|lire aussi.*|vous aimerez aussi|sur le même sujet|publicité|partager(?: cet article)?|"
          r"abonnez-vous.*|commentaires?|suivez-nous.*",
    "es": r"te puede interesar|lee también.*|noticias relacionadas|publicidad|compartir(?: este artículo)?|"
          r"suscríbete.*|comentarios?|síguenos.*",
}
# Furniture that heads a list of links: short paragraphs after it are link titles, not article.
TRAILERS: dict[str, str] = {
    "en": r"you (?:may|might) also like|related(?: articles| stories| posts| content| reading)?|read (?:more|next)|"
          r"more from .{1,40}|recommended(?: for you| reading)?|trending(?: now)?|most (?:read|popular)",
    "de": r"das könnte sie auch interessieren|mehr zum thema.*|weitere artikel|lesen sie auch.*",
    "fr": r"à lire aussi|lire aussi.*|vous aimerez aussi|sur le même sujet",
    "es": r"te puede interesar|lee también.*|noticias relacionadas",
}
