"""The kustomize base agrees with the code: probe paths, commands, ports and variable names.

The checks run on what ``kubectl kustomize`` renders (labels, image tags applied), or, where
kubectl is absent, on the resource files the kustomization lists. The base's ``labels:`` field
needs kustomize v4.1 or later (kubectl 1.22+); Debian's ``kubernetes-client`` package is kubectl
1.20 (kustomize v2.0.3, which refuses that field), so CI does not install it and the rendering
test is skipped where no recent kubectl is present. Every object is also validated against
Kubernetes' own schemas (``kubernetes-validate``, offline), strictly: an unknown or misspelt field
fails.
"""

import ast
import json
import re
import shutil
import subprocess

import pytest
import yaml
from django.urls import resolve

from tests.gunicorn_server import ROOT
from tests.test_deployment import _image_start_check, settings_variables
from users_api.health import HealthView, ReadyView

BASE = ROOT / "deploy" / "k8s" / "base"


def gunicorn_variables() -> set[str]:
    """Every variable gunicorn.conf.py reads (``os.environ.get("NAME")`` and ``_int("NAME")``)."""
    source = (ROOT / "gunicorn.conf.py").read_text()
    return set(re.findall(r"""(?:environ\.get|_int)\(\s*["']([A-Z_0-9]+)["']""", source))


