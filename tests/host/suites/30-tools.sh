# SPDX-License-Identifier: GPL-2.0
#
# The attendee's tools, as scripts/test left them built: the kernel crate's
# documentation covers what our patches add, without rustdoc warnings.
# shellcheck shell=bash disable=SC2031 # KIT_ROOT is only read

rustdoc_documents_our_abstractions() {
	local docs=$KIT_ROOT/build/rustdoc page
	for page in kernel/miscdevice/trait.MiscDevice.html \
		kernel/miscdevice/struct.MiscDeviceRegistration.html \
		kernel/fs/file/struct.File.html \
		kernel/module_param/struct.ModuleParamAccess.html \
		macros/macro.module.html; do
		[ -f "$docs/$page" ] || fail "build/rustdoc/$page is missing (run scripts/build-docs)"
	done
	grep -q 'params' "$docs/macros/macro.module.html" || fail "module!'s page does not document params"
}

rustdoc_reports_no_warnings() {
	[ -f "$KIT_ROOT/build/rustdoc.log" ] || fail "no build/rustdoc.log (run scripts/build-docs)"
	! grep -E 'warning|error' "$KIT_ROOT/build/rustdoc.log" || fail "rustdoc complained"
}

ktap_plan 2
ktap_run rustdoc_documents_our_abstractions
ktap_run rustdoc_reports_no_warnings
