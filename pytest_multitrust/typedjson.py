"""Frozen dataclass records to JSON and back, and the JSON Schema of that JSON, from one definition.

A record's JSON form follows its fields and their type hints: ``str``, ``int``,
``float`` (NaN written as ``null`` and read back as NaN), ``bool``, ``None`` unions,
``Literal`` (an ``enum``), ``tuple[X, ...]`` (an array), ``dict[str, X]`` /
``Mapping[str, X]`` (an object), ``tuple[tuple[str, X], ...]`` (an object whose key
order is kept), nested records and ``Path`` (text). What the type hints cannot say — a
JSON key other than the field name, members nested under a group, a lower bound, a
pattern, members computed when written, key order — a :class:`Shape` says, and the
field's comment (or ``metadata={"doc": ...}``) becomes its description.

A :class:`Codec` serves both directions and the schema from the same plan, so record,
JSON and schema cannot drift apart.

Example:
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Point:
    ...     x: float  # across
    ...     tags: tuple[str, ...] = ()  # free labels
    >>> codec = Codec({Point: Shape()})
    >>> codec.encode(Point(float("nan")))
    {'x': None, 'tags': []}
    >>> codec.decode(Point, {"x": 1, "tags": ["a"]})
    Point(x=1.0, tags=('a',))
    >>> codec.schema(Point)["properties"]["x"]
    {'type': ['number', 'null']}
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import math
import sys
import textwrap
import tokenize
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Literal, TypeVar, Union

__all__ = ["Codec", "Computed", "Member", "Shape", "field_docs"]

T = TypeVar("T")

_NONE = type(None)


@dataclass(frozen=True)
class Member:
    """What a record field's JSON member needs beyond its type hint."""

    key: str | None = None  # JSON key when it is not the field name
    group: str | None = None  # nest the member in an object under this key
    minimum: float | None = None  # smallest number allowed (also for array items, map values)
    pattern: str | None = None  # regular expression the text must match
    format: str | None = None  # JSON Schema format of the text, e.g. "date-time"
    enum: tuple[str, ...] | None = None  # the values allowed (instead of the type's)
    open_enum: bool = False  # a Literal documented, not enforced: later versions may add values
    finite: bool = False  # a float that is never NaN: "number" rather than number-or-null
    min_items: int | None = None  # fewest array items
    max_items: int | None = None  # most array items
    required_keys: tuple[str, ...] = ()  # keys an object member always has
    optional: bool = False  # readers must not count on the key (written all the same)


@dataclass(frozen=True)
class Computed:
    """A JSON member derived from the record when written, and ignored when read."""

    key: str  # its JSON key
    type: object  # its type hint (for the schema)
    get: Callable[[Any, Any], object]  # (record, the record holding it or None) -> value
    doc: str  # its description
    after: str  # the JSON key it follows
    member: Member = Member()  # constraints of the value


@dataclass(frozen=True)
class Shape:
    """A record's JSON form beyond its fields: members, computed members, order, openness."""

    members: Mapping[str, Member] = field(default_factory=dict)  # field name -> its member
    computed: tuple[Computed, ...] = ()  # members written but not read back
    order: tuple[str, ...] = ()  # JSON keys in this order (default: field order)
    nullable_groups: tuple[str, ...] = ()  # groups written as null when their first member is None
    sort_keys: bool = False  # keys sorted at every depth (the record's own JSON is so written)
    open: bool = False  # readers must accept members the schema does not list
    optional_defaults: bool = False  # members of fields with a default are optional
    ref: str | None = None  # name of its schema under $defs (None: written in place)


# -- type plans -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Kind:
    """A type hint reduced to what JSON needs."""

    tag: str  # str, int, float, bool, none, path, literal, record, list, map, pairs, union
    values: tuple[Any, ...] = ()  # literal values
    record: type | None = None  # the record class
    args: tuple[_Kind, ...] = ()  # item, value or union member kinds


@dataclass(frozen=True)
class _Field:
    name: str  # the field name
    key: str  # its JSON key
    kind: _Kind  # its type
    member: Member  # its JSON facts
    default: bool  # the field has a default
    owner: type  # the record class (its source comments are the descriptions)


