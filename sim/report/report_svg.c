/*
 * report_svg — see report_svg.h. One coordinate system per chart: a viewBox 760 wide;
 * panels at fixed heights; times mapped linearly over the run's planned length.
 */
#include "report_svg.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "clock.h"

enum { W = 760, X0 = 58, PW = 680 };

/* Okabe–Ito */
#define C_BG "#0072B2"
#define C_CGM "#E69F00"
#define C_BAND "#d9efd9"
#define C_LIMIT "#D55E00"
#define C_IOB "#009E73"
#define C_BOLUS "#CC79A7"
#define C_BASAL "#56B4E9"
#define C_ALARM "#D55E00"
#define C_FAULT "#000000"
#define C_MEAL "#F0E442"
#define C_SENSOR "#999999"
#define C_GRID "#dddddd"

void report_esc(FILE *f, const char *text)
{
	for (const char *p = text; p && *p; p++) {
		switch (*p) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*p, f);
		}
	}
}

typedef struct frame {
	int64_t span;  /* minutes mapped onto the width */
	double lo, hi; /* glucose axis, mg/dL */
	int gy, gh;    /* glucose panel */
	int iy, ih;    /* insulin panel */
	int by, bh;    /* basal panel */
	double ins_hi, basal_hi;
	int sy; /* flag strip */
} frame;

static double xt(const frame *fr, double t)
{
	return X0 + t * PW / (double)fr->span;
}

static double yv(double v, double lo, double hi, int y, int h)
{
	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	return y + h - (v - lo) / (hi - lo) * h;
}

static double nice(double x)
{
	const double k = pow(10.0, floor(log10(x > 0 ? x : 1)));
	static const double m[] = {1, 2, 2.5, 5, 10};
	for (size_t i = 0; i < 5; i++)
		if (m[i] * k >= x)
			return m[i] * k;
	return 10 * k;
}

/* Time ticks: the smallest step whose labels are at least 70 units apart. */
static int64_t tick_step(int64_t span)
{
	static const int64_t steps[] = {60,        120,        180,        360,        720,
	                                1440,      2 * 1440,   7 * 1440,   14 * 1440,  28 * 1440,
	                                91 * 1440, 182 * 1440, 365 * 1440, 730 * 1440, 1825 * 1440};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if ((double)steps[i] * PW / (double)span >= 70.0)
			return steps[i];
	return 3650 * 1440;
}

static void time_axis(FILE *f, const frame *fr, int start_clock, int y_top, int y_axis)
{
	const int64_t step = tick_step(fr->span);
	const int64_t c0 = start_clock, c1 = start_clock + fr->span;
	fprintf(f, "<g class=\"axis\" font-size=\"10\" fill=\"#333\" text-anchor=\"middle\">\n");
	for (int64_t c = ((c0 + step - 1) / step) * step; c <= c1; c += step) {
		const double x = xt(fr, (double)(c - start_clock));
		const bool midnight = c % 1440 == 0;
		fprintf(f,
		        "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
		        "stroke-width=\"%s\"/>\n",
		        x, y_top, x, y_axis, midnight ? "#bbbbbb" : C_GRID,
		        midnight ? "0.8" : "0.5");
		char label[48];
		if (step < 1440) {
			char hhmm[CLOCK_TEXT_MAX];
			clock_format_hhmm(c, hhmm, sizeof hhmm);
			if (midnight)
				snprintf(label, sizeof label, "Day %lld",
				         (long long)(c / 1440 + 1));
			else
				snprintf(label, sizeof label, "%s", hhmm);
		} else {
			snprintf(label, sizeof label, "Day %lld", (long long)(c / 1440 + 1));
		}
		fprintf(f, "<text x=\"%.1f\" y=\"%d\"%s>%s</text>\n", x, y_axis + 12,
		        midnight ? " font-weight=\"bold\"" : "", label);
	}
	fprintf(f, "</g>\n");
}

static const char *sensor_words(const char *kind)
{
	if (!kind)
		return "sensor fault";
	if (strcmp(kind, "sensor_dropout") == 0)
		return "sensor dropout (no readings)";
	if (strcmp(kind, "sensor_drift") == 0)
		return "sensor drift";
	if (strcmp(kind, "sensor_noise") == 0)
		return "sensor noise burst";
	if (strcmp(kind, "sensor_compression") == 0)
		return "compression low";
	return kind;
}

