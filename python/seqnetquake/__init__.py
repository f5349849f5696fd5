"""SeqNetQuake from Python: ctypes over libseqnetquake.so and numpy (no compiled extension).

    import seqnetquake as sq
    sq.run("synth", out="arch", seed=1, cses_days=4, satellites="cses")   # any command, its options
    sq.build(archive="arch", preset="07", out="ds07.h5", quiet=True)
    ds = sq.open_dataset("ds07.h5")             # ds.X (N, T, F), ds.y, ds.split, ds.event
    sq.train(data="ds07.h5", model="seqnet", out="m.h5", quiet=True)
    m = sq.load_model("m.h5")
    p = m.predict_proba(ds.X[ds.split == 2])    # (n, 3) class probabilities, as `predict` writes
    kp = sq.read_kp("arch/kp.txt")              # {"time_s": array, "kp": array}

The library is found through $SEQNETQUAKE_LIB (a path to libseqnetquake.so), next to this
package, in the source tree's build/ folder, or on the system's library path. Every library
error becomes SeqNetQuakeError carrying the library's message.
"""
import ctypes
import ctypes.util
import os

import numpy as np

__all__ = ["SeqNetQuakeError", "version", "read_table", "read_cses", "read_demeter", "read_catalog",
           "read_kp", "Dataset", "open_dataset", "Model", "load_model", "run", "synth", "build",
           "train", "predict", "evaluate"]


class SeqNetQuakeError(RuntimeError):
    """A library error: str(e) is the library's message, e.status its status code."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


def _find_library():
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.environ.get("SEQNETQUAKE_LIB"),
                  os.path.join(here, "libseqnetquake.so"),
                  os.path.join(here, "..", "..", "build", "libseqnetquake.so"),
                  ctypes.util.find_library("seqnetquake")]
    for c in candidates:
        if c and (os.path.exists(c) or not os.path.dirname(c)):
            return c
    raise OSError("libseqnetquake.so not found: build it (make build) or set SEQNETQUAKE_LIB")


_lib = ctypes.CDLL(_find_library())
_P, _S, _I, _D = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_double
_SZ = ctypes.c_size_t


def _fn(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype, f.argtypes = restype, list(argtypes)
    return f


_version = _fn("sqk_version", _S)
_last_error = _fn("sqk_last_error", _S)
_table_read = _fn("sqk_table_read", _I, ctypes.POINTER(_P), _S, _S, _D)
_table_rows = _fn("sqk_table_rows", _SZ, _P)
_table_columns = _fn("sqk_table_columns", _I, _P)
_table_column_name = _fn("sqk_table_column_name", _S, _P, _I)
_table_column = _fn("sqk_table_column", ctypes.POINTER(_D), _P, _I)
_table_free = _fn("sqk_table_free", None, _P)
_ds_open = _fn("sqk_dataset_open", _I, ctypes.POINTER(_P), _S)
_ds_windows = _fn("sqk_dataset_windows", _SZ, _P)
_ds_shape = _fn("sqk_dataset_shape", _I, _P, ctypes.POINTER(_I), ctypes.POINTER(_I))
_ds_X = _fn("sqk_dataset_X", ctypes.POINTER(ctypes.c_float), _P)
_ds_y = _fn("sqk_dataset_y", ctypes.POINTER(ctypes.c_int32), _P)
_ds_split = _fn("sqk_dataset_split", ctypes.POINTER(ctypes.c_uint8), _P)
_ds_event = _fn("sqk_dataset_event", ctypes.POINTER(ctypes.c_int64), _P)
_ds_features = _fn("sqk_dataset_features", _S, _P)
_ds_config = _fn("sqk_dataset_config", _S, _P)
_ds_close = _fn("sqk_dataset_close", None, _P)
_model_load = _fn("sqk_model_load", _I, ctypes.POINTER(_P), _S)
_model_free = _fn("sqk_model_free", None, _P)
_model_kind = _fn("sqk_model_kind_name", _S, _P)
_model_shape = _fn("sqk_model_window_shape", _I, _P, ctypes.POINTER(_I), ctypes.POINTER(_I))
_model_features = _fn("sqk_model_feature_names", _S, _P)
_model_predict = _fn("sqk_model_predict_windows", _I, _P, _P, _SZ, _P, _I)
_command = _fn("sqk_command", _I, _I, ctypes.POINTER(_S))


def _check(status):
    if status != 0:
        raise SeqNetQuakeError(_last_error().decode("utf-8", "replace"), status)


def _path(p):
    return os.fsencode(os.fspath(p))


def _array(ptr, n, dtype, shape=None):
    """A numpy copy of n values behind a C pointer (the handle keeps ownership)."""
    if n == 0 or not ptr:
        return np.zeros(shape if shape is not None else (0,), dtype=dtype)
    a = np.ctypeslib.as_array(ptr, shape=(n,)).astype(dtype, copy=True)
    return a.reshape(shape) if shape is not None else a


def version():
    """The library's version, e.g. '0.1.0'."""
    return _version().decode()