@dataclass(frozen=True)
class _Group:
    key: str  # JSON key of the group object
    fields: tuple[_Field, ...]  # its members
    nullable: bool  # null when the first member is None


@dataclass(frozen=True)
class _Extra:
    computed: Computed  # the computed member
    kind: _Kind  # its type


_Entry = _Field | _Group | _Extra


@dataclass(frozen=True)
class _Plan:
    cls: type  # the record class
    shape: Shape  # its shape
    entries: tuple[_Entry, ...]  # JSON members, in order


def field_docs(cls: type) -> dict[str, str]:
    """Each field's description: ``metadata["doc"]``, else its comment in the class source.

    A comment goes on over the comment-only lines right below its field.
    """
    docs: dict[str, str] = {}
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        source = ""
    names = {f.name for f in dataclasses.fields(cls)}
    current: str | None = None  # the field whose comment is being read
    column: int | None = None  # indentation of the class body
    starting = True  # the next token starts a logical line
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.COMMENT:
            if current is not None and (not starting or tok.start[1] == column):
                text = tok.string.lstrip("#").strip()
                docs[current] = f"{docs[current]} {text}" if current in docs else text
            continue
        if tok.type in (tokenize.NL, tokenize.INDENT, tokenize.DEDENT):
            continue
        if tok.type == tokenize.NEWLINE:
            starting = True
            continue
        if starting:
            follows = tokens[i + 1].string if i + 1 < len(tokens) else ""
            is_field = tok.type == tokenize.NAME and tok.string in names and follows == ":"
            if is_field and column is None and tok.start[1] > 0:
                column = tok.start[1]
            current = tok.string if is_field and tok.start[1] == column else None
            starting = False
    for f in dataclasses.fields(cls):
        if "doc" in f.metadata:
            docs[f.name] = str(f.metadata["doc"])
    return docs


