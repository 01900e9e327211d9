"""The rainbow and its companions, drawn with matplotlib's Figure API (never pyplot): the chart model and its
text description (`rainbow`), the drawing (`rainbow_drawing`, loaded on first use), each viewpoint's bars
(`viewpoint_bars`), and the rings every rainbow shares (`geometry`)."""
