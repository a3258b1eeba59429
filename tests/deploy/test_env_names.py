"""One set of names: every DEBTBOT_* variable compose and Kubernetes set is one bot.settings reads, and both
deployments configure the same ones."""

from __future__ import annotations

from tests.deploy import manifests as m

#: What a production deployment cannot go without: the App, the shared database and queue, production mode.
REQUIRED = frozenset(
    {
        "DEBTBOT_APP_ID",
        "DEBTBOT_WEBHOOK_SECRET",
        "DEBTBOT_PRIVATE_KEY_PATH",
        "DEBTBOT_DATABASE_URL",
        "DEBTBOT_REDIS_URL",
        "DEBTBOT_ENVIRONMENT",
    }
)


def test_the_check_flags_a_name_the_settings_do_not_read() -> None:
    known = m.settings_env_names()
    assert "DEBTBOT_DATABASE_URL" in known
    assert "DEBTBOT_PRIVATE_KEY" in known
    names = frozenset({"DEBTBOT_DATABASE_URL", "DEBTBOT_DATABSE_URL", "POSTGRES_PASSWORD"})
    assert m.unknown_debtbot_names(names, known) == ["DEBTBOT_DATABSE_URL"]


def test_compose_names_only_settings_that_exist() -> None:
    assert m.unknown_debtbot_names(m.compose_env_names(), m.settings_env_names()) == []


def test_kubernetes_names_only_settings_that_exist() -> None:
    assert m.unknown_debtbot_names(m.k8s_env_names(), m.settings_env_names()) == []


def test_the_docs_name_only_settings_that_exist() -> None:
    text = (m.REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    named = frozenset(m.DEBTBOT_NAME.findall(text))
    assert named, "docs/deploy.md names the settings it asks for"
    assert m.unknown_debtbot_names(named, m.settings_env_names()) == []


def test_compose_and_kubernetes_configure_the_same_settings() -> None:
    def debtbot(names: frozenset[str]) -> set[str]:
        return {n for n in names if n.startswith("DEBTBOT_")}

    assert debtbot(m.compose_env_names()) == debtbot(m.k8s_env_names())
    assert debtbot(m.compose_env_names()) >= REQUIRED
    assert m.compose()["x-debtbot"]["environment"]["DEBTBOT_ENVIRONMENT"] == "production"
    assert m.k8s_object("ConfigMap", "debtbot")["data"]["DEBTBOT_ENVIRONMENT"] == "production"
