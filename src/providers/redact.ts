// Keys must never reach a message, a log line or the database. Everything a relay sends back
// (error messages can echo headers) and every error we build passes through here.

const KEY_PATTERNS = [/\bsk-[A-Za-z0-9_\-]{8,}/g, /Bearer\s+[A-Za-z0-9._~+/=\-]{8,}/gi];

const knownSecrets = new Set<string>();

/** Registers a secret (an API key) so that every later `redact` removes it wherever it appears. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 4) knownSecrets.add(secret);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of knownSecrets) out = out.split(secret).join('[redacted]');
  for (const pattern of KEY_PATTERNS) out = out.replace(pattern, '[redacted]');
  return out;
}
