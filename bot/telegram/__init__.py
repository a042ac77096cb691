"""The Telegram adapter (aiogram 3): maps updates to engine events and replies to Bot API calls."""
