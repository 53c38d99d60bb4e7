#!/usr/bin/env bash
# Lays out (or refreshes) the project folder on the shared volume, where every Ray node sees it at
# the same path. Code and DVC config come from this image and are replaced on every call; params.yaml
# is copied only the first time (then it is the operator's); the installed parts are links into the
# image, which every pod has at the same place. What runs make stays on the volume between runs and
# clusters: data/ (sheets, media, caches, tables), models/registry.json (stable person IDs),
# dvc.lock, reports/.                      Usage: deploy/volume-project.sh /shared/project
set -euo pipefail
app="$(cd "$(dirname "$0")/.." && pwd)"
dst="${1:?usage: volume-project.sh DIR}"
mkdir -p "$dst/.dvc" "$dst/models" "$dst/data/raw"
rm -rf "$dst/pipeline"
cp -r "$app/pipeline" "$app/dvc.yaml" "$app/package.json" "$app/tsconfig.json" "$app/.dvcignore" "$dst/"
cp "$app/.dvc/config" "$app/.dvc/config.local" "$dst/.dvc/"
[ -f "$dst/params.yaml" ] || cp "$app/params.yaml" "$dst/"
for l in node_modules models/yunet models/faceapi; do ln -sfn "$app/$l" "$dst/$l"; done
