#!/bin/bash -eu
# ClusterFuzzLite entry point: the one build script lives in fuzz/oss-fuzz/.
exec "$SRC/fraglab/fuzz/oss-fuzz/build.sh"
