"""Custom actions (rasa-sdk): find the competent SAJ, say which helplines are open now.

The same classes run in process (``bot.actions_runner`` through rasa-sdk's ActionExecutor)
and as a standalone action server: ``python -m rasa_sdk --actions actions``.
"""
