import { readFileSync } from 'node:fs'
import { TagwardenError, UsageError } from '../errors.js'
import { closest } from './args.js'
import { LEARN_USAGE, learn } from './learn.js'
import { out, say, stdoutStatus, watchStdout } from './io.js'
import { PROBE_USAGE, probe } from './probe.js'
import { PROXY_USAGE, proxy } from './proxy.js'
import { SCAN_USAGE, scan } from './scan.js'

const USAGE = `usage: tagwarden <command> [options]

commands:
  scan    inspect HTML files (or a built site's directory) against a policy
  learn   print a policy that allows exactly what HTML files contain
  proxy   run the inspecting reverse proxy in front of a site
  probe   fetch pages as visitors receive them and inspect them (or run as a Prometheus exporter)

Run "tagwarden help <command>" (or "tagwarden <command> --help") for a command's options,
"tagwarden --version" (or -v) for the version. Errors are one line on stderr, "tagwarden: ...".`

interface Command {
  run: (args: string[]) => Promise<number>
  usage: string
}

const COMMANDS: Record<string, Command> = {
  scan: { run: scan, usage: SCAN_USAGE },
  learn: { run: learn, usage: LEARN_USAGE },
  proxy: { run: proxy, usage: PROXY_USAGE },
  probe: { run: probe, usage: PROBE_USAGE },
}

const TOP_LEVEL_OPTIONS = ['help', 'version']

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined) {
    out(`${USAGE}\n`)
    return 2
  }
  if (name === '--help' || name === '-h') {
    out(`${USAGE}\n`)
    return 0
  }
  if (name === '--version' || name === '-v') {
    out(`${packageVersion()}\n`)
    return 0
  }
  if (name === 'help') return help(args)
  if (name.startsWith('-')) {
    const guess = closest(name.replace(/^--?/, ''), TOP_LEVEL_OPTIONS)
    throw new UsageError(
      `unknown option ${name} ${guess === undefined ? '(see "tagwarden --help")' : `(did you mean --${guess}?)`}`,
    )
  }
  const command = findCommand(name)
  if (asksForHelp(args)) {
    out(`${command.usage}\n`)
    return 0
  }
  return command.run(args)
}

/** `tagwarden help [COMMAND]`. */
function help(args: string[]): number {
  if (args.length > 1) throw new UsageError('help takes one command at most, e.g. "tagwarden help scan"')
  out(`${args[0] === undefined ? USAGE : findCommand(args[0]).usage}\n`)
  return 0
}

function findCommand(name: string): Command {
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (command !== undefined) return command
  const guess = closest(name, Object.keys(COMMANDS))
  throw new UsageError(
    `unknown command "${name}" ${guess === undefined ? `(commands: ${Object.keys(COMMANDS).join(', ')})` : `(did you mean ${guess}?)`}`,
  )
}

/** `--help` or `-h` among the flags; after `--` they are file names. */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--')
  const flags = end === -1 ? args : args.slice(0, end)
  return flags.includes('--help') || flags.includes('-h')
}

/** src/cli/main.ts and the built dist/cli/main.js both sit two directories below package.json. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return pkg.version
}

watchStdout()
main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = stdoutStatus() === 'failed' ? 2 : status
  },
  (error: unknown) => {
    // Usage, policy and I/O errors: one line on stderr, exit 2. Anything else is a bug: its stack.
    if (error instanceof TagwardenError) say(error.message)
    else say(`internal error: ${(error as Error)?.stack ?? String(error)}`)
    process.exitCode = 2
  },
)
