"""The top-level public API stays deliberate, sorted and importable."""

from __future__ import annotations

import pypins


def test_all_is_sorted_and_unique() -> None:
    """``__all__`` lists each public name once, in sorted order."""
    assert list(pypins.__all__) == sorted(set(pypins.__all__))


def test_every_exported_name_exists() -> None:
    """Each name in ``__all__`` is an attribute of the package."""
    for name in pypins.__all__:
        assert hasattr(pypins, name), name


def test_every_public_attribute_is_exported() -> None:
    """No public attribute of the package is missing from ``__all__``."""
    public = {
        name
        for name, value in vars(pypins).items()
        if not name.startswith("_") and not isinstance(value, type(pypins))
    }
    assert public <= set(pypins.__all__)


def test_top_level_names_are_the_library_ones() -> None:
    """The re-exported names are the client's and the renderer's own objects."""
    import pypins.client
    import pypins.render

    assert pypins.get is pypins.client.get
    assert pypins.render_svg is pypins.render.render_svg
    assert pypins.HTTPError is pypins.client.HTTPError
