#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# The generated C is clean under the build's flags (-Werror): generated/ (the real spec)
# and the tiny spec's golden output. Each source compiles as C11 with gcc and clang; each
# header compiles alone and all together as C11 and as C++ (g++ -fsyntax-only); the probe
# compiles with every macro defined and with none.
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "codegen"))
from taplib import Tap, CFLAGS, CXXFLAGS, GENERATED, GOLDEN, run, tempdir  # noqa: E402

HEADERS = ("cryptoki.h", "sk_dispatch.h", "sk_names.h", "sk_attrs.h")
SOURCES = ("sk_entry.c", "sk_lists.c", "sk_names.c", "sk_attrs.c")

PROBE_ALL = r"""
#include <stddef.h>
#include <stdio.h>
#include "cryptoki.h"
#define SK_PROBE_VERSION 320
#define SK_PROBE_CONST(n) printf("%s %lu\n", #n, (unsigned long)(n));
#define SK_PROBE_STRUCT_BEGIN(t) printf("%s %zu\n", #t, sizeof(t));
#define SK_PROBE_FIELD(t, f) printf(" %s %zu\n", #f, offsetof(t, f));
#define SK_PROBE_STRUCT_END(t)
#define SK_PROBE_FUNCTION(f, i, s) printf("%s %d %d %d\n", #f, i, s, f == NULL);
int main(void)
{
#include "sk_probe.inc"
	return 0;
}
"""
PROBE_NONE = '#include "cryptoki.h"\n#include "sk_probe.inc"\n#include "sk_probe.inc"\n'

t = Tap()
# The compilers are Debian packages tools/ensure-deps installs: a missing one fails here
# (and what needs it is left out), it is not skipped.
for tool in ("gcc", "clang", "g++"):
    if not shutil.which(tool):
        t.ok(False, "%s is there (Debian package %s, tools/ensure-deps test)" % (tool, tool))
compilers = [c for c in ("gcc", "clang") if shutil.which(c)]
for label, folder in (("generated", GENERATED), ("golden", GOLDEN)):
    with tempdir() as tmp:
        inc = ["-I" + folder]
        for cc in compilers:
            for src in SOURCES:
                rc, _, err = run([cc] + CFLAGS + inc + ["-c", os.path.join(folder, src),
                                                        "-o", os.path.join(tmp, src + ".o")])
                t.ok(rc == 0 and err == "", "%s/%s: %s -std=c11 -Werror" % (label, src, cc))
                if rc or err:
                    t.diag(err)
        for hdr in HEADERS + ("all",):
            body = "".join('#include "%s"\n' % h for h in (HEADERS if hdr == "all" else (hdr,)))
            # Twice, to prove the include guards.
            for lang, flags, ext in (("C11", CFLAGS + ["-fsyntax-only"], "c"),
                                     ("C++", CXXFLAGS, "cpp")):
                path = os.path.join(tmp, "inc_%s.%s" % (hdr.replace(".", "_"), ext))
                with open(path, "w") as f:
                    f.write(body + body + "int sk_t0005_anchor;\n" if ext == "c" else body + body)
                compiler = "gcc" if ext == "c" else "g++"
                if not shutil.which(compiler):
                    continue
                rc, _, err = run([compiler] + flags + ["-Wno-missing-variable-declarations"] +
                                 inc + [path])
                t.ok(rc == 0 and err == "", "%s/%s alone as %s" % (label, hdr, lang)
                     if hdr != "all" else "%s: all headers together as %s" % (label, lang))
                if rc or err:
                    t.diag(err)
        path = os.path.join(tmp, "probe_all.c")
        with open(path, "w") as f:
            f.write(PROBE_ALL)
        rc, _, err = run(["gcc"] + CFLAGS + inc + [path, "-o", os.path.join(tmp, "probe")])
        t.ok(rc == 0 and err == "", "%s: sk_probe.inc with every macro" % label)
        if rc or err:
            t.diag(err)
        else:
            rc, out, _ = run([os.path.join(tmp, "probe")])
            t.ok(rc == 0 and "CK_FUNCTION_LIST_3_2 " in out and "CKR_OK 0\n" in out,
                 "%s: the probe runs and lists constants and function lists" % label)
        path = os.path.join(tmp, "probe_none.c")
        with open(path, "w") as f:
            f.write(PROBE_NONE)
        rc, _, err = run(["gcc"] + CFLAGS + ["-fsyntax-only"] + inc + [path])
        t.ok(rc == 0 and err == "", "%s: sk_probe.inc with no macro, included twice" % label)
        if rc or err:
            t.diag(err)
sys.exit(t.done())
