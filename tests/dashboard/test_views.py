"""What the pages and the API say about the scenario's ledger: totals, the trend, items in every order, links,
and the pull requests' history (through the app, signed in, in-process)."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx
import pytest

from bot.dashboard.formatting import minutes_text
from checks.finding import Category
from tests.dashboard.conftest import sign_in
from tests.dashboard.scenario import OWED, SHA, VISIBLE
from tests.fakegithub import FakeGitHub

pytestmark = pytest.mark.anyio

#: The scenario's open items by priority (impact x reach x interest): the high model item first.
BY_PRIORITY = ["w-model", "w-data", "w-code", "w-code2"]
BY_EFFORT = ["w-data", "w-model", "w-code", "w-code2"]


class _Rows(HTMLParser):
    """The fingerprints of the items table's rows, in order, and the links in them."""

    def __init__(self) -> None:
        super().__init__()
        self.fingerprints: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "tr" and values.get("data-fingerprint"):
            self.fingerprints.append(str(values["data-fingerprint"]))
        elif tag == "a" and self.fingerprints and "/blob/" in str(values.get("href")):
            self.links.append(str(values["href"]))


def rows(page: str) -> _Rows:
    parser = _Rows()
    parser.feed(page)
    return parser


async def test_the_api_gives_the_totals_the_trend_the_items_and_the_history(
    client: httpx.AsyncClient, fake: FakeGitHub
) -> None:
    await sign_in(client)
    listed = (await client.get("/api/repos")).json()["repositories"]
    one = (await client.get(f"/api/repos/{VISIBLE}")).json()
    items = (await client.get(f"/api/repos/{VISIBLE}/items")).json()
    by_effort = (await client.get(f"/api/repos/{VISIBLE}/items", params={"sort": "effort", "limit": 2})).json()
    oldest = (await client.get(f"/api/repos/{VISIBLE}/items", params={"sort": "age"})).json()
    pulls = (await client.get(f"/api/repos/{VISIBLE}/history")).json()["pull_requests"]

    owed = {c.value: m for c, m in OWED.items()}
    assert listed[0]["owed"] == owed
    assert listed[0]["total"] == sum(OWED.values())
    assert listed[0]["installation"] == {"id": 100, "account": "octo-org"}
    assert one["owed"] == owed
    weeks = one["weeks"]
    assert len(weeks) == 11  # from the baseline's week, ten weeks ago, to this one
    assert weeks[-1]["owed"] == owed
    assert weeks[0]["baseline"] == {"code": 30, "data": 120, "dependency": 60, "model": 0}
    assert sum(w["net"]["dependency"] for w in weeks) == 0  # baseline 60, paid by #9
    # The baseline ten weeks ago, #7 six weeks ago (+100), #9 two weeks ago (-60).
    assert [w["total"] for w in weeks] == [210] * 4 + [310] * 4 + [250] * 3

    assert [i["fingerprint"] for i in items["items"]] == BY_PRIORITY
    assert items["total_count"] == 4
    assert [i["fingerprint"] for i in by_effort["items"]] == BY_EFFORT[:2]
    assert {i["fingerprint"] for i in oldest["items"][:2]} == {"w-data", "w-code"}
    model = items["items"][0]
    assert model["html_url"] == f"{fake.url}/{VISIBLE}/blob/{SHA}/src/load.py#L40"
    assert model["accrued_pr"] == 7

    assert [(p["number"], p["author"], p["added"], p["paid"], p["net"]) for p in pulls] == [
        (9, "carol", 0, 60, -60),
        (7, "bob", 100, 0, 100),
    ]
    assert pulls[0]["html_url"] == f"{fake.url}/{VISIBLE}/pull/9"


async def test_the_repository_page_sorts_items_by_what_the_person_clicks(client: httpx.AsyncClient) -> None:
    await sign_in(client)
    default = await client.get(f"/dashboard/{VISIBLE}")
    by_effort = await client.get(f"/dashboard/{VISIBLE}", params={"sort": "effort"})
    by_effort_up = await client.get(f"/dashboard/{VISIBLE}", params={"sort": "effort", "order": "asc"})
    nonsense = await client.get(f"/dashboard/{VISIBLE}", params={"sort": "<script>", "page": "x"})

    assert rows(default.text).fingerprints == BY_PRIORITY
    assert rows(by_effort.text).fingerprints == BY_EFFORT
    assert rows(by_effort_up.text).fingerprints == BY_EFFORT[::-1]
    assert rows(nonsense.text).fingerprints == BY_PRIORITY
    assert "<script>" not in nonsense.text
    # The header of the column sorted by flips its direction; the others start with their own.
    assert 'href="/dashboard/octo-org/widgets?sort=effort&amp;order=asc"' in by_effort.text
    assert 'href="/dashboard/octo-org/widgets?sort=priority&amp;order=desc"' in by_effort.text


async def test_the_repository_page_shows_the_totals_chart_links_and_history(
    client: httpx.AsyncClient, fake: FakeGitHub
) -> None:
    await sign_in(client)
    page = (await client.get(f"/dashboard/{VISIBLE}")).text

    assert f'<strong class="total-owed">{minutes_text(sum(OWED.values()))}</strong>' in page
    assert page.count('<svg class="chart"') == 1
    assert page.count('<polygon class="area"') == 4  # each category was owed in some week (dependency until #9)
    assert f'data-category="{Category.DATA.value}"' in page
    assert rows(page).links[0] == f"{fake.url}/{VISIBLE}/blob/{SHA}/src/load.py#L40"
    assert f'<a href="{fake.url}/{VISIBLE}/pull/9">#9</a>' in page
    assert f'<a href="{fake.url}/{VISIBLE}">{VISIBLE}</a>' in page


async def test_the_installations_page_lists_totals_by_category(client: httpx.AsyncClient) -> None:
    await sign_in(client)
    page = (await client.get("/dashboard")).text

    assert '<section class="installation" data-installation="100">' in page
    assert 'data-installation="200"' not in page
    for category, minutes in OWED.items():
        assert f'<td class="num" data-category="{category.value}">{minutes_text(minutes)}</td>' in page
    assert f'<td class="num total">{minutes_text(sum(OWED.values()))}</td>' in page
