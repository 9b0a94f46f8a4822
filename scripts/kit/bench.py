# SPDX-License-Identifier: GPL-2.0
"""The benchmark's samples (vdev-bench's BENCH lines) as rows of medians, spreads and ratios,
a table, a CSV and a plot."""

import csv
import statistics

TARGETS = ['vdev', 'vdev_c', 'tmpfs', 'zero-null']
# Group: (title, parameter's meaning, whether a larger value is better).
GROUPS = {
    'read': ('sequential read', 'block', True),
    'write': ('sequential write', 'block', True),
    'pread': ('1-byte pread latency', '', False),
    'parallel-read': ('2 devices read in parallel', 'devices', True),
    'parallel-write': ('2 devices written in parallel', 'devices', True),
    'size': ('fill and read back', 'size', True),
    'load': ('module load', 'devices', False),
    'unload': ('module unload', 'devices', False),
    'open': ('open + pread + close', 'devices', False),
}
RATIO_TARGET_C = 0.95
RATIO_TARGET_TMPFS = 1.0


def size_text(value):
    """1048576 -> '1M'."""
    for unit, scale in (('M', 1 << 20), ('K', 1 << 10)):
        if value >= scale and value % scale == 0:
            return f'{value // scale}{unit}'
    return str(value)


def parse(lines):
    """Return {(group, parameter): {target: [values]}} and {group: unit}."""
    samples, units = {}, {}
    for line in lines:
        fields = line.split()
        if len(fields) != 7 or fields[0] != 'BENCH':
            continue
        _, group, target, parameter, _, value, unit = fields
        if group not in GROUPS or target not in TARGETS:
            raise ValueError(f'unknown measurement in: {line.strip()}')
        row = samples.setdefault((group, int(parameter)), {})
        row.setdefault(target, []).append(float(value))
        units[group] = unit
    return samples, units


class Row:
    """One measurement: its medians, spreads and vdev's relative speeds."""

    def __init__(self, group, parameter, by_target, unit):
        self.group, self.parameter, self.unit = group, parameter, unit
        self.higher_is_better = GROUPS[group][2]
        self.median = {t: statistics.median(v) for t, v in by_target.items()}
        self.low = {t: min(v) for t, v in by_target.items()}
        self.high = {t: max(v) for t, v in by_target.items()}
        self.count = {t: len(v) for t, v in by_target.items()}
        self.quartiles = {t: statistics.quantiles(v, n=4) if len(v) > 1 else [v[0]] * 3
                          for t, v in by_target.items()}
        self.ratio_c = self.ratio('vdev_c')
        self.ratio_tmpfs = self.ratio('tmpfs')

    def ratio(self, other):
        """vdev's speed relative to OTHER's: above 1, vdev is faster."""
        if 'vdev' not in self.median or other not in self.median:
            return None
        vdev, them = self.median['vdev'], self.median[other]
        if vdev <= 0 or them <= 0:
            return None
        return vdev / them if self.higher_is_better else them / vdev

    def spread(self, target):
        """Half the interquartile range of the samples, in percent of the median."""
        median = self.median[target]
        low, _, high = self.quartiles[target]
        return 50 * (high - low) / median if median else 0.0

    def label(self):
        """The row's name in the table."""
        title, meaning, _ = GROUPS[self.group]
        if meaning in ('block', 'size'):
            return f'{title}, {size_text(self.parameter)}'
        if meaning == 'devices' and self.group not in ('parallel-read', 'parallel-write'):
            return f'{title}, {self.parameter} dev'
        return title

    def checks(self):
        """The targets this row has, as (name, ratio, minimum)."""
        found = []
        if self.ratio_c is not None:
            found.append(('vdev/C', self.ratio_c, RATIO_TARGET_C))
        if self.group == 'read' and self.ratio_tmpfs is not None:
            found.append(('vdev/tmpfs', self.ratio_tmpfs, RATIO_TARGET_TMPFS))
        return found

    def missed(self):
        """The targets this row misses, as text."""
        return [f'{name} {ratio:.3f} < {minimum}' for name, ratio, minimum in self.checks()
                if ratio < minimum]


def rows_of(samples, units):
    """The rows of SAMPLES, in the order of GROUPS, then by parameter."""
    order = list(GROUPS)
    keys = sorted(samples, key=lambda key: (order.index(key[0]), key[1]))
    return [Row(group, parameter, samples[(group, parameter)], units[group])
            for group, parameter in keys]


def complete(rows):
    """Whether every measurement has every target it should, equally often."""
    problems = []
    if not rows:
        return ['no BENCH lines: the benchmark did not run']
    for row in rows:
        wanted = ['vdev', 'vdev_c'] if row.group in ('load', 'unload', 'open') else \
            ['vdev', 'vdev_c', 'tmpfs'] if row.group == 'size' else TARGETS
        missing = [t for t in wanted if t not in row.median]
        if missing:
            problems.append(f'{row.label()}: no samples of {", ".join(missing)}')
        elif len({row.count[t] for t in wanted}) != 1:
            problems.append(f'{row.label()}: targets have different numbers of samples')
    groups = {row.group for row in rows}
    problems += [f'no {group} measurements' for group in GROUPS if group not in groups]
    return problems


def number(value):
    """A value as the table shows it: thousands grouped, small values with decimals."""
    if value >= 1000:
        return f'{value:,.0f}'
    return f'{value:.1f}' if value >= 10 else f'{value:.2f}'


