"""The engine: one loaded content bundle and what is compiled from it, built once per load.

A reload builds a new :class:`Engine`; the driver keeps using the old one for turns already
started. The engine is deterministic (same content, state, event and clock give the same
turn) but not immutable: it memoizes rendered replies per minute, which never holds anything
a user typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .classify import default_cache
from .crisis import CrisisDetector
from .i18n import SOURCE_LANG, Translator
from .langid import LanguageId
from .langid import load_or_train as load_or_train_langid
from .model import Bundle, CrisisLists
from .render import Renderer
from .state import Reply
from .understand import Understanding


@dataclass
class Engine:
    """A loaded bundle with what is compiled from it (matchers, renderer)."""

    bundle: Bundle
    translator: Translator
    detector: CrisisDetector
    understanding: Understanding
    renderer: Renderer
    langid: LanguageId = field(default_factory=lambda: LanguageId.train({}))
    #: Replies of nodes rendered without per-user parameters during ``renders_minute``, by
    #: (node, language, whether there is a Back button, whether the reader is a professional):
    #: opening hours and open-now status change by the minute, not within one. Content only,
    #: never anything a user typed; emptied at each new minute; a reload builds a new engine.
    renders: dict[tuple[str, str, bool, bool], Reply] = field(
        default_factory=dict, repr=False, compare=False)
    renders_minute: int = field(default=-1, repr=False, compare=False)
    _languages: tuple[str, ...] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def build(cls, bundle: Bundle, translator: Translator | None = None) -> Engine:
        translator = translator or Translator()
        known = translator.vocabulary()
        titles = {f.id: tuple(t for lang in translator.available()
                              if (t := translator.lookup(lang, f.title)) and lang != "fr")
                  for f in bundle.flows.values()}
        return cls(bundle, translator, CrisisDetector.build(bundle.crisis, known),
                   Understanding.build(bundle, known, titles=titles, cache=default_cache()),
                   Renderer(bundle, translator),
                   load_or_train_langid(language_texts(bundle, translator), default_cache()))

    @classmethod
    def for_rendering(cls, bundle: Bundle, translator: Translator) -> Engine:
        """An engine that only renders (the checks): no matchers compiled."""
        return cls(bundle, translator, CrisisDetector.build(CrisisLists({}, {})),
                   Understanding.build_from([]), Renderer(bundle, translator))

    def languages(self) -> tuple[str, ...]:
        if self._languages is None:
            self._languages = self.translator.available()
        return self._languages


def language_texts(bundle: Bundle, translator: Translator) -> dict[str, list[str]]:
    """What the language identifier learns from: in every language the bot speaks, its
    catalog (French: the msgids), its trigger phrases and its example sentences."""
    texts: dict[str, list[str]] = {}
    for lang in translator.available():
        items = translator.texts(lang) if lang != SOURCE_LANG else translator.source_texts()
        items += [p for flow in bundle.flows.values() for p in flow.triggers.get(lang, ())]
        items += [e.text for e in bundle.examples if e.lang == lang]
        texts[lang] = items
    return texts
