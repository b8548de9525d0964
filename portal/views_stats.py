"""`/statistik/`: the city's progress with blank cards, as server-drawn SVG charts and tables.

The figures are cached for a minute (language-neutral numbers, not HTML, so the page still
carries its own CSRF token for the language switch): at most a handful of queries a minute.
"""

from django.core.cache import cache
from django.shortcuts import render
from django.views.decorators.http import require_safe

from portal import selectors
from receipts.models import Status

STATS_CACHE_KEY = "statistik:v1"
STATS_CACHE_SECONDS = 60

# Geometry of the charts (SVG user units; the SVG scales to the width of the page).
WIDTH = 320
LABEL_W = 96
VALUE_W = 56
BAR_H = 22
ROW_H = 32


def _scale(value, biggest, span):
    return round(value * span / biggest, 1) if biggest else 0


def blank_chart(blanks):
    """Horizontal bars: received, used, spoiled, left."""
    span = WIDTH - LABEL_W - VALUE_W
    rows = [
        ("received", blanks["received"]),
        ("used", blanks["used"]),
        ("spoiled", blanks["spoiled"]),
        ("left", blanks["left"]),
    ]
    biggest = max(v for _k, v in rows)
    return {
        "height": ROW_H * len(rows),
        "bar_x": LABEL_W,
        "rows": [
            {
                "key": key,
                "value": value,
                "y": i * ROW_H + (ROW_H - BAR_H) / 2,
                "text_y": i * ROW_H + ROW_H / 2 + 5,
                "width": max(_scale(value, biggest, span), 0),
                "value_x": LABEL_W + max(_scale(value, biggest, span), 0) + 4,
            }
            for i, (key, value) in enumerate(rows)
        ],
    }


def kecamatan_chart(per_kecamatan, statuses):
    """One stacked bar per kecamatan, a segment per status, all on the same scale."""
    row_h = 44
    span = WIDTH - VALUE_W
    biggest = max((k["total"] for k in per_kecamatan), default=0)
    rows = []
    for i, kec in enumerate(per_kecamatan):
        x = 0.0
        segments = []
        for code, n in zip(statuses, kec["counts"], strict=True):
            w = _scale(n, biggest, span)
            if w > 0:
                segments.append({"status": code, "x": round(x, 1), "width": w, "n": n})
            x += w
        rows.append(
            {
                "name": kec["name"],
                "total": kec["total"],
                "label_y": i * row_h + 14,
                "bar_y": i * row_h + 20,
                "segments": segments,
                "value_x": round(x, 1) + 4,
                "value_y": i * row_h + 36,
            }
        )
    return {"height": max(row_h * len(rows), row_h), "rows": rows, "bar_h": 20}


def weekly_chart(weekly, key):
    """Vertical bars, one per week, for one series (``recorded`` or ``handed_over``)."""
    plot_h = 120
    top = 16
    slot = (WIDTH - 8) / max(len(weekly), 1)
    bar_w = round(slot * 0.7, 1)
    biggest = max((w[key] for w in weekly), default=0)
    bars = []
    for i, week in enumerate(weekly):
        h = _scale(week[key], biggest, plot_h)
        x = round(4 + i * slot + (slot - bar_w) / 2, 1)
        bars.append(
            {
                "start": week["start"],
                "value": week[key],
                "x": x,
                "y": round(top + plot_h - h, 1),
                "height": h,
                "width": bar_w,
                "mid": round(x + bar_w / 2, 1),
                "value_y": round(top + plot_h - h - 3, 1),
                "show_label": i % 3 == 0 or i == len(weekly) - 1,
            }
        )
    return {
        "any": biggest > 0,
        "mid_x": WIDTH // 2,
        "empty_y": top + plot_h // 2,
        "height": top + plot_h + 20,
        "base_y": top + plot_h,
        "label_y": top + plot_h + 15,
        "bars": bars,
    }


@require_safe
def statistik(request):
    stats = cache.get(STATS_CACHE_KEY)
    if stats is None:
        stats = selectors.public_statistics()
        cache.set(STATS_CACHE_KEY, stats, STATS_CACHE_SECONDS)
    labels = dict(Status.choices)
    context = {
        "stats": stats,
        "status_columns": [(code, labels[code]) for code in stats["statuses"]],
        "blank_chart": blank_chart(stats["blanks"]),
        "kecamatan_chart": kecamatan_chart(stats["per_kecamatan"], stats["statuses"]),
        "recorded_chart": weekly_chart(stats["weekly"], "recorded"),
        "handed_chart": weekly_chart(stats["weekly"], "handed_over"),
        "chart_width": WIDTH,
    }
    return render(request, "portal/statistik.html", context)
