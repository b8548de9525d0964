"""Structured logs: one JSON object per line, with the request id (LOG_FORMAT=json).

The id is nginx's X-Request-ID (disdukcapil/metrics.py takes it), so one request can be
followed from nginx's access log (deploy/nginx/log-format.conf) through the app's lines.
"""

import json
import logging
from datetime import UTC, datetime


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        from disdukcapil.metrics import request_id_var

        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
