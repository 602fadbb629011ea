"""Posting under load through gunicorn, beside a bare Flask insert endpoint in the same run, then a database check.

    .venv/bin/python bench/load.py                                  # 50 readers, 2,000 comments, SQLite
    .venv/bin/python bench/load.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/wt18 --total 5000
    .venv/bin/python bench/load.py --app-dir /tmp/old-checkout      # the same load on another version of the code
    .venv/bin/python bench/load.py --models-dir /tmp/load-models    # train once, reuse the version on later runs
    .venv/bin/python bench/load.py --repeat 5                       # five runs each, and the median ratio

Each reader has its own account, session and CSRF token and posts a mix of civil, abusive, foreign and short
comments (some as replies) until the total is reached. The peer is a bare Flask app that inserts each posted text
into a table of the same database, served by gunicorn with the same workers: the floor the service is held to.
Afterwards the database is checked: every accepted comment stored with a decision, none pending, none published
without a clean verdict. Rate limits stay on, set high enough for the load. On a shared machine the rates drift
from run to run: --repeat runs the service and the bare insert side by side several times and reports the median
of the ratios, each taken within one run. The CPU the workers and this client spend per timed post (from /proc)
drifts much less, and says which side bounds a rate: the workers' work, or the client sharing the same cores.
"""
import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a long bench password 42"
CIVIL = [
    "I think the new cycle lanes will make the riverside much safer for children.",
    "The parking levy seems fair to me, and the shops on Mill Street will adapt in time.",
    "Thank you for this clear report on the council meeting and the vote.",
    "I hope the council publishes the full budget for the new lanes before the works start.",
    "My daughter cycles to school along the river, so this is welcome news for our family.",
    "Could the reporter find out how many parking spaces will be lost on each street?",
    "Other cities built similar lanes and trade recovered within a year, as far as I know.",
]
ABUSIVE = ["You are a fucking idiot and a stupid moron, shut up.", "What a pathetic loser you are, get lost."]
FOREIGN = ["Ye sab bakwas hai, council ko kuch nahi pata hai yaar.",
           "Der Stadtrat hat wieder einmal falsch entschieden."]
SHORT = ["Agreed.", "Nonsense"]

SETUP = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from moderation import create_app
from moderation.extensions import db
from moderation.operations import create_user, promote_version, register_version, save_story
app = create_app(instance_path=sys.argv[2])
with app.app_context():
    db.drop_all()
    db.create_all()
    register_version("bench", json.loads(open(sys.argv[3]).read()))
    promote_version("bench")
    story = save_story("Council approves the riverside cycle lanes", "The council voted on Tuesday.")
    for n in range(int(sys.argv[4])):
        create_user(f"reader{n}@example.com", sys.argv[5])
    db.session.commit()
    print(story.slug)
"""

CHECK = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from sqlalchemy import func, select
from moderation import create_app
from moderation.extensions import db
from moderation.models import Comment, Verdict
app = create_app(instance_path=sys.argv[2])
with app.app_context():
    statuses = dict(db.session.execute(select(Comment.status, func.count()).group_by(Comment.status)).all())
    undecided = db.session.scalar(select(func.count(Comment.id)).where(~Comment.verdicts.any()))
    unchecked = db.session.scalar(select(func.count(Comment.id)).where(
        Comment.status == "published",
        ~Comment.verdicts.any((Verdict.decision == "publish") & Verdict.error.is_(None))))
    print(json.dumps({"statuses": statuses, "undecided": undecided, "published_unchecked": unchecked}))
"""

SWEEP = r"""
import sys
sys.path.insert(0, sys.argv[1])
from moderation import create_app
from moderation.extensions import db
from moderation.operations import sweep_pending
app = create_app(instance_path=sys.argv[2])
with app.app_context():
    swept = sweep_pending(older_than=0)
    db.session.commit()
    print(swept)
"""

