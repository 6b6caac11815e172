"""Reading facts out of Trove classifiers: the list helpers (the client's ``Package``) and
the one-pass reading (the badges' facts)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pypins.classifiers import (
    ClassifierFacts,
    classifier_facts,
    development_status,
    license_names,
    python_implementations,
    python_major_versions,
    python_versions,
)

PY = "Programming Language :: Python :: "

REQUESTS = [
    "Development Status :: 5 - Production/Stable",
    "Intended Audience :: Developers",
    "License :: OSI Approved :: Apache Software License",
    "Natural Language :: English",
    "Operating System :: OS Independent",
    "Programming Language :: Python",
    "Programming Language :: Python :: 3",
    "Programming Language :: Python :: 3 :: Only",
    "Programming Language :: Python :: 3.9",
    "Programming Language :: Python :: 3.10",
    "Programming Language :: Python :: Implementation :: CPython",
    "Programming Language :: Python :: Implementation :: PyPy",
    "Topic :: Internet :: WWW/HTTP",
]


def test_a_real_classifier_list() -> None:
    """requests' classifiers give its versions, majors, implementations, licence and status."""
    assert python_versions(REQUESTS) == ["3.9", "3.10"]
    assert python_major_versions(REQUESTS) == ["3"]
    assert python_implementations(REQUESTS) == ["CPython", "PyPy"]
    assert license_names(REQUESTS) == ["Apache Software License"]
    assert development_status(REQUESTS) == "Production/Stable"


@pytest.mark.parametrize(
    ("classifiers", "expected"),
    [
        ([], []),
        ([PY + "2.7", PY + "3.12", PY + "3.12"], ["2.7", "3.12"]),
        ([PY + "3.10", PY + "3.9"], ["3.10", "3.9"]),
        ([PY + "3", PY + "3 :: Only", PY + "Implementation :: CPython"], []),
        ([PY + "3.13 ", "Programming Language :: Python :: 3.x"], ["3.13"]),
        (["Programming Language :: Cython", "Programming Language :: Python"], []),
        ([PY + "3.1.4"], []),
    ],
)
def test_python_versions(classifiers: list[str], expected: list[str]) -> None:
    """Only ``X.Y`` versions count, once each, in listed order."""
    assert python_versions(classifiers) == expected


@pytest.mark.parametrize(
    ("classifiers", "expected"),
    [
        ([PY + "2", PY + "3", PY + "2 :: Only"], ["2", "3"]),
        ([PY + "3 :: Only"], ["3"]),
        ([PY + "3.12"], []),
        ([PY + "Implementation :: CPython"], []),
    ],
)
def test_python_major_versions(classifiers: list[str], expected: list[str]) -> None:
    """Majors come from ``X`` and ``X :: Only`` classifiers."""
    assert python_major_versions(classifiers) == expected


def test_python_implementations_keep_order_and_drop_repeats() -> None:
    """Implementations are listed once, in order, and empty ones are skipped."""
    impl = PY + "Implementation :: "
    assert python_implementations([impl + "PyPy", impl + "CPython", impl + "PyPy", impl]) == [
        "PyPy",
        "CPython",
    ]


@pytest.mark.parametrize(
    ("classifiers", "expected"),
    [
        (["License :: OSI Approved :: MIT License"], ["MIT License"]),
        (["License :: OSI Approved"], []),
        (["License :: OSI Approved", "License :: OSI Approved :: BSD License"], ["BSD License"]),
        (["License :: Public Domain"], ["Public Domain"]),
        (["License :: Other/Proprietary License"], ["Other/Proprietary License"]),
        (
            ["License :: OSI Approved :: MIT License", "License :: OSI Approved :: MIT License"],
            ["MIT License"],
        ),
        (
            [
                "License :: OSI Approved :: Apache Software License",
                "License :: OSI Approved :: MIT License",
            ],
            ["Apache Software License", "MIT License"],
        ),
        (["License", "License :: ", "Licenses :: MIT", "Topic :: License :: X"], []),
        (
            ["License :: OSI Approved :: GNU General Public License v3 (GPLv3)"],
            ["GNU General Public License v3 (GPLv3)"],
        ),
    ],
)
def test_license_names(classifiers: list[str], expected: list[str]) -> None:
    """The most specific segment of each ``License ::`` classifier, bare OSI Approved skipped."""
    assert license_names(classifiers) == expected


@pytest.mark.parametrize(
    ("classifiers", "expected"),
    [
        ([], None),
        (["Development Status :: 4 - Beta"], "Beta"),
        (["Development Status :: 1 - Planning", "Development Status :: 7 - Inactive"], "Inactive"),
        (["Development Status :: Mature"], "Mature"),
        (["Topic :: Development Status :: 4 - Beta"], None),
    ],
)
def test_development_status(classifiers: list[str], expected: str | None) -> None:
    """The text of the last Development Status classifier."""
    assert development_status(classifiers) == expected


def test_any_iterable_works() -> None:
    """Generators and tuples work as well as lists."""
    assert python_versions(c for c in REQUESTS) == ["3.9", "3.10"]
    assert license_names(tuple(REQUESTS)) == ["Apache Software License"]


@given(st.lists(st.text(max_size=40), max_size=10))
def test_helpers_accept_any_strings(classifiers: list[str]) -> None:
    """Arbitrary strings never raise, and results are repeat-free."""
    for helper in (python_versions, python_major_versions, python_implementations, license_names):
        result = helper(classifiers)
        assert len(result) == len(set(result))
        assert all(result)
    development_status(classifiers)


def test_one_pass_reads_every_family_the_badges_use() -> None:
    """Each family in its field, in listed order, without repeats; the badges' Python
    versions keep ``X`` beside ``X.Y``, and implementations are one word."""
    facts = classifier_facts(
        [
            *REQUESTS,
            "Framework :: Django",
            "Framework :: Django :: 4.2",
            "Framework :: Jupyter :: JupyterLab :: 4",
            "License :: OSI Approved :: Apache Software License",
            "Programming Language :: Python :: Implementation :: Stackless Python",
            "Typing :: Typed",
        ]
    )
    assert facts == ClassifierFacts(
        python_versions=("3", "3.9", "3.10"),
        python_only_majors=("3",),
        implementations=("CPython", "PyPy"),
        license_classifiers=("OSI Approved :: Apache Software License",),
        development_statuses=("5 - Production/Stable",),
        framework_versions=(("Django", "4.2"), ("Jupyter :: JupyterLab", "4")),
        typed=True,
        stubs_only=False,
    )
    assert python_versions(REQUESTS) == ["3.9", "3.10"]
    assert classifier_facts([]) == ClassifierFacts()
    assert classifier_facts(iter(["Typing :: Stubs Only"])).stubs_only


@given(st.lists(st.text(max_size=40) | st.sampled_from(REQUESTS), max_size=10))
def test_one_pass_accepts_any_strings(classifiers: list[str]) -> None:
    """Arbitrary strings never raise, and every family is repeat-free."""
    facts = classifier_facts(classifiers)
    for family in facts[:6]:
        assert len(family) == len(set(family))
