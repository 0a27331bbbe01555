"""Small server-rendered SVG charts (no script, no CDN): daily bars and ageing bars."""
from markupsafe import Markup, escape

from processes.invoicing.money import euros

WIDTH, HEIGHT, PAD = 640, 200, 30


def daily_bars(series, title):
    """Bars of revenue per day with a line of collected money: series [(day, rev, coll)]."""
    if not series:
        return Markup("")
    top = max([max(r, c) for _, r, c in series] + [1])
    step = (WIDTH - 2 * PAD) / len(series)
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT + 20}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<line x1="{PAD}" y1="{HEIGHT}" x2="{WIDTH - PAD}" y2="{HEIGHT}" stroke="#999"/>']
    points = []
    for n, (day, revenue, collected) in enumerate(series):
        height = (HEIGHT - PAD) * revenue / top if revenue > 0 else 0
        x = PAD + n * step
        parts.append(f'<rect x="{x + step * .1:.1f}" y="{HEIGHT - height:.1f}" '
                     f'width="{step * .8:.1f}" height="{height:.1f}" fill="#4a78c2">'
                     f'<title>{day.isoformat()}: {euros(revenue)} invoiced, '
                     f'{euros(collected)} collected</title></rect>')
        points.append(f"{x + step / 2:.1f},{HEIGHT - (HEIGHT - PAD) * max(collected, 0) / top:.1f}")
        if len(series) <= 7 or n % 7 == 0:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{HEIGHT + 14}" font-size="10" '
                         f'text-anchor="middle">{day.strftime("%d %b")}</text>')
    parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#2e9c5a" '
                 'stroke-width="2"/>')
    parts.append(f'<text x="{PAD}" y="14" font-size="11">max {euros(top)}</text></svg>')
    return Markup("".join(parts))


def ageing_bars(ageing, title):
    """Horizontal bars of open amounts per ageing bucket: [(label, count, cents)]."""
    top = max([cents for _, _, cents in ageing] + [1])
    row = 26
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {row * len(ageing) + 10}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for n, (label, count, cents) in enumerate(ageing):
        width = (WIDTH - 260) * cents / top
        y = 5 + n * row
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(label)}</text>'
                     f'<rect x="110" y="{y}" width="{width:.1f}" height="18" fill="#d9822b"/>'
                     f'<text x="{115 + width:.1f}" y="{y + 14}" font-size="12">'
                     f'{count} · {euros(cents)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
