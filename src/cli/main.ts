import { TagwardenError } from '../errors.js'
import { LEARN_USAGE, learn } from './learn.js'
import { PROBE_USAGE, probe } from './probe.js'
import { PROXY_USAGE, proxy } from './proxy.js'
import { SCAN_USAGE, scan } from './scan.js'

const USAGE = `usage: tagwarden <command> [options]

commands:
  scan    inspect HTML files against a policy
  learn   print a policy that allows exactly what HTML files contain
  proxy   run the inspecting reverse proxy in front of a site
  probe   fetch pages as visitors receive them and inspect them (or run as a Prometheus exporter)

Run "tagwarden <command> --help" for a command's options.`

const COMMANDS: Record<string, { run: (args: string[]) => Promise<number>; usage: string }> = {
  scan: { run: scan, usage: SCAN_USAGE },
  learn: { run: learn, usage: LEARN_USAGE },
  proxy: { run: proxy, usage: PROXY_USAGE },
  probe: { run: probe, usage: PROBE_USAGE },
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`)
    return name === undefined ? 2 : 0
  }
  const command = COMMANDS[name]
  if (command === undefined) {
    process.stderr.write(`tagwarden: unknown command "${name}"\n${USAGE}\n`)
    return 2
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${command.usage}\n`)
    return 0
  }
  try {
    return await command.run(args)
  } catch (error) {
    // Usage, policy and I/O errors: one line on stderr, exit 2. parseArgs' errors carry ERR_PARSE_ARGS_* codes.
    const code = (error as { code?: string }).code ?? ''
    if (error instanceof TagwardenError || code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`tagwarden ${name}: ${(error as Error).message}\n`)
      return 2
    }
    throw error
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status
  },
  (error: unknown) => {
    process.stderr.write(`tagwarden: internal error: ${(error as Error)?.stack ?? String(error)}\n`)
    process.exitCode = 2
  },
)