class Codec:
    """Encode, decode and describe (JSON Schema) a family of records.

    Args:
        shapes: every record class the codec meets, with its shape (a class it meets
            without one gets the plain ``Shape()``).
        names: names the type hints use that their modules import only for type checking
            (the record classes in ``shapes`` are known already).
    """

    def __init__(self, shapes: Mapping[type, Shape], names: Mapping[str, object] = {}) -> None:
        self._shapes = dict(shapes)
        self._names: dict[str, object] = {c.__name__: c for c in shapes} | dict(names)
        self._plans: dict[type, _Plan] = {}
        self._docs: dict[type, dict[str, str]] = {}  # read when a schema is made
        for cls in shapes:
            self._plan(cls)

    # -- plans ----------------------------------------------------------------------------

    def _plan(self, cls: type) -> _Plan:
        plan = self._plans.get(cls)
        if plan is not None:
            return plan
        shape = self._shapes.get(cls, Shape())
        module = sys.modules[cls.__module__].__dict__
        hints = typing.get_type_hints(cls, globalns={**self._names, **module})
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = set(shape.members) - set(names)
        if unknown:
            raise TypeError(f"{cls.__name__}: shape names no field {sorted(unknown)}")
        entries: list[_Entry] = []
        groups: dict[str, list[_Field]] = {}
        for f in dataclasses.fields(cls):
            member = shape.members.get(f.name, Member())
            has_default = (
                f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
            )
            item = _Field(
                name=f.name,
                key=member.key or f.name,
                kind=self._kind(hints[f.name]),
                member=member,
                default=has_default,
                owner=cls,
            )
            if member.group is None:
                entries.append(item)
            elif member.group in groups:
                groups[member.group].append(item)
            else:
                groups[member.group] = [item]
                entries.append(_Group(member.group, (), member.group in shape.nullable_groups))
        entries = [
            _Group(e.key, tuple(groups[e.key]), e.nullable) if isinstance(e, _Group) else e
            for e in entries
        ]
        for extra in shape.computed:
            at = [_key(e) for e in entries].index(extra.after) + 1
            entries.insert(at, _Extra(extra, self._kind(extra.type)))
        if shape.order:
            by_key = {_key(e): e for e in entries}
            if sorted(by_key) != sorted(shape.order):
                raise TypeError(f"{cls.__name__}: order {shape.order} is not {sorted(by_key)}")
            entries = [by_key[k] for k in shape.order]
        plan = _Plan(cls, shape, tuple(entries))
        self._plans[cls] = plan
        return plan

    def _kind(self, hint: object) -> _Kind:
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin is Literal:
            return _Kind("literal", values=args)
        if origin in (Union, types.UnionType):
            return _Kind("union", args=tuple(self._kind(a) for a in args))
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            item = args[0]
            pair = typing.get_args(item)
            if typing.get_origin(item) is tuple and len(pair) == 2 and pair[0] is str:
                return _Kind("pairs", args=(self._kind(pair[1]),))
            return _Kind("list", args=(self._kind(item),))
        if origin in (dict, Mapping) and args[:1] == (str,):
            return _Kind("map", args=(self._kind(args[1]),))
        if origin is not None:
            raise TypeError(f"no JSON form for the type {hint!r}")
        simple = {str: "str", bool: "bool", int: "int", float: "float", _NONE: "none", None: "none"}
        if hint in simple:
            return _Kind(simple[hint])
        if isinstance(hint, type) and issubclass(hint, PurePath):
            return _Kind("path")
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            self._plan(hint)
            return _Kind("record", record=hint)
        raise TypeError(f"no JSON form for the type {hint!r}")

    # -- encode ---------------------------------------------------------------------------

    def encode(self, record: object, outer: object = None) -> dict[str, Any]:
        """The JSON object of a record (``outer``: the record that holds it, if any)."""
        plan = self._plan(type(record))
        out: dict[str, Any] = {}
        for entry in plan.entries:
            if isinstance(entry, _Field):
                out[entry.key] = self._encode(entry.kind, getattr(record, entry.name), record)
            elif isinstance(entry, _Group):
                first = getattr(record, entry.fields[0].name)
                out[entry.key] = (
                    None
                    if entry.nullable and first is None
                    else {
                        f.key: self._encode(f.kind, getattr(record, f.name), record)
                        for f in entry.fields
                    }
                )
            else:
                value = entry.computed.get(record, outer)
                out[entry.computed.key] = self._encode(entry.kind, value, record)
        if plan.shape.sort_keys:
            out = _sorted(out)
        return out

    def _encode(self, kind: _Kind, value: Any, outer: object) -> Any:
        tag = kind.tag
        if tag == "float":
            return None if isinstance(value, float) and math.isnan(value) else value
        if tag == "record":
            return self.encode(value, outer)
        if tag == "list":
            return [self._encode(kind.args[0], v, outer) for v in value]
        if tag == "map":
            return {k: self._encode(kind.args[0], v, outer) for k, v in value.items()}
        if tag == "pairs":
            return {k: self._encode(kind.args[0], v, outer) for k, v in value}
        if tag == "path":
            return str(value)
        if tag == "union":
            for option in kind.args:
                if _fits(option, value):
                    return self._encode(option, value, outer)
            return value  # off its type: written as it is (the schema check will say)
        return value

    # -- decode ---------------------------------------------------------------------------

    def decode(self, cls: type[T], data: Mapping[str, Any]) -> T:
        """Read :meth:`encode` output back (unknown and computed members are ignored).

        Raises:
            KeyError, TypeError, ValueError: for data that does not follow the shape.
        """
        plan = self._plan(cls)
        kwargs: dict[str, Any] = {}
        for entry in plan.entries:
            if isinstance(entry, _Field):
                self._decode_field(entry, data, kwargs)
            elif isinstance(entry, _Group):
                inner = data.get(entry.key)
                for f in entry.fields:
                    if inner is None:
                        kwargs[f.name] = None
                    else:
                        self._decode_field(f, inner, kwargs)
        return cls(**kwargs)

    def _decode_field(self, f: _Field, data: Mapping[str, Any], kwargs: dict[str, Any]) -> None:
        if f.key in data:
            kwargs[f.name] = self._decode(f.kind, data[f.key])
        elif f.default:
            return
        elif _fits(f.kind, None):
            kwargs[f.name] = None
        elif f.kind.tag == "float":  # unknown: NaN, or 0 where NaN cannot stand
            kwargs[f.name] = 0.0 if f.member.finite else math.nan
        elif f.kind.tag in ("list", "pairs"):
            kwargs[f.name] = ()
        elif f.kind.tag == "map":
            kwargs[f.name] = {}
        else:
            raise KeyError(f.key)

    def _decode(self, kind: _Kind, data: Any) -> Any:
        tag = kind.tag
        if tag == "float":
            return math.nan if data is None else float(data)
        if tag == "int":
            return int(data)
        if tag == "bool":
            return bool(data)
        if tag == "record":
            assert kind.record is not None
            return self.decode(kind.record, data)
        if tag == "list":
            return tuple(self._decode(kind.args[0], v) for v in data)
        if tag == "map":
            return {str(k): self._decode(kind.args[0], v) for k, v in data.items()}
        if tag == "pairs":
            return tuple((str(k), self._decode(kind.args[0], v)) for k, v in data.items())
        if tag == "path":
            from pathlib import Path

            return Path(data)
        if tag == "union":
            for option in kind.args:
                if _reads(option, data):
                    return self._decode(option, data)
            return data  # off its type: read as it is
        return data

    # -- schema ---------------------------------------------------------------------------

    def schema(self, root: type, **top: Any) -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) of ``root``'s JSON; ``top`` goes first in it."""
        defs: dict[str, Any] = {}
        body = self._object_schema(self._plan(root), defs)
        out: dict[str, Any] = {**top, **body}
        if defs:
            out["$defs"] = defs
        return out

    def _object_schema(self, plan: _Plan, defs: dict[str, Any]) -> dict[str, Any]:
        props: dict[str, Any] = {}
        required: list[str] = []
        for entry in plan.entries:
            if isinstance(entry, _Field):
                props[entry.key] = self._member_schema(entry, defs)
                if not (entry.member.optional or (plan.shape.optional_defaults and entry.default)):
                    required.append(entry.key)
            elif isinstance(entry, _Group):
                first, *rest = entry.fields
                if entry.nullable:  # the group is null exactly when its first member is None
                    first = dataclasses.replace(first, kind=_without_none(first.kind))
                group: dict[str, Any] = {
                    "type": "object",
                    "properties": {f.key: self._member_schema(f, defs) for f in (first, *rest)},
                    "required": [f.key for f in entry.fields],
                    "additionalProperties": False,
                }
                props[entry.key] = {"oneOf": [group, {"type": "null"}]} if entry.nullable else group
                required.append(entry.key)
            else:
                extra = entry.computed
                props[extra.key] = _described(
                    self._schema(entry.kind, extra.member, defs), extra.doc
                )
                if not extra.member.optional:
                    required.append(extra.key)
        return {
            "type": "object",
            "properties": props,
            "required": required,
            "additionalProperties": plan.shape.open,
        }

    def _member_schema(self, f: _Field, defs: dict[str, Any]) -> dict[str, Any]:
        if f.owner not in self._docs:
            self._docs[f.owner] = field_docs(f.owner)
        return _described(self._schema(f.kind, f.member, defs), self._docs[f.owner].get(f.name, ""))

    def _schema(self, kind: _Kind, member: Member, defs: dict[str, Any]) -> dict[str, Any]:
        tag = kind.tag
        leaf = dataclasses.replace(member, min_items=None, max_items=None, required_keys=())
        out: dict[str, Any]
        if tag == "record":
            assert kind.record is not None
            plan = self._plan(kind.record)
            if plan.shape.ref is None:
                return self._object_schema(plan, defs)
            if plan.shape.ref not in defs:
                defs[plan.shape.ref] = {}  # reserved first: a record may hold its own kind
                defs[plan.shape.ref] = self._object_schema(plan, defs)
            return {"$ref": f"#/$defs/{plan.shape.ref}"}
        if tag == "list":
            out = {"type": "array", "items": self._schema(kind.args[0], leaf, defs)}
            if member.min_items is not None:
                out["minItems"] = member.min_items
            if member.max_items is not None:
                out["maxItems"] = member.max_items
            return out
        if tag in ("map", "pairs"):
            out = {"type": "object"}
            if member.required_keys:
                out["required"] = list(member.required_keys)
            out["additionalProperties"] = self._schema(kind.args[0], leaf, defs)
            return out
        if tag == "union":
            options = [self._schema(a, Member(), defs) for a in kind.args]
            merged = _merge_types(options)
            if merged is None:
                return {"oneOf": options}
            return _constrained(merged, member)
        if tag == "literal" or (tag == "str" and member.enum is not None):
            values = list(member.enum if member.enum is not None else kind.values)
            if member.open_enum:
                known = ", ".join(str(v) for v in values)
                return {
                    "type": "string",
                    "description": f"known values: {known}; later versions may add others",
                }
            return {"enum": values}
        simple = {
            "str": "string",
            "path": "string",
            "int": "integer",
            "bool": "boolean",
            "none": "null",
        }
        if tag == "float":
            out = {"type": "number" if member.finite else ["number", "null"]}
        else:
            out = {"type": simple[tag]}
        return _constrained(out, member)


