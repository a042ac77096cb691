"""YAML reading that keeps positions and rejects duplicate keys.

Plain PyYAML silently keeps the last of two identical keys; maintainers then lose a text
without noticing. Here mappings become :class:`LocDict` (positions of every key and value),
sequences :class:`LocList`, so validators can point at ``file:line:col``.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from .problems import Pos, Report


class LocDict(dict[str, Any]):
    """A mapping that remembers where it and each of its keys and values stand."""

    pos: Pos
    key_pos: dict[str, Pos]
    val_pos: dict[str, Pos]

    def at(self, key: str) -> Pos:
        """Position of the value of ``key`` (or of the mapping when the key is absent)."""
        return self.val_pos.get(key, self.pos)

    def key_at(self, key: str) -> Pos:
        return self.key_pos.get(key, self.pos)


class LocList(list[Any]):
    """A sequence that remembers where it and each item stand."""

    pos: Pos
    item_pos: list[Pos]

    def at(self, index: int) -> Pos:
        return self.item_pos[index] if index < len(self.item_pos) else self.pos


def _pos(file: str, node: Node) -> Pos:
    mark = node.start_mark
    return Pos(file, mark.line + 1, mark.column + 1)


# libyaml's parser (10x faster) when PyYAML was built with it; same constructors either way
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc]
    file_name: str = "<yaml>"
    report: Report


def _construct_mapping(loader: _Loader, node: MappingNode) -> LocDict:
    loader.flatten_mapping(node)
    result = LocDict()
    result.pos = _pos(loader.file_name, node)
    result.key_pos = {}
    result.val_pos = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        key_pos = _pos(loader.file_name, key_node)
        if key in result:
            first = result.key_pos[key]
            loader.report.add(
                key_pos,
                "duplicate-key",
                f"the key '{key}' appears twice in the same block (first at line {first.line})",
                "Keep one of them: YAML would silently ignore the first.",
            )
            continue
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_pos[key] = key_pos
        result.val_pos[key] = _pos(loader.file_name, value_node)
    return result


def _construct_sequence(loader: _Loader, node: SequenceNode) -> LocList:
    result = LocList(loader.construct_object(child, deep=True) for child in node.value)
    result.pos = _pos(loader.file_name, node)
    result.item_pos = [_pos(loader.file_name, child) for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(text: str, file_name: str, report: Report) -> Any:
    """Parse ``text``; syntax errors and duplicate keys go to ``report``.

    Returns ``None`` when the text cannot be parsed at all.
    """
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:  # e.g. a control character: the reader refuses the text
        report.add(Pos(file_name), "yaml-syntax", f"this is not valid YAML ({exc})",
                   "Remove special (invisible) characters from the file.")
        return None
    loader.file_name = file_name
    loader.report = report
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Pos(file_name, mark.line + 1, mark.column + 1) if mark else Pos(file_name)
        what = exc.problem or exc.context or "invalid YAML"
        report.add(
            pos,
            "yaml-syntax",
            f"this is not valid YAML ({what})",
            "Check the indentation and put texts containing ':' or '#' between quotes.",
        )
    except yaml.YAMLError as exc:
        report.add(Pos(file_name), "yaml-syntax", f"this is not valid YAML ({exc})")
    finally:
        loader.dispose()
    return None
