// PostgreSQL connection URLs: recognising one, and showing one without its secret. The URL is how an
// operator names the database (DATABASE_URL), so it appears in errors and logs — always through
// `redactUrl`, never as typed, because it may carry the password.

/** `postgres://…` or `postgresql://…` (libpq's two spellings) select PostgreSQL; anything else is a SQLite path. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location.trim());
}

/** The URL with its password (user info or `?password=`) removed, safe to show. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.searchParams.delete('password');
    return parsed.toString();
  } catch {
    // Unparseable: show only the scheme, since the rest may hold the secret.
    return `${url.split(':')[0] ?? 'postgres'}://(unparseable URL)`;
  }
}

/**
 * Strings that must never appear in a message: the URL itself and its password (user info,
 * `?password=`, or PGPASSWORD, which pg reads too). Short passwords are left out: replacing every
 * "ab" in a message would garble it, and pg never quotes a password in its errors anyway.
 */
export function secretsOf(url: string): string[] {
  const secrets = [url];
  try {
    const parsed = new URL(url);
    secrets.push(decodeURIComponent(parsed.password), parsed.password, parsed.searchParams.get('password') ?? '');
  } catch {
    // Unparseable: the whole URL is already listed.
  }
  secrets.push(process.env.PGPASSWORD ?? '');
  return [...new Set(secrets.filter((secret) => secret.length >= 4))];
}
