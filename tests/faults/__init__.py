"""The fault suite: a real ``pypins serve`` against a misbehaving upstream and Redis."""