static void glucose_panel(FILE *f, const report_run *r, const frame *fr)
{
	const int y = fr->gy, h = fr->gh;
	fprintf(
	    f,
	    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\" stroke=\"#888\"/>\n",
	    X0, y, PW, h);
	const double y180 = yv(180, fr->lo, fr->hi, y, h), y70 = yv(70, fr->lo, fr->hi, y, h);
	fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"/>\n", X0,
	        y180, PW, y70 - y180, C_BAND);
	/* sensor faults: shaded and named */
	for (size_t i = 0; i < r->sensor_fault_count; i++) {
		const report_sensor_fault *s = &r->sensor_faults[i];
		const double xa = xt(fr, (double)s->at_min);
		double xb = xt(fr, (double)(s->at_min + s->duration_min));
		if (xb < xa + 1.5)
			xb = xa + 1.5;
		fprintf(
		    f,
		    "<rect class=\"sensor-fault\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
		    "fill=\"%s\" fill-opacity=\"0.25\" stroke=\"%s\" stroke-dasharray=\"3 2\"/>\n",
		    xa, y, xb - xa, h, C_SENSOR, C_SENSOR);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"9\" fill=\"#444\">", xa + 2,
		        y + 10 + (int)(i % 3) * 10);
		report_esc(f, sensor_words(s->kind));
		fprintf(f, "</text>\n");
	}
	for (int v = 100; v < fr->hi; v += 100)
		fprintf(f,
		        "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
		        "stroke-width=\"0.5\"/>\n",
		        X0, X0 + PW, yv(v, fr->lo, fr->hi, y, h), yv(v, fr->lo, fr->hi, y, h),
		        C_GRID);
	const int limits[] = {54, 250};
	for (int k = 0; k < 2; k++)
		fprintf(f,
		        "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
		        "stroke-dasharray=\"4 3\" stroke-width=\"0.8\"/>\n",
		        X0, X0 + PW, yv(limits[k], fr->lo, fr->hi, y, h),
		        yv(limits[k], fr->lo, fr->hi, y, h), C_LIMIT);
	const int labels[] = {54, 70, 180, 250, 300, 400, 500};
	for (size_t k = 0; k < sizeof labels / sizeof labels[0]; k++)
		if (labels[k] > fr->lo && labels[k] < fr->hi)
			fprintf(f,
			        "<text x=\"%d\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\" "
			        "fill=\"%s\">%d</text>\n",
			        X0 - 3, yv(labels[k], fr->lo, fr->hi, y, h) + 3,
			        labels[k] == 54 || labels[k] == 250 ? C_LIMIT : "#333", labels[k]);
	/* CGM: a dot per column with readings */
	fprintf(f, "<g fill=\"%s\">", C_CGM);
	for (int c = 0; c < REPORT_COLUMNS; c++) {
		const report_column *col = &r->cols[c];
		if (!col->cgm_n)
			continue;
		const double x = X0 + (c + 0.5) * PW / REPORT_COLUMNS;
		const double ya = yv(col->cgm_max, fr->lo, fr->hi, y, h),
		             yb = yv(col->cgm_min, fr->lo, fr->hi, y, h);
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"1.3\" height=\"%.1f\"/>", x - 0.65,
		        ya - 0.65, yb - ya + 1.3);
	}
	fprintf(f, "</g>\n");
	/* true glucose: the min–max envelope of each column as one polygon, and its path */
	fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.4\" d=\"", C_BG);
	bool pen = false;
	for (int c = 0; c < REPORT_COLUMNS; c++) {
		const report_column *col = &r->cols[c];
		if (!col->rows) {
			pen = false;
			continue;
		}
		const double x = X0 + (c + 0.5) * PW / REPORT_COLUMNS;
		fprintf(f, "%c%.1f %.1fL%.1f %.1f", pen ? 'L' : 'M', x,
		        yv(col->bg_max, fr->lo, fr->hi, y, h), x,
		        yv(col->bg_min, fr->lo, fr->hi, y, h));
		pen = true;
	}
	fprintf(f, "\"/>\n");
	/* meals */
	if (r->duration_min <= 14 * 1440)
		for (size_t i = 0; i < r->marker_count; i++) {
			const report_marker *m = &r->markers[i];
			if (m->kind != REPORT_MARK_MEAL)
				continue;
			const double x = xt(fr, (double)m->t_min);
			fprintf(f,
			        "<path d=\"M%.1f %dl-3.5 -6h7z\" fill=\"%s\" stroke=\"#886600\" "
			        "stroke-width=\"0.4\"><title>meal %.0f g</title></path>\n",
			        x, y + 7, C_MEAL, m->amount);
		}
	fprintf(f,
	        "<text x=\"%d\" y=\"%d\" font-size=\"11\" font-weight=\"bold\">Glucose, mg/dL: "
	        "true (plasma) glucose as a line, CGM readings as dots</text>\n",
	        X0, y - 5);
}

