"""deploy/nginx renders to a configuration nginx accepts, with the internal paths closed."""
# ruff: noqa: S603, S607  (runs the repository's own script and Debian's nginx, fixed arguments)

import os
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"

pytestmark = pytest.mark.skipif(
    shutil.which("nginx") is None, reason="needs Debian's nginx (apt-get install nginx)"
)


def _render(template, **env):
    return subprocess.run(
        [str(DEPLOY / "render-nginx"), str(template)],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_the_rendered_site_passes_nginx_t(tmp_path):
    site = _render(
        DEPLOY / "nginx" / "ektp.conf.template",
        EKTP_UPSTREAMS="    server 127.0.0.1:18001;\n    server 127.0.0.1:18002;",
        EKTP_STATIC_ROOT=str(tmp_path / "static"),
        EKTP_LISTEN="127.0.0.1:18880",
        EKTP_ACCESS_LOG=str(tmp_path / "access.log"),
    )
    (tmp_path / "ektp.conf").write_text(site)
    main = _render(
        DEPLOY / "nginx" / "nginx.conf.template",
        EKTP_UPSTREAMS="-",
        EKTP_STATIC_ROOT="-",
        EKTP_RUN_DIR=str(tmp_path),
        EKTP_NGINX_DIR=str(DEPLOY / "nginx"),
    )
    (tmp_path / "nginx.conf").write_text(main)
    result = subprocess.run(
        ["nginx", "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "location = /metrics { return 404; }" in site
    assert "location = /readyz { return 404; }" in site
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert "server 127.0.0.1:18002;" in site
    assert "${" not in site
