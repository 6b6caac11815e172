"""Helpers to read rendered badges in tests: strict parsing and element lookups."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring

SVG_NS = "{http://www.w3.org/2000/svg}"


def parse_svg(svg: str) -> Element:
    """The root of ``svg``, parsed strictly as UTF-8 XML; fails on anything malformed."""
    root = fromstring(svg.encode("utf-8"))
    assert root.tag == f"{SVG_NS}svg"
    return root


def elements(root: Element, tag: str) -> list[Element]:
    """Every ``tag`` element below ``root`` (SVG namespace)."""
    return list(root.iter(f"{SVG_NS}{tag}"))


def visible_texts(root: Element) -> list[Element]:
    """The ``<text>`` elements that are not shadows (nor in a group of shadows)."""
    shadows = {
        id(text)
        for group in elements(root, "g")
        if group.get("aria-hidden") == "true" and group.get("text-anchor") is None
        for text in elements(group, "text")
    }
    return [
        text
        for text in elements(root, "text")
        if text.get("aria-hidden") != "true" and id(text) not in shadows
    ]