BARE = '''
"""The peer: a bare Flask app inserting each posted text into a table (no login, no CSRF, no classifier)."""
import os
from flask import Flask, request
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, insert

engine = create_engine(os.environ["BARE_DATABASE_URL"])
rows = Table("bare_comments", MetaData(), Column("id", Integer, primary_key=True), Column("text", Text))
app = Flask(__name__)


@app.post("/insert")
def insert_text():
    with engine.begin() as connection:
        connection.execute(insert(rows).values(text=request.form["text"]))
    return "", 201
'''


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Reader:
    """One person with a browser: a keep-alive connection, cookies and the page's CSRF token."""

    def __init__(self, port):
        self.port, self.cookies, self.connection, self.location = port, {}, None, ""

    def request(self, method, path, form=None):
        for attempt in range(3):
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
                body = None
                if form is not None:
                    body = urllib.parse.urlencode(form)
                    headers["Content-Type"] = "application/x-www-form-urlencoded"
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read().decode("utf-8", "replace")
                for header in response.headers.get_all("Set-Cookie") or []:
                    name, _, rest = header.partition("=")
                    self.cookies[name] = rest.split(";")[0]
                self.location = response.headers.get("Location", "")
                return response.status, data
            except (http.client.HTTPException, OSError):
                self.connection = None
                if attempt == 2:
                    raise

    def token(self, page):
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def log_in(self, email):
        _, page = self.request("GET", "/auth/login")
        status, _ = self.request("POST", "/auth/login", {"csrf_token": self.token(page), "email": email,
                                                         "password": PASSWORD})
        assert status == 302, f"login failed with {status}"


def mix(rng, n):
    roll = rng.random()
    pool = CIVIL if roll < 0.7 else ABUSIVE if roll < 0.85 else FOREIGN if roll < 0.95 else SHORT
    text = rng.choice(pool)
    return text if pool is SHORT else f"{text} ({n})"


