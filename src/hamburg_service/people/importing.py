"""Importing a register (Datenübernahme): a city moving to Hamburg Service brings its people
as CSV (one person and their current residence a row) or JSON lines (one person a line, with
all their residences, documents and titles). docs/people.md describes both formats.

Every row is checked with the same rules as the counter (DIN 91379 names, dates, Hamburg
postcodes, countries, legal bases); a row with errors is reported by its number and left out,
the others are imported in batches (one transaction each). The import is idempotent by the
previous system's register id (`external_id`): a person imported before is skipped. Each
imported person gets one `imported` event. Records are not checked against each other for
duplicates (a register may hold namesakes); that review comes after the import.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db.models import Model
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from hamburg_service.catalog.hours import BERLIN
from hamburg_service.core.actors import Actor
from hamburg_service.core.db import write_transaction
from hamburg_service.core.errors import InvalidInput
from hamburg_service.people.bulk import columns_of, ids_reserve, rows_insert_many
from hamburg_service.people.checks import (
    Address,
    BirthDate,
    Collector,
    country_clean,
    document_number_clean,
    legal_basis_clean,
    text_clean,
    today_in_hamburg,
)
from hamburg_service.people.models import (
    DocumentKind,
    IdentityDocument,
    Nationality,
    Person,
    PersonEvent,
    PersonEventKind,
    PersonStatus,
    Residence,
    ResidenceKind,
    ResidenceTitle,
    TitleKind,
)
from hamburg_service.people.services.identity import PersonInput
from hamburg_service.people.services.papers import LIMITED_TITLES

CSV_COLUMNS = (
    "external_id",
    "family_name",
    "given_names",
    "birth_name",
    "name_affix",
    "doctoral_degree",
    "original_family_name",
    "original_given_names",
    "sex",
    "birth_date",
    "birth_place",
    "birth_country",
    "nationalities",
    "status",
    "died_on",
    "street",
    "house_number",
    "postcode",
    "residence_kind",
    "moved_in_on",
    "registered_at",
    "landlord_confirmation",
    "moved_out_on",
)
REQUIRED_CSV_COLUMNS = {"external_id", "family_name", "sex", "birth_date"}


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"row {self.row}: {where}{self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    already_imported: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows_with_errors(self) -> list[int]:
        return sorted({e.row for e in self.errors})


class FormatError(ValueError):
    """The file as a whole cannot be read (missing columns, not CSV/JSON)."""


def records_from_csv(stream: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, record) per data row; the header is row 1."""
    reader = csv.DictReader(stream)
    missing = REQUIRED_CSV_COLUMNS - set(reader.fieldnames or ())
    if missing:
        raise FormatError(f"The CSV header lacks the columns: {', '.join(sorted(missing))}")
    unknown = set(reader.fieldnames or ()) - set(CSV_COLUMNS)
    if unknown:
        raise FormatError(f"Unknown CSV columns: {', '.join(sorted(unknown))}")
    for number, row in enumerate(reader, start=2):
        record: dict[str, Any] = {k: (v or "").strip() for k, v in row.items() if k}
        record["nationalities"] = record.get("nationalities", "").replace(";", " ").split()
        if record.get("street") or record.get("postcode"):
            record["residences"] = [
                {
                    "street": record.pop("street", ""),
                    "house_number": record.pop("house_number", ""),
                    "postcode": record.pop("postcode", ""),
                    "kind": record.pop("residence_kind", "") or ResidenceKind.MAIN,
                    "moved_in_on": record.pop("moved_in_on", ""),
                    "registered_at": record.pop("registered_at", ""),
                    "landlord_confirmation": record.pop("landlord_confirmation", ""),
                    "moved_out_on": record.pop("moved_out_on", ""),
                }
            ]
        yield number, record


def records_from_jsonl(stream: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) per non-empty line; a line that is not a JSON object is a record
    that reports the error."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            record = None
        yield number, record if isinstance(record, dict) else {"__invalid__": True}


@dataclass
class _Prepared:
    row: int
    external_id: str
    person: PersonInput
    status: str
    died_on: dt.date | None
    residences: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    titles: list[dict[str, Any]]


