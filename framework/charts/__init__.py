"""The rainbow and its companions, drawn with matplotlib's Figure API (never pyplot).

- `rainbow_chart`: the rainbow chart as data (`RainbowChart`, one `Band` per arc), its text description and
  its digest; no matplotlib.
- `rainbow`: `render` (PNG or SVG bytes) and `draw` (a Figure), which load matplotlib on first use.
- `rainbow_layout`: where each part of the chart goes, with text measured in inches.
- `rainbow_drawing`: the artists on the figure, and saving it.
- `geometry`: the rings (half annuli) every rainbow shares, the walkthrough's included.
- `viewpoint_bars`: one arc's scores by viewpoint as bars, for the board pack.
"""
