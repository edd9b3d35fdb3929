"""The response cache: content-addressed, in one SQLite file shared by all workers.

A response is stored under a key that covers everything that decides it (DESIGN.md §3.7):

* the model fingerprint (:attr:`ModelInfo.fingerprint`: weights, processor, chat template
  and dtype), with the backend and dtype;
* the full request: every message's role, text and image hashes (SHA-256 of the PNG);
* the generation config (every field);
* the task id and the version of the task's data (handed in: the registered task's
  :attr:`~pytest_multitrust.tasks.base.TaskSpec.data_version`).

Only deterministic generations are stored: greedy decoding (``do_sample=False``) by a
model whose ``info.deterministic`` is true, and only responses without an error. Scripted
reference models are not cached: they answer instantly, and a test suite's script can
change its answers without changing its fingerprint.

The file lives in the pytest cache directory (``.pytest_cache/d/multitrust/``, cleared by
``--cache-clear``), or in ``--mt-cache-dir`` when given. It runs in WAL mode with a busy
timeout and one short transaction per batch, so concurrent xdist workers read and write
it safely, and a run killed half-way keeps every batch it finished.

:class:`SQLiteCache` is a plain namespaced key-value store: the response cache uses the
``responses`` namespace; other parts (the judge, attacks) keep their own values in their
own namespaces with :meth:`SQLiteCache.get` / :meth:`SQLiteCache.put` and keys made by
:func:`~pytest_multitrust.models.keys.cache_key`.

The ``images`` namespace keeps the PNG bytes of drawn sample images (:class:`ImageCache`),
so that a warm re-run need not draw and encode every image again just to learn its hash:
drawing is most of what a fully cached run would still do. An image is keyed by its
recipe *and* the recipe's :attr:`~pytest_multitrust.tasks.base.ImageRecipe.cache_version`
(a hash of every module of :mod:`pytest_multitrust.imaging`, the Pillow and FreeType
versions); only the built-in drawers are cached (never ``file`` images, nor drawers
registered elsewhere, whose code is not hashed).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import sqlite3
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_multitrust.errors import MultitrustWarning
from pytest_multitrust.models.base import ImageData, Response
from pytest_multitrust.models.keys import cache_key, is_cacheable

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    import pytest

    from pytest_multitrust.engine.batching import ResponseStore
    from pytest_multitrust.models.base import MLLM, GenerationConfig, ModelInfo, Request
    from pytest_multitrust.settings import Settings
    from pytest_multitrust.tasks.base import ImageRecipe

__all__ = [
    "CACHE_FILE",
    "IMAGES",
    "RESPONSES",
    "CacheStats",
    "ImageCache",
    "RescoreStore",
    "ResponseCache",
    "SQLiteCache",
    "cache_path",
    "database_of",
    "open_caches",
    "response_key",
    "stats_of",
]

#: File name of the cache; the suffix is the schema version (a new schema, a new file).
CACHE_FILE = "multitrust-cache-v1.sqlite3"

#: Namespace of model responses.
RESPONSES = "responses"

#: Namespace of drawn sample images (PNG, base64).
IMAGES = "images"

#: Version of the response key layout; part of every response key.
_KEY_VERSION = "response-v1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (namespace, key)
) WITHOUT ROWID
"""

#: SQLite limits the number of host parameters per statement; stay well below it.
_CHUNK = 400


def response_key(
    info: ModelInfo, request: Request, config: GenerationConfig, data_version: str
) -> str:
    """The cache key of one response (see the module docstring for what it covers)."""
    messages = [
        [message.role, message.text, [image.sha256 for image in message.images]]
        for message in request.messages
    ]
    return cache_key(
        _KEY_VERSION,
        {"backend": info.backend, "fingerprint": info.fingerprint, "dtype": info.dtype},
        messages,
        asdict(config),
        request.task_id,
        data_version,
    )