def _text(record: dict[str, Any], key: str) -> str:
    value = record.get(key, "")
    return value if isinstance(value, str) else str(value)


def _date(value: Any, *, field: str, required: bool = True) -> dt.date | None:
    text = value if isinstance(value, str) else ""
    if not text.strip():
        if required:
            raise InvalidInput.field(field, _("Enter a date (YYYY-MM-DD)."), code="date-invalid")
        return None
    try:
        day = parse_date(text.strip())
    except ValueError:
        day = None
    if day is None:
        raise InvalidInput.field(field, _("Enter a date (YYYY-MM-DD)."), code="date-invalid")
    return day


def _moment(value: Any, *, field: str, default: dt.datetime) -> dt.datetime:
    """An ISO time (without zone: Hamburg's) or a date (noon in Hamburg); `default` if empty."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return default
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = dt.datetime.combine(day, dt.time(12)) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise InvalidInput.field(field, _("Enter a time (YYYY-MM-DDTHH:MM)."), code="time-invalid")
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=BERLIN)
    if moment > default:
        raise InvalidInput.field(
            field, _("The date cannot lie in the future."), code="date-in-future"
        )
    return moment


def _list(record: dict[str, Any], key: str) -> list[Any]:
    value = record.get(key) or []
    return value if isinstance(value, list) else []


def _residence(
    item: Any, prefix: str, c: Collector, today: dt.date, now: dt.datetime
) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        c.errors.append({"field": prefix, "message": _("A residence must be an object.")})
        c.codes.append("invalid")
        return None
    before = len(c.errors)
    address = c.run(
        Address(
            street=_text(item, "street"),
            house_number=_text(item, "house_number"),
            postcode=_text(item, "postcode"),
            address_extra=_text(item, "address_extra"),
        ).clean
    )
    kind = _text(item, "kind") or ResidenceKind.MAIN
    if kind not in ResidenceKind.values:
        c.errors.append(
            {"field": f"{prefix}.kind", "message": _("Choose main or secondary residence.")}
        )
        c.codes.append("kind-invalid")
    moved_in = c.run(_date, item.get("moved_in_on"), field=f"{prefix}.moved_in_on")
    moved_out = c.run(
        _date, item.get("moved_out_on"), field=f"{prefix}.moved_out_on", required=False
    )
    registered = c.run(
        _moment, item.get("registered_at"), field=f"{prefix}.registered_at", default=now
    )
    reference = c.run(
        text_clean,
        _text(item, "landlord_confirmation"),
        field=f"{prefix}.landlord_confirmation",
        max_length=60,
        required=False,
    )
    if moved_in and moved_in > today:
        c.errors.append(
            {"field": f"{prefix}.moved_in_on", "message": _("The move-in date lies in the future.")}
        )
        c.codes.append("move-in-in-future")
    if moved_in and moved_out and moved_out < moved_in:
        c.errors.append(
            {
                "field": f"{prefix}.moved_out_on",
                "message": _("The move-out date lies before the move-in."),
            }
        )
        c.codes.append("move-out-before-move-in")
    for error in c.errors[before:]:
        if error["field"] in ("street", "house_number", "postcode", "address_extra"):
            error["field"] = f"{prefix}.{error['field']}"
    if len(c.errors) > before or address is None or moved_in is None or registered is None:
        return None
    return {
        "kind": kind,
        "street": address.street,
        "house_number": address.house_number,
        "address_extra": address.address_extra,
        "postcode": address.postcode,
        "moved_in_on": moved_in,
        "moved_out_on": moved_out,
        "registered_at": registered,
        "late": registered.astimezone(BERLIN).date() > moved_in + dt.timedelta(days=14),
        "landlord_confirmation": reference or "",
    }


def _document(item: Any, prefix: str, c: Collector, today: dt.date) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        c.errors.append({"field": prefix, "message": _("A document must be an object.")})
        c.codes.append("invalid")
        return None
    before = len(c.errors)
    kind = _text(item, "kind")
    if kind not in DocumentKind.values:
        c.errors.append({"field": f"{prefix}.kind", "message": _("Choose the kind of document.")})
        c.codes.append("kind-invalid")
    number = c.run(document_number_clean, _text(item, "number"), field=f"{prefix}.number")
    country = c.run(
        country_clean, _text(item, "issuing_country") or "DEU", field=f"{prefix}.issuing_country"
    )
    issued = c.run(_date, item.get("issued_on"), field=f"{prefix}.issued_on")
    expires = c.run(_date, item.get("expires_on"), field=f"{prefix}.expires_on")
    if issued and expires and expires < issued:
        c.errors.append(
            {
                "field": f"{prefix}.expires_on",
                "message": _("A document cannot expire before it was issued."),
            }
        )
        c.codes.append("expires-before-issue")
    if issued and issued > today:
        c.errors.append(
            {"field": f"{prefix}.issued_on", "message": _("The date cannot lie in the future.")}
        )
        c.codes.append("date-in-future")
    if len(c.errors) > before:
        return None
    return {
        "kind": kind,
        "number": number,
        "issuing_country": country,
        "issued_on": issued,
        "expires_on": expires,
    }


def _title(item: Any, prefix: str, c: Collector) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        c.errors.append({"field": prefix, "message": _("A residence title must be an object.")})
        c.codes.append("invalid")
        return None
    before = len(c.errors)
    kind = _text(item, "kind")
    if kind not in TitleKind.values:
        c.errors.append(
            {"field": f"{prefix}.kind", "message": _("Choose the kind of residence title.")}
        )
        c.codes.append("kind-invalid")
    basis = c.run(legal_basis_clean, _text(item, "legal_basis"), field=f"{prefix}.legal_basis")
    valid_from = c.run(_date, item.get("valid_from"), field=f"{prefix}.valid_from")
    valid_until = c.run(
        _date, item.get("valid_until"), field=f"{prefix}.valid_until", required=False
    )
    card_text = _text(item, "card_number")
    card = (
        c.run(document_number_clean, card_text, field=f"{prefix}.card_number") if card_text else ""
    )
    conditions = c.run(
        text_clean,
        _text(item, "conditions"),
        field=f"{prefix}.conditions",
        max_length=2000,
        required=False,
    )
    if valid_until is None and kind in LIMITED_TITLES:
        c.errors.append(
            {
                "field": f"{prefix}.valid_until",
                "message": _("This kind of title is always limited: enter its end."),
            }
        )
        c.codes.append("title-needs-end")
    if valid_from and valid_until and valid_until < valid_from:
        c.errors.append(
            {"field": f"{prefix}.valid_until", "message": _("A title cannot end before it begins.")}
        )
        c.codes.append("title-ends-before-start")
    if len(c.errors) > before:
        return None
    return {
        "kind": kind,
        "legal_basis": basis,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "card_number": card or "",
        "conditions": conditions or "",
    }


def record_prepare(row: int, record: dict[str, Any], *, now: dt.datetime) -> _Prepared:
    """One record checked and cleaned; InvalidInput naming every wrong field otherwise."""
    if record.get("__invalid__"):
        raise InvalidInput(
            _("This line is not a JSON object."),
            errors=[{"field": "", "message": _("This line is not a JSON object.")}],
        )
    today = today_in_hamburg(now)
    c = Collector()
    external_id = c.run(
        text_clean, _text(record, "external_id"), field="external_id", max_length=40
    )
    birth = c.run(BirthDate.parse, _text(record, "birth_date"))
    nationalities = tuple(str(n) for n in _list(record, "nationalities"))
    person = None
    if birth is not None:
        person = c.run(
            PersonInput(
                family_name=_text(record, "family_name"),
                given_names=_text(record, "given_names"),
                sex=_text(record, "sex").lower(),
                birth=birth,
                birth_name=_text(record, "birth_name"),
                name_affix=_text(record, "name_affix"),
                doctoral_degree=_text(record, "doctoral_degree"),
                original_family_name=_text(record, "original_family_name"),
                original_given_names=_text(record, "original_given_names"),
                birth_place=_text(record, "birth_place"),
                birth_country=_text(record, "birth_country"),
                nationalities=nationalities,
            ).clean,
            today=today,
        )
    status = _text(record, "status") or ""
    died_on = c.run(_date, record.get("died_on"), field="died_on", required=False)
    if status and status not in PersonStatus.values:
        c.errors.append(
            {"field": "status", "message": _("The status is resident, moved_away or deceased.")}
        )
        c.codes.append("status-invalid")
    if status == PersonStatus.DECEASED and died_on is None:
        c.errors.append({"field": "died_on", "message": _("Enter the date of death.")})
        c.codes.append("date-invalid")
    residences = [
        _residence(item, f"residences.{i}", c, today, now)
        for i, item in enumerate(_list(record, "residences"))
    ]
    documents = [
        _document(item, f"documents.{i}", c, today)
        for i, item in enumerate(_list(record, "documents"))
    ]
    titles = [_title(item, f"titles.{i}", c) for i, item in enumerate(_list(record, "titles"))]
    open_main = [
        r for r in residences if r and r["kind"] == ResidenceKind.MAIN and r["moved_out_on"] is None
    ]
    if len(open_main) > 1:
        c.errors.append(
            {
                "field": "residences",
                "message": _("A person can have only one current main residence."),
            }
        )
        c.codes.append("main-residence-exists")
    c.raise_if_any()
    assert person is not None
    assert external_id is not None
    has_open = any(r and r["moved_out_on"] is None for r in residences)
    if not status:
        status = (
            PersonStatus.DECEASED
            if died_on
            else (PersonStatus.RESIDENT if has_open or not residences else PersonStatus.MOVED_AWAY)
        )
    return _Prepared(
        row=row,
        external_id=external_id,
        person=person,
        status=status,
        died_on=died_on,
        residences=[r for r in residences if r],
        documents=[d for d in documents if d],
        titles=[t for t in titles if t],
    )


def people_import(
    records: Iterable[tuple[int, dict[str, Any]]],
    *,
    actor: Actor,
    batch_size: int = 1000,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Import `records` ((row number, record) pairs, as `records_from_csv` and
    `records_from_jsonl` give them). Returns what was imported, skipped and refused."""
    now = now or timezone.now()
    report = ImportReport()
    batch: list[_Prepared] = []
    seen_ids: set[str] = set()
    seen_documents: set[tuple[str, str, str]] = set()
    for row, record in records:
        report.rows += 1
        try:
            prepared = record_prepare(row, record, now=now)
        except InvalidInput as error:
            report.errors.extend(RowError(row, e["field"], e["message"]) for e in error.errors)
            continue
        if prepared.external_id in seen_ids:
            report.errors.append(
                RowError(row, "external_id", _("This register id appears twice in the file."))
            )
            continue
        documents = {(d["issuing_country"], d["kind"], d["number"]) for d in prepared.documents}
        if documents & seen_documents:
            report.errors.append(
                RowError(row, "documents", _("A document with this number is already recorded."))
            )
            continue
        seen_ids.add(prepared.external_id)
        seen_documents |= documents
        batch.append(prepared)
        if len(batch) >= batch_size:
            _batch_write(batch, report=report, actor=actor, now=now, dry_run=dry_run)
            batch = []
    if batch:
        _batch_write(batch, report=report, actor=actor, now=now, dry_run=dry_run)
    return report


