"""A newsroom's article page with the comments embed and single sign-on: the server code a CMS needs.

    python docs/embed/newsroom.py --service http://127.0.0.1:5000 --site herald --secret SSO_SECRET --port 8080
    open http://localhost:8080/news/cycle-lanes?reader=alice      # alice is "signed in to the CMS"

The page is served from another origin than the service; the site's allowed origins must name it
(http://localhost:8080 here). For a signed-in reader the server signs a JWT that lives ten minutes.
"""
import argparse
import html
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt

PAGE = Path(__file__).with_name("article.html")
READERS = {"alice": {"id": "cms-user-1", "name": "Alice Riverside", "email": "alice@herald.example"},
           "bob": {"id": "cms-user-2", "name": "Bob Millstream", "email": "bob@herald.example"}}


def sso_token(secret, reader, lifetime=600):
    """What the CMS signs for its signed-in reader: HS256 with the site's secret, expiring soon."""
    now = int(time.time())
    claims = {"sub": reader["id"], "name": reader["name"], "email": reader["email"], "iat": now, "exp": now + lifetime}
    return jwt.encode(claims, secret, algorithm="HS256")


def render(service, site, secret, origin, reader_name):
    reader = READERS.get(reader_name)
    fill = {"SERVICE": service, "SITE": site, "ORIGIN": origin,
            "SSO_TOKEN": sso_token(secret, reader) if reader else "",
            "READER": f"Signed in to the Herald as {reader['name']}" if reader else "Not signed in to the Herald"}
    page = PAGE.read_text()
    for name, value in fill.items():
        page = page.replace("{{" + name + "}}", html.escape(value))
    return page.encode()


def serve(service, site, secret, port=0, host="localhost"):
    """The article server in a thread; returns it (its origin is http://localhost:<server_port>)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            parts = urlsplit(self.path)
            if parts.path != "/news/cycle-lanes":
                self.send_error(404)
                return
            origin = f"http://{host}:{self.server.server_port}"
            body = render(service, site, secret, origin, parse_qs(parts.query).get("reader", [""])[0])
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--service", default="http://127.0.0.1:5000")
    parser.add_argument("--site", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--port", type=int, default=8080)
    options = parser.parse_args()
    serve(options.service, options.site, options.secret, options.port)
    print(f"http://localhost:{options.port}/news/cycle-lanes?reader=alice")
    threading.Event().wait()
