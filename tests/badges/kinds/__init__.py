"""One test module per badge unit of ``pypins.badges.kinds``."""
