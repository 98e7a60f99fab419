// Test-only crash points: the crash test kills the bot with SIGKILL at each step of a generation and
// checks that the next start leaves the books agreeing. Read only when NODE_ENV is `test`, so no
// production setting can reach it.
export type CrashPoint = 'after_reservation' | 'before_records' | 'after_records' | 'after_relay_answer' | 'after_delivery' | 'inside_settlement';

const armed = process.env.NODE_ENV === 'test' ? process.env.IMAGINE_TEST_CRASH_AT : undefined;

export function crashPoint(point: CrashPoint): void {
  if (armed === point) process.kill(process.pid, 'SIGKILL');
}
