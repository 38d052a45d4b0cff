#!/usr/bin/env python3
"""Offline structural check of host/deploy/kubernetes and the Dockerfile.

Loads every manifest with PyYAML and checks what a cluster would only tell at apply time or
in an incident: selectors that match, the probes on the right paths and port, the config
mounted where --config points and as a directory (so updates reach the watcher), no AWS
secret as a literal, the security context a read-only root needs, the grace period covering
drain and grace, the PodDisruptionBudget and the autoscaler aimed at the Deployment.

Prints one JSON document ({"ok": true, "gateway_args": [...], "config": PATH}) and exits 0,
or prints one line per problem and exits 1.
"""
import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent
KUBE = ROOT / "kubernetes"
DOCKERFILE = ROOT.parent.parent / "Dockerfile"
AWS_SECRET_VARIABLES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK"}

problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
    return condition


def flag(args, name):
    """The value of --name=VALUE or --name VALUE in args."""
    for i, arg in enumerate(args):
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
        if arg == f"--{name}" and i + 1 < len(args):
            return args[i + 1]
    return None


kustomization = yaml.safe_load((KUBE / "kustomization.yaml").read_text())
documents = {}
for resource in kustomization.get("resources", []):
    for document in yaml.safe_load_all((KUBE / resource).read_text()):
        check(document.get("apiVersion") and document.get("kind") and document.get("metadata", {}).get("name"), f"{resource}: apiVersion, kind and metadata.name are required")
        documents[document["kind"]] = document
for kind in ["ServiceAccount", "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"]:
    check(kind in documents, f"no {kind} among the kustomization's resources")
generated = {g["name"]: g for g in kustomization.get("configMapGenerator", [])}
for generator in generated.values():
    for entry in generator.get("files", []):
        check((KUBE / entry.split("=")[-1]).is_file(), f"configMapGenerator {generator['name']}: {entry} does not exist")
check(kustomization.get("generatorOptions", {}).get("disableNameSuffixHash") is True, "generated ConfigMaps need a stable name so that updates reach the mounted files")

deployment = documents["Deployment"]
spec = deployment["spec"]
pod = spec["template"]["spec"]
labels = spec["template"]["metadata"]["labels"]
check(spec["selector"]["matchLabels"].items() <= labels.items(), "the Deployment's selector does not match its pods")
check(documents["Service"]["spec"]["selector"].items() <= labels.items(), "the Service's selector does not match the pods")
check(documents["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"].items() <= labels.items(), "the PodDisruptionBudget's selector does not match the pods")
check(pod.get("serviceAccountName") == documents["ServiceAccount"]["metadata"]["name"], "the pods do not run as the ServiceAccount")
check(pod["securityContext"].get("runAsNonRoot") is True, "runAsNonRoot is not set")

containers = pod["containers"]
check(len(containers) == 1, "one container expected")
gateway = containers[0]
args = gateway["args"]
check(args[0] == "gateway", "the container does not run `gateway`")
ports = {p["name"]: p["containerPort"] for p in gateway["ports"]}
listen = flag(args, "listen") or ""
check(listen.endswith(f":{ports.get('http')}"), f"--listen {listen} is not the container port {ports.get('http')}")
for probe, path in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")]:
    got = gateway.get(probe, {}).get("httpGet", {})
    check(got.get("path") == path and got.get("port") in ("http", ports.get("http")), f"{probe} must GET {path} on the http port")
