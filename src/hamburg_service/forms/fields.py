"""Each field type of a form: how a posted value is read and checked, and what the page shows.

A step's input comes from a browser (a QueryDict: `address.postcode`, `birth.year`,
`family.0.member_name`, `photo-staged`) or from the API (a dict of JSON values: `address`
as an object, `birth` as "1985-03", `family` as a list). Either way `step_clean` gives
- `raw`: what was entered, per field, in the shape the page shows it (nothing typed is lost
  when the page comes back with errors);
- `errors`: messages per input name, in the active language, next to their field;
- `values`: the checked answers of the step's visible fields (only without errors).

Files are checked and stored (staged) as soon as they are sent (files.services.file_store),
so a page that comes back with an error elsewhere lists them, carried by signed tokens;
the draft service attaches them when the step is saved."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hamburg_service.catalog.i18n import active_suffix
from hamburg_service.catalog.places import place_error, place_resolve
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import InvalidInput
from hamburg_service.core.text import refused_message, text_refused
from hamburg_service.files.forms import staged_from_tokens, staged_token
from hamburg_service.files.models import FileState, StoredFile
from hamburg_service.files.policy import JPEG, PDF, PNG, UploadPolicy
from hamburg_service.files.services import file_delete, file_store
from hamburg_service.forms.definition import FieldSpec, FormSpec, StepSpec, date_bound
from hamburg_service.forms.logic import condition_true, item_walk
from hamburg_service.people.names import NameRefused, din91379_check

# Names a posted step may carry besides its fields.
CONTROL_NAMES = frozenset({"csrfmiddlewaretoken", "revision", "action", "idempotency_key"})
EARLIEST_DATE = dt.date(1800, 1, 1)
LATEST_YEARS_AHEAD = 100
_HOUSE_NUMBER = re.compile(r"^\d{1,4} ?[a-zA-Z]?( ?[-/] ?\d{1,4} ?[a-zA-Z]?)?$")
_TYPES = {"pdf": PDF, "jpeg": JPEG, "png": PNG}
_TRUE = {"on", "true", "1", "yes"}
_MAX_GROUP_INDEX = 50
# Digits before the decimal point of a number answer (a field without `max` still has a
# bound: "1e5000" is no number anybody means, and would not even fit the stored JSON).
MAX_NUMBER_DIGITS = 15


class Refused(Exception):
    """One input's message (`name` is the input's name: "address.postcode")."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


class Source:
    """What was posted: a QueryDict (browser) or a dict of JSON values (API)."""

    def __init__(self, data: Any, files: Any = None) -> None:
        self.data = data if data is not None else {}
        self.files = files if files is not None else {}
        self.is_query = hasattr(self.data, "getlist")

    def value(self, name: str) -> Any:
        return self.data.get(name)

    def values(self, name: str) -> list[Any]:
        if self.is_query:
            return list(self.data.getlist(name))  # type: ignore[union-attr]
        value = self.data.get(name)
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]

    def has(self, name: str) -> bool:
        return name in self.data

    def has_prefix(self, name: str) -> bool:
        return any(k == name or k.startswith((f"{name}.", f"{name}-")) for k in self.data)

    def uploads(self, name: str) -> list[UploadedFile]:
        if hasattr(self.files, "getlist"):
            return [u for u in self.files.getlist(name) if getattr(u, "name", "")]
        found = self.files.get(name) or []
        return [u for u in (found if isinstance(found, list) else [found]) if u]

    def names(self) -> Iterable[str]:
        return list(self.data.keys()) + list(self.files.keys())


def policy_of(spec: FieldSpec) -> UploadPolicy:
    """The upload policy a file field's definition describes."""
    return UploadPolicy(
        name="form-upload",
        types=tuple(_TYPES[t] for t in spec.file_types),
        max_bytes=int(spec.max_mb * 1_000_000) if spec.max_mb else None,
        max_files=spec.max_files,
    )


def upload_purpose(spec: FormSpec) -> str:
    return f"forms.{spec.slug}"[:60]


def upload_bind(owner: str, spec: FieldSpec) -> str:
    """What a staged file's token is bound to: the draft (`owner`) and the file field, so a
    token staged for one question (or draft) is worth nothing in another."""
    return f"{owner}:{spec.key}"


