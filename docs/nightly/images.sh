#!/usr/bin/env bash
# Node images for the night, built once and shared by every shard: load the cached images if the cache holds them,
# build what is missing (nothing when an image of the same definition is there), and save the cache if it was empty.
#   ENGINES      engines to build, space-separated (default: redis)
#   IMAGE_CACHE  a file to load the images from and save them to (default: none, no caching)
#   SPLITBRAIN   how to call splitbrain (default: npx splitbrain)
set -euo pipefail
SB=${SPLITBRAIN:-npx splitbrain}
ENGINES=${ENGINES:-redis}
CACHE=${IMAGE_CACHE:-}
# Offline builds run debootstrap and chroot, which need root; a CI runner has passwordless sudo.
ROOT=()
if [ "$(id -u)" != 0 ]; then ROOT=(sudo -E env "PATH=$PATH"); fi

if [ -n "$CACHE" ] && [ -f "$CACHE" ]; then
  echo "nightly: loading node images from $CACHE"
  docker load -i "$CACHE"
fi
for db in $ENGINES; do
  # shellcheck disable=SC2086 # SPLITBRAIN may be a command with arguments
  "${ROOT[@]}" $SB image build --db "$db" --offline </dev/null
done
if [ -n "$CACHE" ] && [ ! -f "$CACHE" ]; then
  mkdir -p "$(dirname "$CACHE")"
  echo "nightly: saving node images to $CACHE"
  # shellcheck disable=SC2046 # one argument per image
  docker save -o "$CACHE" $(docker images --format '{{.Repository}}:{{.Tag}}' splitbrain-node)
fi