static void insulin_panels(FILE *f, const report_run *r, const frame *fr)
{
	fprintf(
	    f,
	    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\" stroke=\"#888\"/>\n",
	    X0, fr->iy, PW, fr->ih);
	fprintf(
	    f,
	    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\" stroke=\"#888\"/>\n",
	    X0, fr->by, PW, fr->bh);
	fprintf(f,
	        "<text x=\"%d\" y=\"%d\" font-size=\"11\" font-weight=\"bold\">Insulin on board "
	        "and boluses, U (0–%g)</text>\n",
	        X0, fr->iy - 5, fr->ins_hi);
	fprintf(f,
	        "<text x=\"%d\" y=\"%d\" font-size=\"11\" font-weight=\"bold\">Basal rate, U/h "
	        "(0–%g); hatched: no basal</text>\n",
	        X0, fr->by - 5, fr->basal_hi);
	fprintf(
	    f,
	    "<path fill=\"%s\" fill-opacity=\"0.35\" stroke=\"%s\" stroke-width=\"1\" d=\"M%d %d",
	    C_IOB, C_IOB, X0, fr->iy + fr->ih);
	for (int c = 0; c < REPORT_COLUMNS; c++)
		if (r->cols[c].rows)
			fprintf(f, "L%.1f %.1f", X0 + (c + 0.5) * PW / REPORT_COLUMNS,
			        yv(r->cols[c].iob_max, 0, fr->ins_hi, fr->iy, fr->ih));
	fprintf(f, "L%d %dz\"/>\n", X0 + PW, fr->iy + fr->ih);
	for (size_t i = 0; i < r->marker_count; i++) {
		const report_marker *m = &r->markers[i];
		if (m->kind != REPORT_MARK_BOLUS)
			continue;
		const double x = xt(fr, (double)m->t_min),
		             yt = yv(m->amount, 0, fr->ins_hi, fr->iy, fr->ih);
		fprintf(f,
		        "<rect x=\"%.1f\" y=\"%.1f\" width=\"2\" height=\"%.1f\" "
		        "fill=\"%s\"><title>bolus "
		        "%.2f U</title></rect>\n",
		        x - 1, yt, fr->iy + fr->ih - yt, C_BOLUS, m->amount);
	}
	/* basal: the column maxima as a filled step; zero-basal columns hatched */
	fprintf(
	    f,
	    "<path fill=\"%s\" fill-opacity=\"0.45\" stroke=\"%s\" stroke-width=\"0.8\" d=\"M%d %d",
	    C_BASAL, C_BASAL, X0, fr->by + fr->bh);
	for (int c = 0; c < REPORT_COLUMNS; c++)
		if (r->cols[c].rows) {
			const double ya = yv(r->cols[c].basal_max, 0, fr->basal_hi, fr->by, fr->bh);
			fprintf(f, "L%.1f %.1fL%.1f %.1f", X0 + (double)c * PW / REPORT_COLUMNS, ya,
			        X0 + (c + 1.0) * PW / REPORT_COLUMNS, ya);
		}
	fprintf(f, "L%d %dz\"/>\n", X0 + PW, fr->by + fr->bh);
	for (int c = 0; c < REPORT_COLUMNS; c++)
		if (r->cols[c].rows && r->cols[c].zero_basal)
			fprintf(f,
			        "<rect x=\"%.1f\" y=\"%d\" width=\"%.2f\" height=\"%d\" "
			        "fill=\"url(#hatch)\"/>",
			        X0 + (double)c * PW / REPORT_COLUMNS, fr->by,
			        (double)PW / REPORT_COLUMNS, fr->bh);
	fputc('\n', f);
}

