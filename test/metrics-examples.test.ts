/** The shipped Prometheus rules and Grafana dashboard refer only to metrics tagwarden exports. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { createMetrics } from '../src/entries/proxy.js'

const EXAMPLES = join(import.meta.dirname, '..', 'examples')

async function exported(): Promise<Set<string>> {
  const names = new Set<string>(['up'])
  for (const m of await createMetrics().registry.getMetricsAsJSON()) {
    names.add(m.name)
    if (String(m.type) === 'histogram')
      for (const s of ['_bucket', '_sum', '_count']) names.add(`${m.name}${s}`)
  }
  return names
}

/** Metric names in a PromQL expression: what is left once grouping, matchers, ranges and functions are taken out. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/\bby\s*\([^)]*\)/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
  const functions = new Set(['sum', 'rate', 'increase', 'histogram_quantile'])
  return [...bare.matchAll(/\b[a-z_][a-z0-9_]*\b/g)].map((m) => m[0]).filter((n) => !functions.has(n))
}

t.test('alerts.yml: valid YAML, known metrics, a critical alert on the first violation', async (t) => {
  const names = await exported()
  const doc = parse(readFileSync(join(EXAMPLES, 'prometheus', 'alerts.yml'), 'utf8')) as {
    groups: { rules: { alert: string; expr: string; for: string; labels: { severity: string } }[] }[]
  }
  const rules = doc.groups.flatMap((g) => g.rules)
  for (const rule of rules)
    for (const name of metricNames(rule.expr)) t.ok(names.has(name), `${rule.alert}: ${name}`)
  const first = rules.find((r) => r.alert === 'TagwardenViolation')!
  t.match(first.expr, /increase\(tagwarden_violations_total\[5m\]\)\) > 0/)
  t.equal(first.for, '0m', 'fires at once')
  t.equal(first.labels.severity, 'critical')
})

t.test('the Grafana dashboard: valid JSON, known metrics', async (t) => {
  const names = await exported()
  const dashboard = JSON.parse(
    readFileSync(join(EXAMPLES, 'grafana', 'tagwarden-dashboard.json'), 'utf8'),
  ) as {
    panels: { title: string; targets: { expr: string }[] }[]
  }
  t.ok(dashboard.panels.length > 0)
  for (const panel of dashboard.panels) {
    for (const target of panel.targets) {
      for (const name of metricNames(target.expr)) t.ok(names.has(name), `${panel.title}: ${name}`)
    }
  }
})
