# SPDX-License-Identifier: GPL-2.0
#
# The kit in its container (scripts/enter-build-env), as an attendee on
# another system uses it: the image builds (from a local debootstrap where
# no registry is reached), setup in it finds the whole toolchain, and the
# kit builds a kernel in it and boots it; the other architecture's image
# is made here by emulation. Only with KIT_TEST_CONTAINER=1,
# which ./scripts/test --all sets: the first run builds the image and a
# kernel in it, minutes; later runs reuse both.
# shellcheck shell=bash disable=SC2031,SC2154 # KIT_ROOT is only read; $work is the runner's

# in_container NAME COMMAND...: run COMMAND in the container, output in
# $work/NAME.log; prints its exit status.
in_container() {
	local name=$1
	shift
	status_of "$work/$name.log" "$KIT_ROOT/scripts/enter-build-env" "$@"
}

setup_in_the_container_finds_the_whole_toolchain() {
	local rc
	rc=$(in_container setup ./scripts/setup --check)
	[ "$rc" -eq 0 ] || fail "setup --check in the container exited with $rc: $(tail -n 5 "$work/setup.log")"
	grep -q 'Toolchain for [a-z0-9_]* guests ([^)]*): rustc ' "$work/setup.log" || fail "setup did not report the toolchain"
}

the_container_builds_and_boots_the_kernel() {
	local rc
	rc=$(in_container dev-cycle ./scripts/dev-cycle)
	[ "$rc" -eq 0 ] || fail "dev-cycle in the container exited with $rc: $(tail -n 5 "$work/dev-cycle.log")"
	grep -q 'demo: all steps passed' "$work/dev-cycle.log" || fail "the guest's demo did not pass"
	grep -q "Running in rust-for-linux-workshop:debian-12 (" "$work/dev-cycle.log" ||
		fail "enter-build-env did not say which image and engine it used"
}

# The Dev Containers CLI (pinned in tests/devcontainer), driving this
# host's engine as VS Code and Codespaces do: the container comes up on the
# kit's image from .devcontainer/devcontainer.json, its post-create check
# passes, and the toolchain and rust-analyzer answer inside.
the_devcontainer_opens_on_the_kits_image_with_the_toolchain() {
	local cli=$KIT_ROOT/build/devcontainer out id
	mkdir -p "$cli"
	cp "$KIT_ROOT"/tests/devcontainer/package.json "$KIT_ROOT"/tests/devcontainer/package-lock.json "$cli/"
	out=$(cd "$cli" && npm ci --silent --no-audit --no-fund 2>&1) || fail "npm could not install the Dev Containers CLI: $out"
	# enter-build-env's settings for this host's podman, if it needed any.
	[ ! -f "$KIT_ROOT/build/container/containers.conf" ] || export CONTAINERS_CONF=$KIT_ROOT/build/container/containers.conf
	out=$("$cli/node_modules/.bin/devcontainer" up --workspace-folder "$KIT_ROOT" --docker-path "$engine" \
		--remove-existing-container 2>"$work/devcontainer-up.log") ||
		fail "devcontainer up failed: $(tail -n 5 "$work/devcontainer-up.log")"
	grep -q '"outcome":"success"' <<<"$out" || fail "devcontainer up did not succeed: $out"
	id=$(sed -n 's/.*"containerId":"\([0-9a-f]*\)".*/\1/p' <<<"$out")
	grep -q 'Toolchain for [a-z0-9_]* guests' "$work/devcontainer-up.log" ||
		fail "the post-create check (setup --check) did not run: $(tail -n 5 "$work/devcontainer-up.log")"
	out=$("$cli/node_modules/.bin/devcontainer" exec --workspace-folder "$KIT_ROOT" --docker-path "$engine" \
		sh -c 'rust-analyzer --version && rustc --version && test -f scripts/dev-cycle' 2>&1)
	local rc=$?
	[ -z "$id" ] || "$engine" rm -f "$id" >/dev/null 2>&1
	[ "$rc" -eq 0 ] || fail "the toolchain does not answer in the dev container: $out"
	grep -q '^rust-analyzer ' <<<"$out" || fail "no rust-analyzer in the dev container: $out"
}

