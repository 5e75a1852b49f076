"""Named answer types: what a question asks for, and whether a sentence holds it."""

from __future__ import annotations

import pytest

from retriever.answer_type import asked, holds


@pytest.mark.parametrize(("question", "names"), [
    ("What is the helpdesk's phone number?", ["phone"]),
    ("what's the email for media queries", ["email"]),
    ("How do I contact the Singpass team?", ["contact"]),
    ("Where is the GovTech office located?", ["address"]),
    ("How much does a Digital Academy course cost?", ["money"]),
    ("Is there a monthly fee for the CareLine service?", ["money", "yes/no"]),
    ("How many people attended the summit?", ["number"]),
    ("When does the call for proposals close?", ["date"]),
    ("Until what time can I call the hotline?", ["date"]),
    ("Which city hosted the ninth DGX?", ["place"]),
    ("Which agency did GovTech build OpenCerts with?", ["person or organisation"]),
    ("Who is the chief executive of GovTech?", ["person or organisation"]),
    ("Is the app available on Android?", ["yes/no"]),
    # A hotline's hours, a rank and who qualifies are not a number, a place or a name.
    ("Is GovTech's hotline open on weekends?", ["yes/no"]),
    ("Where did Singapore rank in the Global Innovation Index 2024?", []),
    ("Who can apply for the grant?", []),
    ("Who does GovTech team up with for its international events?", []),
    ("Where can I find the annual report?", []),
    ("What is Open-RMF?", []),
])
def test_what_a_question_asks_for(question: str, names: list[str]) -> None:
    assert [t.name for t in asked(question)] == names


@pytest.mark.parametrize(("question", "sentence", "ok"), [
    # The case: a phone question is not answered by an e-mail address.
    ("What is the helpdesk's phone number?", "Email the helpdesk at help@tech.gov.sg.", False),
    ("What is the helpdesk's phone number?", "Call the helpdesk at 6123 4567.", True),
    ("What is the helpdesk's phone number?", "Call 1800-123-4567 on weekdays.", True),
    ("what's the email for media queries", "Write to media@tech.gov.sg.", True),
    ("what's the email for media queries", "Call our media line at +65 6211 0888.", False),
    ("How do I contact the Singpass team?", "Use the feedback form on the Singpass site.", True),
    ("Where is the GovTech office located?", "10 Pasir Panjang Road, Singapore 117438.", True),
    ("Where is the GovTech office located?", "GovTech builds digital services.", False),
    ("How much does a Digital Academy course cost?", "Courses are free for officers.", True),
    ("How much does a Digital Academy course cost?", "Each course costs S$200.", True),
    ("How much does a Digital Academy course cost?", "Courses run for 3 days.", False),
    ("How many people attended the summit?", "GovTech took part in the summit.", False),
    ("How many people attended the summit?", "Over 1,200 people attended.", True),
    ("Which city hosted the ninth DGX?", "The ninth edition was held in Amsterdam.", True),
    ("Which city hosted the ninth DGX?", "it was held in june.", False),
    ("Which agency did GovTech build OpenCerts with?", "It was built with Ngee Ann "
     "Polytechnic.", True),
    ("Which agency did GovTech build OpenCerts with?", "Sembcorp Industries", True),
    ("Which agency did GovTech build OpenCerts with?", "it was built in 2019.", False),
    ("Is the app available on Android?", "it is.", True),
])
def test_whether_a_sentence_holds_it(question: str, sentence: str, ok: bool) -> None:
    assert holds(asked(question), sentence) is ok
