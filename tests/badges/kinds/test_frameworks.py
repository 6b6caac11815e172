"""``/pypi/frameworkversions/<framework>`` and ``/pypi/djversions`` (ports of shields' tests)."""

from __future__ import annotations

import pytest

from pypins.badges import FRAMEWORKS, Badge
from pypins.badges.kinds import frameworks
from pypins.errors import InvalidParameterError
from tests.badges.kinds.common import render
from tests.badges.support import NOW, make_facts

FRAMEWORK_FACTS = make_facts(
    name="plone.rest",
    classifiers=[
        "Framework :: Plone",
        "Framework :: Plone :: 5.2",
        "Framework :: Plone :: 4.3",
        "Framework :: Plone :: 5.0",
        "Framework :: Plone :: 5.1",
        "Framework :: Django :: 3.2",
        "Framework :: Django CMS :: 3.10",
        "Framework :: Django CMS :: 3.7",
        "Framework :: Jupyter :: JupyterLab :: 3",
        "Framework :: AWS CDK :: 2",
        "Framework :: Odoo :: 15.0",
        "Framework :: Wagtail :: 3",
        "Framework :: Wagtail :: 2",
        "Framework :: Zope :: 4",
    ],
)


@pytest.mark.parametrize(
    ("framework", "label", "message"),
    [
        # shields' pypi-framework-versions.tester.js
        ("plone", "plone versions", "4.3 | 5.0 | 5.1 | 5.2"),
        ("django", "django versions", "3.2"),
        ("django-cms", "django cms versions", "3.7 | 3.10"),
        ("djangocms", "django cms versions", "3.7 | 3.10"),
        ("jupyterlab", "jupyterlab versions", "3"),
        ("aws-cdk", "aws cdk versions", "2"),
        ("awscdk", "aws cdk versions", "2"),
        ("odoo", "odoo versions", "15.0"),
        ("wagtail", "wagtail versions", "2 | 3"),
        ("zope", "zope versions", "4"),
        ("Plone", "plone versions", "4.3 | 5.0 | 5.1 | 5.2"),
    ],
)
def test_frameworkversions(framework: str, label: str, message: str) -> None:
    """A framework's classifier versions under ``<framework> versions`` (shields)."""
    badge = render(frameworks.FRAMEWORKVERSIONS, FRAMEWORK_FACTS, framework=framework)
    assert badge == Badge(label, message, "blue")


def test_frameworkversions_missing_is_an_error_badge() -> None:
    """No classifier of the framework gives shields' invalid-response message."""
    facts = make_facts(name="django")
    badge = render(frameworks.FRAMEWORKVERSIONS, facts, framework="django")
    assert badge == Badge("versions", "Django versions are missing for django", "lightgrey", True)


@pytest.mark.parametrize("params", [{}, {"framework": "flask"}])
def test_frameworkversions_needs_a_known_framework(params: dict[str, str]) -> None:
    """A missing or unknown framework is an invalid parameter."""
    with pytest.raises(InvalidParameterError) as raised:
        frameworks.FRAMEWORKVERSIONS.render(FRAMEWORK_FACTS, params, now=NOW)
    assert raised.value.parameter == "framework"


def test_framework_is_a_path_parameter_naming_every_framework() -> None:
    """The framework is a route segment whose schema lists every framework."""
    assert frameworks.FRAMEWORKVERSIONS.path_params == ("framework",)
    assert frameworks.FRAMEWORKVERSIONS.params == ()
    assert frameworks.FRAMEWORK.schema["enum"] == sorted(FRAMEWORKS)


def test_djversions_is_frameworkversions_for_django() -> None:
    """shields' old ``djversions`` reads Django's classifiers."""
    badge = render(frameworks.DJVERSIONS, FRAMEWORK_FACTS)
    assert badge == Badge("django versions", "3.2", "blue")