/* Alarm and fault flags on the time axis, each NAMED: labels go in up to four rows, left
 * to right, never overlapping; the per-run alarm table lists every one in any case. */
static void flags(FILE *f, const report_run *r, const frame *fr)
{
	double row_end[4] = {-1e9, -1e9, -1e9, -1e9};
	size_t unlabelled = 0;
	fprintf(f, "<g font-size=\"9\">\n");
	for (size_t i = 0; i < r->marker_count; i++) {
		const report_marker *m = &r->markers[i];
		if (m->kind != REPORT_MARK_ALARM && m->kind != REPORT_MARK_FAULT)
			continue;
		const bool fault = m->kind == REPORT_MARK_FAULT;
		const double x = xt(fr, (double)m->t_min);
		const char *colour = fault ? C_FAULT : C_ALARM;
		fprintf(f,
		        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
		        "stroke-dasharray=\"1 2\" stroke-width=\"0.7\"/>\n",
		        x, x, fr->gy, fr->sy, colour);
		char label[80];
		snprintf(label, sizeof label, "%s%s", fault ? "fault: " : "",
		         m->name ? m->name : "?");
		for (char *p = label; *p; p++)
			if (*p == '_')
				*p = ' ';
		const double w = 5.0 * (double)strlen(label) + 10;
		int row = -1;
		for (int k = 0; k < 4 && row < 0; k++)
			if (x >= row_end[k] + 3 && x + w <= X0 + PW + 40)
				row = k;
		const int fy = fr->sy + 2 + (row < 0 ? 0 : row) * 11;
		fprintf(f,
		        "<path d=\"M%.1f %dv9M%.1f %dh5l-1.5 2.5l1.5 2.5h-5z\" stroke=\"%s\" "
		        "fill=\"%s\" stroke-width=\"0.8\"/>",
		        x, fy, x, fy, colour, colour);
		if (row < 0) {
			unlabelled++;
			fputc('\n', f);
			continue;
		}
		row_end[row] = x + w;
		fprintf(f, "<text class=\"flag\" x=\"%.1f\" y=\"%d\" fill=\"%s\">", x + 7, fy + 8,
		        colour);
		report_esc(f, label);
		fprintf(f, "</text>\n");
	}
	if (unlabelled)
		fprintf(f,
		        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#555\">+%zu more (see "
		        "the table)</text>\n",
		        X0 + PW, fr->sy + 52, unlabelled);
	fprintf(f, "</g>\n");
}

