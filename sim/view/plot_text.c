/*
 * plot_text — the plot's fonts (DejaVu Sans at five sizes, SDL_ttf) and a cache of rendered
 * strings, so a frame that draws the same labels again costs a texture copy each, not a
 * rasterisation. The cache is an open-addressing table of PLOT_TEXT_SLOTS entries keyed by
 * text, font and colour; past PLOT_TEXT_MAX_LIVE entries it keeps only those drawn in the
 * current frame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"

/* Known places of DejaVu Sans: Debian/Ubuntu, Fedora, Arch, openSUSE, local installs. */
static const char *const font_dirs[] = {
    "/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/share/fonts/dejavu",          "/usr/share/fonts/TTF",
    "/usr/share/fonts/truetype",        "/usr/local/share/fonts",
};

static bool file_readable(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	fclose(f);
	return true;
}

/* Full path of `name` in the first known directory that has it; false when none does. */
static bool find_font(const char *name, char *out, size_t outlen)
{
	for (size_t i = 0; i < sizeof font_dirs / sizeof font_dirs[0]; i++) {
		int n = snprintf(out, outlen, "%s/%s", font_dirs[i], name);
		if (n > 0 && (size_t)n < outlen && file_readable(out))
			return true;
	}
	return false;
}

static const int font_scale_pct[PLOT_FONT_COUNT] = {100, 118, 118, 165, 360};

static void text_cache_clear(plot *p)
{
	for (size_t i = 0; i < PLOT_TEXT_SLOTS; i++) {
		plot_text_entry *e = &p->slots[i];
		if (e->text) {
			free(e->text);
			SDL_DestroyTexture(e->tex);
		}
	}
	memset(p->slots, 0, PLOT_TEXT_SLOTS * sizeof *p->slots);
	p->live = 0;
}

bool plot_fonts_find(char *regular, char *bold, size_t len, char *err, size_t errlen)
{
	const char *env = getenv("FAKEPUMP_FONT");
	if (env && *env) {
		if (!file_readable(env)) {
			plot_set_err(err, errlen, "plot: FAKEPUMP_FONT=%s: cannot read the file%s",
			             env, NULL);
			return false;
		}
		snprintf(regular, len, "%s", env);
		snprintf(bold, len, "%s", env); /* bold is then synthesised */
	} else if (!find_font("DejaVuSans.ttf", regular, len)) {
		plot_set_err(
		    err, errlen,
		    "no font: DejaVuSans.ttf not found in /usr/share/fonts/truetype/dejavu and "
		    "other known places; install fonts-dejavu-core or set FAKEPUMP_FONT to a "
		    ".ttf file%s%s",
		    NULL, NULL);
		return false;
	} else if (!find_font("DejaVuSans-Bold.ttf", bold, len)) {
		snprintf(bold, len, "%s", regular);
	}
	return true;
}

bool plot_fonts_open(plot *p, const char *regular, const char *bold, char *err, size_t errlen)
{
	p->slots = calloc(PLOT_TEXT_SLOTS, sizeof *p->slots);
	if (!p->slots) {
		plot_set_err(err, errlen, "plot: out of memory%s%s", NULL, NULL);
		return false;
	}
	if (TTF_Init() != 0) {
		plot_set_err(err, errlen, "plot: cannot start SDL_ttf: %s%s", TTF_GetError(), NULL);
		free(p->slots);
		p->slots = NULL;
		return false;
	}
	for (int i = 0; i < PLOT_FONT_COUNT; i++) {
		const bool is_bold = i >= PLOT_FONT_BOLD;
		const char *path = is_bold ? bold : regular;
		int px = (p->font_px * font_scale_pct[i] + 50) / 100;
		p->fonts[i] = TTF_OpenFont(path, px);
		if (!p->fonts[i]) {
			plot_set_err(err, errlen, "plot: cannot open font %s: %s", path,
			             TTF_GetError());
			plot_fonts_close(p);
			return false;
		}
		if (is_bold && strcmp(bold, regular) == 0)
			TTF_SetFontStyle(p->fonts[i], TTF_STYLE_BOLD);
		TTF_SetFontHinting(p->fonts[i], TTF_HINTING_LIGHT);
	}
	return true;
}

void plot_fonts_close(plot *p)
{
	if (!p->slots)
		return;
	text_cache_clear(p);
	free(p->slots);
	p->slots = NULL;
	for (int i = 0; i < PLOT_FONT_COUNT; i++)
		if (p->fonts[i]) {
			TTF_CloseFont(p->fonts[i]);
			p->fonts[i] = NULL;
		}
	TTF_Quit(); /* reference counted: balances the TTF_Init of plot_fonts_open */
}

