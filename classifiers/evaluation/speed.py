"""Speed and size of a stored version as a serving process sees it: batches, one comment at a time, memory."""
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from classifiers import store

ROOT = Path(__file__).resolve().parents[2]
FIRST_COMMENT = ["I disagree with this decision."]
# Run in a fresh interpreter: {load} defines score(texts); it scores one comment, then the texts file.
RSS_SCRIPT = """
import json
import sys
sys.path.insert(0, {root!r})
{load}
score({first!r})
texts = json.load(open({texts!r})) if {texts!r} else []
for i in range(0, len(texts), 256):
    score(texts[i:i + 256])
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]) / 1024)
"""
VERSION_LOAD = "from classifiers import store\nscore = store.load({models!r}, {name!r}).assess_many"


def throughput(score, texts, batch=256):
    """(comments per wall-clock second, comments per CPU second of this process) in batches.

    One comment is scored first, as a serving process has: one-time loading is not throughput."""
    score(FIRST_COMMENT)
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), batch):
        score(texts[i:i + batch])
    return len(texts) / (time.perf_counter() - started), len(texts) / (time.process_time() - cpu)


def latencies_ms(score, texts):
    """(p50, p99) milliseconds to score one comment at a time."""
    times = []
    for text in texts:
        started = time.perf_counter()
        score([text])
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.99 * (len(times) - 1))]


def resident_mb(load, texts=()):
    """Resident memory of a fresh Python process after `load` (code defining score) and scoring one comment,
    then texts."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump(list(texts), handle)
        handle.flush()
        script = RSS_SCRIPT.format(root=str(ROOT), load=load, first=FIRST_COMMENT, texts=handle.name if texts else "")
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def version_load(models_dir, name):
    """The code that loads a stored version in a fresh process (for resident_mb)."""
    return VERSION_LOAD.format(models=str(models_dir), name=name)


def measure(models_dir, name, texts):
    """The model card's speed figures, from a freshly loaded copy: the first fifth of texts one at a time,
    the rest in batches (so the one-at-a-time comments are not already cached), and a fresh process's memory."""
    score = store.load(models_dir, name).assess_many
    single, batched = texts[:len(texts) // 5], texts[len(texts) // 5:]
    per_second, _ = throughput(score, batched)
    p50, p99 = latencies_ms(score, single)
    return {"speed_comments_per_second_batched": per_second, "speed_p50_ms_one_comment": p50,
            "speed_p99_ms_one_comment": p99, "speed_resident_mb_loaded": resident_mb(version_load(models_dir, name))}