void report_svg_trace(FILE *f, const report_run *r)
{
	frame fr = {.span = r->duration_min + 1 > r->last_min + 1 ? r->duration_min + 1
	                                                          : r->last_min + 1,
	            .lo = 40,
	            .hi = 400,
	            .gy = 18,
	            .gh = 190,
	            .iy = 232,
	            .ih = 56,
	            .by = 310,
	            .bh = 40};
	fr.sy = fr.by + fr.bh + 4;
	double bg_max = 0, bg_min = 1e9;
	for (int c = 0; c < REPORT_COLUMNS; c++)
		if (r->cols[c].rows) {
			bg_max = fmax(bg_max, r->cols[c].bg_max);
			bg_min = fmin(bg_min, r->cols[c].bg_min);
		}
	if (bg_max > 390)
		fr.hi = fmin(1000, 50 * ceil((bg_max + 10) / 50));
	if (bg_min < 40)
		fr.lo = fmax(0, 10 * floor((bg_min - 5) / 10));
	double bolus_max = 0;
	for (size_t i = 0; i < r->marker_count; i++)
		if (r->markers[i].kind == REPORT_MARK_BOLUS)
			bolus_max = fmax(bolus_max, r->markers[i].amount);
	fr.ins_hi = nice(fmax(2, 1.15 * fmax(r->iob_max_u, bolus_max)));
	fr.basal_hi = nice(fmax(1, 1.25 * r->basal_max_u_per_h));
	const int axis_y = fr.sy + 46, height = axis_y + 18;
	fprintf(
	    f,
	    "<svg class=\"chart trace\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "xmlns=\"http://www.w3.org/2000/svg\" font-family=\"DejaVu Sans, sans-serif\">\n"
	    "<defs><pattern id=\"hatch\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" "
	    "patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"4\" "
	    "stroke=\"#777\" stroke-width=\"1.2\"/></pattern></defs>\n",
	    W, height);
	fprintf(f, "<title>");
	report_esc(f, r->name);
	fprintf(f, ": traces</title>\n");
	glucose_panel(f, r, &fr);
	insulin_panels(f, r, &fr);
	time_axis(f, &fr, r->start_min_of_day, fr.gy, axis_y);
	flags(f, r, &fr);
	/* the part that never ran */
	if (r->summary.present && r->summary.ended && strcmp(r->summary.ended, "completed") != 0) {
		const double xa = xt(&fr, (double)r->summary.ended_at_min);
		char at[CLOCK_TEXT_MAX];
		clock_format(r->summary.ended_at_min + r->start_min_of_day, at, sizeof at);
		fprintf(f,
		        "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#eeeeee\" "
		        "fill-opacity=\"0.85\"/><text class=\"ended\" x=\"%.1f\" y=\"%d\" "
		        "font-size=\"12\" "
		        "font-weight=\"bold\" fill=\"#a00\">%s at %s: not run past here</text>\n",
		        xa, fr.gy, X0 + PW - xa, fr.by + fr.bh - fr.gy,
		        xa + 4 > X0 + PW - 200 ? X0 + PW - 200.0 : xa + 4, fr.gy + 30,
		        r->summary.ended, at);
	}
	fprintf(f, "</svg>\n");
}

void report_svg_agp_profile(FILE *f, const agp *profile, const char *title, const char *caption)
{
	const int y = 16, h = 200, height = y + h + 30;
	const double lo = 40, hi = 400;
	fprintf(f,
	        "<svg class=\"chart agp\" viewBox=\"0 0 %d %d\" role=\"img\" "
	        "xmlns=\"http://www.w3.org/2000/svg\" font-family=\"DejaVu Sans, sans-serif\">\n"
	        "<title>",
	        W, height);
	report_esc(f, title);
	fprintf(f, "</title>\n");
	fprintf(
	    f,
	    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\" stroke=\"#888\"/>\n",
	    X0, y, PW, h);
	fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"/>\n", X0,
	        yv(180, lo, hi, y, h), PW, yv(70, lo, hi, y, h) - yv(180, lo, hi, y, h), C_BAND);
	const int band_lo[] = {0, 1}, band_hi[] = {4, 3};
	const char *band_fill[] = {"#9ecae1", "#4292c6"};
	for (int b = 0; b < 2; b++) {
		fprintf(f, "<path fill=\"%s\" fill-opacity=\"0.7\" d=\"", band_fill[b]);
		bool first = true;
		for (int s = 0; s < AGP_SLOTS; s++) {
			double p[AGP_PERCENTILES];
			if (!agp_slot_percentiles(profile, s, p))
				continue;
			fprintf(f, "%c%.1f %.1f", first ? 'M' : 'L',
			        X0 + (s + 0.5) * PW / AGP_SLOTS, yv(p[band_hi[b]], lo, hi, y, h));
			first = false;
		}
		for (int s = AGP_SLOTS - 1; s >= 0; s--) {
			double p[AGP_PERCENTILES];
			if (agp_slot_percentiles(profile, s, p))
				fprintf(f, "L%.1f %.1f", X0 + (s + 0.5) * PW / AGP_SLOTS,
				        yv(p[band_lo[b]], lo, hi, y, h));
		}
		fprintf(f, "z\"/>\n");
	}
	fprintf(f, "<path fill=\"none\" stroke=\"#08306b\" stroke-width=\"2\" d=\"");
	bool first = true;
	for (int s = 0; s < AGP_SLOTS; s++) {
		double p[AGP_PERCENTILES];
		if (!agp_slot_percentiles(profile, s, p))
			continue;
		fprintf(f, "%c%.1f %.1f", first ? 'M' : 'L', X0 + (s + 0.5) * PW / AGP_SLOTS,
		        yv(p[2], lo, hi, y, h));
		first = false;
	}
	fprintf(f, "\"/>\n");
	const int marks[] = {54, 70, 180, 250};
	for (int k = 0; k < 4; k++)
		fprintf(f,
		        "<text x=\"%d\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\">%d</text>\n",
		        X0 - 3, yv(marks[k], lo, hi, y, h) + 3, marks[k]);
	for (int hh = 0; hh <= 24; hh += 3)
		fprintf(f,
		        "<text x=\"%.1f\" y=\"%d\" font-size=\"9\" "
		        "text-anchor=\"middle\">%02d:00</text>\n",
		        X0 + hh * PW / 24.0, y + h + 12, hh % 24);
	fprintf(f,
	        "<text x=\"%d\" y=\"%d\" font-size=\"10\">median (line), 25–75 %% (dark band), "
	        "5–95 %% (light band) of TRUE glucose by time of day, ",
	        X0, y + h + 26);
	report_esc(f, caption);
	fprintf(f, "</text>\n</svg>\n");
}

