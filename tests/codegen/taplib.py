# SPDX-License-Identifier: BSD-2-Clause
"""A tiny TAP producer for the codegen test scripts (the Python twin of tests/tap.h).

    t = Tap()
    t.ok(cond, "name")
    t.is_eq(got, want, "name")         prints both on failure
    t.diag("text")
    sys.exit(t.done())                 prints the plan; exit status = failures (max 254)
"""

import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = "/usr/bin/python3"
GENERATE = os.path.join(ROOT, "codegen", "generate.py")
TINY = os.path.join(ROOT, "tests", "codegen", "tiny")
GOLDEN = os.path.join(ROOT, "tests", "codegen", "golden")
SPEC = os.path.join(ROOT, "spec")
GENERATED = os.path.join(ROOT, "generated")

# The flags the generated C must be clean under (the build's, see the top-level Makefile).
CFLAGS = ["-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Wshadow", "-Wstrict-prototypes",
          "-Wmissing-prototypes", "-Wno-unused-parameter", "-Wformat=2", "-Wvla", "-Werror",
          "-fPIC", "-fvisibility=hidden"]
CXXFLAGS = ["-fsyntax-only", "-x", "c++", "-std=c++11", "-Wall", "-Wextra", "-Wshadow",
            "-Werror", "-pedantic"]


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name):
        self.n += 1
        if not cond:
            self.failed += 1
        sys.stdout.write("%sok %d - %s\n" % ("" if cond else "not ", self.n, name))
        sys.stdout.flush()
        if not cond:
            frame = sys._getframe(1)
            if frame.f_code.co_name in ("is_eq",):
                frame = frame.f_back
            self.diag("failed test %d: %s" % (self.n, name))
            self.diag("failed at %s:%d" % (os.path.basename(frame.f_code.co_filename),
                                           frame.f_lineno))
        return cond

    def is_eq(self, got, want, name):
        good = self.ok(got == want, name)
        if not good:
            self.diag("     got: %r" % (got,))
            self.diag("    want: %r" % (want,))
        return good

    def diag(self, text):
        sys.stdout.flush()
        for line in str(text).splitlines() or [""]:
            sys.stderr.write("# %s\n" % line)
        sys.stderr.flush()

    def skip_all(self, reason):
        sys.stdout.write("1..0 # SKIP %s\n" % reason)
        sys.exit(0)

    def done(self):
        sys.stdout.write("1..%d\n" % self.n)
        return min(self.failed, 254)


def run(args, cwd=None, env=None):
    """Run a command; return (exit status, stdout, stderr) as text."""
    p = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=300)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def generate(spec, out, *extra, cwd=None, env=None):
    return run([PYTHON, GENERATE, "--spec", spec, "--out", out, "--quiet"] + list(extra),
               cwd=cwd or ROOT, env=env)


def read_tree(folder):
    """{name: bytes} of the regular files directly in folder."""
    out = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                out[name] = f.read()
    return out


def tempdir():
    return tempfile.TemporaryDirectory(prefix="sk-t0-")
