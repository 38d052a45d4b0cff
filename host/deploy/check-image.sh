#!/usr/bin/env bash
# Builds the image from the repository's Dockerfile with podman, offline, and checks what it
# runs: non-root, a read-only root filesystem with state in a volume, the HEALTHCHECK, /healthz
# and /readyz, and a chat through the gateway against the bundled emulator.
#
#   host/deploy/check-image.sh [BINARY]
#
# With no registry to pull from, the Dockerfile's two base images are stood in for by images
# made here: the binary stage by an image holding BINARY (default target/release/openclaw-bedrock,
# stripped), the runtime base by a distroless-like image made of this machine's glibc, libgcc
# and CA certificates plus a `nonroot` user 65532 (what gcr.io/distroless/cc-debian12:nonroot
# holds). The Dockerfile's own runtime stage (user, environment, volume, healthcheck,
# entrypoint, command) is what is built and run.
#
# PODMAN_RUN_FLAGS adds flags to every `podman run` (this machine needs
# `--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024`: crun refuses hybrid
# cgroups and the VM may not raise limits).
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${1:-target/release/openclaw-bedrock}
run_flags=(${PODMAN_RUN_FLAGS:-})
work=$(mktemp -d)
tag=openclaw-check-$$
port=${CHECK_PORT:-18789}
cleanup() {
  podman rm -f "$tag-gw" "$tag-emu" >/dev/null 2>&1 || true
  podman volume rm -f "$tag-state" >/dev/null 2>&1 || true
  podman rmi -f "localhost/$tag:image" "localhost/$tag:base" "localhost/$tag:binary" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== stand-in base images"
mkdir -p "$work/base/etc/ssl/certs" "$work/base/lib/x86_64-linux-gnu" "$work/base/lib64" "$work/base/tmp" "$work/bin/out/state"
for lib in $(ldd "$binary" | awk '$3 ~ /^\// {print $3} $1 ~ /^\/lib64\// {print $1}'); do cp -L "$lib" "$work/base$lib"; done
cp /etc/ssl/certs/ca-certificates.crt "$work/base/etc/ssl/certs/"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$work/base/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$work/base/etc/group"
printf 'FROM scratch\nCOPY . /\n' >"$work/base/Containerfile"
podman build -q -t "localhost/$tag:base" "$work/base" >/dev/null
cp "$binary" "$work/bin/out/openclaw-bedrock" && strip "$work/bin/out/openclaw-bedrock"
printf 'FROM scratch\nCOPY out /out\n' >"$work/bin/Containerfile"
podman build -q -t "localhost/$tag:binary" "$work/bin" >/dev/null

echo "== the Dockerfile's runtime stage"
podman build -q --format docker -t "localhost/$tag:image" \
  --build-arg BINARY_FROM="localhost/$tag:binary" --build-arg RUNTIME_IMAGE="localhost/$tag:base" . >/dev/null
size=$(podman image inspect "localhost/$tag:image" --format '{{.Size}}')
user=$(podman image inspect "localhost/$tag:image" --format '{{.Config.User}}')
health=$(podman image inspect "localhost/$tag:image" --format '{{json .Config.Healthcheck.Test}}')
echo "image: $((size / 1024 / 1024)) MiB, user $user, healthcheck $health"
[ "$user" = "65532:65532" ] || fail "the image runs as $user"
[[ "$health" == *healthcheck* ]] || fail "no HEALTHCHECK"

echo "== the default command, read-only root, state in a volume, no AWS credentials"
podman volume create "$tag-state" >/dev/null
podman run -d --name "$tag-gw" "${run_flags[@]}" --read-only --network host \
  -v "$tag-state:/var/lib/openclaw" -e OPENCLAW_API_KEY=check-key -e AWS_EC2_METADATA_DISABLED=true \
  "localhost/$tag:image" gateway --listen "127.0.0.1:$port" --api-key-env OPENCLAW_API_KEY --drain-period 1 >/dev/null
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
healthz=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$port/healthz")
readyz=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$port/readyz")
echo "/healthz: $healthz"
echo "/readyz: $readyz"
[[ "$healthz" == *' 200' ]] || fail "/healthz"
[[ "$readyz" == *' 503' && "$readyz" == *'no AWS credentials found'* ]] || fail "/readyz without credentials"
podman healthcheck run "$tag-gw" && echo "HEALTHCHECK: healthy" || fail "HEALTHCHECK"
whoami=$(podman top "$tag-gw" user huser | tail -1)
echo "process user: $whoami"
[[ "$whoami" == 65532* || "$whoami" == nonroot* ]] || fail "the gateway runs as $whoami"
podman exec "$tag-gw" /usr/local/bin/openclaw-bedrock healthcheck --url "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && fail "healthcheck passed a 503"
podman stop -t 20 "$tag-gw" >/dev/null
code=$(podman inspect "$tag-gw" --format '{{.State.ExitCode}}')
echo "SIGTERM: exit $code"
[ "$code" = 0 ] || fail "exit $code after SIGTERM"
# The log: the address line and one line for the one problem (no credentials), nothing else.
logs=$(podman logs "$tag-gw" 2>&1)
echo "$logs" | sed 's/^/log: /' | cut -c1-160
[ "$(echo "$logs" | wc -l)" = 2 ] || fail "expected 2 log lines"
echo "$logs" | grep -q "^listening on http://127.0.0.1:$port$" || fail "no address line"
echo "$logs" | grep -q '^warning: credentials: no AWS credentials found; .*; /readyz answers 503 until they resolve$' || fail "no credentials line"
state=$(podman volume inspect "$tag-state" --format '{{.Mountpoint}}')
ls "$state/cache/policies" | grep -q . || fail "no compiled policy in the state volume"
echo "state volume: $(ls "$state/cache/policies" | wc -l) compiled policy file(s) in cache/policies"

echo "== --emulate: ready, and a chat through the container"
podman rm -f "$tag-gw" >/dev/null
podman run -d --name "$tag-gw" "${run_flags[@]}" --read-only --network host \
  -v "$tag-state:/var/lib/openclaw" -e OPENCLAW_API_KEY=check-key \
  "localhost/$tag:image" --emulate gateway --listen "127.0.0.1:$port" --api-key-env OPENCLAW_API_KEY >/dev/null
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
readyz=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$port/readyz")
echo "/readyz: $readyz"
[[ "$readyz" == *' 200' ]] || fail "/readyz with --emulate"
chat=$(curl -s -H 'authorization: Bearer check-key' -H 'content-type: application/json' "http://127.0.0.1:$port/v1/chat/completions" \
  -d '{"model": "bedrock/us.anthropic.claude-sonnet-4-6-20251001-v1:0", "messages": [{"role": "user", "content": "hello container"}]}')
echo "chat: $chat"
[[ "$chat" == *'Echo: hello container'* ]] || fail "chat"
podman stop -t 20 "$tag-gw" >/dev/null
echo "OK"