def _encode(response: Response) -> str:
    # ASCII JSON: any text, lone surrogates included, is stored and read back exactly
    return json.dumps(
        {
            "text": response.text,
            "prompt_tokens": response.prompt_tokens,
            "completion_tokens": response.completion_tokens,
            "latency_s": response.latency_s,
            "finish_reason": response.finish_reason,
        },
        sort_keys=True,
        ensure_ascii=True,
    )


def _decode(value: str) -> Response | None:
    try:
        raw = json.loads(value)
        if not isinstance(raw["text"], str):  # e.g. a null stored by an older version
            return None
        return Response(
            text=raw["text"],
            prompt_tokens=int(raw["prompt_tokens"]),
            completion_tokens=int(raw["completion_tokens"]),
            latency_s=float(raw["latency_s"]),
            finish_reason=str(raw["finish_reason"]),
            cached=True,
        )
    except (ValueError, KeyError, TypeError):  # a damaged entry is a miss
        return None


def _to_sql(text: str) -> str | bytes:
    """``text`` as SQLite can hold it: itself, or its bytes when it is not valid Unicode.

    A lone surrogate cannot be encoded as UTF-8, so such a string is stored as the bytes
    ``surrogatepass`` gives (:func:`_from_sql` reads them back); any other string is
    stored as text, as before.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")
    return text


def _from_sql(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogatepass")
    return str(value)


def _is_busy(error: sqlite3.Error) -> bool:
    """Whether ``error`` is another process holding the file for a moment."""
    return getattr(error, "sqlite_errorname", None) in ("SQLITE_BUSY", "SQLITE_LOCKED")


#: SQLite's result codes for a damaged file (``sqlite3.Error.sqlite_errorname``).
_CORRUPT = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})


class SQLiteCache:
    """A namespaced key-value store in one SQLite file, safe for concurrent processes.

    The connection opens on first use (in the process that uses it), in WAL mode with a
    busy timeout; every write is one short ``BEGIN IMMEDIATE`` transaction. Keys and
    values may be any string (lone surrogates included). When the file cannot be opened or
    written (read-only disk), the cache warns once with :class:`MultitrustWarning`, saying
    what to do, and behaves as empty: a broken cache never fails a run. A corrupt file
    (not a database, malformed pages) is moved aside once, to ``<name>.corrupt-<time>``,
    and a fresh cache takes its place, so the warning does not come back on every run.

    Example:
        >>> store = SQLiteCache(tmp_path / "c.sqlite3")  # doctest: +SKIP
        >>> store.put("judge", cache_key("v1", "prompt"), "Yes")  # doctest: +SKIP
        >>> store.get("judge", cache_key("v1", "prompt"))  # doctest: +SKIP
        'Yes'
    """

    def __init__(self, path: Path, *, busy_timeout_s: float = 60.0) -> None:
        """Remember where the file is; nothing is opened yet.

        Args:
            path: the SQLite file (created with its directory on first use).
            busy_timeout_s: how long a writer waits for another process's transaction.
        """
        self.path = path
        self.busy_timeout_s = busy_timeout_s
        self._connection: sqlite3.Connection | None = None
        self._broken = False
        self._inode: int | None = None  # the file this process opened (to move only it aside)
        self._quarantined = False  # a corrupt file was moved aside by this process

    def _connect(self) -> sqlite3.Connection | None:
        if self._connection is not None or self._broken:
            return self._connection
        deadline = time.monotonic() + self.busy_timeout_s
        pause = 0.02
        while True:
            try:
                connection = self._open()
            except sqlite3.OperationalError as error:
                # Two processes opening a new file at once: switching it to WAL can answer
                # "database is locked" at once, without waiting for the busy timeout.
                if _is_busy(error) and time.monotonic() < deadline:
                    time.sleep(pause)
                    pause = min(pause * 2, 0.5)
                    continue
                if self._fail("cannot open", error):
                    return self._connect()
                return None
            except (OSError, sqlite3.Error) as error:
                if self._fail("cannot open", error):
                    return self._connect()
                return None
            break
        if self._inode is None and self.path.exists():
            self._inode = self.path.stat().st_ino
        self._connection = connection
        return connection

    def _open(self) -> sqlite3.Connection:
        """Open the file in WAL mode with the schema; closes what it opened when it fails."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._inode = self.path.stat().st_ino if self.path.exists() else None
        connection = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None)
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute(_SCHEMA)
        except BaseException:
            connection.close()
            raise
        return connection

    def _fail(self, what: str, error: BaseException) -> bool:
        """Warn once and stop using the file; True when a corrupt file was replaced.

        A corrupt file is moved aside (once per process) and the caller may reconnect to
        a fresh one; any other failure turns the cache off for the rest of the process.
        """
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._is_corrupt(error) and not self._quarantined:
            self._quarantined = True
            moved = self._move_aside()
            where = f"moved it to {moved.name}" if moved else "another process moved it aside"
            warnings.warn(
                MultitrustWarning(
                    f"response cache {self.path} is corrupt ({type(error).__name__}: {error}); "
                    f"{where} and started a fresh cache (its responses are generated again; "
                    "delete the moved file once you no longer need it)"
                ),
                stacklevel=3,
            )
            return True
        if not self._broken:
            warnings.warn(
                MultitrustWarning(
                    f"response cache {self.path}: {what} ({type(error).__name__}: {error}); "
                    "continuing without the cache. Make its folder writable, choose another "
                    "with --mt-cache-dir=DIR, or turn the cache off with --mt-cache=off"
                ),
                stacklevel=3,
            )
        self._broken = True
        return False

    @staticmethod
    def _is_corrupt(error: BaseException) -> bool:
        return getattr(error, "sqlite_errorname", None) in _CORRUPT

    def _move_aside(self) -> Path | None:
        """Rename the corrupt file (and its WAL files); None when it is no longer there.

        Only the file this process opened is moved: when another worker has already
        replaced it with a fresh cache (another inode), that one is left alone.
        """
        try:
            if self._inode is not None and self.path.stat().st_ino != self._inode:
                return None
            target = self.path.with_name(
                f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
            )
            self.path.rename(target)
        except OSError:
            return None
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(OSError):
                self.path.with_name(self.path.name + suffix).rename(
                    target.with_name(target.name + suffix)
                )
        self._inode = None
        return target

    def get(self, namespace: str, key: str) -> str | None:
        """The value stored under ``(namespace, key)``, or None."""
        return self.get_many(namespace, [key]).get(key)

    def get_many(self, namespace: str, keys: Sequence[str]) -> dict[str, str]:
        """The stored values of those ``keys`` that are present."""
        connection = self._connect()
        found: dict[str, str] = {}
        if connection is None:
            return found
        unique = list(dict.fromkeys(keys))
        try:
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = connection.execute(
                    f"SELECT key, value FROM entries WHERE namespace = ? AND key IN ({marks})",
                    (namespace, *[_to_sql(key) for key in chunk]),
                ).fetchall()
                found.update((_from_sql(k), _from_sql(v)) for k, v in rows)
        except sqlite3.Error as error:
            if self._fail("cannot read", error):
                return self.get_many(namespace, keys)
            return {}
        return found

    def put(self, namespace: str, key: str, value: str) -> None:
        """Store ``value`` under ``(namespace, key)``, replacing any old value."""
        self.put_many(namespace, [(key, value)])

    def put_many(self, namespace: str, items: Iterable[tuple[str, str]]) -> None:
        """Store several values in one transaction."""
        rows = [(namespace, _to_sql(key), _to_sql(value), time.time()) for key, value in items]
        if not rows:
            return
        connection = self._connect()
        if connection is None:
            return
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.executemany(
                    "INSERT OR REPLACE INTO entries (namespace, key, value, created) "
                    "VALUES (?, ?, ?, ?)",
                    rows,
                )
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            if self._fail("cannot write", error):
                self.put_many(namespace, [(_from_sql(r[1]), _from_sql(r[2])) for r in rows])

    def count(self, namespace: str) -> int:
        """How many entries ``namespace`` holds."""
        connection = self._connect()
        if connection is None:
            return 0
        row = connection.execute(
            "SELECT COUNT(*) FROM entries WHERE namespace = ?", (namespace,)
        ).fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close the connection (it reopens on next use)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


