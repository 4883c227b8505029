"""What kind of move a trainee's reply makes: a reflection, a question or a statement."""

import pytest

from app.content.personas import Move
from app.persona.moves import classify_move


@pytest.mark.parametrize(
    ("text", "move"),
    [
        ("Sounds like it's been lonely. What's that like?", "reflection"),
        ("It sounds like evenings are the hardest part.", "reflection"),
        ("It seems you've been carrying this alone.", "reflection"),
        ("You feel like nobody at work would get it.", "reflection"),
        ("You're feeling stuck between wanting help and hating to need it.", "reflection"),
        ("You\u2019re feeling worn out.", "reflection"),
        ("I hear how much Tyler means to you.", "reflection"),
        ("That must be exhausting.", "reflection"),
        ("It makes sense that you'd want to keep it quiet.", "reflection"),
        ("So you're saying the Sundays are the worst?", "reflection"),
        ("That sounds really hard.", "reflection"),
        ("What's been the hardest part this week?", "question"),
        ("How do you feel about the meetings?", "question"),
        ("Do you feel ready to talk about it?", "question"),
        ("Would it help to talk through Sunday nights", "question"),
        ("Could you say more about that", "question"),
        ("Is there anyone you can call?", "question"),
        ("Are you sleeping at all", "question"),
        ("Tell me more about Tuesday.", "question"),
        ("When did you start going to St. Anne's", "question"),
        ("Okay. What would a good week look like", "question"),
        ("You need to go to a meeting every day.", "statement"),
        ("I'm really proud of you for coming in.", "statement"),
        ("Do your best this week.", "statement"),
        ("When you're ready, I'm here.", "statement"),
        ("Seven weeks is a real achievement.", "statement"),
        ("Have a good night.", "statement"),
        ("", "statement"),
    ],
)
def test_classify_move(text: str, move: Move) -> None:
    assert classify_move(text) == move