security = gateway["securityContext"]
check(security.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem is not set")
check(security.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation is not false")
check(security.get("capabilities", {}).get("drop") == ["ALL"], "capabilities are not all dropped")

env = {e["name"]: e for e in gateway.get("env", [])}
for name, entry in env.items():
    check(name not in AWS_SECRET_VARIABLES, f"{name} is set in the Deployment: AWS credentials come from IRSA or Pod Identity")
    if re.search(r"KEY|TOKEN|SECRET|PASSWORD", name):
        check("value" not in entry and "secretKeyRef" in entry.get("valueFrom", {}), f"{name} is a literal: take it from a Secret")
key_var = flag(args, "api-key-env")
check(key_var in env, f"--api-key-env {key_var} is not in the container's environment")

mounts = {m["name"]: m for m in gateway["volumeMounts"]}
volumes = {v["name"]: v for v in pod["volumes"]}
config = flag(args, "config") or ""
config_mount = next((m for m in mounts.values() if config.startswith(m["mountPath"].rstrip("/") + "/")), None)
if check(config_mount is not None, f"--config {config} is not under a mounted volume"):
    check("subPath" not in config_mount, "the config volume is mounted with subPath: the kubelet never updates such files")
    source = volumes[config_mount["name"]].get("configMap", {}).get("name")
    check(source in generated, f"the config volume is not the generated ConfigMap ({source})")
    check(pathlib.PurePosixPath(config).name in [f.split("=")[0] for f in generated.get(source, {}).get("files", [])], f"{config} is not a key of the ConfigMap")
state = env.get("OPENCLAW_STATE_DIR", {}).get("value")
check(any(m["mountPath"] == state and "emptyDir" in volumes[m["name"]] for m in mounts.values()), f"the state directory {state} is not a writable volume")

drain = int(flag(args, "drain-period") or 0)
grace = int(flag(args, "grace-period") or 10)
# /readyz answers 503 the moment SIGTERM arrives; the kubelet sees it at the next probe and
# removes the endpoint after failureThreshold of them, so the drain must outlast that.
readiness = gateway.get("readinessProbe", {})
noticed = readiness.get("periodSeconds", 10) * readiness.get("failureThreshold", 3)
check(drain > noticed, f"--drain-period ({drain} s) must outlast the readiness probe's {noticed} s (periodSeconds x failureThreshold) so the endpoint is removed before the listener closes")
check(pod.get("terminationGracePeriodSeconds", 30) > drain + grace, "terminationGracePeriodSeconds does not cover the drain and grace periods")

pdb = documents["PodDisruptionBudget"]["spec"]
check(pdb.get("maxUnavailable") == 1 or pdb.get("minAvailable"), "the PodDisruptionBudget allows no or every disruption")
hpa = documents["HorizontalPodAutoscaler"]["spec"]
check(hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment["metadata"]["name"]}, "the autoscaler does not target the Deployment")
check(2 <= hpa["minReplicas"] <= hpa["maxReplicas"], "the autoscaler's bounds")
check(hpa["minReplicas"] > pdb.get("maxUnavailable", 0), "the autoscaler's minimum leaves nothing during a disruption")

dockerfile = DOCKERFILE.read_text()
instructions = [line.split(None, 1) for line in dockerfile.splitlines() if line and not line.startswith("#") and not line.startswith(" ")]
froms = [i for i in instructions if i[0] == "FROM"]
check(len(froms) >= 2, "the Dockerfile is not multi-stage")
user = next((i[1] for i in reversed(instructions) if i[0] == "USER"), "")
check(re.fullmatch(r"[1-9][0-9]*(:[0-9]+)?", user.strip()) is not None, f"USER {user!r} must be a numeric non-root user")
check(re.search(r"HEALTHCHECK .*\n?.*healthcheck.*/healthz", dockerfile) is not None, "no HEALTHCHECK on /healthz")
check(re.search(r'^VOLUME \["/var/lib/openclaw"\]', dockerfile, re.M) is not None, "no state volume")
check("OPENCLAW_STATE_DIR=/var/lib/openclaw" in dockerfile, "the state directory is not the volume")

if problems:
    for problem in problems:
        print(problem)
    sys.exit(1)
print(json.dumps({"ok": True, "gateway_args": args, "config": config, "config_file": str(KUBE / pathlib.PurePosixPath(config).name)}))
