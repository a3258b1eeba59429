"""One world for the dashboard's tests: two installations on the fake GitHub and in the database, a ledger booked
through `bot.ledger.book`, and a person (alice) who reaches one repository of the first installation only.

- installation 100, octo-org: `octo-org/widgets` (alice writes to it), `octo-org/vault` (alice has no access);
- installation 200, rival-org: `rival-org/models` (alice has no access).

Every repository owes something, with paths and messages of its own, so a page showing another's is caught.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import LedgerSource, RepositorySelection
from bot.db.store import RepositoryInfo, upsert_installation, upsert_repositories
from bot.ledger import book
from checks.finding import Category, Severity
from tests.fakegithub import FakeGitHub

USER = "alice"
CLIENT_ID = "Iv23dashboardtest01"
CLIENT_SECRET = "dashboard-client-secret-0123456789abcdef"
SESSION_SECRET = "a-session-secret-for-tests-only-0123456789"
SHA = "0123456789abcdef0123456789abcdef01234567"
VISIBLE = "octo-org/widgets"
HIDDEN_SAME_INSTALLATION = "octo-org/vault"
HIDDEN_OTHER_INSTALLATION = "rival-org/models"
#: What only the hidden repositories' ledgers hold: no page or answer for alice may contain them.
HIDDEN_MARKERS = ("vault_keys.py", "rival_weights.pkl", HIDDEN_SAME_INSTALLATION, HIDDEN_OTHER_INSTALLATION)


@dataclass(frozen=True)
class Ids:
    widgets: int
    vault: int
    models: int


def _debt(
    fingerprint: str, category: Category, severity: Severity, effort: int, *, at: tuple[str, int], says: str
) -> book.Debt:
    rule = {
        Category.DATA: "DATA003",
        Category.MODEL: "MODEL001",
        Category.DEPENDENCY: "DEP001",
        Category.CODE: "CODE001",
    }
    return book.Debt(
        fingerprint=fingerprint,
        rule=rule[category],
        slug=f"{category.value}-rule",
        category=category,
        severity=severity,
        path=at[0],
        line=at[1],
        message=says,
        effort_minutes=effort,
    )


#: octo-org/widgets: a baseline ten weeks ago, PR #7 six weeks ago, PR #9 (paying) two weeks ago.
BASELINE = [
    _debt("w-code", Category.CODE, Severity.LOW, 30, at=("src/train.py", 12), says="TODO left in the training loop"),
    _debt("w-dep", Category.DEPENDENCY, Severity.MEDIUM, 60, at=("requirements.txt", 3), says="torch is not pinned"),
    _debt("w-data", Category.DATA, Severity.MEDIUM, 120, at=("data/raw.csv", 1), says="dataset committed to git"),
]
PR7 = [
    _debt("w-model", Category.MODEL, Severity.HIGH, 90, at=("src/load.py", 40), says="torch.load without weights_only"),
    _debt("w-code2", Category.CODE, Severity.INFO, 10, at=("src/eval.py", 7), says="noqa added"),
]
#: What widgets owes at the end: baseline + PR #7 - the dependency item PR #9 paid.
OWED = {Category.CODE: 40, Category.DATA: 120, Category.DEPENDENCY: 0, Category.MODEL: 90}


def build_github(fake: FakeGitHub, callback_urls: list[str]) -> Ids:
    fake.set_oauth_client(CLIENT_ID, CLIENT_SECRET, callback_urls=callback_urls)
    fake.add_installation(100, "octo-org")
    fake.add_installation(200, "rival-org")
    widgets = fake.add_repository(VISIBLE, installation_id=100)
    vault = fake.add_repository(HIDDEN_SAME_INSTALLATION, installation_id=100)
    models = fake.add_repository(HIDDEN_OTHER_INSTALLATION, installation_id=200)
    fake.set_permission(VISIBLE, USER, "write")
    fake.set_permission(HIDDEN_SAME_INSTALLATION, "bob", "admin")
    fake.set_permission(HIDDEN_OTHER_INSTALLATION, "mallory", "admin")
    fake.sign_in(USER)
    return Ids(widgets=widgets.id, vault=vault.id, models=models.id)


async def build_ledger(sessions: async_sessionmaker[AsyncSession], ids: Ids, now: datetime) -> None:
    async with sessions.begin() as session:
        for installation_id, account in ((100, "octo-org"), (200, "rival-org")):
            await upsert_installation(
                session,
                installation_id=installation_id,
                account_login=account,
                account_type="Organization",
                repository_selection=RepositorySelection.SELECTED,
            )
        await upsert_repositories(
            session,
            100,
            [
                RepositoryInfo(ids.widgets, VISIBLE, private=True, default_branch="main"),
                RepositoryInfo(ids.vault, HIDDEN_SAME_INSTALLATION, private=True, default_branch="main"),
            ],
        )
        await upsert_repositories(
            session, 200, [RepositoryInfo(ids.models, HIDDEN_OTHER_INSTALLATION, private=True, default_branch="main")]
        )

        def by(
            weeks_ago: int, source: LedgerSource, pr: int | None = None, actor: str | None = None
        ) -> book.Attribution:
            return book.Attribution(
                at=now - timedelta(weeks=weeks_ago), source=source, pr_number=pr, actor=actor, sha=SHA
            )

        await book.accrue(session, ids.widgets, BASELINE, by(10, LedgerSource.BASELINE))
        await book.accrue(session, ids.widgets, PR7, by(6, LedgerSource.PULL_REQUEST, 7, "bob"))
        await book.pay(session, ids.widgets, ["w-dep"], by(2, LedgerSource.PULL_REQUEST, 9, "carol"))
        secret = _debt("v-1", Category.CODE, Severity.HIGH, 45, at=("vault_keys.py", 1), says="hard-coded key")
        await book.accrue(session, ids.vault, [secret], by(3, LedgerSource.PULL_REQUEST, 3, "bob"))
        rival = _debt("r-1", Category.MODEL, Severity.HIGH, 75, at=("rival_weights.pkl", 1), says="model binary in git")
        await book.accrue(session, ids.models, [rival], by(4, LedgerSource.PULL_REQUEST, 5, "mallory"))