# ---- tables ------------------------------------------------------------------------------
def read_table(path, kind=None, min_mag=float("-inf")):
    """A file as a dict of float64 numpy columns: kind 'cses', 'demeter', 'catalog' or 'kp'
    (None: told by content). CSES/DEMETER: time_s, lat_deg, lon_deg and the variables with
    their units (e.g. Ne_cm-3, Te_K); catalogue: time_s, lat_deg, lon_deg, depth_km, mag
    (min_mag applies); Kp: time_s of each 3-hour interval's start, kp. Times are s since 1970."""
    h = _P()
    _check(_table_read(ctypes.byref(h), _path(path), kind.encode() if kind else None, float(min_mag)))
    try:
        n = _table_rows(h)
        return {_table_column_name(h, i).decode(): _array(_table_column(h, i), n, np.float64)
                for i in range(_table_columns(h))}
    finally:
        _table_free(h)


def read_cses(path):
    return read_table(path, "cses")


def read_demeter(path):
    return read_table(path, "demeter")


def read_catalog(path, min_mag=float("-inf")):
    return read_table(path, "catalog", min_mag)


def read_kp(path):
    return read_table(path, "kp")


# ---- datasets ----------------------------------------------------------------------------
class Dataset:
    """A dataset file (seqnetquake build) read whole: X (N, T, F) float32, y (N) int32 classes
    (0 control, 1 seismic, 2 storm), split (N) uint8 (0 train, 1 validation, 2 test), event (N)
    int64 rows of the event table, features (list of names), config (the build options)."""

    def __init__(self, path):
        h = _P()
        _check(_ds_open(ctypes.byref(h), _path(path)))
        try:
            n = _ds_windows(h)
            T, F = _I(), _I()
            _ds_shape(h, ctypes.byref(T), ctypes.byref(F))
            self.path = os.fspath(path)
            self.T, self.F = T.value, F.value
            self.X = _array(_ds_X(h), n * self.T * self.F, np.float32, (n, self.T, self.F))
            self.y = _array(_ds_y(h), n, np.int32)
            self.split = _array(_ds_split(h), n, np.uint8)
            self.event = _array(_ds_event(h), n, np.int64)
            self.features = [f for f in _ds_features(h).decode().split(",") if f]
            self.config = _ds_config(h).decode()
        finally:
            _ds_close(h)

    def __len__(self):
        return len(self.y)

    def __repr__(self):
        return f"Dataset({self.path!r}: {len(self)} windows of T={self.T} x {self.features})"


def open_dataset(path):
    return Dataset(path)


# ---- models ------------------------------------------------------------------------------
class Model:
    """A model file (seqnetquake train). predict_proba(X) gives the class probabilities (N, 3)
    of unscaled windows X (N, T, F), the numbers `seqnetquake predict` writes."""

    def __init__(self, path):
        self._h = _P()
        _check(_model_load(ctypes.byref(self._h), _path(path)))
        T, F = _I(), _I()
        _model_shape(self._h, ctypes.byref(T), ctypes.byref(F))
        self.path, self.T, self.F = os.fspath(path), T.value, F.value
        self.kind = _model_kind(self._h).decode()
        self.features = [f for f in _model_features(self._h).decode().split(",") if f]

    def predict_proba(self, X, threads=1):
        X = np.ascontiguousarray(X, dtype=np.float32)
        if X.ndim == 2:
            X = X.reshape(1, *X.shape)
        if X.ndim != 3 or X.shape[1:] != (self.T, self.F):
            raise ValueError(f"windows must be (N, {self.T}, {self.F}), not {X.shape}")
        probs = np.empty((X.shape[0], 3), dtype=np.float32)
        _check(_model_predict(self._h, X.ctypes.data, X.shape[0], probs.ctypes.data, int(threads)))
        return probs

    def close(self):
        if self._h:
            _model_free(self._h)
            self._h = _P()

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"Model({self.path!r}: {self.kind}, T={self.T} x {self.features})"


def load_model(path):
    return Model(path)


# ---- the commands ------------------------------------------------------------------------
def _options(options):
    """Keyword options as the command line's: out="x" -> --out x, cses_days=4 -> --cses-days 4,
    quiet=True -> --quiet (False/None: left out), a list repeats the option (set=["a=1", ...])."""
    args = []
    for key, value in options.items():
        flag = "--" + key.rstrip("_").replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            for v in value:
                args += [flag, os.fspath(v) if isinstance(v, os.PathLike) else str(v)]
        else:
            args += [flag, os.fspath(value) if isinstance(value, os.PathLike) else str(value)]
    return args


def run(command, *args, **options):
    """Runs a command of the command line in-process with its own options (positional args as
    given, keyword options converted by name). Raises SeqNetQuakeError on failure."""
    argv = [command] + [os.fspath(a) if isinstance(a, os.PathLike) else str(a) for a in args] + _options(options)
    arr = (_S * len(argv))(*[a.encode() for a in argv])
    status = _command(len(argv), arr)
    if status != 0:
        raise SeqNetQuakeError(_last_error().decode("utf-8", "replace"), status)
    return status


def synth(**options):
    return run("synth", **options)


def build(**options):
    return run("build", **options)


def train(**options):
    return run("train", **options)


def predict(**options):
    return run("predict", **options)


def evaluate(**options):
    return run("evaluate", **options)
