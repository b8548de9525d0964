"""Real parts for the notification tests: a fake provider HTTP server and an SMTP server.

FakeProvider speaks the generic SMS gateway's shape (POST /sms) and WhatsApp Cloud API's
(POST /<phone-number-id>/messages), answers what the test scripts (200, 429, 500, slow) and
keeps every request it accepted. Like a provider that honours idempotency keys, a request
whose Idempotency-Key it accepted before gets the first answer again and is not delivered a
second time; ``accepted`` counts deliveries, ``requests`` every request.
"""

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


class FakeProvider:
    def __init__(self, port: int = 0, *, delay: float = 0.0):
        self.lock = threading.Lock()
        self.script: list[int | str] = []  # next answers: 200, 429, 500, "slow"
        self.requests: list[dict] = []
        self.accepted: dict[str, dict] = {}  # idempotency key -> request
        self.delivered = Counter()  # idempotency key -> deliveries (must stay 1)
        self.delay = delay
        self.slow_seconds = 3.0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                key = self.headers.get("Idempotency-Key", "")
                with provider.lock:
                    provider.requests.append({"path": self.path, "body": body, "key": key})
                    answer = provider.script.pop(0) if provider.script else 200
                if provider.delay:
                    time.sleep(provider.delay)
                if answer == "slow":
                    time.sleep(provider.slow_seconds)
                    answer = 200
                if answer != 200:
                    self.send_response(answer)
                    if answer == 429:
                        self.send_header("Retry-After", "1")
                    self.end_headers()
                    self.wfile.write(b'{"error": "scripted"}')
                    return
                with provider.lock:
                    if key and key in provider.accepted:
                        first = provider.accepted[key]
                    else:
                        first = {"id": f"p-{len(provider.accepted) + 1}", "body": body}
                        provider.accepted[key or first["id"]] = first
                        provider.delivered[key or first["id"]] += 1
                if self.path.endswith("/messages"):
                    reply = {"messages": [{"id": "wamid." + first["id"]}]}
                else:
                    reply = {"id": first["id"]}
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def duplicates(self) -> int:
        return sum(n - 1 for n in self.delivered.values() if n > 1)


class Mailbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "data": envelope.content.decode("utf-8", errors="replace"),
            }
        )
        return "250 OK"


def smtp_server(port: int = 0):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    return controller, mailbox
