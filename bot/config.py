"""Settings from the environment (or a ``.env`` file), validated, each documented.

``.env.example`` lists every setting with its default; this module is the single place that
reads them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def read_env_file(path: Path) -> dict[str, str]:
    """Parse ``KEY=value`` lines (``#`` comments, optional quotes); missing file -> {}."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip().removeprefix("export ").strip()] = value
    return values


class _Reader:
    """Reads settings and collects every problem, so one start shows them all (one line
    each) instead of stopping at the first."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def text(self, key: str, default: str = "") -> str:
        return self.env.get(key, "").strip() or default

    def port(self, key: str, default: int, *, off: bool = False) -> int:
        """A TCP port (1-65535; 0 too when ``off``: the server is not started)."""
        value = self.int(key, default, minimum=0 if off else 1)
        if value > 65535:
            self.problems.append(f"{key}={value} is not a TCP port (1 to 65535)")
            return default
        return value

    def int(self, key: str, default: int, minimum: int = 0) -> int:
        raw = self.text(key)
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problems.append(f"{key}={raw!r} is not a whole number")
            return default
        if value < minimum:
            self.problems.append(f"{key}={value} must be at least {minimum}")
            return default
        return value

    def bool(self, key: str, default: bool) -> bool:
        raw = self.text(key).lower()
        if not raw:
            return default
        if raw in ("1", "true", "yes", "on"):
            return True
        if raw in ("0", "false", "no", "off"):
            return False
        self.problems.append(f"{key}={raw!r} must be true or false")
        return default

    def url(self, key: str, schemes: tuple[str, ...], hint: str) -> str | None:
        raw = self.text(key)
        if not raw:
            return None
        parts = urlsplit(raw)
        if parts.scheme not in schemes or not (parts.netloc or parts.path):
            self.problems.append(f"{key}={_shown(raw)} is not a {' or '.join(schemes)} address"
                                 f" ({hint})")
            return None
        return raw


def _shown(value: str) -> str:
    """A setting's value as it may appear in an error: never a password."""
    parts = urlsplit(value)
    if parts.password:
        value = value.replace(parts.password, "***", 1)
    return repr(value[:80])


#: A token from @BotFather: the bot's numeric id, a colon, 35 letters, digits, _ or -.
TOKEN = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")
#: What Telegram accepts as a webhook secret token.
SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
REDIS_SCHEMES = ("redis", "rediss", "unix", "redis+sentinel")


#: What the /privacy message promises (flows/common/system.yaml, system:privacy: "Tout
#: s'efface seul après 24 heures sans message", in every language).
PROMISED_TTL = 86400


def _content(read: _Reader, name: str) -> Path:
    """Where ``flows/`` or ``locales/`` is: under CONTENT_DIR when set; else beside the code
    (a source checkout, or the image's /app); else in the current folder (an installed
    package run from a checkout of the content)."""
    base = read.text("CONTENT_DIR")
    if base:
        return Path(base) / name
    here = ROOT / name
    return here if here.is_dir() or not (Path.cwd() / name).is_dir() else Path.cwd() / name


def _state_ttl(read: _Reader) -> int:
    value = read.int("STATE_TTL", PROMISED_TTL, minimum=60)
    if value > PROMISED_TTL:
        read.problems.append(
            f"STATE_TTL={value} keeps conversations longer than the 24 hours the /privacy "
            "message promises (flows/common/system.yaml, system:privacy, in every language): "
            "use at most 86400, or change that text and its translations first")
        return PROMISED_TTL
    return value


_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$|^https://\*\.[A-Za-z0-9.-]+$")
#: Where "Quitter vite" sends the tab: a neutral page that reveals nothing.
DEFAULT_EXIT_URL = "https://www.google.com/search?q=meteo"


def _frame_ancestors(read: _Reader) -> tuple[str, ...]:
    """Who may show the web page in a frame: nobody (empty), 'self' and/or origins."""
    raw = read.text("WEB_FRAME_ANCESTORS")
    if not raw or raw in ("'none'", "none"):
        return ()
    out: list[str] = []
    for token in raw.replace(",", " ").split():
        if token in ("'self'", "self"):
            out.append("'self'")
        elif _ORIGIN.match(token):
            out.append(token)
        else:
            read.problems.append(f"WEB_FRAME_ANCESTORS: {token!r} is not 'self' or an origin "
                                 "such as https://www.aidealajeunesse.cfwb.be")
    return tuple(out)


def _exit_url(read: _Reader) -> str:
    url = read.text("WEB_EXIT_URL", DEFAULT_EXIT_URL)
    if not re.match(r"^https?://[^\s\"'<>]+$", url):
        read.problems.append(f"WEB_EXIT_URL={url!r} must be an http(s) address")
        return DEFAULT_EXIT_URL
    return url


def _event_loop(read: _Reader) -> str:
    loop = read.text("EVENT_LOOP", "auto").lower()
    if loop not in ("auto", "uvloop", "asyncio"):
        read.problems.append(f"EVENT_LOOP={loop!r} must be auto (uvloop when installed), "
                             "uvloop or asyncio")
        return "auto"
    return loop


@dataclass(frozen=True)
class Settings:
    bot_token: str | None
    bot_api_base: str | None
    redis_url: str | None
    state_ttl: int
    flows_dir: Path
    locales_dir: Path
    log_level: str
    webhook_url: str | None
    webhook_host: str
    webhook_port: int
    webhook_path: str
    webhook_secret: str | None
    stats: bool
    throttle_messages: int
    throttle_seconds: int
    bot_username: str | None = None
    log_format: str = "text"
    workers: int = 1
    web_host: str = "0.0.0.0"
    web_port: int = 8090
    web_secret: str | None = None
    web_exit_url: str = DEFAULT_EXIT_URL
    web_frame_ancestors: tuple[str, ...] = ()
    web_session_limit: int = 30
    web_ip_limit: int = 120
    web_trust_proxy: bool = False
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9090
    event_loop: str = "auto"

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, env_file: Path | None = None
             ) -> Settings:
        """Settings from ``env`` (default: the process environment over ``.env``)."""
        if env is None:
            merged = read_env_file(env_file or ROOT / ".env")
            merged.update(os.environ)
            env = merged
        read = _Reader(env)
        token = read.text("BOT_TOKEN") or None
        if token and not TOKEN.match(token):
            read.problems.append("BOT_TOKEN does not look like a token from @BotFather (it has "
                                 "the form 123456789:AAE... with 35 characters after the colon)")
        level = read.text("LOG_LEVEL", "INFO").upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            read.problems.append(f"LOG_LEVEL={level!r} must be DEBUG, INFO, WARNING or ERROR")
        log_format = read.text("LOG_FORMAT", "text").lower()
        if log_format not in ("text", "json"):
            read.problems.append(f"LOG_FORMAT={log_format!r} must be text or json")
        api_base = read.url("BOT_API_BASE", ("http", "https"), "a Bot API server")
        # Telegram calls only https webhooks; a self-hosted Bot API server (or a test
        # emulator, BOT_API_BASE) may call http ones
        webhook_url = read.url("WEBHOOK_URL", ("https", "http") if api_base else ("https",),
                               "Telegram only calls https webhooks")
        secret = read.text("WEBHOOK_SECRET") or None
        if secret and not SECRET.match(secret):
            read.problems.append("WEBHOOK_SECRET may only hold letters, digits, _ and - (1 to "
                                 "256 of them): Telegram refuses any other")
        path = read.text("WEBHOOK_PATH", "/telegram")
        settings = cls(
            bot_token=token,
            bot_api_base=api_base,
            redis_url=read.url("REDIS_URL", REDIS_SCHEMES,
                               "e.g. redis://localhost:6379/0, rediss://… for TLS, "
                               "redis+sentinel://host:26379/mymaster"),
            state_ttl=_state_ttl(read),
            flows_dir=Path(read.text("FLOWS_DIR") or _content(read, "flows")),
            locales_dir=Path(read.text("LOCALES_DIR") or _content(read, "locales")),
            log_level=level,
            webhook_url=webhook_url,
            webhook_host=read.text("WEBHOOK_HOST", "0.0.0.0"),
            webhook_port=read.port("WEBHOOK_PORT", 8080),
            webhook_path=path if path.startswith("/") else "/" + path,
            webhook_secret=secret,
            stats=read.bool("STATS", True),
            throttle_messages=read.int("THROTTLE_MESSAGES", 8, minimum=1),
            throttle_seconds=read.int("THROTTLE_SECONDS", 10, minimum=1),
            bot_username=read.text("BOT_USERNAME").lstrip("@") or None,
            log_format=log_format,
            workers=read.int("WORKERS", 1, minimum=1),
            web_host=read.text("WEB_HOST", "0.0.0.0"),
            web_port=read.port("WEB_PORT", 8090),
            web_secret=read.text("WEB_SECRET") or None,
            web_exit_url=_exit_url(read),
            web_frame_ancestors=_frame_ancestors(read),
            web_session_limit=read.int("WEB_SESSION_LIMIT", 30, minimum=1),
            web_ip_limit=read.int("WEB_IP_LIMIT", 120, minimum=1),
            web_trust_proxy=read.bool("WEB_TRUST_PROXY", False),
            metrics_host=read.text("METRICS_HOST", "127.0.0.1"),
            metrics_port=read.port("METRICS_PORT", 9090, off=True),
            event_loop=_event_loop(read),
        )
        if settings.workers > 1 and not (settings.webhook_url and settings.redis_url):
            read.problems.append(f"WORKERS={settings.workers} needs WEBHOOK_URL (workers share "
                                 "one listening socket) and REDIS_URL (they share the state)")
        if read.problems:
            raise ConfigError("\n".join(read.problems))
        return settings
