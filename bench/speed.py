"""Speed and size of a classifier version, side by side with alt-profanity-check on the same texts.

    .venv/bin/python bench/speed.py                      # trains a full version first (measures training time)
    .venv/bin/python bench/speed.py --models-dir instance/models --name v2   # an existing version
"""
import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifiers import store, training  # noqa: E402
from classifiers.evaluation.speed import (  # noqa: E402
    FIRST_COMMENT, latencies_ms, resident_mb, throughput, version_load)

PEER_LOAD = "from profanity_check import predict_prob as score"
EMPTY_LOAD = "score = len"


WORKER = {}


def _start_worker(load):
    """A worker process loads its own copy, as each gunicorn worker does, and scores one comment."""
    namespace = {}
    exec(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n{load}", namespace)
    WORKER["score"] = namespace["score"]
    WORKER["score"](FIRST_COMMENT)


def _score_batch(batch):
    WORKER["score"](batch)
    return len(batch)


def _worker_pid(_):
    time.sleep(0.2)  # long enough that an idle worker takes the next task
    return os.getpid()


def capacity(load, texts, processes, batch=256):
    """Comments per second with `processes` fresh worker processes sharing the batches (a machine's capacity)."""
    with multiprocessing.get_context("spawn").Pool(processes, _start_worker, (load,)) as pool:
        while len(set(pool.map(_worker_pid, range(processes), chunksize=1))) < processes:
            pass  # a worker still loading has not answered yet: time only once every worker has loaded
        started = time.perf_counter()
        done = sum(pool.imap_unordered(_score_batch, [texts[i:i + batch] for i in range(0, len(texts), batch)]))
        return done / (time.perf_counter() - started)


def peer():
    """alt-profanity-check's batch scorer, or None when it is not installed."""
    try:
        from profanity_check import predict_prob
    except ImportError:
        return None
    return predict_prob


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT / "data" / "corpora"))
    parser.add_argument("--models-dir", help="folder of an existing version (skip training)")
    parser.add_argument("--name", help="name of the existing version")
    parser.add_argument("--texts", type=int, default=5000, help="comments for the batched run")
    parser.add_argument("--single", type=int, default=1000, help="comments scored one at a time")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    train_s = None
    if args.models_dir and args.name:
        models_dir, name = args.models_dir, args.name
    else:
        started = time.perf_counter()
        trained = training.train(args.data_dir, seed=0)
        train_s = time.perf_counter() - started
        models_dir, name = tmp.name, "bench"
        store.save(trained, models_dir, name)
        del trained
    # Always a fresh load: a just-trained bundle's caches are warm from training's own evaluation.
    bundle = store.load(models_dir, name)
    train_s = train_s or bundle.metadata.get("training_seconds")

    test_examples, _ = training.held_out_split(args.data_dir)
    texts = [ex.text for ex in test_examples][: args.texts]
    others = [ex.text for ex in training.held_out_split(args.data_dir, split="validation")[0]]
    single = texts[: args.single]
    processes = os.cpu_count() or 1
    rows = ["comments/s, batches of 256, fresh", "comments/CPU-second, batches, fresh",
            "comments/s, batches, warmed up", f"comments/s, {processes} processes, fresh",
            "p50 ms, one at a time", "p99 ms, one at a time", "resident MB, loaded process",
            f"resident MB after {len(texts) + len(others)} comments", "training seconds (full corpora)"]
    fresh = throughput(bundle.assess_many, texts)
    # A serving process has seen other comments before: its per-word caches are warm. Warm a fresh
    # load on the validation comments, then time the same test texts.
    bundle = store.load(models_dir, name)
    throughput(bundle.assess_many, others)
    ours_load = version_load(models_dir, name)
    ours = [*fresh, throughput(bundle.assess_many, texts)[0], capacity(ours_load, texts, processes),
            *latencies_ms(bundle.assess_many, single), resident_mb(ours_load), resident_mb(ours_load, texts + others),
            train_s]
    predict = peer()
    theirs = ([*throughput(predict, texts), throughput(predict, texts)[0], capacity(PEER_LOAD, texts, processes),
               *latencies_ms(predict, single), resident_mb(PEER_LOAD), resident_mb(PEER_LOAD, texts + others), None]
              if predict else [None] * 9)
    floors = ["2000 or more", "", "", "", "", "under 10", "under 400", "under 400", "under 300"]

    print(f"{len(texts)} test-split comments (batched; 'warmed up' after {len(others)} validation comments), "
          f"{len(single)} one at a time; "
          f"bare Python process {resident_mb(EMPTY_LOAD):.0f} MB; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} (other work on the machine slows both columns)")
    if predict is None:
        print("alt-profanity-check is not installed: pip install -r requirements-bench.txt")
    print(f"{'figure':<38} {'ours':>10} {'alt-profanity-check':>20} {'ratio':>7}  floor")
    for label, mine, peer_value, floor in zip(rows, ours, theirs, floors):
        peer_text = f"{peer_value:>20.1f}" if peer_value is not None else f"{'n/a (pre-trained)':>20}"
        ratio = f"{mine / peer_value:>7.2f}" if peer_value else f"{'':>7}"
        print(f"{label:<38} {mine:>10.1f} {peer_text} {ratio}  {floor}")
    print("ratio = ours / alt-profanity-check (profanity only: one linear model, no language, "
          "sentence or personal-attack rule, no spans)")


if __name__ == "__main__":
    main()