def _kustomize_missing() -> str | None:
    """Why ``kubectl kustomize`` cannot render the base here, or None when it can."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return "kubectl is not installed"
    version = subprocess.run(  # noqa: S603 - kubectl from PATH, fixed arguments
        [kubectl, "version", "--client", "-o", "json"], capture_output=True, text=True, timeout=30
    )
    try:
        reported = json.loads(version.stdout)
    except ValueError:
        reported = {}
    kustomize = reported.get("kustomizeVersion", "")
    found = re.match(r"v(\d+)\.(\d+)", kustomize)
    if not found or (int(found[1]), int(found[2])) < (4, 1):
        kubectl_version = reported.get("clientVersion", {}).get("gitVersion", "of unknown version")
        return f"kubectl {kubectl_version} has no kustomize v4.1+ (the base's labels field)"
    return None


KUSTOMIZE_MISSING = _kustomize_missing()
KUBECTL = shutil.which("kubectl") if KUSTOMIZE_MISSING is None else None


def _by_kind_and_name(documents: list[dict]) -> dict[tuple[str, str], dict]:
    return {(document["kind"], document["metadata"]["name"]): document for document in documents}


def _listed_files() -> dict[tuple[str, str], dict]:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    return _by_kind_and_name(
        [
            document
            for resource in kustomization["resources"]
            for document in yaml.safe_load_all((BASE / resource).read_text())
        ]
    )


def _kustomize_build() -> dict[tuple[str, str], dict]:
    rendered = subprocess.run(  # noqa: S603 - kubectl from PATH, fixed arguments
        [KUBECTL, "kustomize", str(BASE)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return _by_kind_and_name(list(yaml.safe_load_all(rendered)))


@pytest.fixture(scope="module")
def manifests() -> dict[tuple[str, str], dict]:
    return _kustomize_build() if KUBECTL else _listed_files()


@pytest.mark.skipif(KUBECTL is None, reason=KUSTOMIZE_MISSING or "")
def test_kustomize_builds_the_base_with_its_labels_and_image() -> None:
    built, listed = _kustomize_build(), _listed_files()
    assert set(built) == set(listed)
    for document in built.values():
        assert document["metadata"]["labels"]["app.kubernetes.io/name"] == "users-api"
    for kind, name in built:
        if kind in {"Deployment", "Job"}:
            (container,) = built[(kind, name)]["spec"]["template"]["spec"]["containers"]
            assert container["image"] == "users-api:latest", (kind, name)


@pytest.mark.parametrize("version", ["1.25.0", "latest"])
def test_every_object_is_valid_for_kubernetes(manifests, version):
    """Strictly against the oldest schemas kubernetes-validate ships (1.25) and the newest."""
    validation = pytest.importorskip("kubernetes_validate.utils")
    version = validation.latest_version() if version == "latest" else version
    problems = []
    for key, document in manifests.items():
        try:
            validation.validate(document, version, strict=True)
        except validation.ValidationError as error:
            problems.append(
                f"{key} for Kubernetes {version}: {error.message} at {list(error.path)}"
            )
    assert not problems, problems


def _container(manifest: dict) -> dict:
    (container,) = manifest["spec"]["template"]["spec"]["containers"]
    return container


def test_the_base_has_every_piece(manifests):
    assert set(manifests) == {
        ("ConfigMap", "users-api"),
        ("Job", "users-api-migrate"),
        ("Deployment", "users-api-web"),
        ("Service", "users-api-web"),
        ("HorizontalPodAutoscaler", "users-api-web"),
        ("PodDisruptionBudget", "users-api-web"),
        ("Deployment", "users-api-worker"),
        ("Deployment", "users-api-beat"),
    }


def test_web_probes_hit_the_health_views_on_the_gunicorn_port(manifests):
    web = _container(manifests[("Deployment", "users-api-web")])
    (port,) = web["ports"]
    env = {item["name"]: item["value"] for item in web["env"]}
    assert port["containerPort"] == int(env["PORT"]) == 8000
    probes = {kind: web[kind]["httpGet"] for kind in ("livenessProbe", "readinessProbe")}
    assert resolve(probes["livenessProbe"]["path"]).func.view_class is HealthView
    assert resolve(probes["readinessProbe"]["path"]).func.view_class is ReadyView
    assert resolve(web["startupProbe"]["httpGet"]["path"]).func.view_class is HealthView
    assert {probe["port"] for probe in probes.values()} == {port["name"]}


def test_web_runs_the_image_command(manifests):
    web = _container(manifests[("Deployment", "users-api-web")])
    dockerfile = (ROOT / "Dockerfile").read_text()
    image_cmd = ast.literal_eval(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    assert web["command"] == image_cmd
    _image_start_check()  # and that command is the checked one


def test_workers_beat_and_migrate_run_the_project_commands(manifests):
    worker = _container(manifests[("Deployment", "users-api-worker")])
    beat = _container(manifests[("Deployment", "users-api-beat")])
    migrate = _container(manifests[("Job", "users-api-migrate")])
    assert worker["command"][:4] == ["celery", "-A", "users_api", "worker"]
    assert beat["command"][:4] == ["celery", "-A", "users_api", "beat"]
    assert manifests[("Deployment", "users-api-beat")]["spec"]["replicas"] == 1
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    from users_api.celery import app

    assert app.main == "users_api"


def test_the_worker_exposes_its_metrics_port(manifests):
    worker = manifests[("Deployment", "users-api-worker")]
    container = _container(worker)
    env = {item["name"]: item["value"] for item in container["env"]}
    (port,) = container["ports"]
    assert port == {"name": "metrics", "containerPort": int(env["WORKER_METRICS_PORT"])}
    annotations = worker["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == env["WORKER_METRICS_PORT"]


def test_every_variable_named_is_one_the_code_reads(manifests):
    known = settings_variables() | gunicorn_variables() | {"PROMETHEUS_MULTIPROC_DIR"}
    named = set(manifests[("ConfigMap", "users-api")]["data"])
    for kind, name in manifests:
        if kind in {"Deployment", "Job"}:
            named |= {item["name"] for item in _container(manifests[(kind, name)]).get("env", [])}
    assert named <= known, sorted(named - known)


def test_service_hpa_and_pdb_point_at_the_web_pods(manifests):
    web = manifests[("Deployment", "users-api-web")]
    labels = web["spec"]["template"]["metadata"]["labels"]
    service = manifests[("Service", "users-api-web")]["spec"]
    assert service["selector"].items() <= labels.items()
    assert service["ports"][0]["targetPort"] == _container(web)["ports"][0]["name"]
    pdb = manifests[("PodDisruptionBudget", "users-api-web")]["spec"]
    assert pdb["selector"]["matchLabels"].items() <= labels.items()
    hpa = manifests[("HorizontalPodAutoscaler", "users-api-web")]["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": web["metadata"]["name"],
    }
    assert hpa["minReplicas"] > pdb["minAvailable"]