void report_svg_agp(FILE *f, const report_run *r)
{
	char caption[64];
	snprintf(caption, sizeof caption, "over %zu days", agp_day_count(r->profile));
	report_svg_agp_profile(f, r->profile, "glucose by time of day", caption);
}

void report_svg_days(FILE *f, const report_run *r)
{
	const size_t days = agp_day_count(r->profile);
	if (days == 0)
		return;
	const size_t group = days <= 120 ? 1 : (days + 119) / 120;
	const size_t bars = (days + group - 1) / group;
	const int y = 14, h = 90, height = y + h + 34;
	fprintf(f,
	        "<svg class=\"chart days\" viewBox=\"0 0 %d %d\" role=\"img\" "
	        "xmlns=\"http://www.w3.org/2000/svg\" font-family=\"DejaVu Sans, sans-serif\">\n"
	        "<title>day by day</title>\n",
	        W, height);
	const char *colours[] = {"#8b0000", "#D55E00", "#7fc97f", "#E69F00", "#b15928"};
	const double bw = (double)PW / (double)bars;
	for (size_t b = 0; b < bars; b++) {
		double part[5] = {0};
		double n = 0;
		for (size_t d = b * group; d < (b + 1) * group && d < days; d++) {
			const agp_day *a = agp_day_at(r->profile, d);
			part[0] += a->below_54;
			part[1] += a->below_70 - a->below_54;
			part[2] += a->in_range;
			part[3] += a->above_180 - a->above_250;
			part[4] += a->above_250;
			n += a->minutes;
		}
		if (n <= 0)
			continue;
		double yy = y + h;
		for (int k = 0; k < 5; k++) {
			const double hh = part[k] / n * h;
			yy -= hh;
			if (hh > 0)
				fprintf(f,
				        "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
				        "height=\"%.2f\" fill=\"%s\"/>",
				        X0 + b * bw + (bw > 3 ? 0.5 : 0), yy, bw > 3 ? bw - 1 : bw,
				        hh, colours[k]);
		}
		fputc('\n', f);
	}
	const size_t label_every = bars <= 31 ? 1 : bars <= 62 ? 7 : (bars + 9) / 10;
	for (size_t b = 0; b < bars; b += label_every)
		fprintf(f,
		        "<text x=\"%.1f\" y=\"%d\" font-size=\"8\" "
		        "text-anchor=\"middle\">%lld</text>\n",
		        X0 + (b + 0.5) * bw, y + h + 10,
		        (long long)agp_day_at(r->profile, b * group)->day);
	fprintf(f,
	        "<text x=\"%d\" y=\"%d\" font-size=\"10\">%s; each bar the share of its minutes "
	        "(true glucose): below 54, 54–70, 70–180, 180–250, above 250 mg/dL</text>\n"
	        "<text x=\"%d\" y=\"%d\" font-size=\"9\" text-anchor=\"end\">day</text>\n</svg>\n",
	        X0, y + h + 24, group == 1 ? "one bar a day" : "one bar per group of days", X0 - 4,
	        y + h + 10);
	if (group > 1)
		fprintf(f, "<p class=\"note\">Each bar: %zu days.</p>\n", group);
}

