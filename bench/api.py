"""Perspective-compatible analyze calls through gunicorn with 1, 10 and 50 clients, beside `score` on the same texts.

    .venv/bin/python bench/api.py                       # trains a version on 1,500 rows per corpus first
    .venv/bin/python bench/api.py --limit 0             # ... on the full corpora (the shipped version)
    .venv/bin/python bench/api.py --workers 4 --requests 2000
    .venv/bin/python bench/api.py --redis-url ''        # rate limits counted in each worker's memory

Then `submit` rows: a CMS posting comments through the REST API (stored, judged, answered) with 10 and 50 clients.
Each client sends Coral's request (doNotStore, TOXICITY) with its own key over HTTP; every call is recorded
against its key in the database, as in production. Prints calls/s, p50 and p99 per concurrency, and the
`flask score` command's comments/s on the same texts (one process, no HTTP) as the baseline.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TEXT_FILES = ("civil_news.txt", "disagreement.txt", "attacks.txt", "criticism.txt", "english_comments.txt",
              "threats.txt")


def texts():
    """Written validation comments of every kind (a realistic mix of lengths and outcomes)."""
    out = []
    for name in TEXT_FILES:
        out += [line.strip() for line in (ROOT / "classifiers" / "heldout" / name).read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    return out


def prepare(instance, limit, database_url, redis_url):
    """Train and activate a version in a fresh instance folder and database; return an API key."""
    env = dict(os.environ, MODERATION_INSTANCE_PATH=str(instance), DATABASE_URL=database_url, REDIS_URL=redis_url)
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    code = ("from classifiers import store, training\n"
            "from moderation import create_app\nfrom moderation.extensions import db\n"
            "from moderation.operations import promote_version, register_version\n"
            f"bundle = training.train({str(ROOT / 'data' / 'corpora')!r}, limit={limit or None})\n"
            "app = create_app()\n"
            "with app.app_context():\n"
            "    register_version('bench', store.save(bundle, app.config['MODELS_DIR'], 'bench'))\n"
            "    promote_version('bench'); db.session.commit()\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    made = subprocess.run(flask + ["api-key", "create", "bench", "--rate-limit", "1000000/minute"], cwd=ROOT,
                          env=env, check=True, capture_output=True, text=True)
    subprocess.run(flask + ["site", "create", "bench", "--name", "Bench", "--origin", "https://bench.example"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    rest = subprocess.run(flask + ["api-key", "create", "bench-rest", "--site", "bench", "--rate-limit",
                                   "1000000/minute"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return env, made.stdout.strip().splitlines()[-1], rest.stdout.strip().splitlines()[-1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(env, workers):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
                               f"127.0.0.1:{port}", "--backlog", "512", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/", timeout=30)
            return server, base
        except OSError:  # not listening yet, or a worker still importing
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def fetch_static(base, key, text):
    """The harness's own ceiling: a static file through the same gunicorn, Flask and client."""
    started = time.perf_counter()
    with urllib.request.urlopen(f"{base}/static/style.css", timeout=60) as response:
        response.read()
        return response.status, (time.perf_counter() - started) * 1000


def call(base, key, text):
    body = json.dumps({"comment": {"text": text}, "doNotStore": True, "requestedAttributes": {"TOXICITY": {}},
                       "languages": ["en"]}).encode()
    request = urllib.request.Request(f"{base}/v1alpha1/comments:analyze?key={key}", data=body,
                                     headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, (time.perf_counter() - started) * 1000


SUBMITTED = iter(range(10**9))


def submit(base, key, text):
    """A CMS submitting a reader's comment through the REST API: stored, judged and answered (201)."""
    n = next(SUBMITTED)
    body = json.dumps({"comment_id": f"bench-{n}", "text": text,
                       "author": {"id": f"u{n % 500}", "name": f"Reader {n % 500}"},
                       "story": {"story_id": f"s{n % 20}", "url": f"https://bench.example/s{n % 20}"}}).encode()
    request = urllib.request.Request(f"{base}/api/v1/comments", data=body, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, (time.perf_counter() - started) * 1000


def load(base, key, corpus, clients, total, send=None):
    """`clients` threads send `total` calls between them; (calls/s, p50 ms, p99 ms, non-200 answers)."""
    results, lock, counter = [], threading.Lock(), iter(range(total))

    def client():
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            outcome = (send or call)(base, key, corpus[n % len(corpus)])
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(ms for _, ms in results)
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    return len(results) / elapsed, statistics.median(latencies), p99, sum(not 200 <= s < 300 for s, _ in results)


def score_baseline(env, corpus):
    """Comments/s of `flask score` on the same texts, in one process (start-up excluded)."""
    lines = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(corpus * 5))
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "score"]
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, input="", text=True, capture_output=True, check=True)
    empty = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, input=lines, text=True, capture_output=True, check=True)
    return len(corpus) * 5 / max(time.perf_counter() - started - empty, 1e-6)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=1500, help="rows per corpus to train on (0: all)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--requests", type=int, default=1500, help="calls per concurrency level")
    parser.add_argument("--database-url", help="default: SQLite in a temporary instance folder")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6",
                        help="where the rate limits are counted, as with several workers in production ('' for memory)")
    args = parser.parse_args()
    corpus = texts()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        env, key, rest_key = prepare(Path(folder), args.limit, url, args.redis_url)
        server, base = serve(env, args.workers)
        try:
            for text in corpus[: args.workers * 4]:
                call(base, key, text)  # every worker loads the version before timing starts
            rows = [(clients, *load(base, key, corpus, clients, args.requests)) for clients in (1, 10, 50)]
            ceiling = load(base, key, corpus, 10, args.requests, fetch_static)
            submitted = [(clients, *load(base, rest_key, corpus, clients, args.requests, submit))
                         for clients in (10, 50)]
        finally:
            server.terminate()
            server.wait()
        baseline = score_baseline(env, corpus)
    print(f"\nanalyze through gunicorn ({args.workers} workers, {args.requests} calls per row, "
          f"{'SQLite' if not args.database_url else args.database_url.split(':')[0]}, limits in "
          f"{'Redis' if args.redis_url else 'memory'}), beside `flask score`:\n")
    print(f"| {'clients':>7} | {'calls/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'not 200':>7} | {'vs score':>8} |")
    print(f"|{'-' * 9}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 10}|")
    for clients, rate, p50, p99, bad in rows:
        print(f"| {clients:>7} | {rate:>8.0f} | {p50:>7.1f} | {p99:>7.1f} | {bad:>7} | {rate / baseline:>8.2f} |")
    print(f"| {'score':>7} | {baseline:>8.0f} | {'':>7} | {'':>7} | {'':>7} | {1:>8.2f} |")
    print("\nREST API submit (POST /api/v1/comments: stored, judged, answered; 20 stories, 500 readers):\n")
    for clients, rate, p50, p99, bad in submitted:
        print(f"| {clients:>7} | {rate:>8.0f} | {p50:>7.1f} | {p99:>7.1f} | {bad:>7} | {rate / baseline:>8.2f} |")
    rate, p50, p99, bad = ceiling
    print(f"\nThe harness's ceiling, GET /static/style.css with 10 clients: {rate:.0f} requests/s, p50 {p50:.1f} ms, "
          f"p99 {p99:.1f} ms ({bad} not 200); analyze with 10 clients runs at {rows[1][1] / rate:.2f} of it.")
    print("\nFloors (issue 16, 2-core machine): at least 300 calls/s and p99 under 50 ms with 10 clients.")


if __name__ == "__main__":
    main()
