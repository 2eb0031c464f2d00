/*
 * viewer_input — the window's keys: actions queued for the caller (viewer_poll), and the
 * view's own keys (pan, zoom, follow, screenshot) applied at once. See viewer.h for the
 * keys and what they do.
 */
#include <SDL.h>

#include "viewer_internal.h"

const int64_t viewer_spans_min[VIEWER_SPAN_COUNT] = {360, 720, 1440, 4320, 10080};

static void push(viewer *v, viewer_action a)
{
	if (v->q_len == VIEWER_QUEUE_LEN)
		return; /* the caller is not polling: drop */
	viewer_input in = {.action = a};
	if (a == VIEWER_ACTION_ACKNOWLEDGE) {
		in.annunciation = v->screen.annunciation;
		in.annunciation_id = v->screen.annunciation_id;
	}
	v->queue[(v->q_head + v->q_len++) % VIEWER_QUEUE_LEN] = in;
}

int64_t viewer_span_min(const viewer *v)
{
	return viewer_spans_min[v->span_index];
}

/* Right edge of the window that follows the present: it moves in steps of 1/8 window and
 * keeps 1/16 to 3/16 of the window ahead of `now` (the picture stands still in between). */
int64_t viewer_follow_end_min(const viewer *v, int64_t now)
{
	const int64_t span = viewer_span_min(v), step = span / 8;
	int64_t end = (now < 0 ? 0 : (now + step / 2) / step + 1) * step;
	return end < span ? span : end;
}

static void pan(viewer *v, int direction)
{
	const int64_t span = viewer_span_min(v);
	int64_t end = v->follow ? v->last_follow_end : v->end_min;
	end += direction * (span / 4);
	if (end < span)
		end = span;
	if (end >= v->last_follow_end) {
		v->follow = true;
	} else {
		v->follow = false;
		v->end_min = end;
	}
}

static void zoom(viewer *v, int direction)
{
	const int64_t old_end = v->follow ? v->last_follow_end : v->end_min;
	v->span_index = (v->span_index + direction + VIEWER_SPAN_COUNT) % VIEWER_SPAN_COUNT;
	if (!v->follow)
		v->end_min = old_end < viewer_span_min(v) ? viewer_span_min(v) : old_end;
}

static void handle_key(viewer *v, const SDL_KeyboardEvent *k)
{
	const bool shift = (k->keysym.mod & KMOD_SHIFT) != 0;
	switch (k->keysym.sym) {
	case SDLK_q:
	case SDLK_ESCAPE:
		push(v, VIEWER_ACTION_QUIT);
		break;
	case SDLK_SPACE:
		if (!k->repeat)
			push(v, VIEWER_ACTION_PAUSE);
		break;
	case SDLK_PLUS:
	case SDLK_KP_PLUS:
	case SDLK_EQUALS:
		push(v, VIEWER_ACTION_FASTER);
		break;
	case SDLK_MINUS:
	case SDLK_KP_MINUS:
		push(v, VIEWER_ACTION_SLOWER);
		break;
	case SDLK_LEFT:
		pan(v, -1);
		break;
	case SDLK_RIGHT:
		pan(v, +1);
		break;
	case SDLK_z:
		zoom(v, shift ? -1 : +1);
		break;
	case SDLK_END:
	case SDLK_f:
		v->follow = true;
		break;
	case SDLK_HOME:
		v->follow = false;
		v->end_min = viewer_span_min(v);
		break;
	case SDLK_s:
		if (!k->repeat)
			v->screenshot_pending = true;
		break;
	case SDLK_a:
		if (!k->repeat && v->has_screen && v->screen.annunciation != 0)
			push(v, VIEWER_ACTION_ACKNOWLEDGE);
		break;
	case SDLK_p:
		if (!k->repeat)
			push(v, VIEWER_ACTION_OPEN_PAIRING);
		break;
	default:
		return;
	}
	v->dirty = true;
}

void viewer_read_events(viewer *v)
{
	SDL_Event e;
	while (SDL_PollEvent(&e)) {
		switch (e.type) {
		case SDL_QUIT:
			push(v, VIEWER_ACTION_QUIT);
			break;
		case SDL_KEYDOWN:
			handle_key(v, &e.key);
			break;
		case SDL_WINDOWEVENT:
			v->dirty = true;
			break;
		default:
			break;
		}
	}
}

bool viewer_poll(viewer *v, viewer_input *out)
{
	/* Events are read by viewer_update (once per frame interval) and after viewer_wait. */
	if (v->q_len == 0 && v->events_waiting) {
		v->events_waiting = false;
		viewer_read_events(v);
	}
	if (v->q_len == 0)
		return false;
	*out = v->queue[v->q_head];
	v->q_head = (v->q_head + 1) % VIEWER_QUEUE_LEN;
	v->q_len--;
	return true;
}

void viewer_wait(viewer *v, int max_ms)
{
	if (max_ms > 0 && v->q_len == 0 && SDL_WaitEventTimeout(NULL, max_ms))
		v->events_waiting = true;
	v->skip = v->skip_len = 0; /* the caller is slow now: read the clock at the next update */
}
