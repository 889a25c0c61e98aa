import pino, { type Logger } from 'pino'

/** The default logger: one JSON line per event on stdout, written synchronously so none is lost on exit. */
export function createLogger(level = 'info'): Logger {
  return pino({ level }, pino.destination({ dest: 1, sync: true }))
}
