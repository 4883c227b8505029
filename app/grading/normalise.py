"""How people really write and talk, brought closer to the written English the encoder knows.

Texting shorthand ("u", "ur", "rn", "dont") is spelled out; the fillers and false starts of
transcribed speech ("um", "uh", "I- I", "you, you") are dropped. The grader encodes and counts
cues on this plain text, while evidence is still quoted from the trainee's own words.
"""

import re
from functools import lru_cache

SHORTHAND = {
    "u": "you", "ur": "your", "r": "are", "ya": "you", "yu": "you", "y'all": "you all",
    "im": "I'm", "ive": "I've", "dont": "don't", "cant": "can't", "wont": "won't", "didnt": "didn't",
    "doesnt": "doesn't", "isnt": "isn't", "wasnt": "wasn't", "arent": "aren't", "shouldnt": "shouldn't",
    "couldnt": "couldn't", "wouldnt": "wouldn't", "havent": "haven't", "thats": "that's",
    "whats": "what's", "hows": "how's", "theres": "there's", "youre": "you're", "youve": "you've",
    "youll": "you'll", "lets": "let's", "tho": "though", "thru": "through", "rn": "right now",
    "tbh": "to be honest", "idk": "I don't know", "imo": "in my opinion", "ngl": "not gonna lie",
    "nite": "night", "tonite": "tonight", "pls": "please", "plz": "please", "thx": "thanks",
    "ty": "thank you", "bc": "because", "cuz": "because", "coz": "because", "w/": "with",
    "b4": "before", "2day": "today", "2nite": "tonight", "wat": "what", "wut": "what", "k": "okay",
    "kk": "okay", "ok": "okay", "sry": "sorry", "abt": "about", "ppl": "people", "bf": "boyfriend",
    "gf": "girlfriend", "fr": "for real", "smth": "something", "prob": "probably", "def": "definitely",
}
FILLERS = re.compile(
    r"(?<![\w'’])(?:um+|uh+|erm+|er|hmm+|mm+(?:-[hm]m+)?|uh-huh|uh-uh)(?![\w'’])[,.…]*\s*", re.IGNORECASE
)
LAUGHS = re.compile(r"(?<!\w)(?:lol|lmao|haha+|hehe+)(?!\w)[,.!]*\s*", re.IGNORECASE)
# a word said again after a comma, dash or nothing: "I, I think", "I- I", "you you"
STUTTER = re.compile(r"(?<![\w'’])([\w'’]+)(?:\s*[,-]\s*|\s+)(?=\1(?![\w'’]))", re.IGNORECASE)
TOKEN = re.compile(r"[\w'’/]+")
SPACES = re.compile(r"\s+")


@lru_cache(maxsize=8192)  # a peer's line is read once per sentence of the reply, and for each candidate
def plain(text: str) -> str:
    """`text` with texting shorthand spelled out and speech fillers and false starts removed."""
    text = FILLERS.sub("", text)
    text = LAUGHS.sub("", text)
    text = STUTTER.sub("", text)
    text = TOKEN.sub(lambda m: SHORTHAND.get(m.group(0).lower(), m.group(0)), text)
    text = SPACES.sub(" ", text).strip(" ,")
    return text[:1].upper() + text[1:] if text else text
