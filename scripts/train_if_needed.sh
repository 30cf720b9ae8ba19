#!/usr/bin/env bash
# Trains the Rasa model only when config.yml, domain.yml or data/ (NLU, rules, stories)
# changed since the last training, so a second `make run` starts in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3
# One training at a time: a second caller (a parallel test run) waits, then finds it done.
mkdir -p models
exec 9>models/.train.lock
flock 9
fingerprint=$(cat config.yml domain.yml $(find data/nlu data/rules data/stories -name '*.yml' | sort) requirements.lock | sha256sum | cut -d' ' -f1)
if [ -f models/intake.tar.gz ] && [ "$(cat models/intake.fingerprint 2>/dev/null)" = "$fingerprint" ]; then
  echo "model up to date (models/intake.tar.gz)"
  exit 0
fi
echo "training the model (a few minutes on 2 cores)..."
start=$(date +%s)
.venv/bin/rasa train --data data/nlu data/rules data/stories --fixed-model-name intake --out models --quiet
echo "$fingerprint" > models/intake.fingerprint
echo "$(( $(date +%s) - start ))" > models/intake.train-seconds
echo "model trained in $(cat models/intake.train-seconds) s"