def _key(entry: _Entry) -> str:
    if isinstance(entry, _Extra):
        return entry.computed.key
    return entry.key


def _without_none(kind: _Kind) -> _Kind:
    if kind.tag != "union":
        return kind
    rest = tuple(a for a in kind.args if a.tag != "none")
    return rest[0] if len(rest) == 1 else _Kind("union", args=rest)


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _fits(kind: _Kind, value: object) -> bool:
    """Whether a Python value is of the kind (for picking a union member to encode)."""
    tag = kind.tag
    if tag == "none":
        return value is None
    if tag == "union":
        return any(_fits(a, value) for a in kind.args)
    if tag == "bool":
        return isinstance(value, bool)
    if tag == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if tag == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tag in ("str", "literal"):
        return isinstance(value, str)
    if tag == "path":
        return isinstance(value, PurePath)
    if tag == "record":
        return isinstance(value, kind.record)  # type: ignore[arg-type]
    if tag in ("list", "pairs"):
        return isinstance(value, tuple | list)
    return isinstance(value, Mapping)


def _reads(kind: _Kind, data: object) -> bool:
    """Whether JSON data can be read as the kind (for picking a union member to decode)."""
    tag = kind.tag
    if tag in ("record", "map", "pairs"):
        return isinstance(data, dict)
    if tag == "list":
        return isinstance(data, list)
    if tag == "path":
        return isinstance(data, str)
    return _fits(kind, data)


