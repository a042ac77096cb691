"""Where conversation state lives between two updates: memory (default) or Redis.

One small value per chat, with a TTL. Keys are an HMAC of the chat id, so the store never
holds a Telegram id in clear. The Redis store is in :mod:`bot.store.redis`, imported only
when ``REDIS_URL`` is set.
"""

from ..errors import StoreError, StoreTimeoutError, StoreUnavailableError
from .base import KEY_PREFIX, StateStore, chat_key, session_key
from .memory import MemoryStateStore

__all__ = [
    "KEY_PREFIX", "MemoryStateStore", "StateStore", "StoreError",
    "StoreTimeoutError", "StoreUnavailableError", "chat_key", "session_key",
]
