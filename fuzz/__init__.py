"""``make fuzz``: schemathesis against a live server on a loopback port (see ``__main__``)."""
