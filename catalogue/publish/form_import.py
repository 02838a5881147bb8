"""Importing a data dictionary into the dataset form itself, so a dataset not yet saved can
take its columns from a CSV header, a Table Schema or CSVW metadata.

The imported columns become rows of the form's data dictionary, shown for checking; nothing
is saved until the publisher saves the form. Rows already typed are kept (an imported column
of the same name leaves them as they are), and every other value of the form comes back as
it was sent. A saved dataset has its own import page, which can also replace rows.
"""

from __future__ import annotations

from django.contrib import messages
from django.forms.utils import ErrorDict, ErrorList
from django.http import HttpRequest, QueryDict

from catalogue.publish import dictionary
from catalogue.publish.forms import DictionaryImportForm

ACTION = "import-dictionary"
PREFIX = "fields"
# The import form's own inputs, named apart from the dataset form's.
FILE_INPUT, TEXT_INPUT = "dictionary-file", "dictionary-text"
ROW_KEYS = ("name", "title", "definition", "datatype", "unit")


def wants_import(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get("action") == ACTION


def _typed_rows(data: QueryDict) -> list[dict[str, str]]:
    """The data dictionary rows the form was sent with that have a column name."""
    try:
        total = min(int(data.get(f"{PREFIX}-TOTAL_FORMS", 0)), dictionary.MAX_FIELDS)
    except ValueError:
        total = 0
    rows = []
    for index in range(total):
        row = {key: data.get(f"{PREFIX}-{index}-{key}", "") for key in (*ROW_KEYS, "required", "concept_uri")}
        if row["name"].strip() and not data.get(f"{PREFIX}-{index}-DELETE"):
            rows.append(row)
    return rows


def imported_post(request: HttpRequest) -> tuple[QueryDict | None, list[str]]:
    """The form's data with the imported columns added as data dictionary rows, or None and
    the problems (the file's own, each naming its line or field)."""
    form = DictionaryImportForm(
        {"text": request.POST.get(TEXT_INPUT, "")},
        {"file": request.FILES[FILE_INPUT]} if FILE_INPUT in request.FILES else {},
    )
    if not form.is_valid():
        return None, [error for errors in form.errors.values() for error in errors]
    try:
        imported = dictionary.parse(form.cleaned_data["content"], filename=form.cleaned_data["filename"])
    except dictionary.ImportProblems as exc:
        return None, list(exc.problems)
    typed = _typed_rows(request.POST)
    names = {row["name"].strip() for row in typed}
    rows = typed + [
        {key: str(row.get(key) or "") for key in ROW_KEYS} | {"required": "on" if row.get("required") else ""}
        for row in imported
        if row["name"] not in names
    ]
    rows = rows[: dictionary.MAX_FIELDS]
    data = request.POST.copy()
    for key in [k for k in data if k.startswith(f"{PREFIX}-")]:
        del data[key]
    for index, row in enumerate(rows):
        for key, value in row.items():
            if key == "required" and not value:
                continue
            data[f"{PREFIX}-{index}-{key}"] = value
    data[f"{PREFIX}-TOTAL_FORMS"] = str(len(rows) + 1)  # and one blank row to add another
    data[f"{PREFIX}-INITIAL_FORMS"] = "0"
    data[f"{PREFIX}-MIN_NUM_FORMS"] = "0"
    data[f"{PREFIX}-MAX_NUM_FORMS"] = "1000"
    return data, [f"{len(rows) - len(typed)} column{'s' if len(rows) - len(typed) != 1 else ''} imported"]


def shown_unchecked(forms: dict) -> dict:
    """The form's parts bound to what was sent but not yet judged: importing is not saving,
    so "enter a title" must not greet someone who has only chosen a file."""
    for part in forms.values():
        if hasattr(part, "forms"):  # a formset
            part._errors, part._non_form_errors = [ErrorDict() for _ in part.forms], ErrorList()
            for row in part.forms:
                row._errors, row.cleaned_data = ErrorDict(), {}
        else:
            part._errors, part.cleaned_data = ErrorDict(), {}
    return forms


def import_into_form(request: HttpRequest, make_forms) -> dict:
    """Read the file or text sent with the form, and return the form's parts (from
    ``make_forms(request)``) with its columns as data dictionary rows, unsaved."""
    data, notes = imported_post(request)
    if data is None:
        messages.error(request, "The data dictionary could not be imported: " + " ".join(notes))
        return shown_unchecked(make_forms(request))
    request.POST = data
    messages.success(request, f"{notes[0].capitalize()} into the data dictionary below. Check them, then save.")
    return shown_unchecked(make_forms(request))
