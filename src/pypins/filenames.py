"""What a distribution's filename tells: its type, its Python tag, its version, a
wheel's tags. Pure.

PyPI's Simple API lists files without the JSON API's ``packagetype`` or release key;
the names carry both (``requests-2.32.3-py3-none-any.whl``, ``docopt-0.6.2.tar.gz``).
Shared by the PyPI readers (releases rebuilt from the Simple API) and the badge facts
(versions of a Simple API page, wheel tags).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from packaging.version import InvalidVersion, Version

__all__ = [
    "MAX_NAME_COMPARISONS",
    "VersionMatcher",
    "filename_version",
    "package_type",
    "python_tag",
    "wheel_tags",
]

# Filename endings of the distribution types, with the names yarg gives them (the JSON
# API's ``packagetype`` for the rarer ones).
_SUFFIXES: Final = (
    (".whl", "wheel"),
    (".egg", "egg"),
    (".tar.gz", "source"),
    (".zip", "source"),
    (".tar.bz2", "source"),
    (".tgz", "source"),
    (".tar.xz", "source"),
    (".tar", "source"),
    (".exe", "bdist_wininst"),
    (".msi", "bdist_msi"),
    (".rpm", "bdist_rpm"),
    (".dmg", "bdist_dmg"),
)


def _split(filename: str) -> tuple[str, str]:
    """``(stem, kind)``: the name without its distribution extension, and the type."""
    lowered = filename.lower()
    for suffix, kind in _SUFFIXES:
        if lowered.endswith(suffix):
            return filename[: len(filename) - len(suffix)], kind
    return filename, "unknown"


def package_type(filename: str) -> str:
    """``wheel``, ``source``, ``egg``, ``bdist_wininst``... or ``unknown``."""
    return _split(filename)[1]


def python_tag(filename: str) -> str | None:
    """The JSON API's ``python_version`` of a file, as far as its name tells: ``source``
    for an sdist, a wheel's Python tag (``py3``), an egg's version (``2.7``)."""
    stem, kind = _split(filename)
    parts = stem.split("-")
    if kind == "source":
        return "source"
    if kind == "wheel" and len(parts) in (5, 6):
        return parts[-3]
    if kind == "egg" and len(parts) >= 3 and parts[2].startswith("py"):
        return parts[2][2:]
    return None


def wheel_tags(filename: str) -> tuple[list[str], list[str]]:
    """A wheel's ``<interpreter>-<abi>`` pairs and platform tags, its compressed tag
    sets expanded and lower-cased (``demo-1.0-py2.py3-none-any.whl``: ``py2-none``,
    ``py3-none``; ``any``); a name that is not a wheel's gives two empty lists.

    The parse is ``packaging.utils.parse_wheel_filename``'s without its validation of
    the name and version, so that old, oddly named wheels still count.
    """
    if not filename.endswith(".whl"):
        return [], []
    parts = filename[: -len(".whl")].lower().split("-")
    if len(parts) not in (5, 6):
        return [], []
    interpreters, abis, platforms = parts[-3], parts[-2], parts[-1]
    if "." in interpreters or "." in abis:  # compressed tag sets, e.g. py2.py3
        pairs = [f"{i}-{a}" for i in interpreters.split(".") if i for a in abis.split(".") if a]
    else:  # one pair, as most wheels have: a third cheaper this way
        pairs = [f"{interpreters}-{abis}"] if interpreters and abis else []
    return pairs, [platform for platform in platforms.split(".") if platform]


def filename_version(filename: str) -> str:
    """The version a filename shows, as written: the second dash-separated part of a
    wheel's or egg's name, the part after the last dash of an sdist's ("" if none)."""
    stem, kind = _split(filename)
    if kind in ("wheel", "egg"):
        parts = stem.split("-")
        return parts[1] if len(parts) > 1 else ""
    return stem.rpartition("-")[2]


#: Listed versions compared with file names by the last rule, per page at most: the page
#: is an upstream's, and the rule's cost grows with files times versions.
MAX_NAME_COMPARISONS: Final = 2_000_000


class VersionMatcher:
    """Finds which of a project's listed versions a filename belongs to: the version
    the name shows (``filename_version``), as written, else by PEP 440 equality (``1.0``
    listed, ``1.0.0`` in the name), else the longest listed version the name holds
    between a dash and a dot or dash (within ``MAX_NAME_COMPARISONS`` for one matcher).

    The second and third rules are for names that do not follow the usual layout, and
    their tables are built on first use."""

    def __init__(self, versions: Iterable[str]) -> None:
        self.listed = dict.fromkeys(versions)
        self._normalised: dict[Version, str] | None = None
        self._longest_first: list[str] | None = None
        self._comparisons_left = MAX_NAME_COMPARISONS

    def version(self, filename: str) -> str | None:
        """The listed version ``filename`` belongs to, or None."""
        candidate = filename_version(filename)
        if candidate in self.listed:
            return candidate
        parsed = _parse(candidate)
        found = None if parsed is None else self._equal_to(parsed)
        if found is None:
            found = self._held_in(filename)
        return found

    def _equal_to(self, version: Version) -> str | None:
        if self._normalised is None:
            self._normalised = {}
            for text in self.listed:
                parsed = _parse(text)
                if parsed is not None:
                    self._normalised.setdefault(parsed, text)
        return self._normalised.get(version)

    def _held_in(self, filename: str) -> str | None:
        """A name whose version says more than its release's (``1.10.0.post2`` files
        uploaded to 1.10.0; installers' platform, ``numpy-1.0.win32-py2.4.exe``): the
        longest listed version that follows a dash and ends at a dot or dash."""
        if self._longest_first is None:
            self._longest_first = sorted(self.listed, key=len, reverse=True)
        if self._comparisons_left < len(self._longest_first):
            return None
        self._comparisons_left -= len(self._longest_first)
        return next(
            (
                version
                for version in self._longest_first
                if f"-{version}." in filename or f"-{version}-" in filename
            ),
            None,
        )


def _parse(text: str) -> Version | None:
    try:
        return Version(text)
    except (InvalidVersion, ValueError):  # ValueError: more digits than int() takes
        return None
