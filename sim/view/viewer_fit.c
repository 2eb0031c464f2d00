/*
 * viewer_fit — see viewer_fit.h.
 */
#include "viewer_fit.h"

void viewer_fit_size(int want_w, int want_h, int usable_w, int usable_h, int *w, int *h)
{
	int ww = want_w > 0 ? want_w : VIEWER_DEFAULT_W;
	int hh = want_h > 0 ? want_h : VIEWER_DEFAULT_H;
	const int room_h = usable_h - VIEWER_DECORATION_H;
	if (usable_w > 0 && room_h > 0 && (ww > usable_w || hh > room_h)) {
		/* the dimension that binds takes the area's size, the other its share (rounded
		 * down: never past the area) */
		if ((long)usable_w * hh <= (long)room_h * ww) {
			hh = (int)((long)hh * usable_w / ww);
			ww = usable_w;
		} else {
			ww = (int)((long)ww * room_h / hh);
			hh = room_h;
		}
	}
	*w = ww < VIEWER_MIN_W ? VIEWER_MIN_W : ww;
	*h = hh < VIEWER_MIN_H ? VIEWER_MIN_H : hh;
}

int viewer_font_px(int h)
{
	const int f = h / 62;
	return f < 11 ? 11 : f > 20 ? 20 : f;
}
