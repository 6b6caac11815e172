"""Tests of the badge semantics layer, ``pypins.badges``."""
