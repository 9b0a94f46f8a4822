# SPDX-License-Identifier: GPL-2.0
#
# The fast tier, part 1: the linters the ecosystem already has, over all of
# our code. No kernel is needed. (The kernel-side Rust is linted by Clippy
# in the test flavour's build, with undocumented unsafe blocks as errors.)
# shellcheck shell=bash disable=SC2031 # KIT_ROOT is only read

# our_files: the files of the kit (git's list in a checkout, else all).
our_files() {
	if [ -d "$KIT_ROOT/.git" ]; then
		git -C "$KIT_ROOT" ls-files --cached --others --exclude-standard | sed "s|^|$KIT_ROOT/|"
	else
		find "$KIT_ROOT" -path "$KIT_ROOT/linux" -prune -o -path "$KIT_ROOT/build" -prune -o -type f -print
	fi
}

# written_in LANGUAGE: our files whose first line names LANGUAGE's
# interpreter, or that end in EXTENSION.
written_in() {
	local file
	our_files | while IFS= read -r file; do
		if [ ! -f "$file" ] || [ -L "$file" ]; then continue; fi
		case "$file" in
		*."$2") echo "$file" ;;
		*) head -n1 "$file" 2>/dev/null | grep -qE "^#!.*\\b$1" && echo "$file" ;;
		esac
	done
}

shell_scripts_pass_shellcheck() {
	local files out
	mapfile -t files < <(written_in 'b?a?sh' sh)
	[ "${#files[@]}" -gt 30 ] || fail "only ${#files[@]} shell scripts found"
	out=$(cd "$KIT_ROOT" && shellcheck "${files[@]}" 2>&1) || fail "$out"
}

python_passes_pylint() {
	local files out
	mapfile -t files < <(written_in python3 py)
	[ "${#files[@]}" -gt 5 ] || fail "only ${#files[@]} Python files found"
	out=$(cd "$KIT_ROOT" && pylint --rcfile "$KIT_ROOT/.pylintrc" --score=n "${files[@]}" 2>&1) ||
		fail "$out"
}

test_programs_pass_clippy() {
	local out target_dir
	target_dir=$(. "$KIT_ROOT/scripts/lib.sh" && echo "$KIT_CARGO_TARGET")
	out=$(cargo clippy --quiet --locked --all-targets --target-dir "$target_dir" \
		--manifest-path "$KIT_ROOT/tests/vdev/Cargo.toml" -- -D warnings 2>&1) || fail "$out"
}

ktap_plan 3
ktap_run shell_scripts_pass_shellcheck
ktap_run python_passes_pylint
ktap_run test_programs_pass_clippy