def table(rows):
    """The report's table: one line per measurement, with vdev's ratios and verdict."""
    head = f'{"measurement":<34} {"unit":<5}' + ''.join(f'{t:>17}' for t in TARGETS) + \
        f'{"vdev/C":>8}{"vdev/tmpfs":>11}  target'
    lines = [head, '-' * len(head)]
    for row in rows:
        cells = ''
        for target in TARGETS:
            if target in row.median:
                cells += f'{number(row.median[target]):>11} ±{row.spread(target):3.0f}%'
            else:
                cells += f'{"":>17}'
        ratio_c = f'{row.ratio_c:.2f}' if row.ratio_c is not None else ''
        ratio_t = f'{row.ratio_tmpfs:.2f}' if row.ratio_tmpfs is not None else ''
        verdict = ('MISSED ' + '; '.join(row.missed())) if row.missed() else \
            ('met' if row.checks() else '')
        lines.append(f'{row.label():<34} {row.unit:<5}{cells}{ratio_c:>8}{ratio_t:>11}  {verdict}')
    return '\n'.join(lines)


def write_csv(rows, path):
    """One CSV row per measurement and target."""
    with open(path, 'w', newline='', encoding='utf-8') as out:
        writer = csv.writer(out)
        writer.writerow(['group', 'parameter', 'unit', 'target', 'samples', 'median', 'min', 'max',
                         'vdev_over_c', 'vdev_over_tmpfs', 'targets_met'])
        for row in rows:
            for target in TARGETS:
                if target not in row.median:
                    continue
                is_vdev = target == 'vdev'
                writer.writerow([
                    row.group, row.parameter, row.unit, target, row.count[target],
                    f'{row.median[target]:.3f}', f'{row.low[target]:.3f}',
                    f'{row.high[target]:.3f}',
                    f'{row.ratio_c:.4f}' if is_vdev and row.ratio_c is not None else '',
                    f'{row.ratio_tmpfs:.4f}' if is_vdev and row.ratio_tmpfs is not None else '',
                    ('no' if row.missed() else 'yes') if is_vdev and row.checks() else '',
                ])


COLOURS = {'vdev': '#b7410e', 'vdev_c': '#4a6fa5', 'tmpfs': '#6a994e', 'zero-null': '#999999'}


def _plot_ratios(axes, rows):
    """Horizontal bars of vdev/C per row, against the target."""
    checked = [row for row in rows if row.ratio_c is not None]
    values = [row.ratio_c for row in checked]
    axes.barh([row.label() for row in checked], values,
              color=[COLOURS['vdev'] if value >= RATIO_TARGET_C else '#d00000' for value in values])
    axes.invert_yaxis()
    axes.axvline(RATIO_TARGET_C, color='#333', linestyle='--', label=f'target {RATIO_TARGET_C}')
    axes.axvline(1.0, color='#333')
    axes.bar_label(axes.containers[0], fmt='%.2f', fontsize=7, padding=2)
    axes.set_title("vdev's speed relative to the C twin (above 1: vdev is faster)")
    axes.tick_params(axis='y', labelsize=7)
    axes.legend(loc='lower right')


def _plot_throughput(axes, rows):
    """Grouped bars of the median throughput, with whiskers from the first to the third
    quartile."""
    targets = ['vdev', 'vdev_c', 'tmpfs']
    chosen = [row for row in rows
              if row.group in ('read', 'write', 'parallel-read', 'parallel-write')]
    width = 0.8 / len(targets)
    for index, target in enumerate(targets):
        have = [(position, row) for position, row in enumerate(chosen) if target in row.median]
        axes.bar([position + index * width for position, _ in have],
                 [row.median[target] for _, row in have], width,
                 yerr=[[row.median[target] - row.quartiles[target][0] for _, row in have],
                       [row.quartiles[target][2] - row.median[target] for _, row in have]],
                 color=COLOURS[target], label=target)
    axes.set_xticks([position + width for position in range(len(chosen))],
                    [row.label().replace('sequential ', '') for row in chosen],
                    rotation=30, ha='right', fontsize=7)
    axes.set_title('Throughput, MB/s (median; whiskers: quartiles)')
    axes.legend(fontsize=8)


def _plot_scaling(axes, rows, group, targets, title):
    """The median against the parameter of GROUP, on a logarithmic axis."""
    chosen = [row for row in rows if row.group == group]
    for target in targets:
        points = [(row.parameter, row.median[target]) for row in chosen if target in row.median]
        axes.plot([x for x, _ in points], [y for _, y in points], marker='o',
                  color=COLOURS[target], label=target)
    axes.set_xscale('log', base=2)
    axes.set_xticks([row.parameter for row in chosen],
                    [size_text(row.parameter) if group == 'size' else str(row.parameter)
                     for row in chosen])
    axes.set_title(title)
    axes.legend(fontsize=8)


def plot(rows, paths, title=''):
    """Draw the four panels of the report with matplotlib into each of PATHS (.svg, .png)."""
    # pylint: disable=import-outside-toplevel
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot

    figure, (ratios, throughput, sizes, loads) = pyplot.subplots(
        4, 1, figsize=(9, 17), gridspec_kw={'height_ratios': [3, 1.3, 1.3, 1.3]})
    if title:
        figure.suptitle(title, fontsize=10)
    _plot_ratios(ratios, rows)
    _plot_throughput(throughput, rows)
    _plot_scaling(sizes, rows, 'size', ['vdev', 'vdev_c', 'tmpfs'],
                  'Fill an empty device and read it back, MB/s, by device size')
    _plot_scaling(loads, rows, 'load', ['vdev', 'vdev_c'],
                  'Loading the module, ms, by number of devices')
    # Room at the top for the title.
    figure.tight_layout(rect=(0, 0, 1, 0.98))
    for path in paths:
        figure.savefig(path, dpi=100)
    pyplot.close(figure)
