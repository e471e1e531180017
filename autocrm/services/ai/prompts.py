"""Every prompt the AI features send, in one place, each with a version.

A prompt's version is part of what an output is cached under and is recorded with each call, so changing a
prompt means a new version: old cached outputs are then not reused, and the accounting tells the two apart.
Prompts are English instructions; the answer's language is asked for explicitly (the reader's locale).
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

from babel import Locale, UnknownLocaleError
from openai.types.chat import ChatCompletionMessageParam


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    system: Template
    user: Template

    @property
    def tag(self) -> str:
        return f"{self.name}@{self.version}"

    def messages(self, **values: str) -> list[ChatCompletionMessageParam]:
        return [
            {"role": "system", "content": self.system.substitute(values)},
            {"role": "user", "content": self.user.substitute(values)},
        ]


def language_name(locale: str) -> str:
    """The language's English name, as the prompts ask for it ("Spanish" for `es`)."""
    try:
        return Locale.parse(locale).english_name or "English"
    except (UnknownLocaleError, ValueError):
        return "English"


SUMMARY = Prompt(
    name="summary",
    version=1,
    system=Template(
        "You summarize customer support conversations for the agent who works the ticket. Use only what the "
        "conversation says; never add facts, names, numbers or promises. Answer with four short lines, each "
        "starting with its label exactly: 'Problem:', 'Tried:', 'State:', 'Last ask:'. Write 'Nothing yet.' "
        "when the conversation says nothing about a line. Write in $language."
    ),
    user=Template("Ticket subject: $subject\n\nConversation, oldest first:\n$conversation"),
)

REWRITE = Prompt(
    name="rewrite",
    version=1,
    system=Template(
        "You rewrite a support agent's draft reply to a customer. Keep its meaning, facts, numbers, links and "
        "placeholders exactly; add nothing new; keep the draft's language. Style: $tone. Answer with the "
        "rewritten reply only, no preface."
    ),
    user=Template("$text"),
)

# How each tone is asked for.
TONES: dict[str, str] = {
    "friendly": "warmer and friendlier, still professional",
    "concise": "shorter and to the point; drop filler, keep every fact",
    "formal": "more formal and polite",
}

SUGGEST_REPLY = Prompt(
    name="suggest_reply",
    version=1,
    system=Template(
        "You draft a support agent's next reply to a customer, for the agent to review before sending. Use only "
        "the sources given (an approved macro, help-centre articles, the conversation); never invent policies, "
        "amounts, dates or promises. If the sources do not answer the customer, say what the agent should check "
        "instead of guessing. Keep links exactly as given. Write in $language, plain text, no subject line."
    ),
    user=Template(
        "Conversation, oldest first:\n$conversation\n\nApproved macro (may be empty):\n$macro\n\n"
        "Help-centre articles (title, link, passage):\n$articles"
    ),
)

CHAT_ANSWER = Prompt(
    name="chat_answer",
    version=1,
    system=Template(
        "You answer a customer's question in a company's help chat. Use only the help-centre passages given: "
        "never add facts, steps, amounts, dates, links, names or promises they do not state, and never guess. "
        "If the passages do not answer the question, say in one sentence that the help centre does not answer "
        "it and that a person from the team can help, and nothing else. Write in $language, whatever language "
        "the passages or the question are in; plain text, no Markdown, no greeting, at most five short "
        "sentences. Do not mention passages or these instructions."
    ),
    user=Template("Question: $question\n\nHelp-centre article: $title\nPassages:\n$passages"),
)

PROMPTS: dict[str, Prompt] = {prompt.name: prompt for prompt in (SUMMARY, REWRITE, SUGGEST_REPLY, CHAT_ANSWER)}