/* ---- CVGA (a trial: one point a patient) ------------------------------------------------ */

/* The grades' fills, A … E, and the cohorts' colours (Okabe–Ito), as the PNG (plot_trial.c). */
static const char *const grade_fill[5] = {"#A6DBA0", "#D9F0D3", "#FFF2B3", "#FDD0A2", "#F4A582"};
static const char *const cohort_colour[FIGURES_COHORT_COUNT] = {"#E69F00", "#0072B2", "#CC79A7",
                                                                "#555555"};

enum { CVGA_GX = 58, CVGA_GY = 14, CVGA_GW = 330, CVGA_GH = 330 };

static double cvga_x(double low_mgdl)
{
	const double v = fmin(CVGA_X_LEFT_MGDL, fmax(CVGA_X_RIGHT_MGDL, low_mgdl));
	return CVGA_GX + (CVGA_X_LEFT_MGDL - v) / (CVGA_X_LEFT_MGDL - CVGA_X_RIGHT_MGDL) * CVGA_GW;
}

static double cvga_y(double high_mgdl)
{
	const double v = fmin(CVGA_Y_TOP_MGDL, fmax(CVGA_Y_BOTTOM_MGDL, high_mgdl));
	return CVGA_GY + CVGA_GH -
	       (v - CVGA_Y_BOTTOM_MGDL) / (CVGA_Y_TOP_MGDL - CVGA_Y_BOTTOM_MGDL) * CVGA_GH;
}

