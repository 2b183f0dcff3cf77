def cache(maxsize=128, ttl=None):
    pass
