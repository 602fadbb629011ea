"""A webhook receiver for this service's events, in the standard library: check the signature of the raw body,
ignore an event id already handled, answer 2xx quickly.

    python docs/webhook_receiver.py --secret whsec_... --port 9000

The signature header reads "t=<unix time>,v1=<hex>[,v1=<hex>]": HMAC-SHA256 of "<t>.<raw body>" with the
endpoint's secret. During a secret rotation two v1 values come (new and previous secret): accept either one.
"""
import argparse
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300  # older signatures are refused, so a captured request cannot be replayed later


def verify(secret, header, body, now=None):
    """True when one v1 signature in the header is the body's, made with `secret`, within the tolerance."""
    items = [item.split("=", 1) for item in (header or "").split(",") if "=" in item]
    stamps = [value for name, value in items if name == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit() or abs((now or time.time()) - int(stamps[0])) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), stamps[0].encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, value) for name, value in items if name == "v1")


class Receiver:
    """Keeps the events it accepted (each id once) and answers `status` (e.g. 500 to test retries)."""

    def __init__(self, secret, status=200, delay=0.0):
        self.secret, self.status, self.delay = secret, status, delay
        self.events, self.refused, self.seen, self.lock = [], 0, set(), threading.Lock()

    def handle(self, headers, body):
        if not verify(self.secret, headers.get("X-Moderation-Signature"), body):
            with self.lock:
                self.refused += 1
            return 400
        time.sleep(self.delay)
        if self.status >= 300:
            return self.status
        event = json.loads(body)
        with self.lock:
            if event["id"] not in self.seen:  # a retry or "send again" of an event already handled
                self.seen.add(event["id"])
                self.events.append(event)
        return self.status

    def serve(self, port=0):
        """An HTTP server on loopback in a thread; returns it (server.server_port, server.shutdown())."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(receiver.handle(self.headers, body))
                self.end_headers()

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--port", type=int, default=9000)
    options = parser.parse_args()
    server = Receiver(options.secret).serve(options.port)
    print(f"listening on http://127.0.0.1:{server.server_port}/")
    threading.Event().wait()