@dataclass
class FileItem:
    ref: str  # the public id (attached to the draft) or a staged token
    name: str
    size: str
    staged: bool


@dataclass
class Context:
    spec: FormSpec
    today: dt.date
    actor: Actor
    owner: str  # "form-draft:<public id>"
    attached: dict[str, StoredFile] = field(default_factory=dict)  # the draft's files by id
    staged: list[StoredFile] = field(default_factory=list)  # stored by this post
    removed: list[StoredFile] = field(default_factory=list)  # attached, removed by the user


# --- reading and checking values -----------------------------------------------------------


def _as_text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused(name, _("This answer has the wrong form: enter text."))
    return str(value)


def _required(name: str) -> Refused:
    return Refused(name, _("Please answer this question."))


def _text(spec: FieldSpec, name: str, raw: Any) -> str:
    value = _as_text(name, raw)
    if text_refused(value):
        raise Refused(name, refused_message())
    if spec.type == "textarea":
        text = "\n".join(line.rstrip() for line in value.replace("\r\n", "\n").split("\n"))
        text = text.strip()
    else:
        text = " ".join(value.split())
    if not text:
        if spec.required:
            raise _required(name)
        return ""
    if len(text) > spec.max_length:
        raise Refused(
            name,
            ngettext(
                "This can be at most %(count)d character long; it has %(length)d.",
                "This can be at most %(count)d characters long; it has %(length)d.",
                spec.max_length,
            )
            % {"count": spec.max_length, "length": len(text)},
        )
    if spec.type == "name":
        try:
            text = din91379_check(text)
        except NameRefused as refused:
            if refused.character.isdigit():
                message = _("Names cannot contain digits (“%(character)s”).") % {
                    "character": refused.character
                }
            elif refused.reason == "no-letter":
                message = _("A name needs at least one letter.")
            else:
                message = _(
                    "“%(character)s” is not a letter allowed in names (DIN 91379). Please "
                    "write the name in Latin letters as in your passport."
                ) % {"character": refused.character}
            raise Refused(name, message) from None
    if spec.type == "email":
        try:
            validate_email(text)
        except ValidationError:
            raise Refused(name, _("Enter an e-mail address such as name@example.org.")) from None
    if spec.pattern is not None and not spec.pattern.fullmatch(text):
        raise Refused(
            name,
            spec.pattern_message(active_suffix()) or _("This is not in the expected form."),
        )
    return text


def _number(spec: FieldSpec, name: str, raw: Any) -> int | str | None:
    if isinstance(raw, bool):
        raise Refused(name, _("Enter a number."))
    text = _as_text(name, raw).strip().replace(" ", "")
    if not text:
        if spec.required:
            raise _required(name)
        return None
    if text_refused(text) or len(text) > 30:
        raise Refused(name, _("Enter a number."))
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise Refused(name, _("Enter a number.")) from None
    if not number.is_finite():
        raise Refused(name, _("Enter a number."))
    if number and number.adjusted() >= MAX_NUMBER_DIGITS:
        raise Refused(
            name,
            ngettext(
                "Enter a number with at most %(count)d digit before the decimal point.",
                "Enter a number with at most %(count)d digits before the decimal point.",
                MAX_NUMBER_DIGITS,
            )
            % {"count": MAX_NUMBER_DIGITS},
        )
    if not number:
        number = Decimal(0)  # "0e99", "-0"
    exponent = number.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places > spec.decimals:
        if spec.decimals == 0:
            raise Refused(name, _("Enter a whole number."))
        raise Refused(
            name,
            ngettext(
                "Enter a number with at most %(count)d decimal place.",
                "Enter a number with at most %(count)d decimal places.",
                spec.decimals,
            )
            % {"count": spec.decimals},
        )
    if spec.min is not None and number < Decimal(str(spec.min)):
        raise Refused(name, _("Enter at least %(min)s.") % {"min": spec.min})
    if spec.max is not None and number > Decimal(str(spec.max)):
        raise Refused(name, _("Enter at most %(max)s.") % {"max": spec.max})
    if spec.decimals == 0:
        return int(number)
    return format(number, "f")  # "1.5E+3" as "1500"


