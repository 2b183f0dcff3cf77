from functools import wraps


def cache(maxsize=128, ttl=None)
    def decorator(func):
        return func
    return decorator
