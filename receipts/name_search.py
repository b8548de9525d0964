"""Find residents by any word of their name: prefix, accent- and case-insensitive, ranked.

"nabila" and "eka" both find "Nabila Eka Pratama"; "AMINAH" finds "Siti Aminah"; "ahyu" does
not find "Wahyuni" (a word's beginning, not its inside). Whole words and the start of the name
rank first, so the one "Eka Putri" is above thirty "... Eka ..." namesakes.

The test is ``' ' || ektp_fold(full_name) LIKE '% word%'``; ``ektp_fold`` lowercases and
strips accents. On PostgreSQL it is an IMMUTABLE SQL function over ``unaccent`` whose result
is kept in the stored generated column ``name_words``, served by the trigram GIN index
``resident_name_words_trgm`` (migrations 0006, 0007); on SQLite it is the Python function
below, registered on every connection, and the expression is computed.
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


class NameWords(Func):
    """``' ' || ektp_fold(name)``: on PostgreSQL the stored column ``name_words`` holding it.

    The argument is the ``full_name`` column (through any join); on PostgreSQL the column
    beside it in the same table alias is read instead of the function being called again.
    """

    template = f"(' ' || {FOLD_FUNCTION}(%(expressions)s))"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        column = connection.ops.quote_name("full_name")
        if not sql.endswith(column):  # a safety net: only ever built over full_name
            raise ValueError(f"NameWords needs the full_name column, got {sql}")
        return sql[: -len(column)] + connection.ops.quote_name("name_words"), params


class PaddedNameWords(NameWords):
    """``name_words || ' '``, to tell a whole word from a word's beginning."""

    template = f"(' ' || {FOLD_FUNCTION}(%(expressions)s) || ' ')"

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = super().as_postgresql(compiler, connection, **extra_context)
        return f"({sql} || ' ')", params


def rank_by_name(queryset, query: str, *, name_path: str = "full_name"):
    """Filter ``queryset`` to rows whose name has every word of ``query`` as a word prefix.

    Annotate ``name_rank`` (higher first: 2 per whole word, 1 when the name starts with the
    first word) and order by it, then by name. An empty query matches nothing.
    """
    words = query_words(query)
    if not words:
        return queryset.none()
    name = F(name_path)
    queryset = queryset.annotate(_name_words=NameWords(name), _name_padded=PaddedNameWords(name))
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
