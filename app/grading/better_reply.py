"""The better reply of a coaching note: written for this peer and this moment, and checked.

It is one of the model replies authored with the peer's line, the one that best fixes what the
trainee's reply lacked. Where none was authored (or none passes), it is composed in wording from
`prompts/coaching/better_reply.yaml`: where the peer's line reacts to how the trainee's last reply
landed (pushed, talked down, taken over), a repair that owns the misstep; otherwise the peer's own
words said back, then an open question. Every candidate must pass three checks: it names no person,
substance or event that is not in this conversation or the persona's briefing (its name and summary:
a model reply authored for one telling of a story must not name what this telling left out); the
grader itself flags nothing in it (no risk at 2 or more, empathy at 2 or more); and it carries no
crisis script outside a crisis moment.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, field_validator

from app.config import PROJECT_ROOT
from app.content.loader import load_model
from app.content.rubrics import Rubric, StrictModel
from app.grading.context_cues import carries_crisis_script, ends_the_session, is_encourager
from app.grading.cues import split_sentences, without_closing_questions, words
from app.grading.moment import CoachingMoment, term, terms_of
from app.grading.normalise import plain
from app.transcript import ContextTurn

WORDING_FILE = "better_reply.yaml"
GIST_WORDS = (4, 24)
# A sentence with one of these (or a word ending in -ed or -n't) says something of someone: "day 2 off the bottle"
# does not, and reads wrong after "It sounds like".
VERBS = frozenset(
    "is are was were am be been being have has had do does did can could will would shall should may might"
    " must keep keeps kept feel feels felt get gets got go goes went make makes made take takes took need needs want"
    " wants think thinks know knows say says said tell tells told miss misses hate hates love loves wish wishes hope"
    " hopes try tries lose loses lost find finds found leave leaves left use uses drink drinks drank smoke smokes quit"
    " sleep sleeps slept see sees saw come comes came".split()
)
# A sentence that starts with one of these has dropped its "I" ("Lost the rent money Friday"): it is said back as
# "you lost the rent money Friday".
DROPPED_SUBJECT_VERBS = frozenset(
    "lost got went had made took found left spent told quit relapsed used drank smoked missed slipped started stopped"
    " paid passed failed skipped called finished moved picked"
    " feel feeling been can't don't didn't couldn't haven't need want think thought wish hate love miss"
    " might gonna wanna gotta".split()
)
LEADING_ADVERBS = frozenset("just finally still also really never already almost".split())  # "Just paid off my fines"
# A sentence that starts with one of these asks something of the listener ("Now hear me: no.", "Tell Franklin I
# came."): said back, it is garbled ("So now hear you: no.").
REQUESTS = frozenset("tell hear listen give call leave stop look write say ask check put bring send".split())
FIRST_TO_SECOND = {
    "i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself", "am": "are", "i'm": "you're",
    "i've": "you've", "i'll": "you'll", "i'd": "you'd", "we": "you", "our": "your", "us": "you",
    "ours": "yours", "we're": "you're", "we've": "you've", "ourselves": "yourselves",
}
LEAD_IN = re.compile(
    r"^(?:(?:okay|ok|so|well|yeah|yes)[\s,]+)*"  # "Okay so before anything, I'm..." says "I'm..."
    r"(?:i (?:try to|want to|wanna|mean to|just want to) say|i mean|honestly|well|anyway|so|right|yeah|yes|okay|ok"
    r"|man|look|listen|see|totally|before anything|first of all|first off|to be honest"
    r"|lord|god|mira|oh|ah|huh|ha|hm+|um+|uh+|wow|honey|girl|dude|bro|no,? yeah|kind of,? yeah|hey|hi|sorry)"
    r"\s*[,:!]\s*"
    r"|^(?:like|i think(?!\s+i'?m\s+(?:going to|gonna))|i guess|i feel like|i mean"
    r"|(?!(?:no|some|every|any)thing\b)[a-z]+ing\b[^,]{0,40},)"
    r"\s*(?=(?:i|i'm|i've|i'd|i'll|my)\b)",
    # "I think I'm asking…", "Hearing it back like that, I sound like…": what follows is about them
    re.IGNORECASE,
)
TRAILING_TAG = re.compile(
    r",?\s*(?:i think|i guess|you know|not gonna lie|to be honest|honestly|i mean|or whatever|and anyways?)\s*$",
    re.IGNORECASE,
)  # "I can keep talking, I think" says "you can keep talking"
DIALECT_DONT = re.compile(r"\b(he|she|it) don'?t\b", re.IGNORECASE)  # said back in plain English, not mimicked
JOINING_WORD = re.compile(r"^(?:then|and|but|so)\s+", re.IGNORECASE)  # left at the start of a clause said back
# A later sentence that starts with one of these leans on the one before ("They got me hooked"): said back alone,
# its "they" points at nobody.
BACK_REFERENCES = frozenset("they he she it that this those these them".split())
TITLE_END = re.compile(r"\b(?:Dr|Ms|Mr|Mrs|St)\.$")
TITLED = re.compile(r"^(?:Dr|Ms|Mr|Mrs|St)\.\s")  # a name with its title keeps its capital when said back
THANK_YOU = re.compile(r"\b(?:thank you|thank u|thanks)\b", re.IGNORECASE)  # not about the trainee
LET_ME = re.compile(r"^let me\b", re.IGNORECASE)  # "Let me try it" is said back as "you'd like to try it"
GOING_TO = re.compile(r"\b(I'm|I am|we're|we are)\s+(?:going to|gonna)\b", re.IGNORECASE)
THINK_GOING_TO = re.compile(r"\bI think (?:I'm|I am)\s+(?:going to|gonna)\b", re.IGNORECASE)
CAPITALISED = re.compile(r"(?<![.!?]\s)(?<![.!?]['\"’”]\s)(?<!^)\b[A-Z][a-zA-Z'’-]+")  # not after "…sir.' What"
NAMEABLE_ALWAYS = frozenset({"i", "i'm", "i've", "i'll", "i'd"})
FEELING = re.compile(
    r"\b(feel\w*|felt|scared|afraid|ashamed|guilty|alone|lonely|tired|angry|sad|hard|worried|miss\w*|want|can't"
    r"|don't know|hate|love|hurt\w*|lost|stuck|fail\w*|ready|wish|hope|fraud|weak|worst|proud|nervous|terrif\w*"
    r"|trying|meant|matters?|recogni[sz]e|glad|relie\w*|embarrass\w*|worth)\b",
    re.IGNORECASE,
)

Scores = dict[str, int]
ScoreReplies = Callable[[Sequence[ContextTurn], Sequence[str]], list[Scores]]


def _compile_case_blind(value: object) -> object:
    """A regular expression written in a wording file, compiled to match case-blind."""
    return re.compile(value, re.IGNORECASE) if isinstance(value, str) else value


class Particulars(StrictModel):
    substances: list[str] = Field(min_length=1)
    events: list[str] = Field(min_length=1)


class MomentWording(StrictModel):
    kind: str
    cue: re.Pattern[str] = Field(description="Found (case-blind) in the peer's line when this is the moment")
    asked: re.Pattern[str] | None = Field(
        default=None, description="Its first group, in a question of the peer's, is what the question asks about"
    )
    say: list[str] = Field(min_length=1, description="What to say after the reflection in this moment")
    reflect: bool = Field(
        default=True, description="Whether the peer's words are said back first (not when they ask to move on)"
    )
    max_words: int | None = Field(
        default=None, ge=1, description="The cue counts only in a line this short: a move in the talk, not news"
    )
    owns: bool = Field(
        default=False,
        description="The line says the last reply missed (sarcasm, a deferential 'Yes, sir.'): own that reply, with "
        "the repair of the kind the grader flags in it, else this moment's wording; never go back past it",
    )
    looks_back: bool = Field(
        default=False,
        description="The line says little but how the last reply landed: own that reply first where the grader "
        "flags it, else go back to what the peer said before",
    )

    _case_blind = field_validator("cue", "asked", mode="before")(_compile_case_blind)

    def found_in(self, peer_line: str) -> bool:
        short = self.max_words is None or len(words(peer_line)) <= self.max_words
        return short and self.cue.search(peer_line) is not None

    def asked_about(self, peer_line: str) -> str | None:
        """What the peer's question asks about, said back to them: "Would you come to my daughter's baptism?"
        gives "your daughter's baptism"."""
        for sentence in split_sentences(peer_line):
            found = self.asked.search(sentence) if self.asked and "?" in sentence else None
            if found:
                return turned_toward(found.group(1))
        return None


class Repair(StrictModel):
    own: list[str] = Field(min_length=1, description="Owning the misstep the peer reacts to")
    ask: list[str] = Field(min_length=1, description="Handing the choice back")


class Wording(StrictModel):
    reflect: list[str] = Field(min_length=1, description="Openers with {gist}, the peer's words turned to them")
    ask: list[str] = Field(min_length=1, description="Open questions that follow a reflection (\"that\" is it)")
    ask_more: list[str] = Field(
        min_length=1, description="Open questions that follow a plain fact said back: inviting more, not a feeling"
    )
    open: list[str] = Field(min_length=1, description="Open questions that stand alone, with nothing said back")
    come_back: list[str] = Field(
        min_length=1, description="Openers with {gist} that go back to what the peer said before their last line"
    )
    go_back: list[str] = Field(
        min_length=1, description="Openers before a model reply to the peer's line before their last one"
    )
    crisis_ask: list[str] = Field(min_length=1, description="What to ask in a crisis moment")
    repair: dict[str, Repair] = Field(
        default_factory=dict,
        description="By reaction kind: what to say when the peer's line answers how the last reply landed",
    )
    moments: list[MomentWording] = Field(default_factory=list, description="Moments that call for more")
    session_goes_on: re.Pattern[str] = Field(
        description="Found (case-blind) in the peer's line when they stay after all: no goodbye is said to them"
    )
    still_leaving_max_words: int = Field(
        ge=1,
        description="After the peer's goodbye, a line of at most this many words is them on their way out; "
        "a longer one is them going on (no goodbye is said to them)",
    )
    particulars: Particulars

    _case_blind = field_validator("session_goes_on", mode="before")(_compile_case_blind)

    def moment_named(self, kind: str) -> MomentWording | None:
        return next((m for m in self.moments if m.kind == kind), None)

    def moment_of(self, moment: CoachingMoment) -> MomentWording | None:
        """The first moment whose cue the peer's line carries, outside a crisis."""
        return None if moment.crisis else next((m for m in self.moments if m.found_in(moment.peer_line)), None)

    def asks_for(self, moment: CoachingMoment, start: int, reflected: str | None = None) -> list[list[str]]:
        """What may follow the reflection `reflected` (when None, what stands alone), best first, two of each
        kind: the crisis wording in a crisis; else the wording of the moment (see moment_of; its lines naming
        what was asked about first, when the line names it), then the open questions (after a plain fact said
        back, ones that invite more rather than ask for a feeling). `start` varies the wording."""
        if moment.crisis:
            return [_rotated(self.crisis_ask, start)[:2]]
        plain_fact = reflected is not None and not FEELING.search(reflected)
        general = _rotated(self.open if reflected is None else self.ask_more if plain_fact else self.ask, start)[:2]
        special = self.moment_of(moment)
        if special is None:
            return [general]
        asked = special.asked_about(moment.peer_line)
        named = [say.format(asked=asked) for say in special.say if asked and "{asked}" in say]
        return [(named + [say for say in special.say if "{asked}" not in say])[:2], general]