def date_parts(value: Any) -> dict[str, str]:
    """A stored date ("1985-03-04", "1985-03", "1985") as the page's three inputs."""
    if isinstance(value, dict):
        return {k: _plain(value.get(k)) for k in ("day", "month", "year")}
    parts = (str(value) if value else "").split("-")
    parts += [""] * (3 - len(parts))
    return {"year": parts[0], "month": parts[1], "day": parts[2]}


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _date(spec: FieldSpec, name: str, raw: Any, today: dt.date) -> str | None:
    if raw is None:  # not sent (a field shown only by this post's answers): not answered
        raw = {}
    if isinstance(raw, str):
        raw = date_parts(raw.strip())
    if not isinstance(raw, dict):
        raise Refused(name, _("This answer has the wrong form: enter a date."))
    parts = {k: _plain(raw.get(k)).strip() for k in ("day", "month", "year")}
    if not any(parts.values()):
        if spec.required:
            raise _required(name)
        return None
    for key in ("day", "month", "year"):
        if parts[key] and not re.fullmatch(r"[0-9]{1,4}", parts[key]):
            raise Refused(name, _("Enter the date in digits, for example 27 3 2007."))
    if not parts["year"] or len(parts["year"]) != 4:
        raise Refused(name, _("Enter the year with four digits."))
    year = int(parts["year"])
    month = int(parts["month"]) if parts["month"] else None
    day = int(parts["day"]) if parts["day"] else None
    if not spec.partial and (month is None or day is None):
        raise Refused(name, _("Enter the day, month and year."))
    if day is not None and month is None:
        raise Refused(name, _("A day needs its month."))
    if month is not None and not 1 <= month <= 12:
        raise Refused(name, _("There is no such month."))
    if year < 1:
        raise Refused(name, _("Enter the year with four digits."))
    if month and day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise Refused(name, _("There is no such day in this month."))
    earliest = dt.date(year, month or 1, day or 1)
    last_month = month or 12
    latest = dt.date(year, last_month, day or calendar.monthrange(year, last_month)[1])
    low = date_bound(spec.min, today) or EARLIEST_DATE
    try:
        high = date_bound(spec.max, today) or today.replace(year=today.year + LATEST_YEARS_AHEAD)
    except ValueError:
        high = dt.date(today.year + LATEST_YEARS_AHEAD, 2, 28)
    if latest < low:
        raise Refused(
            name, _("The date cannot lie before %(date)s.") % {"date": low.strftime("%d.%m.%Y")}
        )
    if earliest > high:
        raise Refused(
            name, _("The date cannot lie after %(date)s.") % {"date": high.strftime("%d.%m.%Y")}
        )
    if day is not None and month is not None:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if month is not None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}"


def _choice(spec: FieldSpec, name: str, raw: Any) -> str | list[str] | None:
    values = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
    if any(not isinstance(v, str) for v in values):
        raise Refused(name, _("This answer has the wrong form: choose from the list."))
    values = [v for v in values if v]
    unknown = [v for v in values if spec.option(v) is None]
    if unknown:
        raise Refused(name, _("Choose one of the answers given."))
    if not spec.multiple and len(values) > 1:
        raise Refused(name, _("Choose one answer only."))
    if not values:
        if spec.required:
            raise Refused(name, _("Please choose an answer."))
        return [] if spec.multiple else None
    if spec.multiple:
        return list(dict.fromkeys(values))
    return values[0]


def _yesno(spec: FieldSpec, name: str, raw: Any) -> bool | None:
    if raw is True or raw is False:
        return raw
    text = _as_text(name, raw).strip().lower()
    if text in ("yes", "true"):
        return True
    if text in ("no", "false"):
        return False
    if text:
        raise Refused(name, _("Answer yes or no."))
    if spec.required:
        raise Refused(name, _("Answer yes or no."))
    return None


def _checkbox(spec: FieldSpec, name: str, raw: Any) -> bool:
    checked = raw is True or (isinstance(raw, str) and raw.strip().lower() in _TRUE)
    if spec.required and not checked:
        raise Refused(name, _("Please confirm this to continue."))
    return checked


ADDRESS_PARTS = ("street", "house_number", "postcode", "city")


