/*
 * plot_marks — what happened, drawn from the trace's markers: meals (triangles with grams),
 * boluses (bars with units) and alarms (flags on the time axis, grouped when they crowd).
 * Labels never overlap: one that would run into the previous one is left out.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot_internal.h"
#include "pump_model.h"

const char *plot_annunciation_label(int type)
{
	/* Human words for the screen; pump_annunciation_name gives the stable identifiers. */
	switch (type) {
	case PUMP_ANN_OCCLUSION:
		return "Occlusion";
	case PUMP_ANN_RESERVOIR_EMPTY:
		return "Reservoir empty";
	case PUMP_ANN_RESERVOIR_LOW:
		return "Reservoir low";
	case PUMP_ANN_BATTERY_EMPTY:
		return "Battery empty";
	case PUMP_ANN_BATTERY_LOW:
		return "Battery low";
	case PUMP_ANN_BOLUS_CANCELED:
		return "Bolus canceled";
	case PUMP_ANN_TBR_OVER:
		return "Temp basal over";
	case PUMP_ANN_TBR_CANCELED:
		return "Temp basal canceled";
	case PUMP_ANN_MAX_DELIVERY:
		return "Max delivery";
	case PUMP_ANN_LOW_GLUCOSE_SUSPEND:
		return "Low glucose suspend";
	case PUMP_ANN_LOW_GLUCOSE_RESUME:
		return "Low glucose resume";
	case PUMP_ANN_NEW_BOND:
		return "New phone paired";
	case PUMP_ANN_PAIRING_ATTEMPTS:
		return "Pairing attempts";
	case PUMP_ANN_CONTROLLER_FALLBACK:
		return "Loop open: no CGM";
	default:
		return NULL;
	}
}

void plot_draw_boluses(plot *p, const plot_layout *l, const trace *t)
{
	const plot_rect *ins = &l->insulin;
	const int bw = l->font_px / 3 + 2, bottom = ins->y + ins->h;
	size_t first = 0;
	const size_t n = trace_markers_in(t, l->from_min, l->to_min, &first);
	int last_label_right = INT_MIN;
	for (size_t i = first; i < first + n; i++) {
		const trace_marker *m = trace_marker_at(t, i);
		if (m->kind != TRACE_MARK_BOLUS)
			continue;
		/* Boluses closer than a bar width share one bar (their sum). */
		const int x = plot_x_of_min(l, (double)m->t_min);
		double sum = m->amount;
		while (i + 1 < first + n) {
			const trace_marker *q = trace_marker_at(t, i + 1);
			if (q->kind != TRACE_MARK_BOLUS) {
				if (plot_x_of_min(l, (double)q->t_min) - x < bw) {
					i++;
					continue;
				}
				break;
			}
			if (plot_x_of_min(l, (double)q->t_min) - x >= bw)
				break;
			sum += q->amount;
			i++;
		}
		const int y = plot_y_of_insulin(l, sum);
		plot_set_colour(p, PLOT_COLOUR_BOLUS);
		plot_fill(p, x - bw / 2, y, bw, bottom - y);
		char buf[32], num[24];
		plot_format_value(num, sizeof num, round(sum * 100.0) / 100.0);
		snprintf(buf, sizeof buf, "%s U", num);
		int w = 0, h = 0;
		plot_text_size(p, PLOT_FONT_SMALL, buf, &w, &h);
		int ly = y - h;
		int lx = x - w / 2;
		if (ly < ins->y) { /* no room above the bar: beside it */
			ly = ins->y + 1;
			lx = x + bw / 2 + 2;
		}
		if (lx < last_label_right + 4 || lx + w > ins->x + ins->w)
			continue;
		plot_text(p, PLOT_FONT_SMALL, plot_colour_rgb(PLOT_COLOUR_TEXT), lx, ly,
		          PLOT_ALIGN_LEFT, buf, NULL);
		last_label_right = lx + w;
	}
}

