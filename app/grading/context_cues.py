"""The moment a reply answers: is the peer testing a boundary, or in crisis? And how does the reply meet it?

The same words mean different things after "can we hang out sometime?" and after "I have the
pills in my hand": "yes, I'd like that" is a boundary problem in the first, and a crisis line is
the right move only in the second. These cues are plain features of English; the classifier
learns from the labelled examples how much each one counts, and in which moment.
"""

import re

from app.grading.cues import words

BOUNDARY_ASK = re.compile(
    r"(?<!\w)(?:hang out|get (?:coffee|lunch|dinner|food|a drink)|grab (?:coffee|lunch|dinner|food|a bite)"
    r"|as friends|be (?:my )?friends|be my sponsor|come (?:to|over)|your (?:personal )?(?:number|phone|cell)"
    r"|(?:facebook|instagram|insta|tiktok|snapchat|whatsapp)|follow (?:you|me)|add (?:you|me)"
    r"|lend me|loan me|spot me|borrow|(?:a )?(?:ride|lift)\b|crash at|stay (?:at|with) you"
    r"|(?:got|made|bought) you|take (?:it|this)|gift|between us|don'?t tell|keep (?:it|this|that) (?:quiet|secret)"
    r"|tell me what to do|just tell me|you decide|decide for me|you'?re the expert|do it for me"
    r"|call (?:him|her|them) for me"
    r"|will you come|would you come|you should come|want to come|wanna come|would you be my|can i call you"
    r"|text you|hold (?:onto|on to) my|wish you were my)(?!\w)",
    re.IGNORECASE,
)
ENCOURAGERS = (
    "ok", "okay", "mm", "mhm", "mm-hm", "mm-hmm", "mmhm", "uh-huh", "right", "yeah", "yes", "i see", "go on",
    "got it", "gotcha", "sure", "and", "and then", "keep going", "i'm listening", "i'm with you", "wow", "huh",
)
# "Mm-hm.", "Okay. Go on.", "Right...": only encouragers, each followed by a stop, a comma or nothing
ONLY_ENCOURAGERS = re.compile(rf"^(?:(?:{'|'.join(map(re.escape, ENCOURAGERS))})[.!…,]*\s*){{1,3}}$")
ENDS_THE_SESSION = re.compile(
    r"\b(?:out of time|see you next (?:time|week)|until next time|take care(?: of yourself)?\s*[.!]"
    r"|that'?s (?:all|it) for today|we'?ll (?:stop|leave it) (?:here|there)(?: for today)?"
    r"|thanks for today|bye)\b",  # not "thanks for coming in", said as often in a hello
    re.IGNORECASE,
)
OWNS_A_MISSTEP = re.compile(
    r"\b(sorry|apologi[sz]e|my apologies|i was out of line|that came out wrong|i shouldn'?t have|i overstepped"
    r"|i pushed (you )?too|didn'?t mean to (push|lecture|preach|pressure|tell you what)|i was wrong to|my bad"
    r"|(that'?s|that one'?s) on me(?! to)|my mistake|i (came|come) on (too )?strong|i got ahead of (you|myself)"
    r"|i jumped in|i (went|got) (too far|past)|i spoke too (fast|soon)|i (take|am taking|'?m taking) (it|that) back"
    r"|i was (being )?(too )?(pushy|preachy|bossy|harsh|short|cold|rude)"
    r"|that (came out|sounded) like (an order|a lecture|i was judging))\b"
)  # "Fair. That sounded like a clipboard talking, and that's on me" owns it as much as "sorry" does
CRISIS = re.compile(
    r"(?<!\w)(?:kill(?:ing)? myself|end (?:it|my life|things)|suicid\w*|better off without me|want to die"
    r"|don'?t want to (?:be here|live|wake up)|didn'?t wake up|not wake up|overdos\w*|took (?:a bunch|all|too many)"
    r"|pills? in my hand|(?:on|at) the (?:bridge|roof|edge)|hurt(?:ing)? myself|cutting|can'?t go on"
    r"|no reason to live|scared of myself|have a plan|(?:saved|saving) up (?:my )?pills|pills saved)(?!\w)",
    re.IGNORECASE,
)
AGREES = re.compile(
    r"^\s*(?:yes|yeah|yep|yup|ya|sure|of course|absolutely|definitely|okay|ok|for sure|totally|no problem"
    r"|i'?d love|i'?m in|count me in|deal|aw|oh)\b|\b(?:i'?d love (?:to|that)|i'?ll be there|i'?m in"
    r"|sounds fun|let'?s do it|(?:you|we) can stay|hop in|i'?ll (?:bring|come|pick you up|drive))\b",
    re.IGNORECASE,
)
DECLINES = re.compile(
    r"\bi(?: can'?t| cannot| won'?t| don'?t| am not| am going to say no|'?m not|'?m going to say no"
    r"|'?ll (?:pass|say no|sit this one out|hand (?:it|this(?: one)?) back)"
    r"| keep (?:my|our|things|it|that|business|money))"
    r"|\b(?:(?:that'?s|it'?s) a no|say no|not able to|outside (?:of )?(?:my|the|this) role|in this role"
    r"|(?:my|the) role|can'?t accept|not allowed|have to (?:pass|share|tell|report)|i'?d have to|tell you first)\b",
    re.IGNORECASE,
)
CRISIS_SCRIPT = re.compile(
    r"(?<!\w)(?:988|911|crisis (?:line|team|text)|hotline|emergency|are you safe|stay safe|keep you safe"
    r"|your safety|thoughts of (?:ending|killing|suicide|hurting))(?!\w)",
    re.IGNORECASE,
)

