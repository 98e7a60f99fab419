// Calendar boundaries for "today" and "this month", shared by the usage summary and (later) daily
// quotas and monthly budgets, so every view agrees on when a day starts.
//
// `offsetMinutes` is what to ADD to UTC to get local time (UTC+8 → 480). Note the opposite sign of
// JavaScript's Date#getTimezoneOffset. 0 (the default everywhere) means UTC.

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Epoch ms of the most recent local midnight at or before `now`. */
export function dayStart(now: number, offsetMinutes = 0): number {
  const local = now + offsetMinutes * MINUTE_MS;
  const sinceMidnight = ((local % DAY_MS) + DAY_MS) % DAY_MS; // also right before 1970
  return local - sinceMidnight - offsetMinutes * MINUTE_MS;
}

/** Epoch ms of local midnight on the 1st of the month containing `now`. */
export function monthStart(now: number, offsetMinutes = 0): number {
  const local = new Date(now + offsetMinutes * MINUTE_MS);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - offsetMinutes * MINUTE_MS;
}
