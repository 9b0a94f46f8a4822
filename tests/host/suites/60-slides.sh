# SPDX-License-Identifier: GPL-2.0
#
# The slides cannot drift from the code: a reference to code or to a
# diagram that does not resolve stops their build, and the render check in
# Chromium (tests/slides/render.cjs) fails a slide whose image is missing;
# the PDF has every slide.
# (tests/slides/run checks the real deck; scripts/test runs it.)
# shellcheck shell=bash disable=SC2031,SC2154 # KIT_ROOT is only read; $work is the runner's
# shellcheck source=scripts/lib.sh # the model: where the slides are built
. "$KIT_ROOT/scripts/lib.sh"

# include_fails TEXT WHY: slides-include refuses a deck made of TEXT, and
# says WHY.
include_fails() {
	local rc=0
	printf '%s\n' "$1" >"$work/deck.md"
	"$KIT_ROOT/scripts/slides-include" "$work/deck.md" "$work/out.md" >"$work/include.log" 2>&1 || rc=$?
	[ "$rc" -eq 1 ] || fail "slides-include exited with $rc, not 1"
	[ ! -e "$work/out.md" ] || fail "a deck with a broken reference was written"
	grep -q "$2" "$work/include.log" || fail "the error does not say '$2': $(cat "$work/include.log")"
}

an_include_of_a_missing_file_stops_the_slide_build() {
	include_fails $'```rust\n@include samples-rust/no_such_file.rs /fn/ /}/\n```' 'line 2: samples-rust/no_such_file.rs does not exist'
}

an_include_pattern_that_matches_nothing_stops_the_slide_build() {
	include_fails $'```rust\n@include samples-rust/rust_vdev.rs /fn no_such_function/ /^}/\n```' 'nothing in samples-rust/rust_vdev.rs matches'
}

a_missing_diagram_stops_the_slide_build() {
	include_fails '![gone](diagrams/no-such-diagram.dot)' 'diagram diagrams/no-such-diagram.dot does not exist'
}

an_include_copies_the_lines_from_the_code() {
	# shellcheck disable=SC2016 # backticks of Markdown, not of the shell
	printf '```rust\n@include checkpoints/1-hello/rust_vdev.rs /^impl Drop/ /^}/\n```\n' >"$work/deck.md"
	"$KIT_ROOT/scripts/slides-include" "$work/deck.md" "$work/out.md" || fail "slides-include failed"
	# The file's lines, but its step markers, which the slides leave out.
	diff <(sed -n '/^impl Drop/,/^}/p' "$KIT_ROOT/checkpoints/1-hello/rust_vdev.rs" |
		grep -v -e '^ *// step [0-9]' -e '^ *// end of step') <(sed '1d;$d' "$work/out.md") >/dev/null ||
		fail "the included lines differ from the file's"
	! grep -q '// step\|// end of step' "$work/out.md" || fail "the slide shows the step markers"
}

render_check_fails_a_slide_whose_image_is_missing() {
	local marp=$KIT_SLIDES/npm/node_modules/.bin/marp rc=0
	[ -x "$marp" ] || fail "Marp is not installed in ${KIT_SLIDES#"$KIT_ROOT/"}/npm (run scripts/build-slides)"
	printf -- '---\nmarp: true\n---\n\n# Fine\n\n---\n\n# Broken\n\n![gone](missing.png)\n' >"$work/broken.md"
	"$marp" --no-stdin "$work/broken.md" -o "$work/broken.html" >/dev/null 2>&1 || fail "Marp failed"
	node "$KIT_ROOT/tests/slides/render.cjs" "$work/broken.html" "$KIT_SLIDES/npm" "$work/shots" \
		>"$work/render.log" 2>&1 || rc=$?
	[ "$rc" -eq 1 ] || fail "the render check exited with $rc, not 1: $(tail -n 3 "$work/render.log")"
	grep -q '^    not ok 1 deck_loads_without_errors' "$work/render.log" || fail "the deck loaded without an error"
	grep -q '^    ok 2 slide_01_fine' "$work/render.log" || fail "the good slide did not pass"
	grep -q '^    not ok 3 slide_02_broken' "$work/render.log" || fail "the slide with a missing image passed"
	grep -q '^    # image did not load: gone' "$work/render.log" || fail "the reason is not given"
}

# The deck as a PDF (for printing, and in the organiser's bundle): a page a
# slide, as many as the HTML deck has, each slide's title on its page.
the_pdf_has_a_page_for_every_slide() {
	local pdf=$KIT_SLIDES/workshop.pdf html=$KIT_SLIDES/workshop.html pages slides
	[ -f "$pdf" ] || fail "no ${pdf#"$KIT_ROOT/"}: scripts/build-slides renders it where Chromium is installed"
	pages=$(pdfinfo "$pdf" | sed -n 's/^Pages: *//p')
	slides=$(grep -o '<section' "$html" | wc -l)
	[ "$pages" -eq "$slides" ] || fail "the PDF has $pages pages, the deck $slides slides"
	pdftotext -f "$slides" -l "$slides" "$pdf" - | grep -q 'Next steps' ||
		fail "the last page does not show the last slide: $(pdftotext -f "$slides" -l "$slides" "$pdf" - | head -n 3)"
}

ktap_plan 6
ktap_run an_include_of_a_missing_file_stops_the_slide_build
ktap_run an_include_pattern_that_matches_nothing_stops_the_slide_build
ktap_run a_missing_diagram_stops_the_slide_build
ktap_run an_include_copies_the_lines_from_the_code
ktap_run render_check_fails_a_slide_whose_image_is_missing
ktap_run the_pdf_has_a_page_for_every_slide
