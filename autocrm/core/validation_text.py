"""Pydantic's validation errors in the reader's language.

Pydantic writes its messages in English only ("String should have at most 120 characters"). Every place that
shows one to a person (the API's 422 details, a form's field message, a bulk change's failure) passes the error
dict through `validation_message`, which picks a sentence by the error's `type` (the machine-readable part,
left as it is) and fills it from the error's `ctx`. A type not listed keeps pydantic's own words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from autocrm.core.i18n import N_, format_number, ngettext, t

# type -> a sentence with the ctx's fields as placeholders (the counted ones are in `_COUNTED`).
_MESSAGES: dict[str, str] = {
    "missing": N_("This field is required."),
    "extra_forbidden": N_("This field is not known here."),
    "string_type": N_("Enter text."),
    "string_too_short": N_("This field is required."),
    "string_pattern_mismatch": N_("This value does not have the expected form."),
    "int_type": N_("Enter a whole number."),
    "int_parsing": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_type": N_("Enter a number."),
    "float_parsing": N_("Enter a number."),
    "decimal_parsing": N_("Enter a number."),
    "bool_type": N_("Enter true or false."),
    "bool_parsing": N_("Enter true or false."),
    "greater_than": N_("Enter a number greater than {gt}."),
    "greater_than_equal": N_("Enter a number of at least {ge}."),
    "less_than": N_("Enter a number less than {lt}."),
    "less_than_equal": N_("Enter a number of at most {le}."),
    "literal_error": N_("Choose one of: {expected}."),
    "enum": N_("Choose one of: {expected}."),
    "list_type": N_("Enter a list."),
    "dict_type": N_("Enter an object of names and values."),
    "model_type": N_("Enter an object of names and values."),
    "model_attributes_type": N_("Enter an object of names and values."),
    "datetime_type": N_("Enter a date and time, like 2026-03-04T14:05:00Z."),
    "datetime_parsing": N_("Enter a date and time, like 2026-03-04T14:05:00Z."),
    "datetime_from_date_parsing": N_("Enter a date and time, like 2026-03-04T14:05:00Z."),
    "timezone_aware": N_("Give the time with its time zone, like 2026-03-04T14:05:00Z."),
    "date_type": N_("Enter a date, like 2026-03-04."),
    "date_parsing": N_("Enter a date, like 2026-03-04."),
    "date_from_datetime_parsing": N_("Enter a date, like 2026-03-04."),
    "time_parsing": N_("Enter a time, like 14:05."),
    "url_parsing": N_("Enter a web address, like https://example.com."),
    "url_scheme": N_("Enter a web address, like https://example.com."),
    "uuid_parsing": N_("Enter a UUID."),
    "json_invalid": N_("This is not valid JSON."),
    "union_tag_invalid": N_("Choose one of: {expected_tags}."),
    "none_required": N_("Leave this field empty."),
}
# type -> (the ctx field that counts, the sentence for that count).
_COUNTED: dict[str, tuple[str, Callable[[int], str]]] = {
    "string_too_long": (
        "max_length",
        lambda n: ngettext("Keep this under {n} character.", "Keep this under {n} characters.", n),
    ),
    "too_short": ("min_length", lambda n: ngettext("Give at least {n} item.", "Give at least {n} items.", n)),
    "too_long": ("max_length", lambda n: ngettext("Give at most {n} item.", "Give at most {n} items.", n)),
}
# Ours: the text a `ValueError` raised by our own validators carries is already translated (they call `t()`).
_OWN_WORDS = {"value_error", "assertion_error"}


def _ctx(error: Mapping[str, Any]) -> dict[str, Any]:
    context = error.get("ctx") or {}
    return {
        key: format_number(value) if isinstance(value, (int, float)) else str(value) for key, value in context.items()
    }


def validation_message(error: Mapping[str, Any], *, with_field: bool = False) -> str:
    """One pydantic error (an item of `ValidationError.errors()`) as a sentence in the current locale;
    `with_field` names the field first ("subject: Keep this under 200 characters.")."""
    kind = str(error.get("type", ""))
    context = _ctx(error)
    if kind in _COUNTED:
        counted, sentence = _COUNTED[kind]
        raw = (error.get("ctx") or {}).get(counted)
        message = sentence(raw) if isinstance(raw, int) else str(error.get("msg", ""))
    elif kind in _MESSAGES:
        try:
            message = t(_MESSAGES[kind], **context)
        except (KeyError, IndexError):
            message = str(error.get("msg", ""))
    elif kind in _OWN_WORDS:
        reason = (error.get("ctx") or {}).get("error")
        message = str(reason) if reason else str(error.get("msg", ""))
    else:
        message = str(error.get("msg", "")) or t("This value is not valid.")
    message = message or t("This value is not valid.")
    if not with_field:
        return message
    location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    return t("{field}: {message}", field=".".join(location), message=message) if location else message
