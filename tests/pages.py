"""Using pages as a browser would: read a page, find its form, fill it in and post it, read the errors."""

from __future__ import annotations

import dataclasses
from typing import Any

from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from httpx2 import Response


def parse(response: Response) -> BeautifulSoup:
    assert response.headers["content-type"].startswith("text/html")
    return BeautifulSoup(response.text, "html.parser")


#: What every page's template gets besides its page context: the request, and who is signed in.
EVERY_PAGE = frozenset({"request", "staff"})


def rendered_with(response: Response, template: str, page: type[Any]) -> dict[str, Any]:
    """Check that `response` is `template` rendered with exactly the fields of the page context class
    `page` (and `EVERY_PAGE`); return that context. The test client keeps what a template got."""
    assert getattr(response, "template").name == template  # noqa: B009 (set by the test client)
    context: dict[str, Any] = getattr(response, "context")  # noqa: B009
    assert set(context) == {field.name for field in dataclasses.fields(page)} | EVERY_PAGE
    return context


def get_page(client: TestClient, path: str) -> BeautifulSoup:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 200, (path, response.status_code, response.headers.get("location"))
    return parse(response)


def text_of(soup: BeautifulSoup | Tag | None) -> str:
    assert soup is not None
    return " ".join(soup.get_text(" ", strip=True).split())


def find_form(soup: BeautifulSoup | Tag, action: str, **hidden: str) -> Tag:
    """The form posting to `action` (and, when given, with these hidden field values)."""
    for form in soup.select(f'form[action="{action}"]'):
        if all(form.select_one(f'input[name="{k}"][value="{v}"]') for k, v in hidden.items()):
            return form
    raise AssertionError(f"no form posting to {action} with {hidden}")


def form_data(form: Tag) -> dict[str, list[str]]:
    """What a browser sends for `form` as it is: hidden and pre-filled fields, checked boxes, selections."""
    data: dict[str, list[str]] = {}
    for element in form.select("input[name], select[name], textarea[name]"):
        name = str(element["name"])
        if element.name == "select":
            option = element.select_one("option[selected]") or element.select_one("option")
            data.setdefault(name, []).append(str(option["value"]) if option else "")
        elif element.name == "textarea":
            data.setdefault(name, []).append(element.get_text())
        elif element.get("type") in ("checkbox", "radio"):
            if element.has_attr("checked"):
                data.setdefault(name, []).append(str(element.get("value", "on")))
        else:
            data.setdefault(name, []).append(str(element.get("value", "")))
    return data


def submit(
    client: TestClient,
    form: Tag,
    *,
    headers: dict[str, str] | None = None,
    button: tuple[str, str] | None = None,
    **values: str | list[str],
) -> Response:
    """Post `form` as a browser would, with `values` typed in and, if given, the button that was pressed.

    Every value must go into a field the form has, and a choice into an option it offers.
    """
    assert str(form.get("method", "")).lower() == "post"
    data = form_data(form)
    for name, value in values.items():
        field = form.select_one(f'[name="{name}"]')
        assert field is not None, f"the form has no field {name!r}"
        if field.name == "select":
            assert field.select_one(f'option[value="{value}"]') is not None, f"{name} offers no {value!r}"
        data[name] = value if isinstance(value, list) else [value]
    if button is not None:
        name, value = button
        assert form.select_one(f'button[name="{name}"][value="{value}"]') is not None, f"no button {button}"
        data[name] = [value]
    return client.post(str(form["action"]), data=data, headers=headers or {}, follow_redirects=False)


def location(response: Response) -> str:
    assert response.status_code == 303, (response.status_code, response.text[:300])
    return response.headers["location"]


def field_error(soup: BeautifulSoup | Tag, name: str) -> str:
    """The error shown at field `name`, checking it is tied to the input and listed in the summary."""
    field = soup.select_one(f"#field-{name}")
    assert field is not None, f"no field {name}"
    assert field.get("aria-invalid") == "true", f"field {name} is not marked invalid"
    assert f"error-{name}" in str(field.get("aria-describedby", "")).split()
    message = soup.select_one(f"#error-{name}")
    assert message is not None
    text = message.get_text(" ", strip=True).removeprefix("Error:").strip()
    summary_links = {str(a["href"]): a.get_text(strip=True) for a in soup.select(".error-summary a")}
    assert summary_links.get(f"#field-{name}") == text, summary_links
    return text
