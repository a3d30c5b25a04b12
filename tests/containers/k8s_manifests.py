#!/usr/bin/env python3
"""k8s_manifests.py DOC.md: the Kubernetes manifests in DOC.md's ```yaml blocks are well formed.

Each block parses as YAML into one object with apiVersion, kind and metadata.name; a Job or Pod's
pod spec, containers, resources and security contexts use only fields the Kubernetes API has at that
place (a misspelt field would be silently dropped by a lenient apply), with values of the right
kind. A KVM device plugin resource is asked for by every container that runs skiff.
No API server is needed (kubectl apply --dry-run=client asks one for the resource types).
"""
import re
import sys

try:
    import yaml
except ImportError:
    print("k8s_manifests: SKIPPED: no PyYAML (Debian: python3-yaml, which tools/install-deps.sh installs)")
    sys.exit(77)

POD_SPEC = {"containers", "initContainers", "restartPolicy", "terminationGracePeriodSeconds", "volumes",
            "securityContext", "nodeSelector", "tolerations", "runtimeClassName", "hostNetwork",
            "serviceAccountName", "affinity", "activeDeadlineSeconds"}
CONTAINER = {"name", "image", "command", "args", "env", "resources", "securityContext", "volumeMounts",
             "volumeDevices", "ports", "imagePullPolicy", "workingDir"}
SECURITY_CONTEXT = {"runAsUser", "runAsGroup", "runAsNonRoot", "allowPrivilegeEscalation", "privileged",
                    "readOnlyRootFilesystem", "capabilities", "seccompProfile", "procMount"}
CAPABILITIES = {"add", "drop"}
SECCOMP_TYPES = {"RuntimeDefault", "Localhost", "Unconfined"}
RESOURCES = {"limits", "requests"}
VOLUME_DEVICE = {"name", "devicePath"}
VOLUME_SOURCES = {"persistentVolumeClaim", "hostPath", "emptyDir", "configMap", "secret"}
JOB_SPEC = {"template", "backoffLimit", "completions", "parallelism", "activeDeadlineSeconds",
            "ttlSecondsAfterFinished"}
KINDS = {("batch/v1", "Job"), ("v1", "Pod")}
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$")
KVM = "devices.kubevirt.io/kvm"

errors = []


def fail(where, msg):
    errors.append(f"{where}: {msg}")


def only(where, obj, allowed):
    if not isinstance(obj, dict):
        fail(where, f"expected a mapping, got {type(obj).__name__}")
        return {}
    for key in obj:
        if key not in allowed:
            fail(where, f"unknown field '{key}'")
    return obj


def strings(where, value):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail(where, "expected a list of strings")


def check_container(where, c, needs_kvm):
    only(where, c, CONTAINER)
    for key in ("name", "image"):
        if not isinstance(c.get(key), str) or not c[key]:
            fail(where, f"'{key}' missing")
    for key in ("command", "args"):
        if key in c:
            strings(f"{where}.{key}", c[key])
    resources = only(f"{where}.resources", c.get("resources", {}), RESOURCES)
    for section, values in resources.items():
        for name, quantity in (values or {}).items():
            if not isinstance(quantity, str) or not QUANTITY.match(quantity):
                fail(f"{where}.resources.{section}.{name}", f"'{quantity}' is not a quantity string")
    if needs_kvm and KVM not in resources.get("limits", {}):
        fail(where, f"asks for no {KVM} (limits)")
    sc = only(f"{where}.securityContext", c.get("securityContext", {}), SECURITY_CONTEXT)
    caps = only(f"{where}.securityContext.capabilities", sc.get("capabilities", {}), CAPABILITIES)
    for key, value in caps.items():
        strings(f"{where}.securityContext.capabilities.{key}", value)
    if "seccompProfile" in sc and sc["seccompProfile"].get("type") not in SECCOMP_TYPES:
        fail(f"{where}.securityContext.seccompProfile", "type must be one of " + ", ".join(sorted(SECCOMP_TYPES)))
    for i, d in enumerate(c.get("volumeDevices", [])):
        only(f"{where}.volumeDevices[{i}]", d, VOLUME_DEVICE)
    return c.get("name")


def check_pod_spec(where, spec):
    only(where, spec, POD_SPEC)
    if not spec.get("containers"):
        fail(where, "no containers")
    volumes = set()
    for i, v in enumerate(spec.get("volumes", [])):
        volumes.add(v.get("name"))
        only(f"{where}.volumes[{i}]", v, {"name"} | VOLUME_SOURCES)
    for i, c in enumerate(spec.get("initContainers", [])):
        check_container(f"{where}.initContainers[{i}]", c, needs_kvm=False)
    for i, c in enumerate(spec.get("containers", [])):
        check_container(f"{where}.containers[{i}]", c, needs_kvm=True)
        for d in c.get("volumeDevices", []):
            if d.get("name") not in volumes:
                fail(f"{where}.containers[{i}]", f"volumeDevices names no volume '{d.get('name')}'")
    if spec.get("restartPolicy", "Always") not in ("Always", "OnFailure", "Never"):
        fail(where, "bad restartPolicy")


def check(where, obj):
    if not isinstance(obj, dict):
        fail(where, "not a mapping")
        return
    kind = (obj.get("apiVersion"), obj.get("kind"))
    if kind not in KINDS:
        fail(where, f"apiVersion/kind {kind} is not one of {sorted(KINDS)}")
        return
    if not obj.get("metadata", {}).get("name"):
        fail(where, "metadata.name missing")
    if kind[1] == "Job":
        spec = only(f"{where}.spec", obj.get("spec", {}), JOB_SPEC)
        pod = spec.get("template", {}).get("spec", {})
        check_pod_spec(f"{where}.spec.template.spec", pod)
        if pod.get("restartPolicy") not in ("Never", "OnFailure"):
            fail(where, "a Job's pods need restartPolicy Never or OnFailure")
    else:
        check_pod_spec(f"{where}.spec", obj.get("spec", {}))


def main():
    path = sys.argv[1]
    text = open(path, encoding="utf-8").read()
    blocks = re.findall(r"^```yaml\n(.*?)^```$", text, flags=re.S | re.M)
    if not blocks:
        print(f"k8s_manifests: FAIL: no ```yaml block in {path}")
        return 1
    for n, block in enumerate(blocks, 1):
        where = f"{path} yaml block {n}"
        try:
            docs = [d for d in yaml.safe_load_all(block) if d is not None]
        except yaml.YAMLError as e:
            fail(where, f"does not parse: {e}")
            continue
        for d in docs:
            check(f"{where} ({d.get('kind', '?')} {d.get('metadata', {}).get('name', '?')})", d)
        print(f"k8s_manifests: {where}: " + ", ".join(f"{d.get('kind')} {d['metadata']['name']}" for d in docs))
    for e in errors:
        print(f"k8s_manifests: FAIL: {e}")
    if errors:
        return 1
    print(f"k8s_manifests: {len(blocks)} manifest(s) well formed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
