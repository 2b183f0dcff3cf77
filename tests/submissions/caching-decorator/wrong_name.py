def cached(maxsize=128, ttl=None):
    """Misnamed: the task needs `cache`."""