# The organiser's bundle holding the saved image: enter-build-env loads it
# instead of building (and so needs no base image and no network for it).
the_image_saved_in_a_bundle_is_loaded_instead_of_built() {
	local image=rust-for-linux-workshop:debian-12 bundle=$work/image-bundle rc out arch
	arch=$(. "$KIT_ROOT/scripts/lib.sh" && kit_host_arch)
	mkdir -p "$bundle/images"
	echo "kit-bundle 1" >"$bundle/VERSION"
	# As make-bundle saves it: under its architecture's name.
	"$engine" tag "$image" "$image-$arch" || fail "could not name $image for its architecture"
	"$engine" save -q -o "$bundle/images/rust-for-linux-workshop-debian-12-$arch.tar" "$image-$arch" ||
		fail "could not save $image"
	(. "$KIT_ROOT/scripts/lib.sh" && kit_bundle_sums "$bundle")
	"$engine" rmi -f "$image" "$image-$arch" >/dev/null 2>&1 || fail "could not remove $image to load it again"
	rc=$(KIT_BUNDLE=$bundle in_container bundle-image sh -c 'rustc --version')
	out=$(cat "$work/bundle-image.log")
	[ "$rc" -eq 0 ] || fail "enter-build-env with the bundle exited with $rc: $(tail -n 5 <<<"$out")"
	grep -q "Loading the image $image from the bundle" <<<"$out" || fail "the image was not loaded from the bundle: $out"
	! grep -q 'Building the image' <<<"$out" || fail "the image was built although the bundle held it: $out"
	grep -q '^rustc 1\.' <<<"$out" || fail "the loaded image has no rustc: $out"
	grep -q "Running in $image (" <<<"$out" || fail "the loaded image was not used under its name here: $out"
}

# The organiser's registry (Debian's docker-registry, on a port of this
# machine's loopback): scripts/push-image puts the image there, and
# enter-build-env, with KIT_IMAGE_REGISTRY, pulls it by name instead of
# building it.
the_image_pushed_to_the_organisers_registry_is_pulled_by_name() {
	local image=rust-for-linux-workshop:debian-12 registry=http://127.0.0.1:15000 rc out server _
	command -v docker-registry >/dev/null || fail "docker-registry is not installed (./scripts/setup --container --all installs it)"
	mkdir -p "$work/registry"
	printf '%s\n' 'version: 0.1' 'storage:' '  filesystem:' "    rootdirectory: $work/registry" \
		'http:' '  addr: 127.0.0.1:15000' >"$work/registry.yml"
	docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
	server=$!
	for _ in $(seq 50); do
		/usr/bin/python3 -c "import urllib.request; urllib.request.urlopen('$registry/v2/')" 2>/dev/null && break
		sleep 0.1
	done
	out=$("$KIT_ROOT/scripts/push-image" "$registry" 2>&1) || rc=$?
	if [ "${rc:-0}" -ne 0 ]; then
		kill "$server"
		fail "push-image failed: $(tail -n 5 <<<"$out")"
	fi
	grep -q "KIT_IMAGE_REGISTRY=$registry ./scripts/enter-build-env" <<<"$out" || fail "push-image did not say how to use it: $out"
	"$engine" rmi -f "$image" >/dev/null 2>&1 || fail "could not remove $image to pull it again"
	rc=$(KIT_IMAGE_REGISTRY=$registry in_container registry-image sh -c 'rustc --version')
	kill "$server"
	wait "$server" 2>/dev/null
	out=$(cat "$work/registry-image.log")
	[ "$rc" -eq 0 ] || fail "enter-build-env with the registry exited with $rc: $(tail -n 5 <<<"$out")"
	grep -q "Pulling the image 127.0.0.1:15000/rust-for-linux-workshop:debian-12-" <<<"$out" ||
		fail "the image was not pulled from the registry: $out"
	! grep -q 'Building the image' <<<"$out" || fail "the image was built although the registry held it: $out"
	grep -q '^rustc 1\.' <<<"$out" || fail "the pulled image has no rustc: $out"
}

