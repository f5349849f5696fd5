#!/usr/bin/python3
"""One-byte metadata mutants of an HDF5 file, each given to `seqnetquake inspect`.

Every mutant changes one byte outside the raw data of the file's datasets (superblock, object
headers, heaps, B-trees, attribute messages: the bytes HDF5 parses) to a random value. For each
run the script records how it ended: exit 0 (the mutant is still readable), an ordinary error
(non-zero exit with a message), an error whose message does not name the file, a signal that
reached the user, or a hang (killed after --timeout seconds). Mutants that end with a signal or
a hang, or whose message lacks the file name, are kept in --keep so they can be studied or
become test fixtures.

Usage: scripts/mutant_sweep.py BIN FILE [--count 6000] [--seed 1] [--jobs 2] [--timeout 60]
                               [--keep DIR] [--work DIR] [--command inspect]
Not part of `make check` (minutes of work); the result of a run is in docs/reliability.md.
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import h5py


def data_ranges(path):
    """[start, end) byte ranges of the datasets' contiguous raw data (bytes HDF5 never parses)."""
    ranges = []
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                off = obj.id.get_offset()
                if off is not None:
                    ranges.append((off, off + obj.id.get_storage_size()))
        f.visititems(visit)
    return sorted(ranges)


def metadata_offsets(path):
    size = os.path.getsize(path)
    raw = bytearray(size)
    for a, b in data_ranges(path):
        raw[a:b] = b"\x01" * (b - a)
    return [i for i in range(size) if not raw[i]]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bin")
    ap.add_argument("file")
    ap.add_argument("--count", type=int, default=6000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--keep", default="mutants-kept")
    ap.add_argument("--work", default=None)
    ap.add_argument("--command", default="inspect")
    a = ap.parse_args()

    src = open(a.file, "rb").read()
    offs = metadata_offsets(a.file)
    rng = random.Random(a.seed)
    work = a.work or tempfile.mkdtemp(prefix="sqk-mutants-")
    os.makedirs(work, exist_ok=True)
    os.makedirs(a.keep, exist_ok=True)
    base = os.path.basename(a.file)
    plan = []
    for k in range(a.count):
        off = rng.choice(offs)
        val = rng.randrange(256)
        if val == src[off]:
            val ^= 0xFF
        plan.append((k, off, val))

    def run(item):
        k, off, val = item
        d = os.path.join(work, "m%05d" % k)
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, base)
        b = bytearray(src)
        b[off] = val
        with open(p, "wb") as f:
            f.write(b)
        try:
            r = subprocess.run([a.bin, a.command, p], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               timeout=a.timeout, env=dict(os.environ, OMP_NUM_THREADS="1"))
            err = r.stderr.decode("utf-8", "replace")
            if r.returncode < 0:
                kind = "signal %s" % signal.Signals(-r.returncode).name
            elif r.returncode == 0:
                kind = "ok"
            elif base in err:
                kind = "error naming the file"
            else:
                kind = "error not naming the file"
        except subprocess.TimeoutExpired:
            kind, err = "hang", ""
        if kind.startswith("signal") or kind in ("hang", "error not naming the file"):
            shutil.copy(p, os.path.join(a.keep, "m%05d_off%d_val%d.h5" % (k, off, val)))
        shutil.rmtree(d, ignore_errors=True)
        return k, off, val, kind, err.strip().splitlines()[-1:] if err.strip() else []

    counts = {}
    examples = {}
    with ThreadPoolExecutor(max_workers=a.jobs) as ex:
        for n, (k, off, val, kind, last) in enumerate(ex.map(run, plan), 1):
            counts[kind] = counts.get(kind, 0) + 1
            examples.setdefault(kind, (off, val, last))
            if n % 500 == 0:
                print("%d/%d %s" % (n, a.count, counts), file=sys.stderr, flush=True)
    print("file: %s (%d bytes, %d metadata bytes)" % (base, len(src), len(offs)))
    print("mutants: %d (seed %d, one byte each, command `%s`)" % (a.count, a.seed, a.command))
    for kind in sorted(counts):
        off, val, last = examples[kind]
        print("  %-28s %5d   e.g. byte %d -> %d: %s" % (kind, counts[kind], off, val, last[0] if last else ""))
    bad = sum(v for k, v in counts.items() if k.startswith("signal") or k in ("hang", "error not naming the file"))
    print("signals, hangs or messages without the file name: %d" % bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
