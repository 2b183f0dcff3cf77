from lrucache.core import cache
