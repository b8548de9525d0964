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

# ruff: noqa: S608
import unicodedata

from django.db import connection
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


# --- PostgreSQL: the counter's search read from receipts_receiptword in index order ---------
#
# The page is the first ``limit`` receipts of one kecamatan by (rank, folded name, receipt).
# For one word the four ranks are four disjoint index ranges, each already in that order, read
# best first with LIMIT until the page is full: 3 the word whole and the name starting with it
# (word = x AND leads), 2 the word whole elsewhere (word = x AND NOT leads), 1 the name starting
# with the word, not whole (first-word rows, name LIKE ' x%'), 0 a later word starting with it
# (word LIKE 'x%', one ordered range per distinct word, merged). A common name costs the 51
# index entries shown, not its 10,000 matches. For several words every match must hold all of
# them: the rows of the word with the fewest index entries (counted up to a bound) are the
# candidates, filtered on their name, ranked exactly and sorted.

# The SQL below interpolates only this module's constants and placeholders, never input.
_WORDS = "receipts_receiptword"
_COUNT_BOUND = 2_000  # beyond that, a word is "common": counting further costs more than it saves
_MAX_PREFIX_WORDS = 100


def _like(text: str) -> str:
    """``text`` with LIKE's wildcards escaped (PostgreSQL's default escape is a backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _single_word_tiers(word: str):
    """(sql, params) of the four ranks for one word, best first; each takes kecamatan, limit."""
    prefix = _like(word) + "%"
    whole = "% " + _like(word) + " %"
    start = " " + _like(word) + "%"
    head = f"SELECT receipt_id FROM {_WORDS} WHERE kecamatan_id = %s AND "
    tail = " ORDER BY name, receipt_id LIMIT %s"
    return [
        (head + "word = %s AND leads" + tail, [word]),
        (head + "word = %s AND NOT leads" + tail, [word]),
        (head + "first AND name LIKE %s AND name NOT LIKE %s" + tail, [start, whole]),
        (
            # One ordered range per distinct later word starting with ``word`` (found by
            # walking the index: min(word) above the last one), merged by name.
            f"""
            WITH RECURSIVE words(w) AS (
                SELECT min(word) FROM {_WORDS}
                WHERE kecamatan_id = %(k)s AND word LIKE %(prefix)s AND word > %(word)s
              UNION ALL
                SELECT (SELECT min(word) FROM {_WORDS}
                        WHERE kecamatan_id = %(k)s AND word LIKE %(prefix)s AND word > words.w)
                FROM words WHERE words.w IS NOT NULL
            ), chosen AS (
                SELECT w FROM words WHERE w IS NOT NULL LIMIT {_MAX_PREFIX_WORDS + 1}
            )
            SELECT m.receipt_id, (SELECT count(*) FROM chosen) FROM chosen
            -- A name with two such words comes twice: once is enough (GROUP BY).
            CROSS JOIN LATERAL (
                SELECT receipt_id, name FROM {_WORDS}
                WHERE kecamatan_id = %(k)s AND word = chosen.w AND NOT leads AND NOT first
                  AND name NOT LIKE %(start)s AND name NOT LIKE %(whole)s
                ORDER BY name, receipt_id LIMIT %(limit)s
            ) m
            GROUP BY m.receipt_id, m.name
            ORDER BY m.name, m.receipt_id LIMIT %(limit)s
            """,
            {"prefix": prefix, "word": word, "whole": whole, "start": start},
        ),
    ]


_PREFIX_FALLBACK = f"""
    SELECT receipt_id FROM {_WORDS}
    WHERE kecamatan_id = %(k)s AND word LIKE %(prefix)s AND word > %(word)s
      AND NOT leads AND NOT first AND name NOT LIKE %(start)s AND name NOT LIKE %(whole)s
    GROUP BY receipt_id, name
    ORDER BY name, receipt_id LIMIT %(limit)s
"""


def _run(cursor, sql, params, explain):
    if explain is not None:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        explain.append("\n".join(row[0] for row in cursor.fetchall()))
    cursor.execute(sql, params)
    return cursor.fetchall()


def _one_word(cursor, kecamatan_id: int, word: str, limit: int, explain) -> list[int]:
    ids: list[int] = []
    seen: set[int] = set()
    for sql, params in _single_word_tiers(word):
        need = limit - len(ids)
        if need <= 0:
            break
        if isinstance(params, dict):
            params = params | {"k": kecamatan_id, "limit": need}
            rows = _run(cursor, sql, params, explain)
            if rows and rows[0][1] > _MAX_PREFIX_WORDS:
                # More distinct words than walked: one range, sorted (rare: a short prefix
                # that starts no first word and 100 later ones).
                rows = _run(cursor, _PREFIX_FALLBACK, params, explain)
        else:
            rows = _run(cursor, sql, [kecamatan_id, *params, need], explain)
        for row in rows:
            if row[0] not in seen:
                seen.add(row[0])
                ids.append(row[0])
    return ids[:limit]


def _several_words(cursor, kecamatan_id: int, words: list[str], limit: int, explain):
    # The candidates: the rows of the word with the fewest index entries in this kecamatan.
    counts = []
    for word in words:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {_WORDS} WHERE kecamatan_id = %s"
            f" AND word LIKE %s LIMIT {_COUNT_BOUND}) x",
            [kecamatan_id, _like(word) + "%"],
        )
        counts.append(cursor.fetchone()[0])
    driver = words[counts.index(min(counts))]
    filters = " AND ".join(["name LIKE %s"] * len(words))
    score = " + ".join(["CASE WHEN name LIKE %s THEN 2 ELSE 0 END"] * len(words))
    sql = f"""
        SELECT receipt_id, max({score} + CASE WHEN name LIKE %s THEN 1 ELSE 0 END) AS rank, name
        FROM {_WORDS}
        WHERE kecamatan_id = %s AND word LIKE %s AND {filters}
        GROUP BY receipt_id, name
        ORDER BY rank DESC, name, receipt_id LIMIT %s
    """
    params = [
        *["% " + _like(w) + " %" for w in words],
        " " + _like(words[0]) + "%",
        kecamatan_id,
        _like(driver) + "%",
        *["% " + _like(w) + "%" for w in words],
        limit,
    ]
    return [row[0] for row in _run(cursor, sql, params, explain)]


def receipt_ids_by_name(
    *, kecamatan_id: int, query: str, limit: int, explain: list | None = None
) -> list[int]:
    """The ids of the kecamatan's receipts whose holder's name matches ``query``, best first:
    rank (as ``rank_by_name``), then the folded name, then the receipt. PostgreSQL only.

    ``explain``: a list to which the EXPLAIN ANALYZE of every query run is appended.
    """
    words = query_words(query)
    if not words or limit <= 0:
        return []
    with connection.cursor() as cursor:
        if len(words) == 1:
            return _one_word(cursor, kecamatan_id, words[0], limit, explain)
        return _several_words(cursor, kecamatan_id, words, limit, explain)
