"""Funnels: ``builder`` writes the SQL, ``shaper`` shapes its rows, ``runner`` ties them."""