@dataclass
class CacheStats:
    """What the response cache did in this process."""

    hits: int = 0  # responses served from the cache
    misses: int = 0  # cacheable requests not found
    writes: int = 0  # responses stored
    uncacheable: int = 0  # requests of a model or config that is never cached


class ResponseCache:
    """The :class:`~pytest_multitrust.engine.batching.ResponseStore` backed by SQLite.

    Args:
        db: the key-value store.
        write: store fresh responses (``--mt-cache=readwrite``); False for ``read``.
        version_of: the data version of a task id, part of every key (the run hands in
            :func:`pytest_multitrust.tasks.registry.data_version`: the registered
            task's :attr:`~pytest_multitrust.tasks.base.TaskSpec.data_version`).
    """

    def __init__(
        self,
        db: SQLiteCache,
        *,
        version_of: Callable[[str], str],
        write: bool = True,
    ) -> None:
        self.db = db
        self.write = write
        self.stats = CacheStats()
        self._version_of = version_of
        self._versions: dict[str, str] = {}

    def _key(self, info: ModelInfo, request: Request, config: GenerationConfig) -> str:
        task_id = request.task_id
        if task_id not in self._versions:
            self._versions[task_id] = self._version_of(task_id)
        return response_key(info, request, config, self._versions[task_id])

    def get_many(
        self, model: MLLM, requests: Sequence[Request], config: GenerationConfig
    ) -> list[Response | None]:
        """Cached responses (``cached=True``), ``None`` where there is none."""
        info = model.info
        if not is_cacheable(info, config):
            self.stats.uncacheable += len(requests)
            return [None] * len(requests)
        keys = [self._key(info, request, config) for request in requests]
        found = self.db.get_many(RESPONSES, keys)
        hits: list[Response | None] = [
            _decode(found[key]) if key in found else None for key in keys
        ]
        served = sum(hit is not None for hit in hits)
        self.stats.hits += served
        self.stats.misses += len(hits) - served
        return hits

    def put_many(
        self,
        model: MLLM,
        requests: Sequence[Request],
        config: GenerationConfig,
        responses: Sequence[Response],
    ) -> None:
        """Store the error-free responses of a cacheable model, in one transaction."""
        info = model.info
        if not self.write or not is_cacheable(info, config):
            return
        items = [
            (self._key(info, request, config), _encode(response))
            for request, response in zip(requests, responses, strict=True)
            if response.error is None and response.finish_reason != "error"
        ]
        self.db.put_many(RESPONSES, items)
        self.stats.writes += len(items)


