"""Query runners, one folder or module per query kind; ``registry.RUNNERS`` maps kinds to them.

Importing this package registers nothing: the registry is an explicit dict.
"""
