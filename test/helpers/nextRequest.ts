// The settings caches (src/storage/settingsCache.ts) read settings_version once per synchronous
// stretch of JavaScript, as one request's reads run before its first await. A test that plays two
// processes with two handles in one test body waits for this between "requests", as two real
// processes' requests are never one stretch of the same event loop.
export function nextRequest(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
