"""Illustrative facts the kinds' examples render, so docs and the index need no network.

They are shaped like real projects' facts but are not a record of them; the test suite
checks that every example renders to exactly the badge it states, at ``EXAMPLE_NOW``.
Every example names a real project (the index page shows it live) in the state it
shows: each is recorded under ``tests/fixtures/pypi/``, and its recording gives a
badge of the example's colour.
These are the facts several badges' examples share; facts one badge alone shows live in
its unit of ``pypins.badges.kinds``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from pypins.badges.facts import PackageFacts

__all__ = [
    "DIGIPATHAI_0_1_3",
    "DJANGO",
    "DJANGO_FILTER",
    "DOCOPT",
    "EXAMPLE_NOW",
    "NUMPY",
    "PYCRYPTO",
    "PYGETPAPERS",
    "SIX",
    "SKLEARN",
    "YARG",
]

#: The ``now`` every example is rendered at.
EXAMPLE_NOW: Final = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

DJANGO: Final = PackageFacts(
    name="Django",
    normalized_name="django",
    version="5.2.8",
    highest_version="6.0rc1",
    python_versions=("3", "3.10", "3.11", "3.12", "3.13", "3.14"),
    python_only_majors=("3",),
    license_expression="BSD-3-Clause",
    license_classifiers=(),
    development_statuses=("5 - Production/Stable",),
    framework_versions=(("Django", "5.2"),),
    requires_python=">=3.10",
    file_kinds=("source", "wheel"),
    wheel_pythons=("py3-none",),
    wheel_platforms=("any",),
    upload_time=datetime(2026, 11, 5, 14, 2, 11, tzinfo=UTC),
    vulnerabilities=0,
    last_serial=31000000,
)

DJANGO_FILTER: Final = PackageFacts(
    name="django-filter",
    normalized_name="django-filter",
    version="25.2",
    highest_version="25.2",
    python_versions=("3", "3.10", "3.11", "3.12", "3.13", "3.14"),
    license_classifiers=("OSI Approved :: BSD License",),
    development_statuses=("5 - Production/Stable",),
    framework_versions=(("Django", "5.2"), ("Django", "4.2"), ("Django", "6.0")),
    requires_python=">=3.10",
    file_kinds=("source", "wheel"),
    wheel_pythons=("py3-none",),
    wheel_platforms=("any",),
    upload_time=datetime(2026, 8, 30, 9, 0, tzinfo=UTC),
)

NUMPY: Final = PackageFacts(
    name="numpy",
    normalized_name="numpy",
    version="2.3.5",
    highest_version="2.4.0rc1",
    python_versions=("3", "3.11", "3.12", "3.13", "3.14"),
    python_only_majors=("3",),
    implementations=("CPython",),
    license_expression="BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0",
    development_statuses=("5 - Production/Stable",),
    typed=True,
    requires_python=">=3.11",
    file_kinds=("source", "wheel"),
    wheel_pythons=(
        "cp311-cp311",
        "cp312-cp312",
        "cp313-cp313",
        "cp313-cp313t",
        "cp314-cp314",
        "cp314-cp314t",
        "pp311-pypy311_pp73",
    ),
    wheel_platforms=(
        "macosx_11_0_arm64",
        "manylinux_2_27_x86_64",
        "manylinux_2_28_aarch64",
        "musllinux_1_2_x86_64",
        "win_amd64",
        "win_arm64",
    ),
    upload_time=datetime(2026, 11, 16, 22, 10, tzinfo=UTC),
)

SIX: Final = PackageFacts(
    name="six",
    normalized_name="six",
    version="1.17.0",
    highest_version="1.17.0",
    python_versions=("2", "2.7", "3", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10"),
    license="MIT",
    license_classifiers=("OSI Approved :: MIT License",),
    development_statuses=("5 - Production/Stable",),
    requires_python="!=3.0.*,!=3.1.*,!=3.2.*,>=2.7",
    file_kinds=("source", "wheel"),
    wheel_pythons=("py2-none", "py3-none"),
    wheel_platforms=("any",),
    upload_time=datetime(2024, 12, 4, 17, 35, tzinfo=UTC),
)

YARG: Final = PackageFacts(
    name="yarg",
    normalized_name="yarg",
    version="0.1.10",
    highest_version="0.1.10",
    python_versions=("2.7", "3.3", "3.4", "3.5", "3.6"),
    implementations=("CPython", "PyPy"),
    license="MIT",
    license_classifiers=("OSI Approved :: MIT License",),
    development_statuses=("4 - Beta",),
    file_kinds=("source", "wheel"),
    wheel_pythons=("py2-none", "py3-none"),
    wheel_platforms=("any",),
    upload_time=datetime(2024, 8, 17, 13, 54, tzinfo=UTC),
)

DOCOPT: Final = PackageFacts(
    name="docopt",
    normalized_name="docopt",
    version="0.6.2",
    highest_version="0.6.2",
    python_versions=("2.5", "2.6", "2.7", "3.2", "3.3"),
    license="MIT",
    license_classifiers=("OSI Approved :: MIT License",),
    development_statuses=("3 - Alpha",),
    file_kinds=("source",),
    upload_time=datetime(2014, 6, 16, 11, 18, tzinfo=UTC),
)

PYCRYPTO: Final = PackageFacts(
    name="pycrypto",
    normalized_name="pycrypto",
    version="2.6.1",
    highest_version="2.6.1",
    license_classifiers=("Public Domain", "OSI Approved :: Python Software Foundation License"),
    development_statuses=("5 - Production/Stable",),
    file_kinds=("source",),
    upload_time=datetime(2013, 10, 17, 21, 15, tzinfo=UTC),
    vulnerabilities=2,
)

SKLEARN: Final = PackageFacts(
    name="sklearn",
    normalized_name="sklearn",
    version="0.0.post12",
    highest_version="0.0.post12",
    file_kinds=("source",),
    upload_time=datetime(2023, 12, 1, 14, 30, tzinfo=UTC),
)
"""The deprecated ``sklearn`` placeholder: no licence, no classifiers at all."""

PYGETPAPERS: Final = PackageFacts(
    name="pygetpapers",
    normalized_name="pygetpapers",
    version="1.2.5",
    highest_version="1.2.5",
    python_versions=("3.4", "3.5", "3.6", "3.7", "3.8", "3.9"),
    license="Apache License",
    license_classifiers=("OSI Approved :: Apache Software License",),
    development_statuses=("4 - Beta",),
    requires_python=">=3.5",
    file_kinds=("egg", "wheel"),
    wheel_pythons=("py3-none",),
    wheel_platforms=("any",),
    upload_time=datetime(2022, 12, 21, 12, 33, tzinfo=UTC),
)
"""An egg beside the wheel in the latest release."""

DIGIPATHAI_0_1_3: Final = PackageFacts(
    name="DigiPathAI",
    normalized_name="digipathai",
    version="0.1.3",
    python_versions=("3.5",),
    license_classifiers=("OSI Approved :: MIT License",),
    file_kinds=("egg",),
    upload_time=datetime(2019, 12, 6, 16, 27, tzinfo=UTC),
)
"""DigiPathAI 0.1.3, a release whose only file is an egg (later ones have wheels)."""
