/** One option of a command line: a flag (no value) or an option with its value. */
export interface CliOption {
  readonly name: string;
  readonly value?: string;
}

/**
 * Splits a command's arguments into options: `--name value`, `--name=value`, and the flags
 * `--json` and `--help` (`-h`). Anything else, or an option without its value, is refused through
 * `fail` with a message that names it and points at `cdk-azi <command> --help`.
 */
export function readCliOptions(argv: string[], command: string, withValue: string[], fail: (message: string) => never): CliOption[] {
  const flags = ['--json', '--help', '-h'];
  const help = `run 'cdk-azi ${command} --help' for the options`;
  const out: CliOption[] = [];
  for (let i = 0; i < argv.length; i++) {
    let name = argv[i];
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (name.startsWith('--') && eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (flags.includes(name) && value === undefined) {
      out.push({ name: name === '-h' ? '--help' : name });
      continue;
    }
    if (!withValue.includes(name)) {
      fail(`unknown option '${argv[i]}'; ${help}`);
    }
    value = value ?? argv[++i];
    if (value === undefined || value === '' || (value.startsWith('--') && [...withValue, ...flags].includes(value))) {
      fail(`${name} needs a value; ${help}`);
    }
    out.push({ name, value });
  }
  return out;
}

/** Output streams of a command, replaceable in tests. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** Standard output and error, each text ending in one newline. */
export const STDIO: Io = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};
