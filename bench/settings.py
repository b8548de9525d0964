"""Benchmark settings: the production settings unchanged, plus the bare comparison view.

Same middleware, templates, database and cache configuration as ``disdukcapil.settings``;
only the URLconf adds ``/bench/bare/<number>/`` (see bench/urls.py).
"""

from disdukcapil.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