def _address(spec: FieldSpec, name: str, raw: Any, errors: dict[str, list[str]]) -> Any:
    if not isinstance(raw, dict):
        raise Refused(name, _("This answer has the wrong form: enter an address."))
    parts: dict[str, str] = {}
    for part in ADDRESS_PARTS:
        try:
            value = _as_text(f"{name}.{part}", raw.get(part))
        except Refused as refused:
            errors.setdefault(refused.name, []).append(refused.message)
            continue
        if text_refused(value):
            errors.setdefault(f"{name}.{part}", []).append(refused_message())
            continue
        parts[part] = " ".join(value.split())
    if len(parts) < len(ADDRESS_PARTS):
        return None
    if not any(parts.values()):
        if spec.required:
            errors.setdefault(f"{name}.street", []).append(_("Enter the street."))
        return None
    local: dict[str, str] = {}
    if not parts["street"]:
        local["street"] = _("Enter the street.")
    elif len(parts["street"]) > 120:
        local["street"] = _("A street can be at most 120 characters long.")
    if not _HOUSE_NUMBER.match(parts["house_number"]):
        local["house_number"] = _("Enter a house number such as 12, 12a or 12-14.")
    postcode = parts["postcode"]
    if not re.fullmatch(r"\d{5}", postcode):
        local["postcode"] = _("Enter a postcode of five digits.")
    elif spec.hamburg and place_resolve(postcode) is None:
        local["postcode"] = place_error(postcode)
    if spec.hamburg:
        parts["city"] = parts["city"] or "Hamburg"
    if not parts["city"]:
        local["city"] = _("Enter the town or city.")
    elif len(parts["city"]) > 80:
        local["city"] = _("A town can be at most 80 characters long.")
    for part, message in local.items():
        errors.setdefault(f"{name}.{part}", []).append(message)
    return None if local else parts


# --- raw values: from a post, from stored answers ------------------------------------------


def raw_from_post(spec: FieldSpec, source: Source, name: str) -> Any:
    """What the page sent for one field (the shape `field_raw` gives for stored values)."""
    kind = spec.type
    if kind == "date":
        if source.has(f"{name}.year") or source.has(f"{name}.month") or source.has(f"{name}.day"):
            return {k: source.value(f"{name}.{k}") for k in ("day", "month", "year")}
        value = source.value(name)
        return date_parts(value) if isinstance(value, str) else value
    if kind == "address":
        value = source.value(name)
        if isinstance(value, dict):
            return {k: value.get(k) for k in ADDRESS_PARTS}
        if value is not None and not source.has_prefix(f"{name}."):
            return value
        return {k: source.value(f"{name}.{k}") for k in ADDRESS_PARTS}
    if kind == "choice" and spec.multiple:
        if source.is_query:
            return source.values(name)
        return source.value(name)
    if kind == "group":
        value = source.value(name)
        if not source.is_query:
            if value is None:
                return []
            if not isinstance(value, list):
                return value
            return [
                {c.key: (item.get(c.key) if isinstance(item, dict) else None) for c in spec.fields}
                for item in value[:_MAX_GROUP_INDEX]
            ]
        count = _group_count(source, name)
        return [
            {c.key: raw_from_post(c, source, f"{name}.{i}.{c.key}") for c in spec.fields}
            for i in range(count)
        ]
    return source.value(name)


def _group_count(source: Source, name: str) -> int:
    posted = str(source.value(f"{name}-count") or "").strip()
    count = int(posted) if re.fullmatch(r"[0-9]{1,3}", posted) else 0
    highest = -1
    for key in source.names():
        match = re.match(rf"^{re.escape(name)}\.([0-9]{{1,3}})\.", key)
        if match:
            highest = max(highest, int(match[1]))
    return max(0, min(max(count, highest + 1), _MAX_GROUP_INDEX))


def field_raw(spec: FieldSpec, value: Any) -> Any:
    """A stored answer in the shape the page shows it."""
    kind = spec.type
    if kind == "date":
        return date_parts(value)
    if kind == "yesno":
        return "yes" if value is True else "no" if value is False else ""
    if kind == "checkbox":
        return value is True
    if kind == "address":
        value = value if isinstance(value, dict) else {}
        return {k: _plain(value.get(k)) for k in ADDRESS_PARTS}
    if kind == "choice":
        if spec.multiple:
            return list(value) if isinstance(value, list) else []
        return _plain(value)
    if kind == "group":
        items = value if isinstance(value, list) else []
        return [
            {c.key: field_raw(c, item.get(c.key)) for c in spec.fields}
            for item in items
            if isinstance(item, dict)
        ]
    if kind == "file":
        return list(value) if isinstance(value, list) else []
    return _plain(value)


