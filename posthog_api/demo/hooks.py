"""The hook through which apps add their own demo content to the demo project.

The core owns the demo organization, project, user and events, but not what apps build on them
(the insights app's saved insights and dashboard). The core never imports an app, so an app
connects a receiver to ``demo_project_ready`` in its ``AppConfig.ready`` and ``ensure_demo`` sends it.
A receiver takes ``team`` and ``user`` keyword arguments and returns a line to print, or ``None``.
"""

from __future__ import annotations

from django.dispatch import Signal

demo_project_ready = Signal()
