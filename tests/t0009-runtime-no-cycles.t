#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# No circles between the runtime's files. The graph: runtime/*.c are the nodes; a.c -> b.c
# when a.c uses a function that a header it includes (directly or through other headers,
# of runtime/ or generated/) declares and that b.c defines. A circle (a strongly connected
# set of two or more files) fails the test, with the functions on each edge of it. Layers
# call down only; where a lower layer must ask something of an upper one, the upper one
# hands it a function (opstate.h's op_set_sessions, crypto.h's crypto_on_fini).
#
# The checker is tried first on two small made-up trees, one with a circle and one
# without, so that a checker that finds nothing cannot pass.
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "codegen"))
from taplib import Tap, ROOT, GENERATED  # noqa: E402

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# a prototype at file level: `type name(args);` (not static, not a typedef)
DECL = re.compile(r"^(?!\s*(?:typedef|#|static\b))[A-Za-z_][\w \t*]*?\b([A-Za-z_]\w*)\s*"
                  r"\([^;{]*\)\s*(?:__attribute__\s*\(\(.*?\)\)\s*)?;", re.M)
# a definition at file level: `type name(args) {` (not static)
DEFN = re.compile(r"^(?!static\b)[A-Za-z_][\w \t*]*?\b([A-Za-z_]\w*)\s*\([^;{]*\)\s*\{", re.M)
WORD = re.compile(r"\b[A-Za-z_]\w*\b")


def code_of(text):
    """The text without comments and string literals (their words are not uses)."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return re.sub(r'"(\\.|[^"\\\n])*"', '""', text)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def graph(src_dir, hdr_dirs):
    """{a.c: {b.c: {functions}}} for the .c files of src_dir."""
    headers, includes = {}, {}
    for d in [src_dir] + list(hdr_dirs):
        for name in sorted(os.listdir(d)):
            if name.endswith(".h") and name not in headers:
                raw = read(os.path.join(d, name))
                headers[name] = set(DECL.findall(code_of(raw)))
                includes[name] = INCLUDE.findall(raw)
    sources = {}
    for name in sorted(os.listdir(src_dir)):
        if name.endswith(".c"):
            raw = read(os.path.join(src_dir, name))
            sources[name] = code_of(raw)
            includes[name] = INCLUDE.findall(raw)
    defined = {}
    for name, code in sources.items():
        for fn in DEFN.findall(code):
            defined.setdefault(fn, name)

    def reach(name, seen):
        for h in includes.get(name, []):
            if h in headers and h not in seen:
                seen.add(h)
                reach(h, seen)
        return seen

    edges = {name: {} for name in sources}
    for name, code in sources.items():
        words = set(WORD.findall(code))
        for h in reach(name, set()):
            for fn in headers[h]:
                d = defined.get(fn)
                if d is not None and d != name and fn in words:
                    edges[name].setdefault(d, set()).add(fn)
    return edges


def circles(edges):
    """The strongly connected sets of two or more nodes (Tarjan), each sorted."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def describe(edges, comp):
    lines = ["circle: " + " ".join(comp)]
    for a in comp:
        for b in sorted(edges[a]):
            if b in comp:
                lines.append("  %s -> %s: %s" % (a, b, ", ".join(sorted(edges[a][b]))))
    return "\n".join(lines)


made = []


def tree(files):
    d = tempfile.mkdtemp(prefix="t0009-")
    made.append(d)
    for name, text in files.items():
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write(text)
    return d


t = Tap()

# a uses b, b uses a through a shared header: one circle; c only uses a: none more
made_up = tree({
    "x.h": "int a_one(int v);\nint b_two(void);\n",
    "a.c": '#include "x.h"\nint a_one(int v)\n{\n\treturn v + b_two();\n}\n',
    "b.c": '#include "x.h"\n/* a_one( in a comment is no use */\n'
           'int b_two(void)\n{\n\treturn a_one(1);\n}\n',
    "c.c": '#include "x.h"\nint c_three(void)\n{\n\treturn a_one(2);\n}\n',
})
found = circles(graph(made_up, []))
t.is_eq(found, [["a.c", "b.c"]], "the checker finds a circle through a shared header")
made_up = tree({
    "x.h": "int a_one(int v);\nint b_two(void);\n",
    "a.c": '#include "x.h"\nint a_one(int v)\n{\n\treturn v + b_two();\n}\n',
    "b.c": '#include "x.h"\nstatic const char *s = "a_one(";\n'
           'int b_two(void)\n{\n\treturn s[0];\n}\n',
})
found = circles(graph(made_up, []))
t.is_eq(found, [], "... and none where one file only calls down (a string is no use)")

runtime = os.path.join(ROOT, "runtime")
edges = graph(runtime, [GENERATED])
nedges = sum(len(v) for v in edges.values())
t.ok(len(edges) >= 30 and nedges >= 60,
     "the runtime's graph: %d files, %d edges" % (len(edges), nedges))
t.ok("session.c" in edges.get("login.c", {}) and "opstate.c" in edges.get("session.c", {}),
     "it has the edges it must have (login.c -> session.c -> opstate.c)")
found = circles(edges)
t.is_eq(found, [], "no circle between the runtime's files")
for comp in found:
    t.diag(describe(edges, comp))
for d in made:
    shutil.rmtree(d, ignore_errors=True)
sys.exit(t.done())
