"""The web channel: the same conversations in a browser (``python -m bot web``).

``service.py`` reads a JSON request as an engine event and answers with structured replies;
``app.py`` serves it with aiohttp, with the page (``page.py``, ``static/``) and the
security headers; ``bot/limits.py`` (shared with Telegram) bounds what one tab or one
address may ask. Like the other adapters it uses the engine only through ``bot.engine``'s
public surface.
"""

from .app import build_service, build_web_app, run_web, serve_web
from .service import WebService

__all__ = ["WebService", "build_service", "build_web_app", "run_web", "serve_web"]
