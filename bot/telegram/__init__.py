"""The Telegram adapter: maps Bot API updates to engine events and replies to Bot API calls
(its own small client, bot/telegram/api.py; docs/architecture.md says why not a framework)."""