class RescoreStore:
    """``--mt-rescore``: cached responses only; a miss becomes an error response.

    Nothing is generated: every request gets either its cached response or a response
    whose ``error`` says that it was not in the cache, so the sample test errors with
    that message and the task's metrics count only what was cached.
    """

    def __init__(self, cache: ResponseCache) -> None:
        """Wrap the response cache that holds the earlier run's responses."""
        self.cache = cache

    def get_many(
        self, model: MLLM, requests: Sequence[Request], config: GenerationConfig
    ) -> list[Response | None]:
        """Every request answered: from the cache, or with an error response."""
        info = model.info
        if not is_cacheable(info, config):
            why = (
                f"--mt-rescore: responses of {info.name} are never cached (scripted model "
                "or sampling decoding), so there is nothing to re-score"
            )
        else:
            why = (
                "--mt-rescore: no cached response for this sample (--mt-rescore generates "
                "nothing); run once without --mt-rescore to generate it"
            )
        hits = self.cache.get_many(model, requests, config)
        return [
            hit if hit is not None else Response(text="", finish_reason="error", error=why)
            for hit in hits
        ]

    def put_many(
        self,
        model: MLLM,
        requests: Sequence[Request],
        config: GenerationConfig,
        responses: Sequence[Response],
    ) -> None:
        """Nothing is generated, so nothing is stored."""


