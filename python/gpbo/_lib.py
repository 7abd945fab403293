"""Loading gpbo's shared libraries and turning their status codes into Python exceptions.

The libraries are loaded by absolute path, found relative to this package (``_paths.LIBDIR``,
written by CMake: ``../../lib`` in a build tree, the prefix's library folder once installed), in
dependency order. Each library's RUNPATH is ``$ORIGIN``, so the loader finds the gpbo libraries
it needs beside it; no LD_LIBRARY_PATH, no RTLD_GLOBAL. A module loads only what it uses:
``from gpbo import gp`` loads libgpbo_base and libgpbo_gp, nothing of the search.

ctypes releases the GIL during every call into the libraries (they are plain CDLLs), so other
Python threads run while a GP fits or a study proposes.
"""
import ctypes as C
import os
import threading

from . import _paths

DP = C.POINTER(C.c_double)
_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), _paths.LIBDIR))
_DEPS = {"base": (), "gp": ("base",), "acquisition": ("gp",), "search": ("acquisition",)}
_loaded = {}
_load_lock = threading.Lock()


def libdir():
    """The folder the package loads gpbo's shared libraries from."""
    return _DIR


def library(name):
    """The CDLL of libgpbo_<name>, loaded (with the gpbo libraries it needs first) once."""
    with _load_lock:
        return _load(name)


def _load(name):
    if name in _loaded:
        return _loaded[name]
    for dep in _DEPS[name]:
        _load(dep)
    path = os.path.join(_DIR, "libgpbo_%s.so.%s" % (name, _paths.SOVERSION))
    try:
        lib = C.CDLL(path)
    except OSError as e:
        raise ImportError("gpbo: cannot load %s (%s); the package expects gpbo's libraries in %s"
                          % (os.path.basename(path), e, _DIR)) from e
    _loaded[name] = lib
    if name == "base":
        declare(lib, "gpbo_error_message", C.c_char_p, [])
        declare(lib, "gpbo_error_code", C.c_int, [])
        declare(lib, "gpbo_error_clear", None, [])
        declare(lib, "gpbo_strerror", C.c_char_p, [C.c_int])
        declare(lib, "gpbo_free", None, [C.c_void_p])
        declare(lib, "gpbo_version", C.c_char_p, [])
        declare(lib, "gpbo_rng_seed", None, [C.c_void_p, C.c_uint64])
    return lib


def declare(lib, name, restype, argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = argtypes
    return f


class GpboError(RuntimeError):
    """A gpbo call failed: ``code`` is its negative status (gpbo/error.h), the text the message
    the library recorded for the calling thread."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code

    def __reduce__(self):
        # pickled with its code: the default rebuilt it from args alone, so unpickling (the
        # parent of a multiprocessing / concurrent.futures worker that raised it, copy.copy)
        # failed with "missing ... 'code'" and the pool broke instead of raising it
        return type(self), (self.args[0] if self.args else "", self.code), self.__dict__


class InvalidArgumentError(GpboError, ValueError):
    """GPBO_EINVAL: an argument or input value is invalid (a NaN, a bad bound, ...)."""


class StorageError(GpboError):
    """GPBO_ESTORAGE: the study's database failed."""


class ExhaustedError(GpboError):
    """GPBO_EEXHAUSTED: the strategy has nothing left to propose (a finished grid)."""


class NotFoundError(GpboError, LookupError):
    """GPBO_ENOTFOUND: no such study, trial or parameter."""


class StateError(GpboError, ValueError):
    """GPBO_ESTATE: the object is not in a state that allows the call (a trial told twice, or
    reported or given attributes once told). A ValueError too, as Optuna's "Cannot tell a
    COMPLETE trial" is, so a ported ``except ValueError`` catches it."""


_CLASSES = {-1: InvalidArgumentError, -4: StorageError, -8: NotFoundError, -9: StateError,
            -11: ExhaustedError}


def error(code):
    """The exception for status ``code``, with the calling thread's last gpbo message."""
    base = _loaded["base"]
    msg = base.gpbo_error_message().decode("utf-8", "replace")
    if not msg:
        msg = base.gpbo_strerror(code).decode()
    if code == -2:
        return MemoryError(msg)
    return _CLASSES.get(code, GpboError)(msg, code)


def last_error():
    """The calling thread's last gpbo message."""
    return _loaded["base"].gpbo_error_message().decode("utf-8", "replace")


def check(rc):
    """Raises the exception of a non-zero status; returns 0 otherwise."""
    if rc != 0:
        raise error(rc)
    return rc


def check_ptr(p):
    """Raises the thread's last error when a gpbo constructor returned NULL."""
    if not p:
        code = _loaded["base"].gpbo_error_code() or -2
        raise error(code)
    return p


def version():
    """The library's version, "MAJOR.MINOR.PATCH"."""
    return library("base").gpbo_version().decode()


def ptr(a):
    """A double* to a float64 numpy array (C-contiguous: the caller made sure)."""
    return a.ctypes.data_as(DP)


class Rng(C.Structure):
    """gpbo_rng (gpbo/rng.h): its state lives in the caller's memory."""

    _fields_ = [("s", C.c_uint64 * 4)]

    def __init__(self, seed):
        super().__init__()
        library("base").gpbo_rng_seed(C.byref(self), seed & 0xFFFFFFFFFFFFFFFF)
