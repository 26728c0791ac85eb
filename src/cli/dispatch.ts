/**
 * `gan-studio`: finds the subcommand whose word path starts the command line, runs it and maps
 * failures to the documented exit codes (src/protocol/cliProtocol.ts): usage errors 2, missing
 * runs or checkpoints 3, anything else 1.
 */
import { CLI_EXIT } from '../protocol/cliProtocol';
import { CliIo, NotFoundError, Subcommand, SUBCOMMANDS, UsageError } from './subcommands';

export function generalUsage(subcommands: readonly Subcommand[] = SUBCOMMANDS): string {
  const width = Math.max(...subcommands.map((c) => c.path.join(' ').length));
  return `Usage: gan-studio <command> [options]

Works with GAN Studio run folders on the command line (train with gan-studio-train).

Commands:
${subcommands.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`).join('\n')}

gan-studio <command> --help shows a command's options.
Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 run or checkpoint not found.`;
}

/** The subcommand whose path is the longest prefix of argv, and the arguments after it. */
export function findSubcommand(argv: readonly string[], subcommands: readonly Subcommand[] = SUBCOMMANDS): { command: Subcommand; args: string[] } | undefined {
  const matches = subcommands.filter((c) => c.path.every((word, i) => argv[i] === word)).sort((a, b) => b.path.length - a.path.length);
  return matches[0] ? { command: matches[0], args: argv.slice(matches[0].path.length) } : undefined;
}

export async function dispatch(argv: string[], io: CliIo, subcommands: readonly Subcommand[] = SUBCOMMANDS): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    (argv.length === 0 ? io.err : io.out)(generalUsage(subcommands));
    return argv.length === 0 ? CLI_EXIT.usage : CLI_EXIT.ok;
  }
  const found = findSubcommand(argv, subcommands);
  if (!found) {
    io.err(`gan-studio: unknown command "${argv.slice(0, 2).join(' ')}".\n\n${generalUsage(subcommands)}`);
    return CLI_EXIT.usage;
  }
  const { command, args } = found;
  if (args.includes('--help') || args.includes('-h')) {
    io.out(command.usage);
    return CLI_EXIT.ok;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    const name = `gan-studio ${command.path.join(' ')}`;
    if (error instanceof UsageError) {
      io.err(`${name}: ${error.message}\n\n${command.usage}`);
      return CLI_EXIT.usage;
    }
    const e = error as Error & { hint?: string };
    io.err(`${name}: ${e instanceof Error ? e.message : String(error)}${e.hint ? `\n${e.hint}` : ''}`);
    return error instanceof NotFoundError ? CLI_EXIT.notFound : CLI_EXIT.failed;
  }
}