# A room with laptops of the other architecture (arm64 beside x86_64): the
# organiser's machine makes that architecture's image by emulation
# (KIT_CONTAINER_ARCH), with bindgen cross-built on this machine, and the
# whole toolchain answers in it.
the_other_architectures_image_is_made_here_by_emulation() {
	local other rc out _
	other=$(. "$KIT_ROOT/scripts/lib.sh" && for arch in "${KIT_ARCHS[@]}"; do
		[ "$arch" = "$(kit_host_arch)" ] || echo "$arch"
	done)
	# scripts/test started making it beside the first suites: its end.
	if [ -n "${KIT_TEST_OTHER_IMAGE:-}" ]; then
		for _ in $(seq 1800); do
			[ ! -s "$KIT_TEST_OTHER_IMAGE.status" ] || break
			sleep 1
		done
		[ -s "$KIT_TEST_OTHER_IMAGE.status" ] ||
			fail "the image for $other was not made in 30 minutes: $(tail -n 5 "$KIT_TEST_OTHER_IMAGE.log")"
		[ "$(cat "$KIT_TEST_OTHER_IMAGE.status")" = 0 ] ||
			fail "making the image for $other failed: $(tail -n 5 "$KIT_TEST_OTHER_IMAGE.log")"
	fi
	rc=$(KIT_CONTAINER_ARCH=$other in_container other-arch sh -c 'uname -m && ./scripts/setup --check')
	out=$(cat "$work/other-arch.log")
	[ "$rc" -eq 0 ] || fail "enter-build-env for $other exited with $rc: $(tail -n 5 <<<"$out")"
	grep -q "Running in rust-for-linux-workshop:debian-12-$other (" <<<"$out" || fail "the image is not named for $other: $out"
	grep -qx "${other/arm64/aarch64}" <<<"$out" || fail "the container does not run $other programs: $out"
	grep -q "Toolchain for $other guests (native): rustc 1\.[0-9.]* (/usr/bin/rustc), bindgen 0\.[0-9.]*," <<<"$out" ||
		fail "the toolchain does not answer in the $other image: $(tail -n 5 <<<"$out")"
}

ktap_plan 6
engine=$(command -v podman || command -v docker || true)
if [ "${KIT_TEST_CONTAINER:-}" != 1 ]; then
	why="only with ./scripts/test --all (it builds an image, and a kernel in it)"
elif [ -z "$engine" ]; then
	why="no container engine (podman or docker) on this host"
elif ! "$engine" info >/dev/null 2>&1; then
	why="$(basename "$engine") cannot run here: $("$engine" info 2>&1 | tail -n 1)"
else
	why=''
fi
if [ -n "$why" ]; then
	ktap_skip setup_in_the_container_finds_the_whole_toolchain "$why"
	ktap_skip the_container_builds_and_boots_the_kernel "$why"
	ktap_skip the_devcontainer_opens_on_the_kits_image_with_the_toolchain "$why"
	ktap_skip the_image_saved_in_a_bundle_is_loaded_instead_of_built "$why"
	ktap_skip the_image_pushed_to_the_organisers_registry_is_pulled_by_name "$why"
	ktap_skip the_other_architectures_image_is_made_here_by_emulation "$why"
else
	ktap_run setup_in_the_container_finds_the_whole_toolchain
	ktap_run the_container_builds_and_boots_the_kernel
	ktap_run the_devcontainer_opens_on_the_kits_image_with_the_toolchain
	ktap_run the_image_saved_in_a_bundle_is_loaded_instead_of_built
	ktap_run the_image_pushed_to_the_organisers_registry_is_pulled_by_name
	ktap_run the_other_architectures_image_is_made_here_by_emulation
fi