def _rotated(texts: Sequence[str], start: int) -> list[str]:
    return [texts[(start + n) % len(texts)] for n in range(len(texts))]


def load_wording(content_dir: Path) -> Wording:
    """The wording file of a content folder, or the one shipped with the app."""
    for root in (content_dir, PROJECT_ROOT):
        path = root / "prompts" / "coaching" / WORDING_FILE
        if path.is_file():
            return load_model(path, Wording)
    raise FileNotFoundError(f"prompts/coaching/{WORDING_FILE} not found")


def turned_toward(sentence: str, names: frozenset[str] = frozenset()) -> str:
    """A peer's sentence said back to them: "I can't sleep" becomes "you can't sleep". Its first word
    keeps its capital when it is a name (in `names`, see moment.names_of) or has a title."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        return FIRST_TO_SECOND.get(word.lower().replace("’", "'"), word)

    spoken = re.sub(r"\b(I|we) was\b", r"\1 were", sentence.strip().rstrip(".!?…").strip(), flags=re.IGNORECASE)
    spoken = DIALECT_DONT.sub(r"\1 doesn't", spoken)
    spoken = THINK_GOING_TO.sub("I'm thinking I might", spoken)  # "you think you're…" reads as a put-down
    spoken = GOING_TO.sub(r"\1 planning to", spoken)  # "you're going to tell them" reads as an order
    turned = re.sub(r"[A-Za-z'’]+", swap, spoken)
    first = next(iter(words(turned)), "")
    return turned if TITLED.match(turned) or term(first) in names else turned[:1].lower() + turned[1:]


def gist(peer_line: str, names: frozenset[str] = frozenset()) -> str | None:
    """The peer's sentence most worth reflecting (about them or with feeling, standing alone, with feeling, then
    the earliest; not a question), turned toward them; a name that opens it keeps its capital."""
    candidates = []
    for position, sentence in enumerate(_sentences(plain(peer_line))):
        sentence = LET_ME.sub("I'd like to", LEAD_IN.sub("", sentence))  # "I try to say, I feel alone": "I feel alone"
        sentence = JOINING_WORD.sub("", _without_the_listener(THANK_YOU.sub("", sentence).strip(" ,.")))
        sentence = TRAILING_TAG.sub("", sentence)
        tokens = words(sentence)
        if "?" in sentence or not GIST_WORDS[0] <= len(tokens) <= GIST_WORDS[1] or _names_the_listener(tokens):
            continue
        verb = tokens[1] if tokens[0] in LEADING_ADVERBS | {"now", "please"} else tokens[0]
        if verb in REQUESTS or (verb == "don't" and "me" in tokens):  # "Don't give me stuff" asks the listener
            continue
        dropped = verb in DROPPED_SUBJECT_VERBS
        if not (dropped or any(t in VERBS or t in FIRST_TO_SECOND or t.endswith(("ed", "n't")) for t in tokens)):
            continue
        about_them = dropped or any(t in FIRST_TO_SECOND for t in tokens)
        said = f"I {sentence[:1].lower()}{sentence[1:]}" if dropped else sentence
        stands_alone = tokens[0] not in BACK_REFERENCES | {"that's", "it's"}  # "that's funny, because…" leans too
        feeling = bool(FEELING.search(sentence))
        candidates.append((about_them or feeling, stands_alone, feeling, -position, -abs(len(tokens) - 12), said))
    if not candidates:
        return None
    return turned_toward(max(candidates)[-1], names)


def _sentences(text: str) -> list[str]:
    """The sentences of a peer's line, a title's full stop not taken for a sentence's end ("Dr. Patel's my
    prescriber" is one sentence)."""
    merged: list[str] = []
    for piece in split_sentences(text):
        if merged and TITLE_END.search(merged[-1]):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def _names_the_listener(tokens: Sequence[str]) -> bool:
    """Whether a sentence is about the trainee ("You've done so much for me"): said back, it would be garbled."""
    return any(t == "you" or t.startswith(("you'", "your")) for t in tokens)