void plot_draw_meals(plot *p, const plot_layout *l, const trace *t)
{
	const plot_rect *g = &l->glucose;
	const float s = (float)l->font_px * 0.55f;
	size_t first = 0;
	const size_t n = trace_markers_in(t, l->from_min, l->to_min, &first);
	int last_label_right = INT_MIN;
	const int label_y = g->y + (int)(2.2f * s) + 1;
	for (size_t i = first; i < first + n; i++) {
		const trace_marker *m = trace_marker_at(t, i);
		if (m->kind != TRACE_MARK_MEAL)
			continue;
		const int x = plot_x_of_min(l, (double)m->t_min);
		const float top = (float)g->y + 1.0f;
		plot_triangle(p, PLOT_COLOUR_MEAL, (float)x - s, top, (float)x + s + 1.0f, top,
		              (float)x + 0.5f, top + 2.0f * s);
		char buf[32], num[24];
		plot_format_value(num, sizeof num, round(m->amount));
		snprintf(buf, sizeof buf, "%s g", num);
		int w = 0, h = 0;
		plot_text_size(p, PLOT_FONT_SMALL, buf, &w, &h);
		const int lx = x - w / 2;
		if (lx < last_label_right + 4 || lx + w > g->x + g->w || lx < g->x)
			continue;
		plot_text(p, PLOT_FONT_SMALL, plot_colour_rgb(PLOT_COLOUR_TEXT), lx, label_y,
		          PLOT_ALIGN_LEFT, buf, NULL);
		last_label_right = lx + w;
	}
}

/* The flag's words: the human label of an annunciation; "fault: occlusion cleared" for a
 * fault (injected by the scenario: a test input, not something the pump says). */
static const char *marker_label(const trace_marker *m, char *buf, size_t len)
{
	if (m->kind == TRACE_MARK_ANNUNCIATION) {
		const char *human = plot_annunciation_label(m->code);
		if (human)
			return human;
		if (m->label[0])
			return m->label;
		snprintf(buf, len, "alarm %d", m->code);
		return buf;
	}
	if (!m->label[0]) {
		snprintf(buf, len, "fault %d", m->code);
		return buf;
	}
	int n = snprintf(buf, len, "fault: %s", m->label);
	for (int i = 7; i < n && (size_t)i < len; i++)
		if (buf[i] == '_')
			buf[i] = ' ';
	return buf;
}

static bool is_alarm(const trace_marker *m)
{
	return m->kind == TRACE_MARK_ANNUNCIATION || m->kind == TRACE_MARK_FAULT;
}

/*
 * The label of a group of different alarms: their names with counts, in order of first
 * appearance ("Occlusion, Reservoir low ×2"), as many as fit in `room` pixels, the rest
 * counted ("Occlusion +3 more").
 */
static void group_label(plot *p, const trace *t, size_t from, size_t end, int room, char *out,
                        size_t cap)
{
	enum { NAMES = 8 };
	char names[NAMES][TRACE_LABEL_MAX + 16];
	size_t counts[NAMES] = {0}, n = 0, total = 0;
	for (size_t k = from; k < end; k++) {
		const trace_marker *m = trace_marker_at(t, k);
		if (!is_alarm(m))
			continue;
		total++;
		char b[TRACE_LABEL_MAX + 16];
		const char *name = marker_label(m, b, sizeof b);
		size_t j = 0;
		while (j < n && strcmp(names[j], name) != 0)
			j++;
		if (j == n && n < NAMES)
			snprintf(names[n++], sizeof names[0], "%s", name);
		if (j < NAMES)
			counts[j]++;
	}
	/* as many names as fit, then "+N more" for the rest */
	for (size_t shown = n; shown >= 1; shown--) {
		size_t used = 0, named = 0;
		out[0] = '\0';
		for (size_t j = 0; j < shown && used < cap; j++) {
			used += (size_t)snprintf(out + used, cap - used,
			                         counts[j] > 1 ? "%s%s ×%zu" : "%s%s",
			                         j ? ", " : "", names[j], counts[j]);
			named += counts[j];
		}
		if (named < total && used < cap)
			snprintf(out + used, cap - used, " +%zu more", total - named);
		int w = 0, h = 0;
		plot_text_size(p, PLOT_FONT_SMALL, out, &w, &h);
		if (w <= room || shown == 1)
			return;
	}
}

