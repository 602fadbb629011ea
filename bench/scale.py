"""Several app processes and hosts on one PostgreSQL, and how fast a worker drains its backlog.

    .venv/bin/python bench/scale.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/scale   # tables dropped!
    .venv/bin/python bench/scale.py --pg-url ... --redis-url redis://127.0.0.1:6379/12 --total 1000 --jobs 1000

Posting (bench/load.py's readers: own account, session and CSRF token each, a mix of civil, abusive, foreign and
short comments) through gunicorn in three layouts: one app process; two processes on one host (gunicorn --workers 2,
one instance folder); two "hosts" (two gunicorns on loopback with instance folders of their own, each fetching the
version from the database, the readers split between them). Every layout posts the same total on the same database.

Then a backlog for `flask --app wsgi worker` (2 threads), queued before it starts: JOBS mails to a loopback SMTP
server (aiosmtpd), JOBS webhook deliveries to a loopback receiver, and TRAININGS training jobs (a training job takes
a minute or so and only one runs at a time, so that backlog is a few jobs, not 1,000; --train-limit rows per file).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import PASSWORD, drive, free_port, serve, service_post, stop, summary  # noqa: E402

SETUP = r"""
import json, sys
from moderation import create_app, versions
from moderation.extensions import db
from moderation.operations import create_user, promote_version, register_version, save_story
app = create_app(instance_path=sys.argv[1])
with app.app_context():
    db.drop_all()
    db.create_all()
    card = json.loads(open(sys.argv[2]).read())
    register_version("bench", card)
    versions.share_artifact(sys.argv[3], "bench", card["sha256"])  # the hosts fetch it from the database
    promote_version("bench")
    story = save_story("Council approves the riverside cycle lanes", "The council voted on Tuesday.")
    for n in range(int(sys.argv[4])):
        create_user(f"reader{n}@example.com", sys.argv[5])
    db.session.commit()
    print(story.slug)
