#!/usr/bin/python3
"""Python peer of `seqnetquake scan` (bench/bench_scan.sh): the same steps from raw CSES LAP
files to alarms, written with h5py, numpy and PyTorch: read, clean, resample to 1.5 s within
stretches, cut night windows of T samples, Kp lookup, the model's scaler, the SeqNetQuake
forward pass with the weights of MODEL.h5 (docs/model-format.md: Keras layouts), alarms at
the model's threshold, one CSV row per window. Per file, as the C scan does.
Prints `key value` lines; with --compare CSV, the largest |p1| difference against the C
scan's windows.csv (matched by file and time).
Usage: scan_peer.py MODEL.h5 KP.txt OUT.csv FILE... [--threads N] [--compare windows.csv]"""
import argparse
import csv
import os
import sys
import time

import h5py
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from build_peer import clean, kp_at, read_kp, read_lap, resample  # noqa: E402


class SeqNet(torch.nn.Module):
    """TimeDistributed Conv1D x2 -> max pool -> BiLSTM -> Dense -> softmax (eval mode)."""

    def __init__(self, w, hp):
        super().__init__()
        self.steps = int(hp["n_steps"])
        k = w["conv1/kernel"]
        self.conv1 = torch.nn.Conv1d(k.shape[1], k.shape[2], k.shape[0])
        k2 = w["conv2/kernel"]
        self.conv2 = torch.nn.Conv1d(k2.shape[1], k2.shape[2], k2.shape[0])
        fk = w["bilstm1/forward/kernel"]
        units = fk.shape[1] // 4
        self.lstm = torch.nn.LSTM(fk.shape[0], units, batch_first=True, bidirectional=True)
        self.fc1 = torch.nn.Linear(*w["fc1/kernel"].shape)
        self.out = torch.nn.Linear(*w["output/kernel"].shape)
        t = lambda a: torch.tensor(np.ascontiguousarray(a), dtype=torch.float32)  # noqa: E731
        with torch.no_grad():
            for name, conv in (("conv1", self.conv1), ("conv2", self.conv2)):
                conv.weight.copy_(t(w[name + "/kernel"].transpose(2, 1, 0)))
                conv.bias.copy_(t(w[name + "/bias"]))
            for d, sfx in (("forward", ""), ("backward", "_reverse")):
                getattr(self.lstm, "weight_ih_l0" + sfx).copy_(t(w[f"bilstm1/{d}/kernel"].T))
                getattr(self.lstm, "weight_hh_l0" + sfx).copy_(t(w[f"bilstm1/{d}/recurrent_kernel"].T))
                getattr(self.lstm, "bias_ih_l0" + sfx).copy_(t(w[f"bilstm1/{d}/bias"]))
                getattr(self.lstm, "bias_hh_l0" + sfx).zero_()
            for name, lin in (("fc1", self.fc1), ("output", self.out)):
                lin.weight.copy_(t(w[name + "/kernel"].T))
                lin.bias.copy_(t(w[name + "/bias"]))

    def forward(self, x):
        B, T, F = x.shape
        h = x.reshape(B * self.steps, T // self.steps, F).permute(0, 2, 1)
        h = torch.relu(self.conv2(torch.relu(self.conv1(h))))
        h = torch.nn.functional.max_pool1d(h, 2)
        h = h.permute(0, 2, 1).reshape(B, self.steps, -1)
        _, (hn, _) = self.lstm(h)
        h = torch.cat([hn[0], hn[1]], dim=1)
        return torch.softmax(self.out(torch.relu(self.fc1(h))), dim=1)


def load_model(path):
    with h5py.File(path, "r") as f:
        if f.attrs["kind"] != "seqnet" and f.attrs["kind"] != b"seqnet":
            sys.exit("scan_peer.py: only seqnet models")
        w = {}
        f["weights"].visititems(lambda n, o: w.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
        hp = {k: f["hyperparameters"].attrs[k] for k in f["hyperparameters"].attrs}
        T = int(f.attrs["T"])
        mean = f["scaler/mean"][()].reshape(-1) if "mean" in f["scaler"] else None
        std = f["scaler/std"][()].reshape(-1) if "std" in f["scaler"] else None
        thr = float(f.attrs["alarm_threshold"][0])
    net = SeqNet(w, hp)
    net.eval()
    return net, T, mean, std, thr


def scan_file(path, net, T, mean, std, thr, kp0, kp, out):
    t, lat, lon, x, mode = read_lap(path)
    keep = clean(t, lat, lon, x)
    X, meta = [], []
    for st, sla, slo, sx in resample(t[keep], lat[keep], lon[keep], x[keep], mode[keep]):
        for w in range(len(st) // T):
            s = w * T
            if abs(st[s + T - 1] - st[s] - (T - 1) * 1.5) > 0.01 * (T - 1) * 1.5:
                continue
            m = s + T // 2
            lt = ((st[m] / 3600.0) % 24.0 + slo[m] / 15.0) % 24.0
            if not (lt >= 18 or lt < 6):
                continue
            X.append(sx[s:s + T])
            meta.append((st[m], sla[m], slo[m], lt))
    if not X:
        return 0
    X = np.asarray(X, np.float32).reshape(len(X), -1)
    if mean is not None:
        X = (X - mean) / std
    with torch.no_grad():
        p = net(torch.from_numpy(X.reshape(len(X), T, -1))).numpy()
    k = kp_at(kp0, kp, np.array([m[0] for m in meta]))
    name = os.path.basename(path)
    for (tm, la, lo, lt), kk, pp in zip(meta, k, p):
        out.writerow([name, "%.3f" % tm, "%.4f" % la, "%.4f" % lo, "%.3f" % lt, "%.3f" % kk,
                      "%.6f" % pp[0], "%.6f" % pp[1], "%.6f" % pp[2], int(pp[1] >= thr)])
    return len(X)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("kp")
    ap.add_argument("out")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--compare")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    net, T, mean, std, thr = load_model(a.model)
    kp0, kp = read_kp(a.kp)
    n = 0
    t1 = time.perf_counter()
    with open(a.out, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["file", "time", "lat", "lon", "lt_h", "kp", "p0", "p1", "p2", "alarm"])
        for path in sorted(a.files):
            n += scan_file(path, net, T, mean, std, thr, kp0, kp, out)
    t2 = time.perf_counter()
    print("py_files %d" % len(a.files))
    print("py_windows %d" % n)
    print("py_scan_s %.4f" % (t2 - t1))
    print("py_setup_s %.4f" % (t1 - t0))
    if a.compare:
        ours = {}
        with open(a.compare) as fh:
            for r in csv.DictReader(fh):
                ours[(r["file"], round(float(r["time"]), 1))] = float(r["p1"])
        worst, matched = 0.0, 0
        with open(a.out) as fh:
            for r in csv.DictReader(fh):
                key = (r["file"], round(float(r["time"]), 1))
                if key in ours:
                    matched += 1
                    worst = max(worst, abs(ours[key] - float(r["p1"])))
        print("py_matched_windows %d" % matched)
        print("py_max_abs_p1_diff %.2e" % worst)


if __name__ == "__main__":
    main()
