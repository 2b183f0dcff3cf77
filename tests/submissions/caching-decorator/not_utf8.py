# -*- coding: utf-8 -*-
def cache(maxsize=128, ttl=None):
    return "café ÿ"
