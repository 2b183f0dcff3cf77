"""livejudge harness runtime, protocol 1.

Started by the judge in the run directory (the submission's folder). It reads the case
*inputs* from the descriptor named by LIVEJUDGE_CASES_FD, imports the task's harness and then
the submission, runs every case through the harness's ``run_case(module, input)`` and writes
one JSON line per event to the descriptor named by LIVEJUDGE_EVENTS_FD. Expected values never
come here: the judge compares observations with them outside.

With LIVEJUDGE_GO_FD set, every case waits for one byte ("g") from that descriptor after
announcing its start, so the judge can prepare for it (reset the websites' counters).

The task harness may define:
    prepare()                  called before the submission is imported (fake clocks, ...)
    run_case(module, input)    required; returns a JSON-compatible observation

The runtime shares a process with the submission, so it cannot defend itself: a submission
can patch this module or write its own events to the descriptor. That is accepted by design:
what it could forge is an observation, and expected values never come here, so a forged
result is no better than a hard-coded one (hidden cases exist for those). Binding json, os and
the clock before the import only keeps accidents (a submission shadowing `json`) harmless.
The judge also never trusts what comes back: every field is checked and bounded.
"""

import collections
import faulthandler
import importlib.util
import json
import math
import os
import re
import sys
import threading
import time
import traceback

PROTOCOL = 1

_write = os.write
_dumps = json.dumps
_loads = json.loads
_exit = os._exit
_relpath = os.path.relpath
_perf_counter = time.perf_counter
_lock = threading.Lock()
_events_fd = -1
_run_dir = os.getcwd()
_surrogates = re.compile("[\ud800-\udfff]")


def emit(event):
    text = _dumps(event, ensure_ascii=False, allow_nan=False)
    try:
        data = (text + "\n").encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (possible in a Python str, e.g. from a submission) has no UTF-8
        # form: each becomes U+FFFD, as invalid text is shown everywhere else.
        data = (_surrogates.sub("\ufffd", text) + "\n").encode("utf-8")
    with _lock:
        view = memoryview(data)
        while view:
            written = _write(_events_fd, view)
            view = view[written:]


def _safe_repr(value, limit=2000):
    try:
        text = repr(value)
    except BaseException as exc:  # a hostile __repr__ must not take the runtime down
        text = "<unrepresentable %s: %s>" % (type(value).__name__, type(exc).__name__)
    if len(text) > limit:
        text = text[:limit] + "…"
    return text


def _safe_str(value, limit=2000):
    try:
        text = str(value)
    except BaseException:
        text = _safe_repr(value, limit)
    return text if len(text) <= limit else text[:limit] + "…"


