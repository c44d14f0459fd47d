"""Names people type: ids made from titles, and finding an initiative by what was typed.

Ids are ASCII so that anyone can type them on any keyboard: titles in any
script are transliterated (anyascii: Cyrillic, Greek, Arabic, kana and CJK
ideographs all get a readable Latin form; ``ß`` becomes ``ss``, ``Œ`` ``oe``,
``Ł`` ``l``). anyascii is imported only for text that is not ASCII already.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from vzwatch.domain.errors import NotFoundError
from vzwatch.domain.text import visible

MAX_ID_LENGTH = 60
FALLBACK_ID = "initiative"
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _is_ideograph(char: str) -> bool:
    import unicodedata

    return unicodedata.name(char, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY"))


def to_ascii(text: str) -> str:
    """``text`` transliterated to ASCII; each CJK ideograph a word of its own."""
    if text.isascii():
        return text
    from anyascii import anyascii

    # anyascii writes ideographs as capitalised syllables run together
    # ("XuanJu"); as separate words they read (and slug) as "xuan-ju".
    return "".join(
        f" {anyascii(char)} " if _is_ideograph(char) else anyascii(char) for char in text
    )


def fold(text: str) -> str:
    """``text`` as ids are spelled: ASCII, lowercase, words joined by dashes."""
    return _NOT_ALNUM.sub("-", to_ascii(text).lower()).strip("-")


def slugify(title: str) -> str:
    """A readable, ASCII id from a title: 'Élection Oversight' -> 'election-oversight'."""
    slug = fold(title)
    if len(slug) > MAX_ID_LENGTH:
        cut = slug[: MAX_ID_LENGTH + 1]
        # end at a word boundary when there is one in the second half
        slug = cut.rsplit("-", 1)[0] if "-" in cut[MAX_ID_LENGTH // 2 :] else cut[:MAX_ID_LENGTH]
    return slug.rstrip("-") or FALLBACK_ID


def find_id(ids: Collection[str], typed: str, titles: Mapping[str, str] | None = None) -> str:
    """The id that ``typed`` names, else NotFoundError (saying "ambiguous: …" if several).

    In order, the first rule that names exactly one initiative wins: the id
    itself; an id prefix; an id prefix ignoring accents and case ("misión" for
    "mision-…"); a title (any case, accents ignored); a title prefix. A rule
    that names several is ambiguous.
    """
    key = typed.strip().lower()
    if key in ids:
        return key
    if key:
        matches = sorted(i for i in ids if i.startswith(key))
        if not matches and (folded := fold(key)) and folded != key:
            matches = sorted(i for i in ids if i.startswith(folded))
        if not matches and titles:
            matches = _by_title(titles, typed)
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise NotFoundError(_ambiguous(typed, matches, titles))
    raise NotFoundError(f"no initiative matches '{visible(typed)}' (see `vzwatch list`)")


def _by_title(titles: Mapping[str, str], typed: str) -> list[str]:
    wanted = _title_key(typed)
    if not wanted:
        return []
    keys = {ident: _title_key(title) for ident, title in titles.items()}
    exact = sorted(ident for ident, key in keys.items() if key == wanted)
    if exact:
        return exact
    return sorted(ident for ident, key in keys.items() if key.startswith(wanted))


def _title_key(text: str) -> str:
    """A title as compared: accents dropped, any case, runs of spaces as one."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.split())


def _ambiguous(typed: str, matches: list[str], titles: Mapping[str, str] | None) -> str:
    shown = [
        f"{ident} ({visible(titles[ident])})" if titles and ident in titles else ident
        for ident in matches[:10]
    ]
    more = f", and {len(matches) - 10} more" if len(matches) > 10 else ""
    return f"ambiguous: '{visible(typed)}' matches {', '.join(shown)}{more}"
