// The argument convention of the one-shot commands (`npm run backup`, `npm run db:copy`): at most
// one positional argument, `-h`/`--help` for the usage line (exit 0), anything else that looks like
// an option or a second argument a usage mistake (the usage line on stderr, exit 2).

export type OptionalArgument = { exitCode: number } | { argument: string | undefined };

export function optionalArgument(args: readonly string[], usage: string): OptionalArgument {
  if (args.some((arg) => arg === '-h' || arg === '--help')) {
    process.stdout.write(`${usage}\n`);
    return { exitCode: 0 };
  }
  if (args.length > 1 || args.some((arg) => arg.startsWith('-'))) {
    process.stderr.write(`${usage}\n`);
    return { exitCode: 2 };
  }
  return { argument: args[0] };
}
