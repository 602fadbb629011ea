"""How long the review queue takes to rank and render as it grows (comments with realistic verdicts).

Usage: .venv/bin/python bench/review_queue.py [--sizes 100 500 2000]
Prints a table: queue size, ranking time, full page time (median of 5 requests), on a temporary SQLite file.
"""
import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from moderation import create_app  # noqa: E402
from moderation.extensions import db  # noqa: E402
from moderation.models import Comment, Story, User, Verdict  # noqa: E402
from moderation.operations import default_site  # noqa: E402
from moderation.queues import queue_items  # noqa: E402

RULES = ("not_english", "not_sentences", "abuse", "personal_attack")
THRESHOLDS = {rule: {"review": 0.3, "reject": 0.9} for rule in RULES}


def fill(count, rng):
    """Add `count` comments waiting for review, spread over 20 stories and 200 authors."""
    stories = [Story(slug=f"s{i}", title=f"Story {i}", site=default_site()) for i in range(20)]
    authors = [User(email=f"a{i}@example.com", display_name=f"a{i}", password_hash="-") for i in range(200)]
    db.session.add_all(stories + authors)
    db.session.flush()
    for n in range(count):
        comment = Comment(story=rng.choice(stories), author=rng.choice(authors), status="review",
                          text=f"Comment {n} about the council's plan for the riverside and its cycle lanes.")
        scores = {rule: rng.random() for rule in RULES}
        db.session.add_all([comment, Verdict(comment=comment, decision="review", scores=scores, thresholds=THRESHOLDS,
                                             broken_rules=[r for r in RULES if scores[r] >= 0.3], spans=[[0, 7]])])
    db.session.commit()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000])
    args = parser.parse_args()
    print(f"{'queue size':>10} | {'rank (ms)':>9} | {'page (ms)':>9}")
    print(f"{'-' * 10}-+-{'-' * 9}-+-{'-' * 9}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "SECRET_KEY": "bench",
                              "WTF_CSRF_ENABLED": False}, instance_path=folder)
            with app.app_context():
                db.create_all()
                fill(size, random.Random(size))
                moderator = User(email="mod@example.com", display_name="mod", role="moderator")
                moderator.set_password("bench password")
                db.session.add(moderator)
                db.session.commit()
                start = time.perf_counter()
                queue_items("review", {})
                rank_ms = (time.perf_counter() - start) * 1000
            client = app.test_client()
            client.post("/auth/login", data={"email": "mod@example.com", "password": "bench password"})
            times = []
            for _ in range(5):
                start = time.perf_counter()
                assert client.get("/review/").status_code == 200
                times.append((time.perf_counter() - start) * 1000)
            print(f"{size:>10} | {rank_ms:>9.0f} | {statistics.median(times):>9.0f}")


if __name__ == "__main__":
    main()
