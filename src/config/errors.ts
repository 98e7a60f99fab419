/** A missing or wrong setting. Its message is one line naming the variable and what to put there. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
