"""Practice data files (data/safety.yml, data/appointment_types.yml, data/lookups/*.yml) that a
practice edits by hand: a mistake is reported with file and line, and never takes the bot down.

`read_yaml` parses a file keeping, on every mapping, the line it starts on and the line of each
key, so the loaders can say where a wrong value is (`line_of`). `KeepLastGood` holds what a
loader built from a file: it builds again when the file changes; when the new version is
broken it logs the file, line and problem (never the file's text) and goes on with the version
it had. A process that starts on a broken file uses the copy of the last version that loaded
(kept under var/last_good/); the emergency screen never stops for a typo.
"""
from __future__ import annotations

import logging
import os
import shutil
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Generic, TypeVar

import yaml

from bot.config import DATA_DIR, PROJECT_ROOT, VAR_DIR

logger = logging.getLogger(__name__)
T = TypeVar("T")
#: copies of the last version of each practice file that loaded
LAST_GOOD_DIR = VAR_DIR / "last_good"
#: the practice as clients hear of it: name, phone, address, hours, everyday answers
PRACTICE_FILE = DATA_DIR / "practice.yml"


class PracticeDataError(ValueError):
    """A practice file that cannot be used, with where and why (for the practice, no data)."""

    def __init__(self, file: str | Path, line: int | None, problem: str):
        self.file, self.line, self.problem = str(file), line, problem
        where = f"{_shown(self.file)}, line {line}" if line else _shown(self.file)
        super().__init__(f"{where}: {problem}")


class LineDict(dict):
    """A mapping read from YAML that knows its own line and each key's line (1-based)."""

    line: int | None = None
    key_lines: dict

    def line_of(self, key=None) -> int | None:
        return getattr(self, "key_lines", {}).get(key, self.line) if key is not None else self.line


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode):
    data = LineDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        data[key] = loader.construct_object(value_node, deep=True)
        try:
            data.key_lines[key] = key_node.start_mark.line + 1
        except TypeError:  # an unhashable key is reported by the loader that reads it
            pass


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def line_of(value, key=None) -> int | None:
    """The line a mapping (or one of its keys) was read from, when it was read by read_yaml."""
    return value.line_of(key) if isinstance(value, LineDict) else None


def read_yaml(path: str | Path):
    """The file's data; a YAML mistake is a PracticeDataError with its line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PracticeDataError(path, None, f"cannot be read ({type(error).__name__})") from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join(str(p) for p in (error.context, error.problem) if p) or "not valid YAML"
        raise PracticeDataError(path, mark.line + 1 if mark else None,
                                f"not valid YAML ({problem})") from None
    except yaml.YAMLError as error:
        raise PracticeDataError(path, None, f"not valid YAML ({type(error).__name__})") from None


@lru_cache(maxsize=1)
def practice_file() -> dict:
    """data/practice.yml, read once ({} when a practice has none): the one reader for the
    SMS texts, the everyday answers and the demo page."""
    try:
        return yaml.safe_load(PRACTICE_FILE.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return {}


def _shown(file: str) -> str:
    try:
        return str(Path(file).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(file)


def _stamp(files: list[Path]) -> tuple:
    stamps = []
    for file in files:
        try:
            stat = file.stat()
            stamps.append((str(file), stat.st_mtime_ns, stat.st_size))
        except OSError:
            stamps.append((str(file), None, None))
    return tuple(stamps)


def _last_good_copy(file: Path) -> Path | None:
    """Where the copy of a project file is kept; files elsewhere (tests' own) get none."""
    try:
        return LAST_GOOD_DIR / file.resolve().relative_to(PROJECT_ROOT)
    except ValueError:
        return None


@dataclass
class _Held(Generic[T]):
    stamp: tuple
    value: T
    failed_stamp: tuple | None = None


class KeepLastGood(Generic[T]):
    """What `build(files)` made of some practice files, rebuilt when they change and kept when
    the new version is broken."""

    def __init__(self, name: str):
        self.name = name
        self._held: dict[tuple, _Held[T]] = {}
        self._lock = threading.Lock()

    def get(self, files: list[Path], build: Callable[[list[Path]], T]) -> T:
        files = [Path(f) for f in files]
        key = tuple(str(f) for f in files)
        stamp = _stamp(files)
        held = self._held.get(key)
        if held is not None and stamp in (held.stamp, held.failed_stamp):
            return held.value
        with self._lock:
            held = self._held.get(key)
            if held is not None and stamp in (held.stamp, held.failed_stamp):
                return held.value
            try:
                value = build(files)
            except (PracticeDataError, ValueError, TypeError, KeyError, AttributeError) as error:
                return self._fall_back(key, stamp, files, build, error)
            self._held[key] = _Held(stamp, value)
            _keep_copies(files)
            return value

    def _fall_back(self, key, stamp, files, build, error) -> T:
        held = self._held.get(key)
        _report(self.name, error, using="the version loaded before" if held else
                "the last version that loaded")
        if held is not None:
            held.failed_stamp = stamp
            return held.value
        copies = [_last_good_copy(f) for f in files]
        if not all(c is not None and c.exists() for c in copies):
            raise error
        value = build(copies)  # the copies loaded once, so they load again
        self._held[key] = _Held(stamp, value, failed_stamp=stamp)
        return value


def _report(name: str, error: Exception, using: str) -> None:
    # the message names file, line and problem; loaders put no client data in them
    logger.error("%s: %s; going on with %s", name, error, using)


def _keep_copies(files: list[Path]) -> None:
    for file in files:
        if not file.exists():
            continue
        copy = _last_good_copy(file)
        if copy is None:
            continue
        try:
            if copy.exists() and copy.stat().st_size == file.stat().st_size and \
                    copy.read_bytes() == file.read_bytes():
                continue
            copy.parent.mkdir(parents=True, exist_ok=True)
            partial = copy.with_name(f".{copy.name}.{os.getpid()}")
            shutil.copyfile(file, partial)
            os.replace(partial, copy)
        except OSError as error:  # a read-only deployment keeps no copies; it still runs
            logger.warning("no last-good copy of %s kept (%s)", _shown(str(file)),
                           type(error).__name__)
