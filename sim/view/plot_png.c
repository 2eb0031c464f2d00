/*
 * plot_png — see plot_png.h.
 */
#include <SDL_image.h>

#include "plot_internal.h"
#include "plot_png.h"

int plot_default_font_px(int height)
{
	int f = (height + 30) / 60;
	return f < 11 ? 11 : f > 40 ? 40 : f;
}

bool plot_render_to_surface(const trace *t, const plot_view *v, SDL_Surface *dst, int font_px,
                            char *err, size_t errlen)
{
	if (!t || !v || !dst) {
		plot_set_err(err, errlen, "plot: nothing to draw%s%s", NULL, NULL);
		return false;
	}
	SDL_Renderer *r = SDL_CreateSoftwareRenderer(dst);
	if (!r) {
		plot_set_err(err, errlen, "plot: software renderer: %s%s", SDL_GetError(), NULL);
		return false;
	}
	plot *p = plot_new(r, font_px ? font_px : plot_default_font_px(dst->h), err, errlen);
	if (!p) {
		SDL_DestroyRenderer(r);
		return false;
	}
	plot_view view = *v;
	view.area = (plot_rect){0, 0, dst->w, dst->h};
	const bool ok = plot_draw(p, t, &view, NULL);
	if (!ok)
		plot_set_err(err, errlen, "plot: the picture is too small for the panels%s%s", NULL,
		             NULL);
	SDL_RenderPresent(r);
	plot_free(p);
	SDL_DestroyRenderer(r);
	return ok;
}

void plot_downsample_2x(const SDL_Surface *src, SDL_Surface *dst)
{
	for (int y = 0; y < dst->h; y++) {
		const Uint32 *a = (const Uint32 *)((const Uint8 *)src->pixels + 2 * y * src->pitch);
		const Uint32 *b =
		    (const Uint32 *)((const Uint8 *)src->pixels + (2 * y + 1) * src->pitch);
		Uint32 *out = (Uint32 *)((Uint8 *)dst->pixels + y * dst->pitch);
		for (int x = 0; x < dst->w; x++) {
			const Uint32 q[4] = {a[2 * x], a[2 * x + 1], b[2 * x], b[2 * x + 1]};
			Uint32 pix = 0xFF000000u;
			for (int shift = 0; shift < 24; shift += 8) {
				Uint32 sum = 2;
				for (int k = 0; k < 4; k++)
					sum += (q[k] >> shift) & 0xFFu;
				pix |= (sum / 4) << shift;
			}
			out[x] = pix;
		}
	}
}

bool plot_write_png_titled(const trace *t, int64_t from_min, int64_t to_min, int width, int height,
                           const char *title, const char *path, char *err, size_t errlen)
{
	const plot_picture pic = {from_min, to_min, width, height, title, NULL, path};
	return plot_write_picture(t, &pic, err, errlen);
}

bool plot_write_picture(const trace *t, const plot_picture *pic, char *err, size_t errlen)
{
	const int64_t from_min = pic->from_min, to_min = pic->to_min;
	const int width = pic->width, height = pic->height;
	const char *path = pic->path;
	if (!path || width <= 0 || height <= 0 || width > 16384 || height > 16384) {
		plot_set_err(err, errlen, "plot: bad picture size or path%s%s", NULL, NULL);
		return false;
	}
	if (to_min <= from_min) {
		plot_set_err(err, errlen, "plot: empty time window%s%s", NULL, NULL);
		return false;
	}
	/* Drawn at twice the size and averaged down: SDL draws lines without anti-aliasing,
	 * and a report deserves smooth curves. */
	const int ss = width <= 8192 && height <= 8192 ? 2 : 1;
	SDL_Surface *big = SDL_CreateRGBSurfaceWithFormat(0, width * ss, height * ss, 32,
	                                                  SDL_PIXELFORMAT_XRGB8888);
	SDL_Surface *out = ss == 1 ? big
	                           : SDL_CreateRGBSurfaceWithFormat(0, width, height, 32,
	                                                            SDL_PIXELFORMAT_XRGB8888);
	if (!big || !out) {
		plot_set_err(err, errlen, "plot: cannot make a %s picture: %s", "surface",
		             SDL_GetError());
		if (out && out != big)
			SDL_FreeSurface(out);
		SDL_FreeSurface(big);
		return false;
	}
	const plot_view v = {.from_min = from_min,
	                     .to_min = to_min,
	                     .now_min = -1,
	                     .title = pic->title,
	                     .footer = pic->footer};
	bool ok =
	    plot_render_to_surface(t, &v, big, ss * plot_default_font_px(height), err, errlen);
	if (ok && ss == 2)
		plot_downsample_2x(big, out);
	if (ok && IMG_SavePNG(out, path) != 0) {
		plot_set_err(err, errlen, "%s: cannot write the PNG: %s", path, IMG_GetError());
		ok = false;
	}
	if (out != big)
		SDL_FreeSurface(out);
	SDL_FreeSurface(big);
	return ok;
}

bool plot_write_png(const trace *t, int64_t from_min, int64_t to_min, int width, int height,
                    const char *path, char *err, size_t errlen)
{
	return plot_write_png_titled(t, from_min, to_min, width, height, NULL, path, err, errlen);
}
