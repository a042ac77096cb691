"""Typed text to a flow: exact triggers, then a classifier trained on examples.

The decision order (docs/flow-format.md, "How typed text is understood"), after the crisis
lists (:mod:`bot.engine.crisis`), which always run first:

1. who is writing: a professional's self-presentation ("je suis éducatrice") sets the
   ``pro`` audience; the audience (known or inferred) weighs the flows of the other one down;
2. triggers and node-level FAQ phrases decide where they are exact: one clearly best match
   of the writer's audience, not contradicted by a confident classifier on a longer message;
3. the classifier (:mod:`bot.engine.classify`): open the flow when confident, "did you mean"
   with the top 2-3 when unsure, "not understood" otherwise; never "did you mean" on one or
   two words none of which the bot knows. When only the classifier says *emergency*, the
   bot asks "are you in danger now?" instead of opening the emergency page.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from .classify import Classifier, load_or_train
from .model import Bundle
from .text import Pattern, PhraseIndex, words

MAX_CHOICES = 3


NODE_BONUS = 0.5  # a phrase set on a node is more specific than one set on its flow
#: A confident classifier overrides a trigger on messages of at least LONG words.
LONG = 6
LONG_OVERRIDE = 0.6


@dataclass(frozen=True)
class Match:
    target: str  # "flow:node"
    score: float
    langs: frozenset[str] = frozenset()  # languages whose phrases matched (any target)


#: Classifier thresholds (probabilities after the audience weighting).
OPEN = 0.4  # open the best flow
UNSURE = 0.25  # below OPEN: "did you mean" with the flows above CHOICE
CHOICE = 0.12
#: No "did you mean" when small talk is nearly as likely as the best flow.
CHAT_SHARE = 0.5
DANGER_ASK = 0.7  # only the classifier says emergency: ask "are you in danger now?"
DANGER_WORDS = 4  # ... on messages of at least this many words
#: A flow of the other audience keeps this share of its probability.
OTHER_AUDIENCE = 0.15
#: The professionals' flows when the writer is unknown, and the shared flows (SAJ,
#: helplines) when a professional writes, keep this share.
UNKNOWN_PRO = 0.5
PRO_UNKNOWN_WRITER = 0.75
#: Flows the classifier never offers as a "did you mean" button.
NOT_OFFERED = frozenset({"smalltalk", "emergency"})
SMALLTALK = "smalltalk"
EMERGENCY = "emergency"
#: Messages this short let a smalltalk phrase ("ok", "merci") decide.
SHORT = 3
#: Words of a message the triggers and audience cues look at (about MAX_CHARS characters).
TOPIC_WORDS = 300
#: Classes trained from the content besides the topics: the flows users can type their way to.
NOT_CLASSES = frozenset({"menu", "start", "system"})


#: First words meaning "no" (a typed answer to "are you in danger now?"; anything else is
#: taken as yes, safety first).
NO_WORDS = frozenset({"non", "no", "nee", "neen", "nein", "nu", "jo", "nope", "nah", "nan",
                      "لا", "نه", "نا", "不", "不是", "没有", "khong", "không", "не", "njet",
                      "mba", "maya", "ayi", "ni", "hapana", "ні", "ማይ", "የለን", "ኣይ"})


def is_no(tokens: list[str]) -> bool:
    return bool(tokens) and tokens[0] in NO_WORDS


@dataclass(frozen=True)
class Decision:
    """What to do with a typed message (after the crisis lists)."""

    kind: str  # "open" | "choices" | "none" | "ask_danger"
    target: str | None = None  # "flow:node" for open
    choices: tuple[str, ...] = ()  # "flow:node" starts for choices
    langs: frozenset[str] = frozenset()  # languages whose triggers matched
    audience: str | None = None  # "pro" when the text says a professional is writing
    by: str = ""  # "trigger" | "classifier" | "" (for the report)
    top: tuple[tuple[str, float], ...] = ()  # the classifier's best classes


def training_samples(bundle: Bundle, titles: dict[str, tuple[str, ...]] | None = None
                     ) -> list[tuple[str, str, float]]:
    """``(flow, text, weight)`` for the classifier: examples, triggers, titles.

    ``titles``: flow id -> translated titles (from the catalogs), added to the French one.
    The crisis phrases are not used: the *emergency* class (the second net) learns from the
    emergency examples and triggers only, so that it stays quiet on hyperboles.
    """
    samples: list[tuple[str, str, float]] = []
    classes = {f.id for f in bundle.flows.values() if f.id not in NOT_CLASSES}
    for ex in sorted(bundle.examples, key=lambda e: (e.flow, e.lang, e.text)):
        if ex.flow in classes:
            samples.append((ex.flow, ex.text, 1.0))
    for flow in sorted(bundle.flows.values(), key=lambda f: f.id):
        if flow.id not in classes:
            continue
        samples.append((flow.id, flow.title, 1.0))
        samples += [(flow.id, t, 1.0) for t in (titles or {}).get(flow.id, ())]
        phrases = [p for lang in sorted(flow.triggers) for p in flow.triggers[lang]]
        phrases += [p for node in flow.nodes.values() for lang in sorted(node.triggers)
                    for p in node.triggers[lang]]
        samples += [(flow.id, p.replace("*", ""), 1.0) for p in phrases]
    return samples


@dataclass(frozen=True)
class Understanding:
    """Trigger patterns of every flow and language, and the classifier, built per bundle."""

    index: PhraseIndex  # key: "flow:node|lang|level" (level: f for a flow's, n for a node's)
    classifier: Classifier | None = None
    cues: PhraseIndex | None = None  # professionals' self-presentations (key: "pro|lang")
    starts: dict[str, str] = field(default_factory=dict)  # flow -> "flow:start"
    audiences: dict[str, str] = field(default_factory=dict)  # flow -> young | pro | all

    @classmethod
    def build_from(cls, entries: list[tuple[str, Pattern]]) -> Understanding:
        return cls(PhraseIndex(entries))

    @classmethod
    def build(cls, bundle: Bundle, known: frozenset[str] = frozenset(), *,
              titles: dict[str, tuple[str, ...]] | None = None,
              cache: Path | None = None, classifier: bool = True) -> Understanding:
        """Compile the triggers and train (or load from ``cache``) the classifier."""
        model = load_or_train(training_samples(bundle, titles), cache) if classifier else None
        cue_entries = [(f"pro|{lang}", Pattern.compile(p))
                       for lang, phrases in bundle.audience_cues.items() for p in phrases]
        entries = [
            (f"{flow.id}:{flow.start}|{lang}|f", Pattern.compile(phrase))
            for flow in bundle.flows.values()
            for lang, phrases in flow.triggers.items()
            for phrase in phrases
        ]
        entries += [
            (f"{node.key}|{lang}|n", Pattern.compile(phrase))
            for flow in bundle.flows.values()
            for node in flow.nodes.values()
            for lang, phrases in node.triggers.items()
            for phrase in phrases
        ]
        return cls(PhraseIndex(entries, known), model, PhraseIndex(cue_entries, known),
                   {f.id: f"{f.id}:{f.start}" for f in bundle.flows.values()},
                   {f.id: f.audience for f in bundle.flows.values()})

    def writer(self, tokens: list[str]) -> str | None:
        """``pro`` when the message says a professional is writing ("je suis prof")."""
        if self.cues is not None and tokens and self.cues.find(tokens):
            return "pro"
        return None

    def known(self, tokens: list[str]) -> bool:
        """Whether any of the words is one the bot knows (its examples and triggers)."""
        vocab = self.classifier.words if self.classifier else frozenset()
        return any(t in vocab or t in self.index.known for t in tokens)

    def probabilities(self, text: str, audience: str | None) -> list[tuple[str, float]]:
        """The classifier's classes, best first, weighted by the writer's audience."""
        if self.classifier is None:
            return []
        probs = self.classifier.scores(text)
        for flow in probs:
            kind = self.audiences.get(flow)
            if audience in ("young", "pro") and kind in ("young", "pro") and kind != audience:
                probs[flow] *= OTHER_AUDIENCE
            elif audience is None and kind == "pro":
                probs[flow] *= PRO_UNKNOWN_WRITER  # most people who type are young
            elif audience == "pro" and kind == "all" and flow not in NOT_OFFERED:
                probs[flow] *= UNKNOWN_PRO
        total = sum(probs.values()) or 1.0
        probs = {k: v / total for k, v in probs.items()}
        return sorted(probs.items(), key=lambda kv: (-kv[1], kv[0]))

    def route(self, text: str, lang: str, audience: str | None,
              tokens: list[str] | None = None) -> Decision:
        """The decision for a typed message (the crisis lists have already said no)."""
        tokens = words(text) if tokens is None else tokens
        if not tokens:
            return Decision("none")
        tokens = tokens[:TOPIC_WORDS]  # the crisis lists read everything; topics the start
        inferred = self.writer(tokens)
        who = audience or inferred
        matches = self.match(text, lang, who, tokens)
        if who != "pro" and any(self._audience_of(m.target) != "pro" for m in matches):
            # a teenager's "what is a loverboy" matches the FAQ for professionals too
            matches = [m for m in matches if self._audience_of(m.target) != "pro"]
        ranked = self.probabilities(text, who)
        top = tuple(ranked[:3])
        langs = matches[0].langs if matches else frozenset()
        base = Decision("none", langs=langs, audience=inferred if inferred != audience else None,
                        top=top)
        target, choices = decide(matches)
        if target is not None and self._trigger_holds(target, tokens, who, ranked):
            return replace(base, kind="open", target=target, by="trigger")
        if ranked:
            best, p = ranked[0]
            if best == EMERGENCY and p >= DANGER_ASK and len(tokens) >= DANGER_WORDS:
                return replace(base, kind="ask_danger", by="classifier")
            if best == EMERGENCY and p >= DANGER_ASK and len(tokens) < DANGER_WORDS:
                return replace(base, kind="open", target=self.starts[best], by="classifier")
            if best == EMERGENCY:  # not sure enough to ask: look at the topics
                ranked = [kv for kv in ranked if kv[0] != EMERGENCY]
                best, p = ranked[0] if ranked else ("", 0.0)
            if p >= OPEN:
                node = next((m.target for m in matches
                             if m.target.split(":")[0] == best), self.starts[best])
                return replace(base, kind="open", target=node, by="classifier")
            offered = tuple(self.starts[f] for f, q in ranked[:MAX_CHOICES]
                            if q >= CHOICE and f not in NOT_OFFERED)
            chat = dict(ranked).get(SMALLTALK, 0.0) >= CHAT_SHARE * p  # maybe just chatting
            if p >= UNSURE and offered and not chat and (len(tokens) > 2 or self.known(tokens)):
                return replace(base, kind="choices", choices=offered, by="classifier")
        if choices and (len(tokens) > 2 or self.known(tokens)):
            return replace(base, kind="choices", choices=tuple(choices), by="trigger")
        return base

    def _audience_of(self, target: str) -> str:
        return self.audiences.get(target.split(":", maxsplit=1)[0], "all")

    def _trigger_holds(self, target: str, tokens: list[str], who: str | None,
                       ranked: list[tuple[str, float]]) -> bool:
        """Whether a clear trigger match decides, or the classifier should."""
        flow = target.split(":", maxsplit=1)[0]
        if not ranked:
            return True
        best, p = ranked[0]
        if flow in (SMALLTALK, EMERGENCY) and len(tokens) > SHORT:
            # "ok" or "help me" in a longer message may mean anything
            return best == flow and p >= (DANGER_ASK if flow == EMERGENCY else OPEN)
        if self.audiences.get(flow) == "pro" and who != "pro":
            # a teenager's "what is a loverboy": the young people's flow if the
            # classifier prefers it
            return best == flow
        # a long message the classifier reads with confidence: the classifier decides
        return best == flow or p < LONG_OVERRIDE or len(tokens) < LONG

    def match(self, text: str, lang: str, audience: str | None,
              tokens: list[str] | None = None) -> list[Match]:
        """Flows whose triggers appear in ``text``, best first.

        Longer matching phrases weigh more; the user's language counts a little more than the
        others (people mix languages); flows of the user's audience are preferred.
        """
        tokens = words(text) if tokens is None else tokens
        if not tokens:
            return []
        scores: dict[str, float] = {}
        langs: set[str] = set()
        for key, pattern in self.index.find(tokens):
            target, trig_lang, level = key.split("|")
            langs.add(trig_lang)
            weight = max(len(pattern.tokens), len(pattern.unspaced or "") / 2)
            weight += 0.5 if trig_lang == lang else 0.0
            weight += NODE_BONUS if level == "n" else 0.0
            scores[target] = max(scores.get(target, 0.0), weight)
        # one entry per flow: its best target (a node's phrase beats its flow's start)
        best: dict[str, tuple[str, float]] = {}
        for target, score in scores.items():
            flow = target.split(":")[0]
            if flow not in best or score > best[flow][1]:
                best[flow] = (target, score)
        scores = dict(best.values())
        if audience:
            for target in scores:
                if target.startswith("pro_") == (audience == "pro"):
                    scores[target] += 0.25
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        found = frozenset(langs)
        return [Match(f, s, found) for f, s in ranked]


def decide(matches: list[Match]) -> tuple[str | None, list[str]]:
    """``(node, [])`` when one match is clearly best, ``(None, choices)`` otherwise."""
    if not matches:
        return None, []
    if len(matches) == 1 or matches[0].score - matches[1].score >= 1.0:
        return matches[0].target, []
    return None, [m.target for m in matches[:MAX_CHOICES]]
