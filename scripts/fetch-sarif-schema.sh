#!/usr/bin/env bash
# Fetch the SARIF 2.1.0 JSON schema that the tests validate `flask bastion check --format
# sarif` against, into the path given. The schema is OASIS's; the npm registry carries it in
# Microsoft's @microsoft/jest-sarif package. It is downloaded for the tests, never committed.
set -euo pipefail
dest=$1
package=@microsoft/jest-sarif@1.0.0-beta.0
member=package/lib/schemas/sarif-2.1.0-rtm.5.json

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" "$member"
mv "$work/$member" "$dest"
