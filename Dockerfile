# syntax=docker/dockerfile:1
# One image for every process of the back end:
#   python -m services.tags | services.journey | services.intent | services.leads   (gRPC)
#   python -m gateway                                                               (GraphQL over HTTP)
# The Kubernetes manifests in deploy/k8s set the command per Deployment; the default is the gateway.
#
#   docker build -t crm-intel:dev .
#
# Only the runtime dependencies from pyproject.toml are installed (pinned by constraints.txt); the
# `local` extra (embedded nats-server and MongoDB stand-in) and the `dev` extra stay out.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first, from pyproject.toml alone, so a code change reuses this (slow) layer.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && pip install -c constraints.txt -r /tmp/requirements.txt
# Then the project: a regular (non-editable) install of common, services, gateway and the generated
# crm.* stubs. pip compiles the bytecode now, which matters because the runtime root is read-only.
COPY . .
RUN pip install -c constraints.txt . \
 && cd / && python -c "import common, services, gateway, crm.tags.v1.tags_pb2"

FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="crm-intel" \
      org.opencontainers.image.description="Customer tags & intelligence back end: gRPC services and GraphQL gateway" \
      org.opencontainers.image.licenses="Apache-2.0"
# A fixed numeric user, matching runAsUser in deploy/k8s, so runAsNonRoot can be verified.
RUN groupadd --system --gid 10001 crm \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin crm
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GRPC_HOST=0.0.0.0 \
    GATEWAY_HOST=0.0.0.0
WORKDIR /tmp
USER 10001:10001
EXPOSE 8000 50051 50052 50053 50054
ENTRYPOINT ["python", "-m"]
CMD ["gateway"]
