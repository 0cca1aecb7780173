// Arkime's "SessionsQuery" parameters (date, startTime/stopTime, bounding, strictly, expression,
// view, segments, interval, order, start/length, ids) turned into a backend SessionQuery. The
// user's forced expression (and an API key's node scope) is always AND-ed in here, so no route can forget it.
import type { ControlStore, UserDoc } from '../db/backend/control-store.js';
import type { Bounding } from '../db/backend/search-backend.js';
import type { SessionQuery, SortKey } from '../db/backend/search-backend.js';
import { parseTimeMs } from '../db/expr/dates.js';
import { HttpError, intParam } from './http.js';
import { nodeScopeExpression } from './key-scope.js';

const BOUNDINGS = ['last', 'first', 'both', 'either', 'database'];

export interface ParsedQuery {
  query: SessionQuery;
  /** Time span requested (s), for histogram intervals; undefined when unbounded. */
  startSec?: number;
  stopSec?: number;
  /** Histogram bucket width (s). */
  interval: number;
}

function timeParam(v: string, key: string): number {
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  const ms = parseTimeMs(v);
  if (Number.isNaN(ms)) throw new HttpError(400, `parameter ${key}=${v} is not a time`);
  return Math.floor(ms / 1000);
}

const INTERVALS: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86400, week: 604800 };

/** Arkime's automatic histogram interval for a span of `s` seconds. */
export function autoInterval(s: number | undefined): number {
  if (s === undefined) return 3600;
  if (s < 1000) return 1;
  if (s <= 600_000) return 60;
  if (s <= 36_000_000) return 3600;
  return 86400;
}

/**
 * `nodes`: the node scope of the request's API key (key-scope.ts), forced like the user's expression.
 * `own`: rewrites what the user wrote (their expression and views), e.g. the anonymised addresses
 * of a user whose anonymisation is forced; their forced expression is the admin's and stays.
 */
export async function parseSessionQuery(p: Record<string, string>, user: UserDoc, control: ControlStore, defaultHours = 1,
  nodes?: string[], own: (expression: string) => string = (e) => e): Promise<ParsedQuery> {
  const expressions: string[] = [];
  if (p.expression !== undefined && p.expression.trim() !== '') expressions.push(own(p.expression));
  if (p.view) {
    const views = await control.listViews(user.userId);
    const v = views.find((x) => String(x.id) === p.view || x.name === p.view);
    if (!v) throw new HttpError(400, "Can't find view");
    if (v.expression.trim()) expressions.push(own(v.expression));
  }
  if (user.expression && user.expression.trim()) expressions.push(user.expression);
  if (nodes && nodes.length > 0) expressions.push(nodeScopeExpression(nodes));

  const q: SessionQuery = { expressions };
  let bounding = p.bounding ?? 'last';
  if (!BOUNDINGS.includes(bounding)) throw new HttpError(400, `bounding must be one of ${BOUNDINGS.join(', ')}, not '${bounding}'`);
  if (p.strictly === 'true') bounding = 'both';
  q.bounding = bounding as Bounding;
  q.segmentsAll = p.segments === 'all';

  let startSec: number | undefined, stopSec: number | undefined;
  if (p.startTime !== undefined && p.stopTime !== undefined && (p.date === undefined || p.date === '')) {
    startSec = timeParam(p.startTime, 'startTime');
    stopSec = timeParam(p.stopTime, 'stopTime');
    if (stopSec < startSec) throw new HttpError(400, `stopTime ${p.stopTime} is before startTime ${p.startTime}`);
  } else {
    const date = p.date === undefined || p.date === '' ? defaultHours : Number(p.date);
    const hours = Number.isFinite(date) ? date : -1;
    if (hours !== -1) {
      stopSec = Math.floor(Date.now() / 1000);
      startSec = stopSec - Math.round(hours * 3600);
    }
  }
  if (!q.segmentsAll && startSec !== undefined) { q.start = startSec; q.stop = stopSec; }

  if (p.ids !== undefined && p.ids !== '') q.ids = p.ids.split(',').map((s) => s.trim()).filter(Boolean);

  let interval = p.interval && INTERVALS[p.interval] ? INTERVALS[p.interval] : autoInterval(startSec === undefined ? undefined : stopSec! - startSec);
  if (startSec === undefined && !INTERVALS[p.interval ?? '']) interval = 3600;
  return { query: q, startSec, stopSec, interval };
}

/** `order=field:asc,field2:desc` (document paths). */
export function parseOrder(p: Record<string, string>): SortKey[] | undefined {
  if (!p.order) return undefined;
  return p.order.split(',').filter(Boolean).map((part) => {
    const [field, dir = 'asc'] = part.split(':');
    if (dir !== 'asc' && dir !== 'desc') throw new HttpError(400, `order direction must be asc or desc, not '${dir}'`);
    return { field, order: dir };
  });
}

export function pageParams(p: Record<string, string>, maxSessions: number, defLength = 100): { start: number; length: number; clipped: boolean } {
  const start = intParam(p, 'start', 0, 0);
  const want = intParam(p, 'length', defLength, 0);
  return { start, length: Math.min(want, maxSessions), clipped: want > maxSessions };
}
