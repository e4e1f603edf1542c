/**
 * A setting that is missing or malformed. The message always names the file to fix,
 * the key inside it, the value found and what was expected, so a user never has to
 * read a stack trace to know what to change.
 */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`${file}: ${key} (${describe(value)}) ${expected}`);
    this.name = 'ConfigError';
  }
}

/** Several ConfigErrors found in one pass, reported together. */
export class ConfigErrors extends Error {
  constructor(readonly errors: readonly Error[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'ConfigErrors';
  }
}

export function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return JSON.stringify(value);
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}
