#!/usr/bin/env bash
# Java/Kotlin and Node/TypeScript toolchains for the local engine, idempotently.
# - Java 17 and a bootstrap Maven from Debian, then Maven ${MAVEN_VERSION} itself from Maven Central
#   (the version in the builder image of pipelines/toolchains/maven.py), linked into .tools/bin so
#   that local runs and Dagger runs use the same Maven.
# - Node 20.19+ with npm: checked, not installed (Debian's own nodejs is too old for eslint 10).
set -euo pipefail
cd "$(dirname "$0")/../.."

MAVEN_VERSION=3.9.11
TOOLS="$PWD/.tools"
MAVEN_HOME="$TOOLS/maven/apache-maven-$MAVEN_VERSION"

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then
    apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

command -v java >/dev/null || apt_install openjdk-17-jdk-headless

if [ ! -x "$MAVEN_HOME/bin/mvn" ]; then
  command -v mvn >/dev/null || apt_install maven
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  # The dependency plugin fetches the distribution like any artifact, checksums enforced.
  timeout 600 mvn -B -ntp -C -Dmaven.repo.local="$work/repository" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact="org.apache.maven:apache-maven:$MAVEN_VERSION:tar.gz:bin" \
    -DoutputDirectory="$work" >"$work/fetch.log" 2>&1 || { cat "$work/fetch.log"; exit 1; }
  mkdir -p "$TOOLS/maven"
  tar -xzf "$work/apache-maven-$MAVEN_VERSION-bin.tar.gz" -C "$TOOLS/maven"
fi
mkdir -p "$TOOLS/bin"
ln -sfn "../maven/apache-maven-$MAVEN_VERSION/bin/mvn" "$TOOLS/bin/mvn"
have=$("$TOOLS/bin/mvn" -v)
echo "${have%%$'\n'*}"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "error: node and npm are required (Node 20.19 or newer, as in the node:20 builder image)" >&2
  exit 1
fi
node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    console.error(`error: Node ${process.versions.node} is too old: eslint 10 needs 20.19 or newer`);
    process.exit(1);
  }
  console.log(`node ${process.versions.node}`);
'