def _batch_write(
    batch: list[_Prepared], *, report: ImportReport, actor: Actor, now: dt.datetime, dry_run: bool
) -> None:
    with write_transaction():
        known = set(
            Person.objects.filter(external_id__in=[p.external_id for p in batch]).values_list(
                "external_id", flat=True
            )
        )
        report.already_imported += len(known)
        fresh = [p for p in batch if p.external_id not in known]
        numbers = [d["number"] for p in fresh for d in p.documents]
        taken = set(
            IdentityDocument.objects.filter(number__in=numbers).values_list(
                "issuing_country", "kind", "number"
            )
        )
        kept: list[_Prepared] = []
        for prepared in fresh:
            if any(
                (d["issuing_country"], d["kind"], d["number"]) in taken for d in prepared.documents
            ):
                report.errors.append(
                    RowError(
                        prepared.row,
                        "documents",
                        _("A document with this number is already recorded."),
                    )
                )
            else:
                kept.append(prepared)
        if not dry_run and kept:
            _rows_write(kept, actor=actor, now=now)
        report.imported += len(kept)


def _rows_write(batch: list[_Prepared], *, actor: Actor, now: dt.datetime) -> None:
    person_ids = ids_reserve(Person, len(batch))
    people, nationalities, residences, documents, titles, events = [], [], [], [], [], []
    counts = {"residences": 0, "documents": 0, "titles": 0, "nationalities": 0}
    for p in batch:
        counts["residences"] += len(p.residences)
        counts["documents"] += len(p.documents)
        counts["titles"] += len(p.titles)
        counts["nationalities"] += len(p.person.nationalities)
    residence_ids = iter(ids_reserve(Residence, counts["residences"]))
    document_ids = iter(ids_reserve(IdentityDocument, counts["documents"]))
    title_ids = iter(ids_reserve(ResidenceTitle, counts["titles"]))
    nationality_ids = iter(ids_reserve(Nationality, counts["nationalities"]))
    event_ids = iter(ids_reserve(PersonEvent, len(batch)))
    for pk, p in zip(person_ids, batch, strict=True):
        values = {
            "id": pk,
            "external_id": p.external_id,
            **p.person.person_fields(),
            "status": p.status,
            "deceased_on": p.died_on,
            "death_recorded_at": now if p.died_on else None,
            "moved_away_to": "",
            "moved_away_country": "",
            "merged_into_id": None,
            "created_at": now,
            "contact_email": "",
        }
        people.append(tuple(values[c] for c in columns_of(Person)))
        for code in p.person.nationalities:
            nationalities.append(
                _row(
                    Nationality,
                    id=next(nationality_ids),
                    person_id=pk,
                    country=code,
                    since=None,
                    until=None,
                    recorded_at=now,
                    ended_recorded_at=None,
                )
            )
        for r in p.residences:
            residences.append(
                _row(
                    Residence,
                    id=next(residence_ids),
                    person_id=pk,
                    city="Hamburg",
                    voided_at=None,
                    ended_recorded_at=_end_known(r, now),
                    **r,
                )
            )
        for d in p.documents:
            documents.append(
                _row(
                    IdentityDocument,
                    id=next(document_ids),
                    person_id=pk,
                    recorded_at=now,
                    ended_on=None,
                    ended_reason="",
                    ended_recorded_at=None,
                    **d,
                )
            )
        for t in p.titles:
            titles.append(
                _row(
                    ResidenceTitle,
                    id=next(title_ids),
                    person_id=pk,
                    recorded_at=now,
                    ended_on=None,
                    ended_reason="",
                    ended_recorded_at=None,
                    **t,
                )
            )
        events.append(
            _row(
                PersonEvent,
                id=next(event_ids),
                person_id=pk,
                at=now,
                kind=PersonEventKind.IMPORTED,
                actor_kind=str(actor.kind),
                actor_user_id=actor.user_id,
                actor_name=actor.name,
                data={"external_id": p.external_id, "row": p.row},
            )
        )
    rows_insert_many(Person, people)
    rows_insert_many(Nationality, nationalities)
    rows_insert_many(Residence, residences)
    rows_insert_many(IdentityDocument, documents)
    rows_insert_many(ResidenceTitle, titles)
    rows_insert_many(PersonEvent, events)


def _end_known(residence: dict[str, Any], now: dt.datetime) -> dt.datetime | None:
    """When an imported move-out became known: not before it happened, nor before the move
    was registered, nor after the import."""
    moved_out = residence["moved_out_on"]
    if moved_out is None:
        return None
    happened = dt.datetime.combine(moved_out, dt.time(12), tzinfo=BERLIN)
    return min(max(residence["registered_at"], happened), now)


def _row(model: type[Model], **values: Any) -> tuple[Any, ...]:
    return tuple(values[c] for c in columns_of(model))
