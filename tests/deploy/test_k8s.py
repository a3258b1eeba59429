"""deploy/k8s: every object valid against the Kubernetes schemas (kubernetes-validate bundles them), and wired
together: probes on the right port, non-root pods with resources, Secrets and ConfigMap where they are read."""

from __future__ import annotations

import copy
import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy import manifests as m

# kubernetes-validate ships no type information: import it as a module object.
kubernetes_validate: Any = importlib.import_module("kubernetes_validate")

#: The oldest Kubernetes the package has schemas for, and the newest.
VERSIONS = ("1.25.0", kubernetes_validate.utils.latest_version())
OBJECTS = m.k8s_objects()


def validate(document: dict[str, Any], version: str) -> None:
    kubernetes_validate.validate(document, version, strict=True)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("path", "document"),
    OBJECTS,
    ids=[f"{path.name}:{doc['kind']}/{doc['metadata']['name']}" for path, doc in OBJECTS],
)
def test_valid_against_the_kubernetes_schemas(path: Path, document: dict[str, Any], version: str) -> None:
    validate(document, version)


def test_the_validation_rejects_what_it_should() -> None:
    web = m.k8s_object("Deployment", "debtbot-web")
    misspelt = copy.deepcopy(web)
    misspelt["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {"httpGet": {"path": "/healthz"}}
    wrong_type = copy.deepcopy(web)
    wrong_type["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "8000"
    for document in (misspelt, wrong_type):
        with pytest.raises(kubernetes_validate.ValidationError):
            validate(document, VERSIONS[-1])


def test_the_manifests_are_namespace_agnostic() -> None:
    assert [o["metadata"]["name"] for _, o in OBJECTS if "namespace" in o["metadata"]] == []


def test_pods_run_as_the_image_user_without_privileges() -> None:
    for workload in m.workloads():
        spec = m.pod_spec(workload)
        context = spec["securityContext"]
        assert context["runAsNonRoot"] is True, workload["metadata"]["name"]
        assert context["runAsUser"] == context["runAsGroup"] == context["fsGroup"] == m.image_uid()
        assert spec["automountServiceAccountToken"] is False
    for workload, container in m.containers():
        where = f"{workload['metadata']['name']}/{container['name']}"
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False, where
        assert security["readOnlyRootFilesystem"] is True, where
        assert security["capabilities"]["drop"] == ["ALL"], where
        mounts = {v["mountPath"] for v in container.get("volumeMounts", [])}
        assert "/tmp" in mounts, f"{where}: a read-only root needs a writable /tmp"


def test_every_container_has_requests_and_limits() -> None:
    for workload, container in m.containers():
        resources = container["resources"]
        for kind in ("requests", "limits"):
            assert set(resources[kind]) == {"cpu", "memory"}, f"{workload['metadata']['name']}: {kind}"


def _container(name: str, kind: str = "Deployment") -> dict[str, Any]:
    (container,) = m.pod_spec(m.k8s_object(kind, name))["containers"]
    return dict(container)


def _port(container: dict[str, Any], probe: dict[str, Any]) -> int:
    port = probe["httpGet"]["port"]
    if isinstance(port, int):
        return port
    (named,) = [p["containerPort"] for p in container["ports"] if p["name"] == port]
    return int(named)


def test_the_web_probes_ask_the_port_it_serves_on() -> None:
    web = _container("debtbot-web")
    command = web["command"]
    serve_port = int(command[command.index("--port") + 1])
    assert command == m.exec_form(m.last(m.final_stage(), "CMD").arguments)
    probes = {name: web[name] for name in ("livenessProbe", "readinessProbe", "startupProbe")}
    assert {name: p["httpGet"]["path"] for name, p in probes.items()} == {
        "livenessProbe": "/healthz",
        "readinessProbe": "/readyz",
        "startupProbe": "/healthz",
    }
    assert {_port(web, p) for p in probes.values()} == {serve_port}


def test_the_worker_is_probed_by_its_health_check_and_scales_out() -> None:
    worker = _container("debtbot-worker")
    assert worker["command"] == ["debtbot", "worker"]
    probe = worker["livenessProbe"]
    assert probe["exec"]["command"] == ["debtbot", "worker", "--check"]
    # arq rewrites the health key every 60 s; a probe must not time out while Python starts.
    assert probe["timeoutSeconds"] >= 10
    assert probe["initialDelaySeconds"] >= 10
    assert "ports" not in worker
    assert "readinessProbe" not in worker
    deployment = m.k8s_object("Deployment", "debtbot-worker")
    assert "replicas" not in deployment["spec"], "the autoscaler owns the count"
    autoscaler = m.k8s_object("HorizontalPodAutoscaler", "debtbot-worker")
    assert autoscaler["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "debtbot-worker",
    }
    assert autoscaler["spec"]["minReplicas"] >= 2


def test_the_migration_job_runs_once_per_apply() -> None:
    job = m.k8s_object("Job", "debtbot-migrate")
    assert _container("debtbot-migrate", "Job")["command"] == ["debtbot", "migrate"]
    assert m.pod_spec(job)["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] >= 1
    assert job["spec"]["activeDeadlineSeconds"] > 0


def test_the_settings_reach_every_container() -> None:
    config_map = m.k8s_object("ConfigMap", "debtbot")
    secret = m.k8s_object("Secret", "debtbot")
    key = m.k8s_object("Secret", "debtbot-app-key")
    key_path = Path(config_map["data"]["DEBTBOT_PRIVATE_KEY_PATH"])
    assert list(key["stringData"]) == [key_path.name]
    for workload, container in m.containers():
        sources = container["envFrom"]
        assert sources == [{"configMapRef": {"name": "debtbot"}}, {"secretRef": {"name": "debtbot"}}]
        if workload["kind"] == "Job":
            continue  # the migration needs the database, not the App
        volumes = {v["name"]: v for v in m.pod_spec(workload)["volumes"]}
        (mount,) = [v for v in container["volumeMounts"] if v["mountPath"] == str(key_path.parent)]
        assert volumes[mount["name"]]["secret"]["secretName"] == "debtbot-app-key"
        assert mount["readOnly"] is True
        assert volumes[mount["name"]]["secret"]["defaultMode"] == 0o440  # group-readable: fsGroup
    # The App's credentials and the URLs with passwords are Secret values, the rest plain configuration.
    assert all(m.SECRET_NAME.search(name) is None for name in config_map["data"] if not name.endswith("_PATH"))
    assert {"DEBTBOT_WEBHOOK_SECRET", "DEBTBOT_DATABASE_URL", "DEBTBOT_REDIS_URL"} <= set(secret["stringData"])


def test_the_secret_template_holds_placeholders_only() -> None:
    for name in ("debtbot", "debtbot-app-key"):
        secret = m.k8s_object("Secret", name)
        assert "data" not in secret
        for key, value in secret["stringData"].items():
            if key.endswith("_URL"):
                assert m.url_password(value) in (None, "REPLACE_WITH_PASSWORD"), f"{name}/{key}"
            elif m.SECRET_NAME.search(key) or key.endswith(".pem"):
                assert "REPLACE_WITH_" in value, f"{name}/{key}"


def test_the_service_and_ingress_reach_the_web_pods() -> None:
    web = m.k8s_object("Deployment", "debtbot-web")
    labels = web["spec"]["template"]["metadata"]["labels"]
    service = m.k8s_object("Service", "debtbot-web")
    assert service["spec"]["selector"].items() <= labels.items()
    (port,) = service["spec"]["ports"]
    assert port["targetPort"] == "http"
    budget = m.k8s_object("PodDisruptionBudget", "debtbot-web")
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    ingress = m.k8s_object("Ingress", "debtbot")
    (rule,) = ingress["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    assert (path["path"], path["pathType"]) == ("/webhooks/github", "Exact")  # nothing else is public
    assert path["backend"]["service"] == {"name": "debtbot-web", "port": {"name": port["name"]}}


def test_kustomize_applies_every_manifest_but_the_secret_template() -> None:
    kustomization = yaml.safe_load(m.KUSTOMIZATION.read_text(encoding="utf-8"))
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in m.k8s_files()} - {"secret.example.yaml"}
    (image,) = kustomization["images"]
    assert image["newTag"] == m.project_version()
