from . import feed