# --- files ----------------------------------------------------------------------------------


def _files(spec: FieldSpec, name: str, source: Source, current: list[str], ctx: Context) -> Any:
    """The field's files after this post: kept ones attached before, staged ones carried by
    tokens, new uploads (checked and stored now); removed ones are dropped (attached files
    are deleted when the step is saved, staged ones now)."""
    policy = policy_of(spec)
    purpose = upload_purpose(ctx.spec)
    bind = upload_bind(ctx.owner, spec)
    removed = {str(r) for r in source.values(f"{name}-remove")}
    kept_ids = [i for i in current if i in ctx.attached and i not in removed]
    ctx.removed.extend(ctx.attached[i] for i in current if i in ctx.attached and i in removed)
    tokens = [str(t) for t in source.values(f"{name}-staged") if str(t) not in removed]
    staged = staged_from_tokens(tokens, policy=policy, purpose=purpose, bind=bind)
    messages: list[str] = []
    taken = {s.pk for s in ctx.staged}
    if len(set(tokens)) < len(tokens) or any(s.pk in taken for s in staged):
        messages.append(_("The same file was sent twice; it is kept once."))
        staged = [s for s in staged if s.pk not in taken]
    for stored in staged_from_tokens(
        [r for r in removed if ":" in r], policy=policy, purpose=purpose, bind=bind
    ):
        file_delete(file=stored, actor=ctx.actor, reason="removed by the applicant")
    uploads = source.uploads(name)
    limit = policy.file_limit
    total = len(kept_ids) + len(staged) + len(uploads)
    if total > limit:
        messages.append(
            ngettext(
                "You can upload at most %(limit)d file here; you chose %(count)d.",
                "You can upload at most %(limit)d files here; you chose %(count)d.",
                limit,
            )
            % {"limit": limit, "count": total}
        )
        uploads = []
    for upload in uploads:
        try:
            staged.append(
                file_store(upload=upload, policy=policy, actor=ctx.actor, purpose=purpose)
            )
        except InvalidInput as error:
            messages.append(error.detail)
    ctx.staged.extend(staged)
    items = [
        FileItem(
            ref=i,
            name=ctx.attached[i].original_name,
            size=filesizeformat(ctx.attached[i].size),
            staged=False,
        )
        for i in kept_ids
    ] + [
        FileItem(
            ref=staged_token(s, bind=bind),
            name=s.original_name,
            size=filesizeformat(s.size),
            staged=True,
        )
        for s in staged
    ]
    if not messages and spec.required and not items:
        messages.append(_("Please choose at least one file."))
    return items, messages, kept_ids + [s.public_id.hex for s in staged]


def attached_files(owner: str, ids: Iterable[str]) -> dict[str, StoredFile]:
    """The draft's attached files among `ids`, by public id (hex): one query."""
    valid = []
    for i in ids:
        try:
            valid.append(uuid.UUID(str(i)))
        except ValueError:
            continue
    if not valid:
        return {}
    return {
        f.public_id.hex: f
        for f in StoredFile.objects.filter(
            owner=owner, public_id__in=valid, state=FileState.ATTACHED
        )
    }


def file_items(value: Any, attached: dict[str, StoredFile]) -> list[FileItem]:
    """What a file field shows for a stored answer (or a re-rendered list of items)."""
    items: list[FileItem] = []
    for entry in value if isinstance(value, list) else []:
        if isinstance(entry, FileItem):
            items.append(entry)
        elif str(entry) in attached:
            stored = attached[str(entry)]
            items.append(
                FileItem(
                    ref=str(entry),
                    name=stored.original_name,
                    size=filesizeformat(stored.size),
                    staged=False,
                )
            )
    return items


# --- a step ---------------------------------------------------------------------------------


@dataclass
class StepInput:
    raw: dict[str, Any]
    errors: dict[str, list[str]]
    values: dict[str, Any]
    visible: list[FieldSpec]
    staged: list[StoredFile]
    removed: list[StoredFile]

    @property
    def valid(self) -> bool:
        return not self.errors


