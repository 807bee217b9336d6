"""Plain-text tables of evaluation results."""

from __future__ import annotations

import math
import numbers

from .. import checks

__all__ = ["format_table"]


def _cell(value, digits: int) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        return "nan" if math.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def format_table(rows, columns=None, *, digits: int = 3) -> str:
    """Render a list of dict rows as an aligned plain-text table.

    Parameters
    ----------
    rows : sequence of dict
        For example ``EvaluationResult.summary`` or ``.rows``.
    columns : sequence of str, optional
        The columns, in order (default: every key, in order of first appearance). A row
        without a column shows an empty cell.
    digits : int
        Decimals of floating-point values.

    Returns
    -------
    str
        A header line, a rule of dashes and one line per row; numbers right-aligned, text
        left-aligned; no trailing newline.

    Examples
    --------
    >>> print(format_table([{"method": "CH3-L3", "auroc": 0.91234},
    ...                     {"method": "RA-L3", "auroc": 0.8}]))
    method  auroc
    ------  -----
    CH3-L3  0.912
    RA-L3   0.800
    """
    rows = list(rows)
    if not all(isinstance(row, dict) for row in rows):
        raise TypeError("rows must be a sequence of dicts")
    digits = checks.integer("digits", digits, low=0)
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row))
    columns = [str(c) for c in columns]
    if not columns:
        return ""
    cells = [[_cell(row[c], digits) if c in row else "" for c in columns] for row in rows]
    numeric = [
        all(isinstance(row.get(c), numbers.Number) and not isinstance(row.get(c), bool)
            for row in rows if c in row) and any(c in row for row in rows)
        for c in columns
    ]
    widths = [max([len(c)] + [len(line[j]) for line in cells]) for j, c in enumerate(columns)]

    def line(values):
        parts = [v.rjust(w) if num else v.ljust(w)
                 for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    out = [line(columns), line(["-" * w for w in widths])]
    out += [line(values) for values in cells]
    return "\n".join(out)
