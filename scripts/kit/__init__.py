# SPDX-License-Identifier: GPL-2.0
"""The Python side of the workshop kit's tools: the target model, KTAP, the benchmark."""
