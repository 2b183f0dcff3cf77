#!/bin/sh
# One shard of a batch: what each pod of docs/ci/kubernetes-indexed-job.yml runs (the image
# built by the Dockerfile at the repository root has it as /usr/local/bin/grade-shard), and
# what tests/integration/shard_job.rs runs the way Kubernetes does.
#
#   JOB_COMPLETION_INDEX  0..SHARDS-1, set by Kubernetes for an Indexed Job
#   SHARDS                how many shards the batch is cut into (the Job's completions)
#   TASK                  the task id or folder
#   SUBMISSIONS           the folder holding one entry (file or folder) per submission
#   RESULTS               the folder the shards' results files go to (shared by the pods)
#   LIVEJUDGE_ARGS        global options, e.g. "--isolation strict --tasks /tasks" (optional)
#
# A pod that is restarted (a node lost, an OOM kill) grades only what its results file lacks
# (--resume). Candidates' failures are results, not errors (--exit-zero), so they do not make
# Kubernetes retry the pod; exit 2, 3 and 4 (bad input, environment, judge error) still fail it.
set -eu
: "${JOB_COMPLETION_INDEX:?set by Kubernetes for an Indexed Job}"
: "${SHARDS:?}" "${TASK:?}" "${SUBMISSIONS:?}" "${RESULTS:?}"
shard=$((JOB_COMPLETION_INDEX + 1))
# shellcheck disable=SC2086 # LIVEJUDGE_ARGS holds several options on purpose
exec livejudge ${LIVEJUDGE_ARGS:-} grade "$TASK" "$SUBMISSIONS"/* \
  --shard "$shard/$SHARDS" --results "$RESULTS/shard-$shard.jsonl" --resume --exit-zero