"""


def instance(base, name, url, redis_url, queue):
    """An instance folder with no model files: config for the shared database, queue and (high) rate limits."""
    folder = base / name
    folder.mkdir(parents=True)
    limits = {name: "1000000 per minute" for name in (
        "RATELIMIT_POST_PER_READER", "RATELIMIT_POST_PER_ADDRESS", "RATELIMIT_LOGIN_PER_ACCOUNT",
        "RATELIMIT_LOGIN_PER_ADDRESS")}
    (folder / "config.py").write_text(
        f"SQLALCHEMY_DATABASE_URI = {url!r}\nSECRET_KEY = 'bench-only'\nTASK_QUEUE_NAME = {queue!r}\n"
        f"REDIS_URL = {redis_url!r}\n" + "".join(f"{name} = {value!r}\n" for name, value in limits.items()))
    return {"MODERATION_INSTANCE_PATH": str(folder), "PYTHONPATH": str(ROOT)}


def post_on(ports, readers, total, slug):
    """The readers split between the ports (hosts), all posting at once: one summary over all their posts."""
    results, threads = [None] * len(ports), []
    for i, port in enumerate(ports):
        share = (readers // len(ports), total // len(ports))
        threads.append(threading.Thread(target=lambda i=i, port=port, share=share: results.__setitem__(
            i, drive(port, share[0], share[1], service_post(slug)))))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies = [x for result in results for x in result[0]]
    statuses = [x for result in results for x in result[1]]
    warm = [x for result in results for x in result[3]]
    return latencies, statuses, max(result[2] for result in results), warm


def posting(args, base, url, queue, slug):
    """Rows for the three layouts."""
    rows = []
    layouts = (("1 process", [("a", 1)]), ("2 processes, 1 host", [("a", 2)]), ("2 hosts, 1 process each",
                                                                                 [("a", 1), ("b", 1)]))
    for label, hosts in layouts:
        processes, ports = [], []
        try:
            for name, workers in hosts:
                env = instance(base / label.replace(" ", "-").replace(",", ""), name, url, args.redis_url, queue)
                ports.append(free_port())
                processes.append(serve("wsgi:app", ROOT, env, workers, ports[-1]))
            rows.append(summary(label, *post_on(ports, args.readers, args.total, slug)))
        finally:
            for process in processes:
                stop(process)
    return rows


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver that answers 200 and counts."""

    count = 0
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with Receiver.lock:
            Receiver.count += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def draining(args, base, url, queue, models_dir):
    """Rows (kind, jobs, seconds, jobs/s) for a worker draining each backlog, queued before it starts."""
    from aiosmtpd.controller import Controller
    from sqlalchemy import func, select

    from moderation import create_app, jobs
    from moderation.extensions import db
    from moderation.mail.delivery import dispatch
    from moderation.models import Job
    from moderation.operations import default_site
    from moderation.webhooks.events import emit
    from moderation.webhooks.models import WebhookDelivery, WebhookEndpoint

    class Inbox:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Inbox.count += 1
            return "250 OK"

    smtp = Controller(Inbox(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    env = instance(base, "worker", url, args.redis_url, queue)
    mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port), "MAIL_USE_TLS": "false"}
    os.environ.update(env)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": args.redis_url, "TASK_QUEUE_NAME": queue})
    rows = []

    def drain(kind, count, finished):
        """Start a worker on the backlog; time from its start, and from its first finished item to the last."""
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT,
                                  env={**os.environ, **env, **mail}, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        started, first = time.perf_counter(), None
        try:
            while (done := finished()) < count:
                if first is None and done:
                    first = (time.perf_counter(), done)
                if worker.poll() is not None:
                    raise RuntimeError(f"the worker exited ({worker.returncode}) draining {kind}")
                time.sleep(0.05)
        finally:
            ended = time.perf_counter()
            worker.terminate()
            worker.wait(60)
        first = first or (started, 0)
        steady = (count - first[1]) / (ended - first[0]) if ended > first[0] and count > first[1] else None
        rows.append((kind, count, ended - started, count / (ended - started), steady))

    with app.app_context():
        for _ in range(args.jobs):
            dispatch({"to": "reader@example.com", "subject": "Your comment was published", "text": "Thank you."})
    drain("mail (SMTP on loopback)", args.jobs, lambda: Inbox.count)

    with app.app_context():
        db.session.add(WebhookEndpoint(site=default_site(), url=f"http://127.0.0.1:{receiver.server_port}/hook",
                                       events=[], secret="bench-secret"))
        db.session.commit()
        for n in range(args.jobs):
            emit(default_site().id, "story.created", lambda n=n: {"story": {"id": n}})
            db.session.commit()

    def delivered():
        with app.app_context():
            return db.session.scalar(select(func.count(WebhookDelivery.id))
                                     .where(WebhookDelivery.status == "succeeded"))
    drain("webhook deliveries", args.jobs, delivered)

    ids = []

    def trained():
        with app.app_context():
            job = db.session.get(Job, ids[-1]) if ids else None
            if job is None or job.status in ("succeeded", "failed", "cancelled"):
                if job is not None and job.status != "succeeded":
                    raise RuntimeError(f"training failed: {job.error}")
                if len(ids) < args.trainings:  # the next job is queued as the last finishes: one at a time
                    ids.append(jobs.create_training_job(limit=args.train_limit).id)
                    db.session.commit()
                    jobs.launch(db.session.get(Job, ids[-1]))
            return db.session.scalar(select(func.count(Job.id)).where(Job.status == "succeeded"))
    drain(f"training (--limit {args.train_limit}, one at a time)", args.trainings, trained)
    smtp.stop()
    receiver.shutdown()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", required=True, help="the PostgreSQL database to use (its tables are dropped!)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12", help="queue and rate limits")
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--total", type=int, default=1000, help="posts per layout")
    parser.add_argument("--jobs", type=int, default=1000, help="mails and webhook deliveries in each backlog")
    parser.add_argument("--trainings", type=int, default=2)
    parser.add_argument("--train-limit", type=int, default=100)
    parser.add_argument("--limit", type=int, default=2000, help="rows per corpus file for the version posted to")
    parser.add_argument("--models-dir", type=Path, help="train the version here once, and reuse it on later runs")
    parser.add_argument("--no-posting", action="store_true")
    args = parser.parse_args()
    from classifiers import store, training

    models = args.models_dir or Path(tempfile.mkdtemp(prefix="scale-models-"))
    if not (models / "card.json").exists():
        print(f"Training the version ({args.limit} rows per file) into {models}...", file=sys.stderr)
        models.mkdir(parents=True, exist_ok=True)
        card = store.save(training.train(str(ROOT / "data" / "corpora"), limit=args.limit), str(models), "bench")
        (models / "card.json").write_text(json.dumps(card))
    base, queue = Path(tempfile.mkdtemp(prefix="scale-")), f"scale-{uuid.uuid4().hex[:8]}"
    env = instance(base, "setup", args.pg_url, args.redis_url, queue)
    slug = subprocess.run([sys.executable, "-c", SETUP, env["MODERATION_INSTANCE_PATH"], str(models / "card.json"),
                           str(models), str(args.readers), PASSWORD], env={**os.environ, **env}, check=True,
                          capture_output=True, text=True, cwd=ROOT).stdout.split()[-1]
    if not args.no_posting:
        print(f"Posting: {args.readers} readers, {args.total} posts per layout, PostgreSQL, Redis rate limits")
        print(f"{'layout':<26} {'posts':>6} {'posts/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'5xx':>5} {'ratio':>6}")
        rows = posting(args, base, args.pg_url, queue, slug)
        for row in rows:
            print(f"{row['name']:<26} {row['sent']:>6} {row['per_s']:>8.1f} {row['p50']:>8.0f} {row['p99']:>8.0f} "
                  f"{row['5xx']:>5} {row['per_s'] / rows[0]['per_s']:>6.2f}")
        print()
    print("Worker (flask --app wsgi worker, 2 threads) draining a backlog queued before it started, Redis queue")
    print("(jobs/s from the worker's start, its start-up included; steady: from its first finished job to the last)")
    print(f"{'backlog':<40} {'jobs':>6} {'seconds':>8} {'jobs/s':>8} {'steady':>8}")
    for kind, count, seconds, rate, steady in draining(args, base, args.pg_url, queue, models):
        print(f"{kind:<40} {count:>6} {seconds:>8.1f} {rate:>8.2f} {steady or 0:>8.2f}")


if __name__ == "__main__":
    main()
