"""Find residents by any word of their name: prefix, accent- and case-insensitive, ranked.

"nabila" and "eka" both find "Nabila Eka Pratama"; "AMINAH" finds "Siti Aminah"; "ahyu" does
not find "Wahyuni" (a word's beginning, not its inside). Whole words and the start of the name
rank first, so the one "Eka Putri" is above thirty "... Eka ..." namesakes.

Both backends run the same SQL: ``' ' || ektp_fold(full_name) LIKE '% word%'``.
``ektp_fold`` lowercases and strips accents. On PostgreSQL it is an IMMUTABLE SQL function over
``unaccent`` and the expression is served by the trigram GIN index ``resident_name_words_trgm``
(migration 0006); on SQLite it is the Python function below, registered on every connection.
"""

import unicodedata

from django.db.backends.signals import connection_created
from django.db.models import Case, CharField, F, Func, IntegerField, Q, Value, When

FOLD_FUNCTION = "ektp_fold"
MAX_WORDS = 5


def fold(text: str | None) -> str | None:
    """Lowercase and strip accents (é → e), as PostgreSQL's ektp_fold does."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def query_words(query: str) -> list[str]:
    """The folded words of a typed name, at most MAX_WORDS (more only slows the query)."""
    return [word for word in fold(query).split() if word][:MAX_WORDS]


class SpacedFold(Func):
    """``' ' || ektp_fold(name)``: the exact expression of the trigram index."""

    template = f"(' ' || {FOLD_FUNCTION}(%(expressions)s))"
    output_field = CharField()


class PaddedFold(Func):
    """``' ' || ektp_fold(name) || ' '``, to tell a whole word from a word's beginning."""

    template = f"(' ' || {FOLD_FUNCTION}(%(expressions)s) || ' ')"
    output_field = CharField()


def rank_by_name(queryset, query: str, *, name_path: str = "full_name"):
    """Filter ``queryset`` to rows whose name has every word of ``query`` as a word prefix.

    Annotate ``name_rank`` (higher first: 2 per whole word, 1 when the name starts with the
    first word) and order by it, then by name. An empty query matches nothing.
    """
    words = query_words(query)
    if not words:
        return queryset.none()
    name = F(name_path)
    queryset = queryset.annotate(_name_words=SpacedFold(name), _name_padded=PaddedFold(name))
    condition = Q()
    for word in words:
        # Django escapes % and _ in the word; the leading space anchors it to a word start.
        condition &= Q(_name_words__contains=" " + word)
    score = Value(0)
    for word in words:
        score = score + Case(
            When(_name_padded__contains=f" {word} ", then=Value(2)),
            default=Value(0),
            output_field=IntegerField(),
        )
    score = score + Case(
        When(_name_words__startswith=" " + words[0], then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return queryset.filter(condition).annotate(name_rank=score).order_by("-name_rank", name_path)


def _register_sqlite_fold(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(FOLD_FUNCTION, 1, fold, deterministic=True)


def connect_signals():
    connection_created.connect(_register_sqlite_fold, dispatch_uid="receipts.name_search.fold")