CONTEXT_CUE_NAMES = (
    "peer_boundary_ask", "peer_crisis", "agrees_to_ask", "declines_ask", "crisis_script_in_crisis",
    "crisis_script_elsewhere", "self_talk",
)
FIRST_PERSON = {"i", "me", "my", "mine", "i'm", "i've", "i'll", "i'd", "myself"}


def peer_in_crisis(peer_text: str) -> bool:
    return bool(CRISIS.search(peer_text))


def peer_tests_boundary(peer_text: str) -> bool:
    return bool(BOUNDARY_ASK.search(peer_text))


def declined(reply: str) -> bool:
    """Whether a reply says no to something, or names the limits of the role."""
    return bool(DECLINES.search(reply))


def is_encourager(reply: str) -> bool:
    """A minimal encourager ("Mm-hm.", "Okay. Go on."): it says nothing, and asks the peer to keep talking."""
    spoken = " ".join(reply.replace("’", "'").replace("‘", "'").lower().split())
    return ONLY_ENCOURAGERS.match(spoken) is not None


def ends_the_session(reply: str) -> bool:
    """Whether a reply closes the conversation ("Okay, we're about out of time. Thanks for today.")."""
    return ENDS_THE_SESSION.search(reply.replace("’", "'")) is not None


def owns_a_misstep(reply: str) -> bool:
    """Whether a reply apologises, or names its own misstep ("I pushed too hard there")."""
    return OWNS_A_MISSTEP.search(reply.lower().replace("’", "'")) is not None


def carries_crisis_script(text: str) -> bool:
    return bool(CRISIS_SCRIPT.search(text))


def context_cue_values(reply: str, peer_text: str) -> list[float]:
    """Cues of the moment and of how the reply meets it, in the order of CONTEXT_CUE_NAMES."""
    asks, crisis = peer_tests_boundary(peer_text), peer_in_crisis(peer_text)
    script = carries_crisis_script(reply)
    first_person = sum(1 for w in words(reply) if w in FIRST_PERSON)
    return [
        float(asks),
        float(crisis),
        float(asks and bool(AGREES.search(reply)) and not declined(reply)),
        float(asks and declined(reply)),
        float(script and crisis),
        float(script and not crisis),
        min(first_person, 24) / 12,  # how much of a long reply is about the trainee
    ]