def _clean_one(
    spec: FieldSpec,
    name: str,
    raw: Any,
    today: dt.date,
    errors: dict[str, list[str]],
) -> Any:
    kind = spec.type
    try:
        if kind in ("text", "name", "email", "textarea"):
            return _text(spec, name, raw)
        if kind == "number":
            return _number(spec, name, raw)
        if kind == "date":
            return _date(spec, name, raw, today)
        if kind == "choice":
            return _choice(spec, name, raw)
        if kind == "yesno":
            return _yesno(spec, name, raw)
        if kind == "checkbox":
            return _checkbox(spec, name, raw)
        if kind == "address":
            return _address(spec, name, raw, errors)
    except Refused as refused:
        errors.setdefault(refused.name, []).append(refused.message)
    return None


def _group(
    spec: FieldSpec,
    raw: Any,
    data: dict[str, Any],
    today: dt.date,
    errors: dict[str, list[str]],
) -> list[dict[str, Any]]:
    name = spec.key
    if not isinstance(raw, list):
        errors.setdefault(name, []).append(_("This answer has the wrong form: a list."))
        return []
    if len(raw) > spec.max_items:
        errors.setdefault(name, []).append(
            ngettext(
                "At most %(count)d entry is possible.",
                "At most %(count)d entries are possible.",
                spec.max_items,
            )
            % {"count": spec.max_items}
        )
    if len(raw) < spec.min_items or (spec.required and not raw):
        least = max(spec.min_items, 1)
        errors.setdefault(name, []).append(
            ngettext(
                "Please add at least %(count)d entry.",
                "Please add at least %(count)d entries.",
                least,
            )
            % {"count": least}
        )
    items: list[dict[str, Any]] = []
    for index, item_raw in enumerate(raw[: spec.max_items]):
        if not isinstance(item_raw, dict):
            errors.setdefault(name, []).append(_("This answer has the wrong form: a list."))
            continue

        def checked(child: FieldSpec, at: int = index, item: dict[str, Any] = item_raw) -> Any:
            return _clean_one(child, f"{name}.{at}.{child.key}", item.get(child.key), today, errors)

        _shown, item = item_walk(spec, data, checked)
        items.append(item)
    return items


def unknown_names(spec: FormSpec, source: Source) -> list[str]:
    """Posted names that are no field of the form (and no control of the page)."""
    unknown = []
    for posted in source.names():
        if posted in CONTROL_NAMES:
            continue
        head = re.split(r"[.-]", posted, maxsplit=1)[0]
        if head not in spec.fields_by_key or spec.fields_by_key[head].group:
            unknown.append(posted)
    return unknown


def step_clean(
    *,
    spec: FormSpec,
    step: StepSpec,
    answers: dict[str, Any],
    source: Source,
    today: dt.date,
    actor: Actor,
    owner: str,
) -> StepInput:
    """Check the posted values of `step`'s visible fields (conditions read the answers of
    the earlier steps and this step's values as posted, in the form's order)."""
    from hamburg_service.forms.logic import evaluate

    evaluation = evaluate(spec, answers, today=today)
    data = dict(evaluation.data)
    for spec_field in step.fields:
        data.pop(spec_field.key, None)
    current_files = [i for f in step.fields if f.type == "file" for i in (answers.get(f.key) or [])]
    ctx = Context(
        spec=spec,
        today=today,
        actor=actor,
        owner=owner,
        attached=attached_files(owner, current_files) if current_files else {},
    )
    raw: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    visible: list[FieldSpec] = []
    for spec_field in step.fields:
        if spec_field.show_if is not None and not condition_true(spec_field.show_if, data):
            continue
        visible.append(spec_field)
        if not spec_field.is_input:
            continue
        name = spec_field.key
        if spec_field.type == "file":
            items, messages, ids = _files(
                spec_field, name, source, list(answers.get(name) or []), ctx
            )
            raw[name] = items
            if messages:
                errors[name] = messages
            values[name] = ids
            data[name] = ids
            continue
        raw[name] = raw_from_post(spec_field, source, name)
        if spec_field.type == "group":
            value: Any = _group(spec_field, raw[name], data, today, errors)
        else:
            value = _clean_one(spec_field, name, raw[name], today, errors)
        values[name] = value
        data[name] = value
    return StepInput(
        raw=raw,
        errors=errors,
        values=values if not errors else {},
        visible=visible,
        staged=ctx.staged,
        removed=ctx.removed,
    )


