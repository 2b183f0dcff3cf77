# The image docs/ci/kubernetes-indexed-job.yml runs: Debian slim with python3 (and venv),
# bubblewrap, livejudge, the bundled tasks and docs/ci/grade-shard.sh as `grade-shard`.
#
#   docker build -t registry.example.com/livejudge:latest .
#
# Not built by the test suite (there is no container engine on its machines); what it runs
# is: tests/integration/shard_job.rs runs grade-shard the way the Job does.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv bubblewrap ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/livejudge /usr/local/bin/livejudge
COPY docs/ci/grade-shard.sh /usr/local/bin/grade-shard
COPY tasks /opt/livejudge/tasks
COPY fixtures /opt/livejudge/fixtures
# Task environments are created on first use; a volume here keeps them across pods.
ENV LIVEJUDGE_CACHE_DIR=/var/cache/livejudge
WORKDIR /opt/livejudge
CMD ["livejudge", "doctor"]