def jsonable(value, depth=0):
    """A JSON-compatible copy of an observation (tuples become lists, odd values their repr)."""
    if depth > 64:
        return "<nested too deeply>"
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        try:
            _dumps(value)
            return int(value)
        except ValueError:  # more digits than int->str allows
            return "<int with about %d bits>" % value.bit_length()
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else repr(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {_safe_str(key): jsonable(item, depth + 1) for key, item in value.items()}
    return _safe_repr(value)


def _shown_path(filename):
    if not filename:
        return filename
    try:
        relative = _relpath(filename, _run_dir)
    except ValueError:
        return filename
    return filename if relative.startswith("..") else relative


def _is_candidate_frame(filename):
    return bool(filename) and not _shown_path(filename).startswith(("/", "<", ".."))


def _last_frames(tb, keep=100):
    """The innermost frames only: a RecursionError can carry a million of them."""
    tail = collections.deque(maxlen=keep)
    while tb is not None:
        tail.append(tb)
        tb = tb.tb_next
    return traceback.StackSummary.extract((t.tb_frame, t.tb_lineno) for t in tail)


def describe_exception(exc):
    kind = type(exc)
    name = kind.__qualname__
    if kind.__module__ not in ("builtins", "__main__"):
        name = "%s.%s" % (kind.__module__, name)
    try:
        summary = _last_frames(exc.__traceback__)
        frames = [frame for frame in summary if _is_candidate_frame(frame.filename)]
        if not frames:
            frames = list(summary)[-3:]
        for frame in frames:
            frame.filename = _shown_path(frame.filename)
        lines = ["Traceback (most recent call last):\n"]
        lines += traceback.format_list(frames)
        lines += traceback.format_exception_only(kind, exc)
        text = "".join(lines)
    except BaseException:
        text = "%s: %s\n" % (name, _safe_str(exc))
    if len(text) > 20000:
        text = text[:10000] + "\n[…]\n" + text[-10000:]
    return {"type": name, "message": _safe_str(exc), "traceback": text}


def _import_file(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_submission(request):
    """Imports the submission; returns (module, None) or (None, problem)."""
    path = os.path.join(_run_dir, request["entry"])
    try:
        module = _import_file(request["module"], path)
    except SyntaxError as exc:
        return None, {
            "kind": "syntax-error",
            "type": type(exc).__name__,
            "message": _safe_str(exc.msg),
            "file": _shown_path(exc.filename) or request["entry"],
            "line": exc.lineno,
            "column": exc.offset,
            "end_column": getattr(exc, "end_offset", None),
            "text": exc.text,
        }
    except ValueError as exc:
        if "null bytes" in _safe_str(exc):  # Python < 3.12 reports NUL bytes this way
            return None, {
                "kind": "syntax-error",
                "type": "SyntaxError",
                "message": "source code cannot contain null bytes",
                "file": request["entry"],
            }
        return None, dict(describe_exception(exc), kind="import-error")
    except SystemExit as exc:
        return None, {
            "kind": "exit-at-import",
            "message": "the submission called exit(%s) while being imported" % _safe_repr(exc.code),
        }
    except BaseException as exc:
        return None, dict(describe_exception(exc), kind="import-error")
    missing = []
    for name in request.get("names", []):
        try:
            present = name in vars(module)
        except BaseException:
            present = False
        if not present:
            missing.append(name)
    if missing:
        return None, {"kind": "missing-name", "names": missing}
    return module, None


class _CaseOutput:
    """Stands in for sys.stdout / sys.stderr: every write still goes to the real stream (where
    the judge counts it against the output limit) and the first and last few KiB of what each
    case printed are kept, so a failing case can show its own prints."""

    KEEP = 4096

    def __init__(self, real):
        self._real = real
        self._keep_lock = threading.Lock()
        self.reset()

    def reset(self):
        self._head = ""
        self._tail = collections.deque()
        self._tail_len = 0
        self._total = 0

    def write(self, text):
        written = self._real.write(text)
        try:
            self._keep(str(text))
        except BaseException:
            pass
        return written

    def _keep(self, text):
        with self._keep_lock:
            self._total += len(text)
            room = self.KEEP - len(self._head)
            if room > 0:
                self._head += text[:room]
                text = text[room:]
            if text:
                self._tail.append(text)
                self._tail_len += len(text)
                while self._tail and self._tail_len - len(self._tail[0]) >= self.KEEP:
                    self._tail_len -= len(self._tail.popleft())

    def captured(self):
        with self._keep_lock:
            tail = "".join(self._tail)[-self.KEEP:]
            omitted = self._total - len(self._head) - len(tail)
        if omitted > 0:
            return "%s\n[… %d characters omitted …]\n%s" % (self._head, omitted, tail)
        return self._head + tail

    def __getattr__(self, name):
        return getattr(self._real, name)


_marker = b""
_seq = 0


def _boundary():
    """Marks a case boundary in stdout and stderr themselves, then returns its number for the
    event that follows: the judge then knows which case printed every byte, however late it
    reads the pipes."""
    global _seq
    _seq += 1
    _flush_std()
    if _marker:
        mark = _marker + str(_seq).encode("ascii") + b"\0"
        for fd in (1, 2):
            try:
                _write(fd, mark)
            except OSError:
                pass
    return _seq


def _flush_std():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def _finish(code=0):
    _flush_std()
    _exit(code)


def main():
    global _events_fd, _marker
    cases_fd = int(os.environ.pop("LIVEJUDGE_CASES_FD"))
    _events_fd = int(os.environ.pop("LIVEJUDGE_EVENTS_FD"))
    # When the task serves websites, each case waits for the judge's go (one byte) after
    # case-start: the websites' counters are reset by then, so every request of the case is
    # counted in it.
    go_fd = int(os.environ.pop("LIVEJUDGE_GO_FD", "-1"))
    with os.fdopen(cases_fd, "rb") as source:
        request = _loads(source.read())
    emit({"event": "hello", "protocol": PROTOCOL, "python": sys.version.split()[0]})
    if request.get("protocol") != PROTOCOL:
        emit({"event": "harness-error", "message": "protocol %r not supported" % request.get("protocol")})
        _finish()
    if request.get("marker"):
        _marker = b"\0LJ" + request["marker"].encode("ascii") + b":"
    faulthandler.enable()
    try:
        harness = _import_file("_livejudge_harness", request["harness"])
        prepare = getattr(harness, "prepare", None)
        if prepare is not None:
            prepare()
        run_case = harness.run_case
    except BaseException:
        emit({"event": "harness-error", "message": traceback.format_exc()})
        _finish()
    # From here on, problems are the submission's: the judge accepts no harness-error after
    # this event.
    emit({"event": "harness-ready"})
    # Only now, so a submission's own logging.py cannot shadow what the harness imports.
    sys.path.insert(0, _run_dir)

    stdout, stderr = _CaseOutput(sys.stdout), _CaseOutput(sys.stderr)
    sys.stdout, sys.stderr = stdout, stderr
    module, problem = load_submission(request)
    if problem is not None:
        _flush_std()
        emit({"event": "load-failed", "problem": problem})
        _finish()
    emit({"event": "loaded", "seq": _boundary()})

    for case in request["cases"]:
        seq = _boundary()
        stdout.reset()
        stderr.reset()
        emit({"event": "case-start", "id": case["id"], "seq": seq})
        if go_fd >= 0 and os.read(go_fd, 1) != b"g":
            _finish(1)  # the judge is gone
        started = _perf_counter()
        try:
            observation = run_case(module, case["input"])
            result = {"event": "case-end", "id": case["id"], "observation": jsonable(observation)}
        except BaseException as exc:
            result = {"event": "case-end", "id": case["id"], "exception": describe_exception(exc)}
        # Only for display: the judge enforces limits with its own clock.
        result["elapsed_ms"] = (_perf_counter() - started) * 1000.0
        result["seq"] = _boundary()
        for name, stream in (("stdout", stdout), ("stderr", stderr)):
            text = stream.captured()
            if text:
                result[name] = text
        emit(result)
    emit({"event": "done"})
    # os._exit: threads the submission left running must not keep the process alive.
    _finish()


if __name__ == "__main__":
    main()