def errors_invalid(errors: dict[str, list[str]]) -> InvalidInput:
    items = [{"field": name, "message": m} for name, messages in errors.items() for m in messages]
    return InvalidInput("; ".join(i["message"] for i in items), code="invalid-input", errors=items)


# --- what the page shows --------------------------------------------------------------------


@dataclass
class FieldView:
    """One field as the step template renders it."""

    spec: FieldSpec
    name: str  # the input's name ("family.0.member_name")
    id: str  # its id ("f-family-0-member_name")
    label: str
    help: str
    value: Any  # the raw value (see field_raw)
    errors: list[str]
    prefilled: bool = False
    options: list[dict[str, Any]] = field(default_factory=list)
    items: list[list[FieldView]] = field(default_factory=list)  # a group's items
    files: list[FileItem] = field(default_factory=list)
    accept: str = ""
    file_help: str = ""
    sub_errors: dict[str, list[str]] = field(default_factory=dict)  # address.postcode …
    text: str = ""  # info
    item_label: str = ""

    @property
    def type(self) -> str:
        return self.spec.type

    @property
    def describedby(self) -> str:
        ids = []
        if self.errors:
            ids.append(f"{self.id}-error")
        if self.help:
            ids.append(f"{self.id}-hint")
        return " ".join(ids)

    @property
    def all_errors(self) -> list[str]:
        return [*self.errors, *(m for ms in self.sub_errors.values() for m in ms)]

    @property
    def can_add(self) -> bool:
        return len(self.items) < self.spec.max_items

    @property
    def can_remove(self) -> bool:
        return len(self.items) > self.spec.min_items


def _id(name: str) -> str:
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def _lenient(spec: FieldSpec, raw: Any) -> Any:
    """A raw value as conditions read it (a page not yet checked)."""
    if spec.type == "yesno":
        return {"yes": True, "no": False}.get(raw) if isinstance(raw, str) else raw
    return raw


def field_view(
    spec: FieldSpec,
    name: str,
    raw: Any,
    errors: dict[str, list[str]],
    language: str,
    data: dict[str, Any],
    *,
    attached: dict[str, StoredFile] | None = None,
    prefilled: set[str] | None = None,
) -> FieldView:
    own = [m for k, ms in errors.items() if k == name for m in ms]
    view = FieldView(
        spec=spec,
        name=name,
        id=_id(name),
        label=spec.label(language),
        help=spec.help(language),
        value=raw,
        errors=own,
        prefilled=bool(prefilled and name in prefilled),
        text=spec.text(language),
        item_label=spec.item_label(language),
    )
    if spec.type == "choice":
        chosen = set(raw if isinstance(raw, list) else [raw] if raw else [])
        view.options = [
            {
                "value": o.value,
                "label": o.label(language),
                "checked": o.value in chosen,
                "id": f"{view.id}-{index}",
            }
            for index, o in enumerate(spec.options)
        ]
    elif spec.type in ("address", "date"):
        view.sub_errors = {
            k.rsplit(".", 1)[1]: ms for k, ms in errors.items() if k.startswith(f"{name}.")
        }
    elif spec.type == "file":
        policy = policy_of(spec)
        view.files = file_items(raw, attached or {})
        view.accept = policy.accept
        from hamburg_service.files.forms import policy_help

        view.file_help = policy_help(policy)
    elif spec.type == "group":
        for index, item in enumerate(raw if isinstance(raw, list) else []):
            item = item if isinstance(item, dict) else {}
            # the children shown as when the step is checked (logic.item_walk), for the
            # values as typed

            def typed(child: FieldSpec, item: dict[str, Any] = item) -> Any:
                return _lenient(child, item.get(child.key))

            shown, _values = item_walk(spec, data, typed)
            view.items.append(
                [
                    field_view(
                        child,
                        f"{name}.{index}.{child.key}",
                        item.get(child.key),
                        errors,
                        language,
                        data,
                    )
                    for child in shown
                ]
            )
    return view
