# The openclaw-bedrock gateway as a container image.
#
#   docker build -t openclaw-bedrock .        (or: podman build --format docker -t openclaw-bedrock .)
#   docker run --read-only -v openclaw-state:/var/lib/openclaw -p 18789:18789 \
#     -e OPENCLAW_API_KEY=... openclaw-bedrock
#
# Two stages: a Rust toolchain builds the binary (the default policy, a wasm32-wasip2
# component, is compiled by host/build.rs and embedded in it); the final image holds that one
# binary on a distroless base (glibc and CA certificates, no shell, no package manager) and
# runs it as a non-root user. It writes only to /var/lib/openclaw (the state directory: the
# policy compile cache and the catalog cache), so the root filesystem can be read-only.
#
# Build arguments:
#   RUST_IMAGE      the toolchain (rustc >= 1.95, as the workspace's rust-version says)
#   RUNTIME_IMAGE   the base of the final image (glibc, CA certificates, a non-root user)
#   BINARY_FROM     the stage or image holding /out/openclaw-bedrock (and an empty /out/state); the
#                   default builds it here, an
#                   image holding a binary built elsewhere skips the build (the repository's
#                   own container check, host/deploy/check-image.sh, uses that offline)

ARG RUST_IMAGE=docker.io/library/rust:1.95-slim-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot
ARG BINARY_FROM=builder

FROM ${RUST_IMAGE} AS builder
WORKDIR /src
RUN rustup target add wasm32-wasip2
COPY . .
# The caches keep crates and build output between image builds; the binary is copied out of
# the cached target directory in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p openclaw-host --bin openclaw-bedrock \
 && install -D -m 0755 target/release/openclaw-bedrock /out/openclaw-bedrock \
 && install -d -m 0700 /out/state

FROM ${BINARY_FROM} AS binary

FROM ${RUNTIME_IMAGE} AS runtime
COPY --from=binary /out/openclaw-bedrock /usr/local/bin/openclaw-bedrock
# The state directory exists in the image, owned by the user, so that a fresh named volume
# mounted over it starts with that owner.
COPY --from=binary --chown=65532:65532 /out/state /var/lib/openclaw
# distroless's `nonroot` user; numeric so that Kubernetes' runAsNonRoot can check it.
USER 65532:65532
ENV HOME=/var/lib/openclaw \
    OPENCLAW_STATE_DIR=/var/lib/openclaw
VOLUME ["/var/lib/openclaw"]
EXPOSE 18789
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/openclaw-bedrock", "healthcheck", "--url", "http://127.0.0.1:18789/healthz"]
ENTRYPOINT ["/usr/local/bin/openclaw-bedrock"]
# Clients must authenticate (the key comes from the environment, e.g. a Kubernetes Secret);
# SIGTERM first turns /readyz off for 10 s, then lets streams finish for up to 15 s.
CMD ["gateway", "--listen", "0.0.0.0:18789", "--api-key-env", "OPENCLAW_API_KEY", "--drain-period", "10", "--grace-period", "15"]