/*
 * Flags on the time axis. Flags closer together than a label's room form a group labelled
 * once after its last flag ("Low glucose suspend ×3", or the names with their counts when
 * they differ: "Occlusion, Reservoir low ×2 +1 more"); a label is left out when it would
 * run into the next group.
 */
void plot_draw_alarms(plot *p, const plot_layout *l, const trace *t)
{
	const plot_rect *a = &l->alarms;
	const plot_rect *panels[] = {&l->glucose, &l->insulin, &l->basal};
	size_t first = 0;
	const size_t n = trace_markers_in(t, l->from_min, l->to_min, &first);
	const int size = (a->h * 2) / 5, flag_w = 2 + size + size / 2;
	const int cluster_px = 3 * l->font_px;
	if (!plot_reserve_points(p, (size_t)(l->basal.y + l->basal.h - l->glucose.y) / 3 + 1))
		return;
	int last_label_right = INT_MIN;
	for (size_t i = first; i < first + n;) {
		if (!is_alarm(trace_marker_at(t, i))) {
			i++;
			continue;
		}
		/* The group: alarms whose flags are within cluster_px of the previous one. */
		size_t end = i, count = 0;
		bool same = true, any_fault = false;
		char b0[TRACE_LABEL_MAX + 16], b1[TRACE_LABEL_MAX + 16];
		const char *label0 = marker_label(trace_marker_at(t, i), b0, sizeof b0);
		const int x_first = plot_x_of_min(l, (double)trace_marker_at(t, i)->t_min);
		int x_last = x_first;
		int label0_w = 0, label0_h = 0;
		plot_text_size(p, PLOT_FONT_SMALL, label0, &label0_w, &label0_h);
		for (size_t k = i; k < first + n; k++) {
			const trace_marker *m = trace_marker_at(t, k);
			if (!is_alarm(m))
				continue;
			const int x = plot_x_of_min(l, (double)m->t_min);
			/* The same alarm again before its label would end joins the group. */
			const bool repeat = strcmp(marker_label(m, b1, sizeof b1), label0) == 0;
			const int reach = repeat ? label0_w + flag_w + l->font_px : cluster_px;
			if (count > 0 && x - x_last > (reach > cluster_px ? reach : cluster_px))
				break;
			x_last = x;
			end = k + 1;
			count++;
			any_fault |= m->kind == TRACE_MARK_FAULT;
			if (strcmp(marker_label(m, b1, sizeof b1), label0) != 0)
				same = false;
			const plot_colour c = m->kind == TRACE_MARK_FAULT
			                          ? PLOT_COLOUR_FAULT
			                          : PLOT_COLOUR_ANNUNCIATION;
			/* A dotted line up through the panels: the moment, read off the traces. */
			size_t np = 0;
			for (size_t q = 0; q < 3; q++)
				for (int y = panels[q]->y; y < panels[q]->y + panels[q]->h; y += 3)
					p->pts[np++] = (SDL_Point){x, y};
			plot_set_colour(p, c);
			SDL_RenderDrawPoints(p->r, p->pts, (int)np);
			plot_flag(p, c, x, a->y + (a->h - 2 * size) / 2, size);
		}
		/* Where the next group starts: the label must end before it. */
		int x_next = a->x + a->w;
		for (size_t k = end; k < first + n; k++)
			if (is_alarm(trace_marker_at(t, k))) {
				x_next = plot_x_of_min(l, (double)trace_marker_at(t, k)->t_min);
				break;
			}
		char label[4 * (TRACE_LABEL_MAX + 24)];
		if (count == 1)
			snprintf(label, sizeof label, "%s", label0);
		else if (same)
			snprintf(label, sizeof label, "%s ×%zu", label0, count);
		else
			group_label(p, t, i, end, x_next - x_last - flag_w - 6, label,
			            sizeof label);
		int w = 0, h = 0;
		plot_text_size(p, PLOT_FONT_SMALL, label, &w, &h);
		/* Right of the group's last flag, else left of its first one. */
		int lx = x_last + flag_w + 2;
		if (lx + w + 4 >= x_next)
			lx = x_first - w - 4;
		if (lx > last_label_right && lx >= a->x && lx + w + 4 < x_next) {
			plot_text(p, PLOT_FONT_SMALL,
			          plot_colour_rgb(any_fault && count == 1
			                              ? PLOT_COLOUR_FAULT
			                              : PLOT_COLOUR_ANNUNCIATION),
			          lx, a->y + (a->h - h) / 2, PLOT_ALIGN_LEFT, label, NULL);
			last_label_right = lx + w > x_last + flag_w ? lx + w : x_last + flag_w;
		}
		i = end;
	}
}