def _without_the_listener(sentence: str) -> str:
    """A sentence that names the trainee in one clause only, cut to its first clause that does not ("I'm not much
    of a talker, I'll warn you now" says "I'm not much of a talker"); otherwise the sentence as it is."""
    if not _names_the_listener(words(sentence)):
        return sentence
    clauses = [c.strip() for c in sentence.split(",")]
    kept = (c for c in clauses if len(words(c)) >= GIST_WORDS[0] and not _names_the_listener(words(c)))
    return next(kept, sentence)


def particulars(text: str, wording: Wording) -> set[str]:
    """The names, substances and events a reply mentions."""
    known = {w.lower() for w in [*wording.particulars.substances, *wording.particulars.events]}
    named = {term(w) for w in CAPITALISED.findall(text)} - NAMEABLE_ALWAYS
    return named | ({term(w) for w in words(text)} & known)


@dataclass(frozen=True)
class LastExchange:
    """The trainee's last reply, the conversation before it, and the peer's line it answered."""

    before: list[ContextTurn]
    reply: str
    peer_line: str


def _last_exchange(context: Sequence[ContextTurn]) -> LastExchange | None:
    """The trainee's last reply in `context` with what came before it; None before the trainee has spoken."""
    turns = list(context)
    last = next((i for i in range(len(turns) - 1, -1, -1) if turns[i].role == "trainee"), None)
    if last is None:
        return None
    peer_line = next((t.text for t in reversed(turns[:last]) if t.role == "peer"), "")
    return LastExchange(before=turns[:last], reply=turns[last].text, peer_line=peer_line)