def _merge_types(options: list[dict[str, Any]]) -> dict[str, Any] | None:
    """One ``{"type": [...]}`` for a union of plain types (at most one array), else None."""
    types_: list[str] = []
    items: list[Any] = []
    for option in options:
        if set(option) - {"type", "items"}:
            return None
        kinds = option["type"] if isinstance(option["type"], list) else [option["type"]]
        types_ += [k for k in kinds if k not in types_]
        if "items" in option:
            items.append(option["items"])
    if len(items) > 1:
        return None
    if "number" in types_ and "integer" in types_:
        types_.remove("integer")
    out: dict[str, Any] = {"type": types_[0] if len(types_) == 1 else types_}
    if items:
        out["items"] = items[0]
    return out


def _constrained(schema: dict[str, Any], member: Member) -> dict[str, Any]:
    out = dict(schema)
    if member.pattern is not None:
        out["pattern"] = member.pattern
    if member.format is not None:
        out["format"] = member.format
    if member.minimum is not None:
        out["minimum"] = (
            int(member.minimum) if float(member.minimum).is_integer() else member.minimum
        )
    return out


def _described(schema: dict[str, Any], doc: str) -> dict[str, Any]:
    if not doc:
        return schema
    known = schema.get("description")
    return {**schema, "description": f"{doc}; {known}" if known else doc}