void report_svg_cvga(FILE *f, const trial_figures_patient *patients, size_t n, const char *title)
{
	const int height = CVGA_GY + CVGA_GH + 40;
	fprintf(f,
	        "<svg class=\"chart cvga\" viewBox=\"0 0 %d %d\" role=\"img\" "
	        "xmlns=\"http://www.w3.org/2000/svg\" font-family=\"DejaVu Sans, sans-serif\">\n"
	        "<title>",
	        W, height);
	report_esc(f, title);
	fprintf(f, "</title>\n");
	/* the nine boxes: columns low >= 90, 70–90, < 70; rows high > 300, 180–300, <= 180 */
	static const cvga_zone boxes[3][3] = {{CVGA_UPPER_C, CVGA_UPPER_D, CVGA_E},
	                                      {CVGA_UPPER_B, CVGA_B, CVGA_LOWER_D},
	                                      {CVGA_A, CVGA_LOWER_B, CVGA_LOWER_C}};
	const double xs[4] = {cvga_x(110), cvga_x(90), cvga_x(70), cvga_x(50)};
	const double ys[4] = {cvga_y(400), cvga_y(300), cvga_y(180), cvga_y(110)};
	for (int row = 0; row < 3; row++)
		for (int col = 0; col < 3; col++) {
			const cvga_zone z = boxes[row][col];
			fprintf(f,
			        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			        "fill=\"%s\" stroke=\"#888\" stroke-width=\"0.6\"/>"
			        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#555\" "
			        "text-anchor=\"middle\">%s</text>\n",
			        xs[col], ys[row], xs[col + 1] - xs[col], ys[row + 1] - ys[row],
			        grade_fill[cvga_zone_letter(z) - 'A'], (xs[col] + xs[col + 1]) / 2,
			        ys[row] + 14, cvga_zone_name(z));
		}
	static const int xt_mgdl[] = {110, 90, 70, 50}, yt_mgdl[] = {110, 180, 300, 400};
	for (int k = 0; k < 4; k++)
		fprintf(f,
		        "<text x=\"%.1f\" y=\"%d\" font-size=\"9\" text-anchor=\"middle\">%d</text>"
		        "<text x=\"%d\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\">%d</text>\n",
		        cvga_x(xt_mgdl[k]), CVGA_GY + CVGA_GH + 12, xt_mgdl[k], CVGA_GX - 3,
		        cvga_y(yt_mgdl[k]) + 3, yt_mgdl[k]);
	fprintf(f,
	        "<text x=\"%d\" y=\"%d\" font-size=\"10\">2.5th percentile of true glucose, "
	        "mg/dL (lower is further right)</text>\n"
	        "<text x=\"12\" y=\"%d\" font-size=\"10\" transform=\"rotate(-90 12 %d)\" "
	        "text-anchor=\"middle\">97.5th percentile, mg/dL</text>\n",
	        CVGA_GX, CVGA_GY + CVGA_GH + 26, CVGA_GY + CVGA_GH / 2, CVGA_GY + CVGA_GH / 2);
	/* the points, in trial order; beyond the axes they sit on the edge */
	size_t per_zone[CVGA_ZONE_COUNT] = {0}, per_cohort[FIGURES_COHORT_COUNT] = {0},
	       ab_cohort[FIGURES_COHORT_COUNT] = {0}, ab = 0;
	for (size_t i = 0; i < n; i++) {
		const trial_figures_patient *p = &patients[i];
		trial_figures_cohort k = FIGURES_COHORT_ALL;
		trial_figures_cohort_of(p->cohort, &k);
		per_zone[p->zone < CVGA_ZONE_COUNT ? p->zone : CVGA_E]++;
		per_cohort[k]++;
		ab_cohort[k] += cvga_zone_is_a_or_b(p->zone);
		ab += cvga_zone_is_a_or_b(p->zone);
		fprintf(f,
		        "<circle class=\"patient\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" "
		        "stroke=\"#202020\" stroke-width=\"0.7\"><title>",
		        cvga_x(p->low_mgdl), cvga_y(p->high_mgdl), cohort_colour[k]);
		report_esc(f, p->patient);
		fprintf(f, ": 2.5th %.0f, 97.5th %.0f mg/dL, %s</title></circle>\n", p->low_mgdl,
		        p->high_mgdl, cvga_zone_name(p->zone));
	}
	/* the legend and the counts, right of the grid */
	const int lx = CVGA_GX + CVGA_GW + 30;
	int ly = CVGA_GY + 14;
	fprintf(f, "<g font-size=\"11\">\n<text x=\"%d\" y=\"%d\" font-weight=\"bold\">", lx, ly);
	if (n)
		fprintf(f, "A + B: %zu of %zu patients (%.0f %%)</text>\n", ab, n,
		        100.0 * (double)ab / (double)n);
	else
		fprintf(f, "no patient</text>\n");
	ly += 20;
	for (int k = 0; k < FIGURES_COHORT_ALL; k++) {
		if (!per_cohort[k])
			continue;
		fprintf(f,
		        "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"%s\" stroke=\"#202020\" "
		        "stroke-width=\"0.7\"/><text x=\"%d\" y=\"%d\">%s: %zu, A + B %zu</text>\n",
		        lx + 4, ly - 4, cohort_colour[k], lx + 14, ly,
		        trial_figures_cohort_name((trial_figures_cohort)k), per_cohort[k],
		        ab_cohort[k]);
		ly += 16;
	}
	ly += 8;
	static const char *const grades = "ABCDE";
	for (int g = 0; g < 5; g++) {
		size_t count = 0;
		for (int z = 0; z < CVGA_ZONE_COUNT; z++)
			count += cvga_zone_letter((cvga_zone)z) == grades[g] ? per_zone[z] : 0;
		fprintf(f,
		        "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\" "
		        "stroke=\"#888\" stroke-width=\"0.6\"/><text x=\"%d\" y=\"%d\">%c: %zu "
		        "patient%s</text>\n",
		        lx, ly - 9, grade_fill[g], lx + 14, ly, grades[g], count,
		        count == 1 ? "" : "s");
		ly += 16;
	}
	fprintf(f,
	        "<text x=\"%d\" y=\"%d\" font-size=\"9\" fill=\"#444\">Magni et al. 2008: A "
	        "accurate, B benign, C over-correction,</text>\n<text x=\"%d\" y=\"%d\" "
	        "font-size=\"9\" fill=\"#444\">D failure to manage, E erroneous "
	        "control.</text>\n</g>\n</svg>\n",
	        lx, ly + 8, lx, ly + 20);
}
