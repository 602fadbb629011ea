"""Retraining benchmark: the shipped corpora plus 10,000 moderator decisions, through the real job path.

Usage: .venv/bin/python bench/retrain.py [--decisions 10000] [--limit N]
Prints a table of wall time and peak memory (floors: under 5 minutes and 2 GB on a 2-core machine).
"""
import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifiers import corpora  # noqa: E402
from moderation import create_app, jobs  # noqa: E402
from moderation.extensions import db  # noqa: E402
from moderation.models import Comment, Review, Story, User  # noqa: E402
from moderation.operations import default_site, promote_version  # noqa: E402

FLOOR_SECONDS, FLOOR_MB = 300, 2048


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def add_decisions(app, count, seed=1):
    """Store `count` moderator decisions on real corpus texts (rejections name the rule the corpus label breaks)."""
    examples = corpora.read_abuse_examples(app.config["DATA_DIR"], None, seed)
    sample = random.Random(seed).sample(examples, count)
    author = User(email="author@example.com", display_name="author", password_hash="-")
    moderator = User(email="mod@example.com", display_name="mod", role="moderator", password_hash="-")
    story = Story(slug="bench", title="Benchmark story", site=default_site())
    db.session.add_all([author, moderator, story])
    db.session.flush()
    comments = [Comment(story=story, author=author, text=ex.text[:5000], status="review") for ex in sample]
    db.session.add_all(comments)
    db.session.flush()
    for comment, ex in zip(comments, sample):
        if ex.personal_attack == 1:
            action, reason = "reject", "personal_attack"
        elif ex.abuse == 1:
            action, reason = "reject", "abuse"
        else:
            action, reason = "approve", None
        db.session.add(Review(comment_id=comment.id, moderator_id=moderator.id, action=action, reason=reason,
                              previous_status="review"))
        comment.status = "published" if action == "approve" else "rejected"
    db.session.commit()


def timed_job(limit):
    started = time.perf_counter()
    job = jobs.run_job(jobs.create_training_job(limit=limit).id)
    db.session.commit()
    if job.status != "succeeded":
        raise SystemExit(f"job {job.status}: {job.error}")
    return job.result_version, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=10_000)
    parser.add_argument("--limit", type=int, help="rows per corpus file (default: all)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "SECRET_KEY": "bench"},
                         instance_path=tmp)
        rows = []
        with app.app_context():
            db.create_all()
            base, seconds = timed_job(args.limit)
            promote_version(base)
            db.session.commit()
            rows.append(("base version (corpora only)", seconds, peak_mb()))
            started = time.perf_counter()
            add_decisions(app, args.decisions)
            rows.append((f"store {args.decisions:,} moderator decisions", time.perf_counter() - started, peak_mb()))
            _, seconds = timed_job(args.limit)
            rows.append((f"retrain: corpora + {args.decisions:,} decisions, compare, save", seconds, peak_mb()))
    print(f"{'step':<55} {'seconds':>8} {'peak MB':>8}")
    for step, seconds, mb in rows:
        print(f"{step:<55} {seconds:>8.1f} {mb:>8.0f}")
    _, retrain_seconds, retrain_mb = rows[-1]
    ok = retrain_seconds < FLOOR_SECONDS and retrain_mb < FLOOR_MB
    print(f"\nfloors: < {FLOOR_SECONDS} s and < {FLOOR_MB} MB -> {'met' if ok else 'NOT met'}"
          " (peak memory is the whole process's high-water mark, base training included)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
