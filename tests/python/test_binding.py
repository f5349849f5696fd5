#!/usr/bin/python3
"""The Python binding against the command line's own outputs (same numbers): tables against
`inspect`, a dataset built from Python against the command line's, a model's probabilities
against `predict`'s file, a model trained and an evaluation made from Python against the
command line's, and library errors as exceptions carrying the message.
Run by CTest with $SEQNETQUAKE_LIB, $SQK_BIN and PYTHONPATH=python (Debian's python3-numpy)."""
import csv
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import numpy as np

import seqnetquake as sq

BIN = os.environ.get("SQK_BIN", "build/seqnetquake")


def cli(*args):
    out = subprocess.run([BIN, *map(str, args)], check=True, capture_output=True, text=True)
    return out.stdout


def field(text, name):
    return re.search(r"^" + re.escape(name) + r":\s+(.*)$", text, re.M).group(1)


class Binding(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sqk-test-py-")
        cls.arch = os.path.join(cls.tmp, "arch")
        cli("synth", "--out", cls.arch, "--seed", 3, "--cses-days", 4, "--satellites", "cses", "--quiet")
        cls.ds = os.path.join(cls.tmp, "cli.h5")
        cli("build", "--archive", cls.arch, "--preset", "07", "--seed", 1, "--out", cls.ds, "--quiet")
        cls.train_opts = ["--model", "seqnet", "--set", "epochs=2", "--set", "units_lstm=8", "--seed", 1,
                          "--threads", 1]
        cls.model = os.path.join(cls.tmp, "cli-model.h5")
        cli("train", "--data", cls.ds, "--out", cls.model, "--quiet", *cls.train_opts)
        cls.pred = os.path.join(cls.tmp, "cli-test.csv")
        cli("predict", "--model", cls.model, "--data", cls.ds, "--split", "test", "--out", cls.pred, "--quiet")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_version(self):
        self.assertEqual(cli("--version").split()[-1], sq.version())

    def test_tables_as_inspect(self):
        cat = sq.read_catalog(os.path.join(self.arch, "catalog.csv"))
        text = cli("inspect", os.path.join(self.arch, "catalog.csv"))
        self.assertEqual(len(cat["mag"]), int(field(text, "earthquakes").split()[0]))
        self.assertEqual(list(cat), ["time_s", "lat_deg", "lon_deg", "depth_km", "mag"])
        self.assertEqual(len(sq.read_catalog(os.path.join(self.arch, "catalog.csv"), min_mag=5.5)["mag"]),
                         sum(1 for m in cat["mag"] if m >= 5.5))
        kp = sq.read_kp(os.path.join(self.arch, "kp.txt"))
        text = cli("inspect", os.path.join(self.arch, "kp.txt"))
        self.assertEqual(len(kp["kp"]), int(field(text, "intervals").split()[0]))
        self.assertEqual("%.3f" % np.nanmax(kp["kp"]), re.search(r"\((\d+\.\d+)\)", field(text, "maximum Kp")).group(1))
        f = sorted(os.listdir(os.path.join(self.arch, "cses")))[0]
        path = os.path.join(self.arch, "cses", f)
        t = sq.read_cses(path)
        u = sq.read_table(path)  # told by content too
        self.assertEqual(list(t), list(u))
        self.assertTrue(all(np.array_equal(t[k], u[k]) for k in t))
        text = cli("inspect", path)
        self.assertEqual(len(t["time_s"]), int(field(text, "samples")))
        self.assertEqual("%g .. %g deg" % (t["lat_deg"].min(), t["lat_deg"].max()), field(text, "latitude"))
        ne = re.search(r"^\s+Ne\s+\S+\s+(\S+) \.\. (\S+)", text, re.M)
        self.assertEqual(("%g" % t["Ne_cm^-3"].min(), "%g" % t["Ne_cm^-3"].max()), ne.groups())

    def test_build_as_command_line(self):
        out = os.path.join(self.tmp, "py.h5")
        sq.build(archive=self.arch, preset="07", seed=1, out=out, quiet=True)
        a, b = sq.open_dataset(self.ds), sq.open_dataset(out)
        self.assertGreater(len(a), 50)
        self.assertEqual(a.X.shape, (len(a), 20, 2))
        self.assertEqual(a.features, ["Ne", "Te"])
        for name in ("X", "y", "split", "event"):
            self.assertTrue(np.array_equal(getattr(a, name), getattr(b, name)), name)
        self.assertEqual(a.config, b.config)

    def test_predict_as_command_line(self):
        ds, m = sq.open_dataset(self.ds), sq.load_model(self.model)
        self.assertEqual((m.kind, m.T, m.F, m.features), ("seqnet", 20, 2, ["Ne", "Te"]))
        test = ds.split == 2
        p = m.predict_proba(ds.X[test])
        with open(self.pred) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([int(r["window"]) for r in rows], list(np.flatnonzero(test)))
        for r, q in zip(rows, p):  # the same numbers, as the file prints them
            self.assertEqual([r["p0"], r["p1"], r["p2"]], ["%g" % v for v in q])
        self.assertTrue(np.array_equal(p, m.predict_proba(ds.X[test], threads=2)))

    def test_train_and_evaluate_as_command_line(self):
        out = os.path.join(self.tmp, "py-model.h5")
        opts = dict(zip([o.lstrip("-") for o in self.train_opts[0::2]], self.train_opts[1::2]))
        sq.train(data=self.ds, out=out, quiet=True, model=opts["model"], set=["epochs=2", "units_lstm=8"],
                 seed=1, threads=1)
        ds = sq.open_dataset(self.ds)
        x = ds.X[ds.split == 2]
        self.assertTrue(np.array_equal(sq.load_model(out).predict_proba(x), sq.load_model(self.model).predict_proba(x)))
        ev_cli, ev_py = os.path.join(self.tmp, "ev-cli"), os.path.join(self.tmp, "ev-py")
        cli("evaluate", "--pred", self.pred, "--out", ev_cli, "--no-figures", "--bootstrap", 0,
            "--permutations", 0, "--quiet")
        sq.evaluate(pred=self.pred, out=ev_py, no_figures=True, bootstrap=0, permutations=0, quiet=True)
        with open(os.path.join(ev_cli, "metrics.json")) as f1, open(os.path.join(ev_py, "metrics.json")) as f2:
            m1, m2 = json.load(f1), json.load(f2)
        for k in ("out", "created"):
            m1.pop(k, None), m2.pop(k, None)
        self.assertEqual(m1, m2)

    def test_errors_are_exceptions(self):
        with self.assertRaises(sq.SeqNetQuakeError) as e:
            sq.load_model(os.path.join(self.tmp, "missing.h5"))
        self.assertIn("missing.h5", str(e.exception))
        with self.assertRaises(sq.SeqNetQuakeError) as e:
            sq.run("train", bogus=1)
        self.assertEqual(e.exception.status, 2)
        self.assertIn("--bogus", str(e.exception))
        with self.assertRaises(sq.SeqNetQuakeError) as e:
            sq.read_table(os.path.join(self.arch, "kp.txt"), "catalog")
        self.assertIn("kp.txt", str(e.exception))
        with self.assertRaises(ValueError):
            sq.load_model(self.model).predict_proba(np.zeros((2, 19, 2)))
        x = np.zeros((3, 20, 2), dtype=np.float32)
        x[2, 5, 1] = np.nan
        with self.assertRaises(sq.SeqNetQuakeError) as e:
            sq.load_model(self.model).predict_proba(x)
        self.assertIn("window 2 holds a non-finite value at time step 5, feature 1", str(e.exception))


if __name__ == "__main__":
    unittest.main()