int plot_line_height(const plot *p, plot_font font)
{
	if ((int)font < 0 || font >= PLOT_FONT_COUNT)
		return 0;
	return TTF_FontLineSkip(p->fonts[font]);
}

static uint32_t hash_text(const char *s, int font, uint32_t colour)
{
	uint32_t h = 2166136261u ^ (uint32_t)font * 16777619u ^ colour;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static uint32_t pack(SDL_Color c)
{
	return (uint32_t)c.r << 24 | (uint32_t)c.g << 16 | (uint32_t)c.b << 8 | c.a;
}

static plot_text_entry *slot_for(plot_text_entry *slots, uint32_t hash, int font, uint32_t colour,
                                 const char *text)
{
	size_t i = hash & (PLOT_TEXT_SLOTS - 1);
	for (;;) {
		plot_text_entry *e = &slots[i];
		if (!e->text || (e->hash == hash && e->font == font && e->colour == colour &&
		                 strcmp(e->text, text) == 0))
			return e;
		i = (i + 1) & (PLOT_TEXT_SLOTS - 1);
	}
}

/* Drop the entries not used in this frame; rebuilds the table (open addressing). */
static void text_cache_evict(plot *p)
{
	plot_text_entry *old = p->slots;
	plot_text_entry *fresh = calloc(PLOT_TEXT_SLOTS, sizeof *fresh);
	if (!fresh) {
		text_cache_clear(p);
		return;
	}
	p->live = 0;
	for (size_t i = 0; i < PLOT_TEXT_SLOTS; i++) {
		plot_text_entry *e = &old[i];
		if (!e->text)
			continue;
		if (e->used == p->frame && p->live < PLOT_TEXT_MAX_LIVE / 2) {
			*slot_for(fresh, e->hash, e->font, e->colour, e->text) = *e;
			p->live++;
		} else {
			free(e->text);
			SDL_DestroyTexture(e->tex);
		}
	}
	free(old);
	p->slots = fresh;
}

static const plot_text_entry *text_get(plot *p, plot_font font, SDL_Color colour, const char *text)
{
	if (!text || !*text || (int)font < 0 || font >= PLOT_FONT_COUNT)
		return NULL;
	const uint32_t c = pack(colour), h = hash_text(text, (int)font, c);
	plot_text_entry *e = slot_for(p->slots, h, (int)font, c, text);
	if (e->text) {
		e->used = p->frame;
		return e;
	}
	if (p->live >= PLOT_TEXT_MAX_LIVE) {
		text_cache_evict(p);
		e = slot_for(p->slots, h, (int)font, c, text);
	}
	SDL_Surface *s = TTF_RenderUTF8_Blended(p->fonts[font], text, colour);
	if (!s)
		return NULL;
	SDL_Texture *tex = SDL_CreateTextureFromSurface(p->r, s);
	const int w = s->w, hh = s->h;
	SDL_FreeSurface(s);
	size_t n = strlen(text);
	char *copy = malloc(n + 1);
	if (!tex || !copy) {
		if (tex)
			SDL_DestroyTexture(tex);
		free(copy);
		return NULL;
	}
	memcpy(copy, text, n + 1);
	*e = (plot_text_entry){.text = copy,
	                       .hash = h,
	                       .colour = c,
	                       .font = (int)font,
	                       .tex = tex,
	                       .w = w,
	                       .h = hh,
	                       .used = p->frame};
	p->live++;
	return e;
}

int plot_text(plot *p, plot_font font, SDL_Color colour, int x, int y, plot_align align,
              const char *text, SDL_Rect *box)
{
	const plot_text_entry *e = text_get(p, font, colour, text);
	if (!e) {
		if (box)
			*box = (SDL_Rect){x, y, 0, 0};
		return 0;
	}
	SDL_Rect d = {x, y, e->w, e->h};
	if (align == PLOT_ALIGN_CENTRE)
		d.x -= e->w / 2;
	else if (align == PLOT_ALIGN_RIGHT)
		d.x -= e->w;
	SDL_RenderCopy(p->r, e->tex, NULL, &d);
	if (box)
		*box = d;
	return e->w;
}

bool plot_text_size(plot *p, plot_font font, const char *text, int *w, int *h)
{
	if ((int)font < 0 || font >= PLOT_FONT_COUNT || !text)
		return false;
	return TTF_SizeUTF8(p->fonts[font], text, w, h) == 0;
}
