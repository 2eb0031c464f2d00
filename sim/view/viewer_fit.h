/*
 * viewer_fit — the live window's size for the display it opens on: the size asked for (or
 * 1440 × 810), scaled down keeping its shape to fit the display's usable area (without
 * panels and docks) less room for the window's title bar; never below 800 × 450 (smaller
 * screens get a window larger than themselves rather than an unreadable one), and the text
 * size that goes with the height. Pure: tested without SDL or a display.
 */
#ifndef FAKEPUMP_VIEWER_FIT_H
#define FAKEPUMP_VIEWER_FIT_H

enum {
	VIEWER_DEFAULT_W = 1440,
	VIEWER_DEFAULT_H = 810,
	VIEWER_MIN_W = 800,
	VIEWER_MIN_H = 450,
	VIEWER_DECORATION_H = 40, /* a title bar and frame, which the usable area still holds */
};

/* *w × *h for a window wanted at want_w × want_h (0: the default) on a usable area of
 * usable_w × usable_h pixels (0 or less: unknown, the wanted size as it is). */
void viewer_fit_size(int want_w, int want_h, int usable_w, int usable_h, int *w, int *h);

/* The text size (font_px) of the window's plot for a window `h` pixels high: 11 … 20. */
int viewer_font_px(int h);

#endif