def cpu_seconds(master_pid):
    """CPU seconds used so far by a gunicorn master's workers (a worker killed meanwhile is not counted)."""
    ticks = 0
    for child in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split():
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()  # from field 3, state
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def drive(port, readers, total, post, master_pid):
    """`readers` threads post until `total` posts are sent: latencies (s), statuses, wall time, warm-up statuses,
    and the CPU seconds of the workers and of this client over the timed posts."""
    counter, lock = iter(range(total)), threading.Lock()
    latencies, statuses = [], []
    barrier = threading.Barrier(readers + 1)

    def run(index):
        client, rng = Reader(port), random.Random(index)
        context = setup(index, client, rng)
        barrier.wait()
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            started = time.perf_counter()
            try:
                status = post("send", client, n, rng, context)
            except Exception:  # the connection broke: the reader saw an error
                status = 599
            with lock:
                latencies.append(time.perf_counter() - started)
                statuses.append(status)

    warm = []

    def setup(index, client, rng):
        context = post("setup", client, index, rng)
        if isinstance(context, dict) and "warm" in context:
            with lock:
                warm.append(context["warm"])
        return context

    threads = [threading.Thread(target=run, args=(i,)) for i in range(readers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started, workers, client = time.perf_counter(), cpu_seconds(master_pid), time.process_time()
    for thread in threads:
        thread.join()
    cpu = (cpu_seconds(master_pid) - workers, time.process_time() - client)
    return latencies, statuses, time.perf_counter() - started, warm, cpu


def service_post(slug):
    def post(step, client, n, rng, context=None):
        if step == "setup":
            client.log_in(f"reader{n}@example.com")
            _, page = client.request("GET", f"/stories/{slug}")
            context = {"token": client.token(page), "parents": []}
            # One untimed post each first, so every worker has loaded the version before the clock starts.
            context["warm"] = post("send", client, 100_000 + n, rng, context)
            return context
        form = {"csrf_token": context["token"], "text": mix(rng, n)}
        if context["parents"] and rng.random() < 0.2:
            form["parent_id"] = str(rng.choice(context["parents"]))
        status, _ = client.request("POST", f"/stories/{slug}/comments", form)
        published = re.search(r"#c(\d+)$", client.location) if status == 302 else None
        if published:  # later posts may reply to it
            context["parents"].append(int(published.group(1)))
        return status
    return post


def bare_post(step, client, n, rng, context=None):
    if step == "setup":
        return None
    status, _ = client.request("POST", "/insert", {"text": mix(rng, n)})
    return status


def kill_a_worker(master_pid):
    """kill -9 one gunicorn worker mid-run, as an out-of-memory killer or a crash would (gunicorn starts another)."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    if children:
        os.kill(int(children[0]), 9)
        print(f"killed worker {children[0]}", file=sys.stderr)


def serve(target, directory, env, workers, port):
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--backlog", "2048", "--timeout", "120", "--log-level", "warning", "--chdir", str(directory), target]
    log = tempfile.NamedTemporaryFile("w+", prefix="gunicorn-", suffix=".log", delete=False)  # never a full pipe
    process = subprocess.Popen(command, env={**os.environ, **env}, stderr=log, text=True, cwd=directory)
    process.log = log.name
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not start: " + Path(log.name).read_text()[-2000:])


def stop(process):
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()


def summary(name, latencies, statuses, seconds, warm, cpu):
    ordered = sorted(latencies)
    accepted = sum(1 for s in statuses + warm if s in (201, 302, 422))
    return {
        "name": name, "sent": len(statuses), "per_s": len(statuses) / seconds,
        "p50": statistics.median(ordered) * 1000, "p99": ordered[int(0.99 * (len(ordered) - 1))] * 1000,
        "5xx": sum(1 for s in statuses + warm if s >= 500), "accepted": accepted, "warm": len(warm),
        "worker_ms": cpu[0] * 1000 / len(statuses), "client_ms": cpu[1] * 1000 / len(statuses),
    }


def run_database(label, url, args, card_path, models_dir):
    """The service and the bare insert on one database: their figures and the service's database check."""
    instance = Path(tempfile.mkdtemp(prefix=f"load-{label}-"))
    (instance / "models").symlink_to(models_dir)
    limits = {name: "1000000 per minute" for name in (
        "RATELIMIT_POST_PER_READER", "RATELIMIT_POST_PER_ADDRESS", "RATELIMIT_LOGIN_PER_ACCOUNT",
        "RATELIMIT_LOGIN_PER_ADDRESS")}
    (instance / "config.py").write_text(
        f"SQLALCHEMY_DATABASE_URI = {url!r}\nSECRET_KEY = 'bench-only'\n"
        + "".join(f"{name} = {value!r}\n" for name, value in limits.items()))
    env = {"MODERATION_INSTANCE_PATH": str(instance), "PYTHONPATH": str(args.app_dir)}
    env.pop("DATABASE_URL", None)
    slug = subprocess.run([sys.executable, "-c", SETUP, str(args.app_dir), str(instance), str(card_path),
                           str(args.readers), PASSWORD], env={**os.environ, **env}, check=True,
                          capture_output=True, text=True).stdout.split()[-1]
    port = free_port()
    process = serve("wsgi:app", args.app_dir, env, args.workers, port)
    killer = threading.Timer(args.kill_worker, kill_a_worker, (process.pid,)) if args.kill_worker else None
    try:
        if killer:
            killer.start()
        service = summary(f"service, {label}", *drive(port, args.readers, args.total, service_post(slug), process.pid))
    finally:
        stop(process)
    if killer:  # what the sweeper finds, run as `flask sweep` would be a minute later
        swept = subprocess.run([sys.executable, "-c", SWEEP, str(args.app_dir), str(instance)],
                               env={**os.environ, **env}, check=True, capture_output=True, text=True)
        service["swept"] = int(swept.stdout.split()[-1])
    check = json.loads(subprocess.run([sys.executable, "-c", CHECK, str(args.app_dir), str(instance)],
                                      env={**os.environ, **env}, check=True, capture_output=True,
                                      text=True).stdout.split("\n")[-2])
    bare_dir = Path(tempfile.mkdtemp(prefix="bare-"))
    (bare_dir / "bare.py").write_text(BARE)
    from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine
    engine = create_engine(url)
    table = Table("bare_comments", MetaData(), Column("id", Integer, primary_key=True), Column("text", Text))
    table.drop(engine, checkfirst=True)
    table.create(engine)
    engine.dispose()
    port = free_port()
    process = serve("bare:app", bare_dir, {"BARE_DATABASE_URL": url}, args.workers, port)
    try:
        bare = summary(f"bare insert, {label}", *drive(port, args.readers, args.total, bare_post, process.pid))
    finally:
        stop(process)
    return service, bare, check


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--total", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pg-url", help="also run on this PostgreSQL database (its tables are dropped!)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout whose service is measured")
    parser.add_argument("--limit", type=int, default=None, help="rows per corpus file for the version (default: all)")
    parser.add_argument("--kill-worker", type=float, metavar="SECONDS",
                        help="kill -9 a service worker this long into the run; the check then runs the sweeper")
    parser.add_argument("--models-dir", type=Path, help="train the version here once, and reuse it on later runs")
    parser.add_argument("--repeat", type=int, default=1, help="runs per database (the median ratio is printed)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from classifiers import store, training

    models = args.models_dir or Path(tempfile.mkdtemp(prefix="load-models-"))
    if not (models / "card.json").exists():
        print(f"Training the version ({'all rows' if args.limit is None else f'{args.limit} rows per file'})"
              f" into {models}...", file=sys.stderr)
        models.mkdir(parents=True, exist_ok=True)
        card = store.save(training.train(str(ROOT / "data" / "corpora"), limit=args.limit), str(models), "bench")
        (models / "card.json").write_text(json.dumps(card))
    databases = ([] if args.no_sqlite else [("SQLite", f"sqlite:///{tempfile.mkdtemp()}/load.db")])
    databases += [("PostgreSQL", args.pg_url)] if args.pg_url else []
    print(f"{args.readers} readers, {args.total} posts each run, gunicorn --workers {args.workers}, "
          f"code from {args.app_dir}")
    print(f"{'run':<24} {'posts':>6} {'posts/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'5xx':>5} {'ratio':>6} "
          f"{'CPU ms/post: workers':>21} {'client':>6}")
    checks, ratios, cpus = [], {}, {}
    for label, url in databases:
        for _ in range(args.repeat):
            service, bare, check = run_database(label, url, args, models / "card.json", models)
            for row in (bare, service):
                ratio = row["per_s"] / bare["per_s"]
                print(f"{row['name']:<24} {row['sent']:>6} {row['per_s']:>8.1f} {row['p50']:>8.0f} "
                      f"{row['p99']:>8.0f} {row['5xx']:>5} {ratio:>6.2f} {row['worker_ms']:>21.2f} "
                      f"{row['client_ms']:>6.2f}", flush=True)
            ratios.setdefault(label, []).append(service["per_s"] / bare["per_s"])
            cpus.setdefault(label, []).append((service["worker_ms"], bare["worker_ms"]))
            checks.append((label, service, check))
    print()
    for label, values in ratios.items():
        if len(values) > 1:
            print(f"{label}: ratio to the bare insert, median of {len(values)} runs {statistics.median(values):.2f} "
                  f"({', '.join(f'{v:.2f}' for v in values)}); workers' CPU ms a post, median: service "
                  f"{statistics.median(c[0] for c in cpus[label]):.2f}, bare insert "
                  f"{statistics.median(c[1] for c in cpus[label]):.2f}")
    failed = False
    for label, service, check in checks:
        stored = sum(check["statuses"].values())
        lost = service["accepted"] - stored
        pending = check["statuses"].get("pending", 0)
        print(f"{label}: {service['accepted']} accepted (with {service['warm']} untimed warm-up posts), {stored} stored {check['statuses']}; lost {max(lost, 0)}, "
              f"pending {pending}, without a verdict {check['undecided']}, "
              f"published without a clean verdict {check['published_unchecked']}")
        if "swept" in service:
            print(f"{label}: a worker was killed; the sweeper then sent {service['swept']} pending comments to review "
                  "(the figures above are after it)")
        failed |= lost > 0 or pending > 0 or check["undecided"] > 0 or check["published_unchecked"] > 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
