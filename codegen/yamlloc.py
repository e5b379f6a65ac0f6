# SPDX-License-Identifier: BSD-2-Clause
"""Load YAML and keep the line of every mapping, key, value and list item.

PyYAML's composer gives nodes with start marks; we turn them into ordinary dicts, lists
and scalars (subclassed so they can carry line numbers) and reject what the schema never
needs and would only hide mistakes: duplicate keys, merge keys, anchors and aliases,
non-string keys.
"""

import yaml

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml is in python3-yaml on Debian
    _Loader = yaml.SafeLoader


class YamlError(Exception):
    """A problem with the YAML text itself; carries a 1-based line."""

    def __init__(self, line, message):
        super().__init__(message)
        self.line = line
        self.message = message


class YMap(dict):
    """A mapping with `line` (of the mapping), `key_lines` and `value_lines` (by key)."""

    line = 0

    def __init__(self):
        super().__init__()
        self.key_lines = {}
        self.value_lines = {}


class YList(list):
    """A sequence with `line` and `item_lines` (parallel to the items)."""

    line = 0

    def __init__(self):
        super().__init__()
        self.item_lines = []


class Scalar:
    """What a scalar looked like in the file: its value and whether it was quoted."""

    __slots__ = ("value", "quoted", "text")

    def __init__(self, value, quoted, text):
        self.value = value
        self.quoted = quoted
        self.text = text


class _Constructor(yaml.constructor.SafeConstructor):
    pass


def _line(node):
    return node.start_mark.line + 1


def _convert(node, ctor, raw):
    if isinstance(node, yaml.MappingNode):
        out = YMap()
        out.line = _line(node)
        for knode, vnode in node.value:
            if knode.tag == "tag:yaml.org,2002:merge":
                raise YamlError(_line(knode), "merge keys ('<<') are not allowed")
            if not isinstance(knode, yaml.ScalarNode) or knode.tag != "tag:yaml.org,2002:str":
                raise YamlError(_line(knode), "mapping keys must be plain words")
            key = knode.value
            if key in out:
                raise YamlError(_line(knode), "duplicate key '%s' (first at line %d)"
                                % (key, out.key_lines[key]))
            out[key] = _convert(vnode, ctor, raw)
            out.key_lines[key] = _line(knode)
            out.value_lines[key] = _line(vnode)
        return out
    if isinstance(node, yaml.SequenceNode):
        out = YList()
        out.line = _line(node)
        for item in node.value:
            out.append(_convert(item, ctor, raw))
            out.item_lines.append(_line(item))
        return out
    value = ctor.construct_object(node, deep=True)
    if raw:
        return Scalar(value, node.style in ("'", '"'), node.value)
    return value


def load(text, raw_scalars=False):
    """Parse one YAML document; return YMap/YList/scalars. Raises YamlError.

    With raw_scalars, every scalar is a Scalar (value, quoted, text) instead of the value.
    """
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            line = mark.line + 1 if mark else 1
            text = "YAML: %s" % (e.problem or e.context or "syntax error")
            if e.context and e.context_mark and e.problem_mark \
                    and e.context_mark.line != e.problem_mark.line:
                text += " (%s that starts at line %d)" % (e.context.replace(
                    "while parsing ", ""), e.context_mark.line + 1)
            raise YamlError(line, text)
        except yaml.YAMLError as e:
            raise YamlError(1, "YAML: %s" % e)
    finally:
        loader.dispose()
    if node is None:
        return None
    _reject_aliases(node, set())
    ctor = _Constructor()
    return _convert(node, ctor, raw_scalars)


def _reject_aliases(node, seen):
    # The composer resolves aliases into shared nodes; seeing a node twice means an alias.
    if id(node) in seen:
        raise YamlError(_line(node), "anchors and aliases are not allowed")
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            _reject_aliases(k, seen)
            _reject_aliases(v, seen)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _reject_aliases(item, seen)