@dataclass(frozen=True)
class Candidate:
    text: str
    authored: bool


class BetterReplies:
    """Chooses, or composes, the better reply for one moment of one conversation."""

    def __init__(self, rubric: Rubric, wording: Wording, score: ScoreReplies) -> None:
        self.rubric = rubric
        self.wording = wording
        self.score = score
        self.risks = [d.key for d in rubric.dimensions if d.kind == "risk"]
        self.skills = [d.key for d in rubric.dimensions if d.kind == "skill"]

    def candidates(self, moment: CoachingMoment, context: Sequence[ContextTurn]) -> list[Candidate]:
        """The authored replies; a repair where the peer's line reacts to how the last reply landed (outside a
        crisis), or where it says little else (see _looking_back); then replies composed from the peer's words
        (crisis wording in a crisis, the moment's wording where it calls for more than a question, then open
        questions), then those alone. Once the conversation is closing (see _closing_due), those that close."""
        found = [Candidate(text, True) for text in moment.authored_replies if text.strip()]
        start = sum(map(ord, moment.peer_line))  # varied wording, the same for the same line
        repair = self.wording.repair.get(moment.reaction or "") if not moment.crisis else None
        if goodbye := self._closing_due(moment, context, start):
            return self._closing(found, repair, goodbye)
        special = self.wording.moment_of(moment)
        turned = gist(moment.peer_line, moment.names) if special is None or special.reflect else None
        if repair is not None:
            closing = special.say if special is not None and not special.reflect else None  # "I should go."
            found += [Candidate(text, False) for text in self._repairs(repair, turned, start, closing)]
        elif special is not None and special.owns:  # "Yes, sir.", "Uh huh. Sure thing."
            found += [Candidate(text, False) for text in self._looking_back(moment, context, start, go_back=False)]
        elif special.looks_back if special is not None else turned is None:  # "Mm.", "It doesn't matter."
            found += [Candidate(text, False) for text in self._looking_back(moment, context, start)]
        for asks in self.wording.asks_for(moment, start, reflected=turned):
            for n, question in enumerate(asks):
                if turned:
                    opener = self.wording.reflect[(start + n) % len(self.wording.reflect)].format(gist=turned)
                    found.append(Candidate(f"{opener} {question}", False))
                else:
                    found.append(Candidate(question, False))
        if turned:  # the last resort, when a reflection of the peer's words reads wrong: what stands alone
            found += [Candidate(asks[0], False) for asks in self.wording.asks_for(moment, start, reflected=None)]
        return found

    def _closing_due(self, moment: CoachingMoment, context: Sequence[ContextTurn], start: int) -> list[str]:
        """The goodbye wording, where the peer said goodbye in their line before this one and this one is short
        ("I have to go." … "Okay. Thank you."; not where they went on about their life) or, before a line with
        no model reply of its own, the trainee's last reply ended the session ("We're about out of time." …
        "Okay. Yes."); else []. Not in a crisis, nor where this line is itself the goodbye (its own wording
        answers it)."""
        leaving = self.wording.moment_named("leaving")
        if leaving is None or moment.crisis or leaving.found_in(moment.peer_line):
            return []
        exchange = _last_exchange(context)
        if exchange is None or self.wording.session_goes_on.search(moment.peer_line):  # "I'm still here."
            return []
        ended = not moment.authored_replies and ends_the_session(exchange.reply)
        on_the_way_out = len(words(moment.peer_line)) <= self.wording.still_leaving_max_words
        left = on_the_way_out and leaving.found_in(exchange.peer_line)
        return _rotated(leaving.say, start) if ended or left else []

    def _closing(self, authored: list[Candidate], repair: Repair | None, closing: list[str]) -> list[Candidate]:
        """What each model reply says (its closing question left out), then the goodbye; a repair that closes,
        where the peer's line reacts to a misstep; the goodbye alone."""
        wrapped = []
        for n, candidate in enumerate(authored):
            said, close = without_closing_questions(candidate.text, before_goodbye=True), closing[n % len(closing)]
            wrapped.append(Candidate(f"{said} {close}" if said else close, True))
        repairs = self._repairs(repair, None, 0, closing) if repair else []
        return wrapped + [Candidate(text, False) for text in [*repairs, *closing]]

    def _repairs(self, repair: Repair, turned: str | None, start: int, closing: list[str] | None) -> list[str]:
        """Owning the misstep, then the peer's words said back (when there is a sentence to say back), then
        handing the choice back (or, given, the `closing` wording of a move such as leaving); the same without
        the reflection last."""
        asks = _rotated(closing or repair.ask, start)
        pairs = [(own, asks[n % len(asks)]) for n, own in enumerate(_rotated(repair.own, start))]
        reflect = self.wording.reflect[start % len(self.wording.reflect)]
        reflected = [f"{own} {reflect.format(gist=turned)} {ask}" for own, ask in pairs] if turned else []
        return reflected + [f"{own} {ask}" for own, ask in pairs]

    def _looking_back(
        self, moment: CoachingMoment, context: Sequence[ContextTurn], start: int, go_back: bool = True
    ) -> list[str]:
        """Where the peer's line says little but how the trainee's last reply landed ("Mm-mm.", "Whatever."):
        that reply owned, when the grader flags a risk in it (the repair of the kind that risk sets off), and
        then (unless not `go_back`) the model replies of the peer's line before it, where it has some: what
        the misstep missed, not a stock question; else (unless not `go_back`) the peer's line before it
        gone back to: with its model replies where it has some, else with what it said of the peer."""
        exchange = _last_exchange(context)
        if exchange is None:
            return []
        scores = self.score(exchange.before, [exchange.reply])[0]
        flagged = [d for d in self.rubric.strongest_first(scores) if d.kind == "risk" and scores[d.key] >= 2]
        flagged = [] if is_encourager(exchange.reply) else flagged  # "Right." was not a put-down to own
        repair = self.wording.repair.get(flagged[0].reaction_kind or "") if flagged else None
        if repair is not None:
            owned = self._repairs(repair, None, start, None)
            if not go_back:
                return owned
            owns = _rotated(repair.own, start)
            return [f"{owns[n % len(owns)]} {reply}" for n, reply in enumerate(moment.earlier_replies)] + owned
        if not go_back:
            return []
        if moment.earlier_replies:  # what a skilled peer would have said to it, gone back to
            openers = _rotated(self.wording.go_back, start)
            return [f"{openers[n % len(openers)]} {reply}" for n, reply in enumerate(moment.earlier_replies)]
        earlier = gist(exchange.peer_line, moment.names)
        if earlier is None or not earlier.startswith(("you ", "you'")):  # their own words about themselves only
            return []
        asks = _rotated(self.wording.ask if FEELING.search(earlier) else self.wording.ask_more, start)
        return [f"{back.format(gist=earlier)} {asks[n % len(asks)]}" for n, back in enumerate(self.wording.come_back)]

    @staticmethod
    def allowed_terms(moment: CoachingMoment, context: Sequence[ContextTurn]) -> frozenset[str]:
        """What a better reply may name: the words of the persona's briefing and of this conversation."""
        return moment.briefed_terms | terms_of([t.text for t in context] + [moment.peer_line])

    def fits(self, text: str, moment: CoachingMoment, allowed: frozenset[str]) -> bool:
        """Names nothing outside `allowed` (see allowed_terms); no crisis script outside a crisis."""
        return not self._misfits(text, moment, allowed)

    def _misfits(self, text: str, moment: CoachingMoment, allowed: frozenset[str]) -> list[str]:
        """The checks of what a reply says that it fails, by name: "outside", "crisis script"."""
        found = [] if particulars(text, self.wording) <= allowed else ["outside"]
        return found + ([] if moment.crisis or not carries_crisis_script(text) else ["crisis script"])

    def unflagged(self, scores: Scores) -> bool:
        """The grader's own verdict: no risk at 2 or more, and real empathy."""
        return all(scores[k] < 2 for k in self.risks) and all(scores[k] >= 2 for k in self.skills)

    def acceptable(self, text: str, moment: CoachingMoment, context: Sequence[ContextTurn]) -> bool:
        """Whether a better reply written elsewhere (by the LLM judge) passes every check."""
        allowed = self.allowed_terms(moment, context)
        return self.fits(text, moment, allowed) and self.unflagged(self.score(context, [text])[0])

    def problems(self, text: str, moment: CoachingMoment, context: Sequence[ContextTurn]) -> list[str]:
        """Every check a better reply fails, by name: "flagged" (by the grader itself), "outside" (names
        something beyond the conversation and the briefing), "crisis script" (outside a crisis)."""
        flagged = [] if self.unflagged(self.score(context, [text])[0]) else ["flagged"]
        return flagged + self._misfits(text, moment, self.allowed_terms(moment, context))

    def choose(
        self, moment: CoachingMoment, context: Sequence[ContextTurn], weakest: Sequence[str] = ()
    ) -> str:
        """The best candidate that passes every check, for the dimensions the trainee's reply was weakest on.

        An empty string when none passes (the coaching then offers its tip instead)."""
        fitting = self._fitting(moment, context)
        authored = [c for c in fitting if c.authored]
        passing = self._passing(authored, context)  # graded together: the best of them is wanted
        for composed in (c for c in fitting if not c.authored):
            if passing:
                break
            passing = self._passing([composed], context)  # one at a time: the first that passes will do
        if not passing:
            return ""
        return max(passing, key=lambda item: self._rank(item[0], item[1], weakest))[0].text

    def _fitting(self, moment: CoachingMoment, context: Sequence[ContextTurn]) -> list[Candidate]:
        allowed = self.allowed_terms(moment, context)
        return [c for c in self.candidates(moment, context) if self.fits(c.text, moment, allowed)]

    def _passing(self, candidates: list[Candidate], context: Sequence[ContextTurn]) -> list[tuple[Candidate, Scores]]:
        if not candidates:
            return []
        scored = self.score(context, [c.text for c in candidates])
        return [(c, s) for c, s in zip(candidates, scored, strict=True) if self.unflagged(s)]

    def _rank(self, candidate: Candidate, scores: Scores, weakest: Sequence[str]) -> tuple[int, int, int]:
        """Authored first; then the one strongest where the trainee was weakest; then the lowest risk."""
        repair = sum(scores[k] if k in self.skills else -scores[k] for k in weakest)
        return int(candidate.authored), repair, -sum(scores[k] for k in self.risks)