/* The words of a sensor marker. */
static const char *sensor_label(const trace_marker *m)
{
	if (m->kind == TRACE_MARK_CGM_GAP)
		return "no CGM readings";
	if (strcmp(m->label, "sensor_dropout") == 0)
		return "sensor dropout";
	if (strcmp(m->label, "sensor_drift") == 0)
		return "sensor drift";
	if (strcmp(m->label, "sensor_noise") == 0)
		return "sensor noise burst";
	if (strcmp(m->label, "sensor_compression") == 0)
		return "compression low";
	return m->label[0] ? m->label : "sensor fault";
}

/* Whether a gap marker falls inside a sensor fault the scenario declared (told once). */
static bool gap_explained(const trace *t, const trace_marker *gap, size_t first, size_t n)
{
	for (size_t k = first; k < first + n; k++) {
		const trace_marker *m = trace_marker_at(t, k);
		if (m->kind == TRACE_MARK_SENSOR && m->t_min <= gap->t_min + 5 &&
		    gap->t_min <= m->t_min + (int64_t)m->amount)
			return true;
	}
	return false;
}

void plot_draw_sensor_faults(plot *p, const plot_layout *l, const trace *t)
{
	const plot_rect *g = &l->glucose;
	size_t first = 0;
	/* a fault that began before the window still shades its part: look a day back */
	const size_t n = trace_markers_in(t, l->from_min - 1440, l->to_min, &first);
	int last_label_right = INT_MIN;
	for (size_t i = first; i < first + n; i++) {
		const trace_marker *m = trace_marker_at(t, i);
		if (m->kind != TRACE_MARK_SENSOR && m->kind != TRACE_MARK_CGM_GAP)
			continue;
		if (m->kind == TRACE_MARK_CGM_GAP && gap_explained(t, m, first, n))
			continue;
		int xa = plot_x_of_min(l, (double)m->t_min);
		int xb = plot_x_of_min(l, (double)m->t_min + m->amount);
		if (xb < g->x || xa >= g->x + g->w)
			continue;
		xa = xa < g->x ? g->x : xa;
		xb = xb > g->x + g->w ? g->x + g->w : xb;
		if (xb - xa < 2)
			xb = xa + 2;
		plot_set_colour(p, PLOT_COLOUR_SENSOR_FAULT);
		plot_fill(p, xa, g->y, xb - xa, g->h);
		const char *label = sensor_label(m);
		int w = 0, h = 0;
		plot_text_size(p, PLOT_FONT_SMALL, label, &w, &h);
		const int lx = xa + 2;
		if (lx < last_label_right + 4 || lx + w > g->x + g->w)
			continue;
		plot_text(p, PLOT_FONT_SMALL, plot_colour_rgb(PLOT_COLOUR_TEXT_DIM), lx,
		          g->y + g->h - h - 2, PLOT_ALIGN_LEFT, label, NULL);
		last_label_right = lx + w;
	}
}