class ImageCache:
    """Drawn images by recipe, so warm re-runs skip drawing and PNG encoding.

    Args:
        db: the key-value store (the ``images`` namespace is used).
        write: store images drawn now (``--mt-cache=readwrite``).
    """

    def __init__(self, db: SQLiteCache, *, write: bool = True) -> None:
        self.db = db
        self.write = write
        self.hits = 0  # images read from the cache
        self.drawn = 0  # images drawn (cache miss or not cacheable)

    @staticmethod
    def _key(recipe: ImageRecipe) -> str | None:
        version = recipe.cache_version  # None: a drawer whose code is not hashed
        if version is None:
            return None
        return cache_key("image-v1", version, recipe.kind, recipe.params_json)

    def image(self, recipe: ImageRecipe, draw: Callable[[ImageRecipe], ImageData]) -> ImageData:
        """The image of ``recipe``: from the cache, else drawn by ``draw`` (and stored)."""
        key = self._key(recipe)
        if key is not None:
            found = self.db.get(IMAGES, key)
            if found is not None:
                try:
                    image = ImageData(png=base64.b64decode(found, validate=True))
                except ValueError:  # a damaged entry is a miss
                    pass
                else:
                    self.hits += 1
                    return image
        image = draw(recipe)
        self.drawn += 1
        if key is not None and self.write:
            self.db.put(IMAGES, key, base64.b64encode(image.png).decode("ascii"))
        return image


def cache_path(config: pytest.Config, settings: Settings) -> Path:
    """Where the cache file lives.

    In ``--mt-cache-dir`` (or the ``multitrust_cache_dir`` ini key) when given; else in
    the pytest cache directory (``.pytest_cache/d/multitrust``); else, with the cache
    provider disabled (``-p no:cacheprovider``), in the default cache directory.
    """
    if settings.cache_dir_explicit:
        return settings.cache_dir / CACHE_FILE
    cache = getattr(config, "cache", None)
    if cache is not None:
        return Path(cache.mkdir("multitrust")) / CACHE_FILE
    return settings.cache_dir / CACHE_FILE


def open_caches(
    config: pytest.Config, settings: Settings, *, version_of: Callable[[str], str]
) -> tuple[ResponseStore | None, ImageCache | None]:
    """The response store and the image cache the settings ask for; None for ``off``.

    Both live in one SQLite file, which is opened on first use in the process that uses
    it and closed when pytest unconfigures.

    Args:
        config: the pytest config.
        settings: validated settings.
        version_of: the data version of a task id (see :class:`ResponseCache`).
    """
    if settings.cache_mode == "off":
        return None, None
    db = SQLiteCache(cache_path(config, settings))
    config.add_cleanup(db.close)
    write = settings.cache_mode == "readwrite"
    responses = ResponseCache(db, write=write, version_of=version_of)
    store: ResponseStore = RescoreStore(responses) if settings.rescore else responses
    return store, ImageCache(db, write=write)


def stats_of(store: object) -> CacheStats | None:
    """The :class:`CacheStats` of a store built here, or None for any other store."""
    if isinstance(store, RescoreStore):
        return store.cache.stats
    if isinstance(store, ResponseCache):
        return store.stats
    return None


def database_of(store: object) -> SQLiteCache | None:
    """The cache database behind a store built here, or None for any other store.

    The judge keeps its verdicts in this same database (its own namespace), so a run
    opens its cache file once.
    """
    if isinstance(store, RescoreStore):
        return store.cache.db
    if isinstance(store, ResponseCache):
        return store.db
    return None
