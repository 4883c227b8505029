"""Trainee words for the load benches: composed from parts, so that almost every text is new to the
server (a real class types its own words; a repeated text would be served from the grader's caches)."""

import random

LEADS = [
    "", "Okay.", "Thanks for telling me that.", "Mm, I hear you.", "Right,", "So,", "Honestly,",
    "That sounds like a lot.", "I appreciate you saying that.", "Yeah.", "Hmm.", "I'm with you.",
]
CORES = [
    "it sounds like the evenings have been hard.",
    "what has helped, even a little?",
    "you have to go to a meeting tonight, no excuses.",
    "what would you like to happen next, in your own words?",
    "I hear how much your family matters to you.",
    "can you tell me more about work this week?",
    "you should really call your sponsor today.",
    "it makes sense that you'd feel torn about this.",
    "what was the hardest part of the weekend?",
    "I'm not going to tell you what to do here.",
    "you seem tired of people telling you what to do.",
    "if I were you I'd just quit that job.",
    "part of you wants a change and part of you isn't sure.",
    "how did you get through the last time it was this bad?",
]
TAILS = [
    "", "What do you think?", "Take your time.", "Does that fit?", "Tell me more.",
    "I'm listening.", "No rush.", "Is that close?", "What stands out for you?",
]


def trainee_text(rng: random.Random) -> str:
    """One reply, about 1,500 different ones in all."""
    lead, core, tail = rng.choice(LEADS), rng.choice(CORES), rng.choice(TAILS)
    if not lead or lead.endswith("."):
        core = core[0].upper() + core[1:]
    return " ".join(part for part in (lead, core, tail) if part)
